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
    source, run_id, model_id = _version_source(client, model_uri)
    try:
        client.create_registered_model(name)
        _LOGGER.info("Successfully registered model %r.", name)
    except AlreadyExistsError as exc:
        try:
            client.get_registered_model(name)
        except NotFoundError:  # a different model whose name differs only by case
            raise exc from None
        _LOGGER.info("Registered model %r already exists. Creating a new version of it.", name)
    version = client.create_model_version(name, source, run_id, tags=tags, model_id=model_id)
    _LOGGER.info("Created version '%s' of model %r.", version.version, name)
    if model_id is not None:
        _record_version_on_model(client, model_id, version)
    return version


def _version_source(client: FlowtrackClient, model_uri: str) -> tuple[str, str | None, str | None]:
    """``(source, run_id, model_id)`` of a new version of ``model_uri``, as MLflow 3 records them.

    ``models:/<model_id>`` is kept, with the logged model's id and source run;
    ``runs:/<run_id>/<name>`` naming a logged model of the run becomes ``models:/<model_id>``;
    other ``runs:/`` URIs are kept; a registered ``models:/`` URI copies its version's source.
    """
    from flowtrack.tracking.models_uri import (
        find_run_logged_model,
        logged_model_id,
        resolve_model_version,
    )

    scheme = urlsplit(model_uri).scheme.lower()
    if scheme == "runs":
        run_id, _, path = model_uri[len("runs:") :].lstrip("/").partition("/")
        path = path.strip("/")
        if run_id and path and "/" not in path:
            model = find_run_logged_model(client, client.get_run(run_id), path)
            if model is not None:
                return model.model_uri, run_id, model.model_id
        return model_uri, run_id or None, None
    if scheme == "models":
        model_id = logged_model_id(model_uri)
        if model_id is not None:
            return model_uri, client.get_logged_model(model_id).source_run_id, model_id
        copied = resolve_model_version(model_uri, client)
        return copied.source, copied.run_id, copied.model_id
    return model_uri, None, None


def _record_version_on_model(client: FlowtrackClient, model_id: str, version: ModelVersion) -> None:
    """Add the version to the logged model's ``mlflow.modelVersions`` tag, as MLflow does."""
    import json

    from flowtrack.entities.tags import MLFLOW_MODEL_VERSIONS

    entry = {"name": version.name, "version": version.version}
    try:
        existing = client.get_logged_model(model_id).tags.get(MLFLOW_MODEL_VERSIONS)
    except NotFoundError:
        _LOGGER.warning(
            "Unable to update logged model tags for model ID %r: the logged model does not "
            "exist in this tracking store. No model version link will be recorded on it.",
            model_id,
        )
        return
    versions = json.loads(existing) if existing else []
    if entry not in versions:
        versions.append(entry)
    client.set_logged_model_tags(model_id, {MLFLOW_MODEL_VERSIONS: json.dumps(versions)})


def register_model(
    model_uri: str,
    name: str,
    tags: Mapping[str, Any] | None = None,
    await_registration_for: int = 300,
) -> ModelVersion:
    """Register a logged model as a new version of a registered model (created when missing).

    Args:
        model_uri: ``models:/<model_id>`` (a logged model: kept as the version's source, and
            the version records the ``model_id``), ``runs:/<run_id>/<name>`` (the run's logged
            model ``<name>`` when there is one, else kept as the source), a registered
            ``models:/`` URI (its version's source is copied), or a URI under the configured
            artifact root.
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
