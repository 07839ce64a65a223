"""``models:/`` URIs: the registered model version they name, resolved through a client.

Accepted forms: ``models:/<name>/<version>``, ``models:/<name>/<stage>`` (any casing: the highest
version in that stage), ``models:/<name>/latest`` (the highest version) and
``models:/<name>@<alias>``. Resolving one needs only the registry, so it lives with the client:
:func:`flowtrack.register_model` copies a version's source with it, and the model loaders
(:mod:`flowtrack.models.uri`) follow the source to the model's files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flowtrack.entities import ModelVersionStage
from flowtrack.exceptions import InvalidParameterError, NotFoundError

if TYPE_CHECKING:
    from flowtrack.entities import ModelVersion
    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["resolve_model_version"]

# The ``models:/`` forms, for error messages.
_MODELS_URI_FORMS = (
    "'models:/<name>/<version>', 'models:/<name>/<stage>', 'models:/<name>/latest' or "
    "'models:/<name>@<alias>'"
)


def resolve_model_version(model_uri: str, client: FlowtrackClient) -> ModelVersion:
    """Return the registered model version a ``models:/`` URI names.

    Args:
        model_uri: ``models:/<name>/<version>``, ``models:/<name>/<stage>`` (any casing),
            ``models:/<name>/latest`` or ``models:/<name>@<alias>``.
        client: The client whose registry to ask.

    Returns:
        The version.

    Raises:
        InvalidParameterError: The URI is not one of the forms above.
        NotFoundError: The model, version, alias, or a version in the stage, does not exist.

    Example:
        >>> resolve_model_version("models:/fraud@champion", MlflowClient()).version
        2
    """
    name, alias, suffix = _split_models_uri(model_uri)
    try:
        if alias is not None:
            return client.get_model_version_by_alias(name, alias)
        if suffix.isascii() and suffix.isdigit():
            return client.get_model_version(name, suffix)
        if suffix.lower() == "latest":
            versions = client.get_latest_versions(name)
            if not versions:
                raise NotFoundError(f"Registered model {name!r} has no versions")
            return max(versions, key=lambda v: v.version)
        try:
            stage = ModelVersionStage.parse(suffix)
        except InvalidParameterError:
            allowed = ", ".join(repr(member.value) for member in ModelVersionStage)
            raise InvalidParameterError(
                f"Invalid model URI {model_uri!r}: {suffix!r} is neither a version number, "
                f"'latest', nor a stage ({allowed}); use {_MODELS_URI_FORMS}"
            ) from None
        found = client.get_latest_versions(name, [stage.value])
        if not found:
            raise NotFoundError(
                f"Registered model {name!r} has no version in stage {stage.value!r}"
            )
        return found[0]
    except NotFoundError as exc:
        raise NotFoundError(f"Cannot resolve {model_uri!r}: {exc}") from exc


def _split_models_uri(uri: str) -> tuple[str, str | None, str]:
    """Split a ``models:/`` URI into ``(name, alias or None, version/stage/latest or "")``."""
    parts = urlsplit(uri)
    body = uri[len(parts.scheme) + 1 :]
    rest = body[1:] if body.startswith("/") and not body.startswith("//") else ""
    name, slash, suffix = rest.rstrip("/").partition("/")
    alias = None
    if not slash and "@" in name:
        name, _, alias = name.rpartition("@")
    if not name or (alias is None and (not suffix or "/" in suffix)) or alias == "":
        raise InvalidParameterError(
            f"Invalid model URI {uri!r}: expected {_MODELS_URI_FORMS}, e.g. 'models:/fraud/1'"
        )
    return name, alias, suffix
