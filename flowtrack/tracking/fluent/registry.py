"""The fluent Model Registry API: register, search and tag models in the context's registry.

Every function talks to the registry of :func:`flowtrack.get_registry_uri` (set with
:func:`flowtrack.set_registry_uri`; default the tracking URI).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flowtrack.exceptions import AlreadyExistsError, InvalidParameterError, NotFoundError

if TYPE_CHECKING:
    from flowtrack.entities import ModelVersion, RegisteredModel
    from flowtrack.tracking.client import FlowtrackClient

__all__ = [
    "register_model",
    "register_model_with",
    "search_model_versions",
    "search_registered_models",
    "set_model_version_tag",
]

_LOGGER = logging.getLogger("flowtrack.registry")


def register_model_with(
    client: FlowtrackClient,
    model_uri: str,
    name: str,
    tags: Mapping[str, Any] | None = None,
) -> ModelVersion:
    """Register ``model_uri`` as a new version of ``name`` in ``client``'s registry.

    Args:
        client: The client whose registry (and tracking store, for ``models:/``) to use.
        model_uri: See :func:`register_model`.
        name: The registered model, created when missing.
        tags: Version tags (values through ``str``).

    Returns:
        The new version.

    Raises:
        AlreadyExistsError: ``name`` differs only by case from an existing model's name.
        InvalidParameterError: ``model_uri`` is not a string, or is refused as a source.
        NotFoundError: A ``models:/`` URI names nothing.
    """
    if not isinstance(model_uri, str) or not model_uri.strip():
        raise InvalidParameterError(
            f"Invalid model URI {model_uri!r}: expected e.g. 'runs:/<run_id>/model'"
        )
    scheme = urlsplit(model_uri).scheme.lower()
    run_id: str | None = None
    source = model_uri
    if scheme == "runs":
        run_id = model_uri[len("runs:") :].lstrip("/").partition("/")[0] or None
    elif scheme == "models":
        from flowtrack.tracking.models_uri import resolve_model_version

        copied = resolve_model_version(model_uri, client)
        source, run_id = copied.source, copied.run_id
    try:
        client.create_registered_model(name)
        _LOGGER.info("Successfully registered model %r.", name)
    except AlreadyExistsError as exc:
        try:
            client.get_registered_model(name)
        except NotFoundError:  # a different model whose name differs only by case
            raise exc from None
        _LOGGER.info("Registered model %r already exists. Creating a new version of it.", name)
    version = client.create_model_version(name, source, run_id, tags=tags)
    _LOGGER.info("Created version '%s' of model %r.", version.version, name)
    return version


def register_model(
    model_uri: str,
    name: str,
    tags: Mapping[str, Any] | None = None,
    await_registration_for: int = 300,
) -> ModelVersion:
    """Register a logged model as a new version of a registered model (created when missing).

    Args:
        model_uri: ``runs:/<run_id>/<path>`` (kept as the version's source), a ``models:/`` URI
            (its version's source is copied), or a URI under the configured artifact root.
        name: The registered model's name.
        tags: ``{key: value}`` version tags (values through ``str``).
        await_registration_for: Accepted for MLflow compatibility; versions are ready at once.

    Returns:
        The new version (``version`` 1 for a new model).

    Raises:
        AlreadyExistsError: ``name`` differs only by case from an existing model's name.
        InvalidParameterError: The name, the source or a tag is invalid.
        NotFoundError: A ``models:/`` URI names nothing.

    Example:
        >>> with flowtrack.start_run() as run:
        ...     flowtrack.sklearn.log_model(clf, name="model")
        >>> flowtrack.register_model(f"runs:/{run.info.run_id}/model", "fraud").version
        1
    """
    from flowtrack.tracking.fluent.config import current_client

    del await_registration_for  # the registry has no asynchronous version creation
    return register_model_with(current_client(), model_uri, name, tags)


def search_registered_models(
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
) -> list[RegisteredModel]:
    """Search registered models, reading every page (MLflow's fluent ``search_registered_models``).

    Args:
        max_results: The most models to return; ``None`` for all of them.
        filter_string: E.g. ``"name LIKE 'fraud%' AND tags.team = 'risk'"``.
        order_by: E.g. ``["last_updated_timestamp DESC"]``; default by name.

    Returns:
        The matching registered models.

    Raises:
        InvalidParameterError: A bad filter, order-by or ``max_results``.

    Example:
        >>> [m.name for m in flowtrack.search_registered_models(filter_string="name = 'fraud'")]
        ['fraud']
    """
    from flowtrack.stores.model_registry.base import SEARCH_MAX_RESULTS_DEFAULT
    from flowtrack.tracking._paging import collect_pages
    from flowtrack.tracking.fluent.config import current_client

    client = current_client()
    return collect_pages(
        lambda size, token: client.search_registered_models(filter_string, size, order_by, token),
        max_results,
        SEARCH_MAX_RESULTS_DEFAULT,
    )


def search_model_versions(
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
) -> list[ModelVersion]:
    """Search model versions, reading every page (MLflow's fluent ``search_model_versions``).

    Args:
        max_results: The most versions to return; ``None`` for all of them.
        filter_string: E.g. ``"name = 'fraud' AND tags.validated = 'yes'"``.
        order_by: E.g. ``["version_number DESC"]``.

    Returns:
        The matching model versions.

    Raises:
        InvalidParameterError: A bad filter, order-by or ``max_results``.

    Example:
        >>> [v.version for v in flowtrack.search_model_versions(filter_string="name = 'fraud'")]
        [2, 1]
    """
    from flowtrack.tracking._client_model_versions import SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT
    from flowtrack.tracking._paging import collect_pages
    from flowtrack.tracking.fluent.config import current_client

    client = current_client()
    return collect_pages(
        lambda size, token: client.search_model_versions(filter_string, size, order_by, token),
        max_results,
        SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    )


def set_model_version_tag(
    name: str, version: str | int | None = None, key: str | None = None, value: Any = None
) -> None:
    """Set a tag on a model version (the value through ``str``).

    ``version``, ``key`` and ``value`` default to ``None`` only because MLflow's signature does;
    all three are required.

    Args:
        name: The registered model.
        version: The version number.
        key: The tag name.
        value: The tag value.

    Raises:
        InvalidParameterError: ``version``, ``key`` or ``value`` is missing, or invalid.
        NotFoundError: The model or the version does not exist.

    Example:
        >>> flowtrack.set_model_version_tag("fraud", "1", "validated", "yes")
    """
    from flowtrack.tracking.fluent.config import current_client

    if version is None or key is None or value is None:
        given = {"version": version, "key": key, "value": value}
        missing = ", ".join(arg for arg, v in given.items() if v is None)
        raise InvalidParameterError(
            f"set_model_version_tag({name!r}) needs {missing}: pass the version number, the tag "
            "key and the tag value"
        )
    current_client().set_model_version_tag(name, version, key, value)
