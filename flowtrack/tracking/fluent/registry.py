"""The fluent Model Registry API: ``flowtrack.register_model``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flowtrack.exceptions import AlreadyExistsError, InvalidParameterError, NotFoundError

if TYPE_CHECKING:
    from flowtrack.entities import ModelVersion
    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["register_model", "register_model_with"]

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
