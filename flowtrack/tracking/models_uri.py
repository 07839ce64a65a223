"""``models:/`` and ``runs:/`` URIs: what they name, resolved through a client.

Registered versions: ``models:/<name>/<version>``, ``models:/<name>/<stage>`` (any casing: the
highest version in that stage), ``models:/<name>/latest`` (the highest version) and
``models:/<name>@<alias>``. Logged models (MLflow 3): ``models:/<model_id>``. And
``runs:/<run_id>/<name>/...``: MLflow 3 resolves it through the run's logged model named
``<name>``, falling back to the run's own artifacts (models logged the old way).

Resolving them needs only the stores, so it lives with the client:
:func:`flowtrack.register_model` copies a version's source with it, and the model loaders
(:mod:`flowtrack.models.uri`) and :mod:`flowtrack.artifacts` follow it to the files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flowtrack.entities import ModelVersionStage
from flowtrack.exceptions import InvalidParameterError, NotFoundError

if TYPE_CHECKING:
    from flowtrack.entities import LoggedModel, ModelVersion, Run
    from flowtrack.tracking.client import FlowtrackClient

__all__ = [
    "find_run_logged_model",
    "logged_model_id",
    "resolve_model_version",
    "resolve_run_artifact",
]

# Characters MLflow refuses in logged model names: a path segment holding one names no model.
_NOT_IN_MODEL_NAMES = frozenset("/:.%\"'")

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


def logged_model_id(model_uri: str) -> str | None:
    """Return the logged model id of ``models:/<model_id>``, else ``None``.

    Example:
        >>> logged_model_id("models:/m-0a1b2c"), logged_model_id("models:/fraud/1")
        ('m-0a1b2c', None)
    """
    parts = urlsplit(model_uri)
    if parts.scheme.lower() != "models" or parts.netloc:
        return None
    body = parts.path.strip("/")
    if not body or "/" in body or "@" in body:
        return None
    return body


def find_run_logged_model(client: FlowtrackClient, run: Run, name: str) -> LoggedModel | None:
    """Return the logged model named ``name`` that ``run`` produced, or ``None``.

    With several, the one the run output at the highest step (then the newest), as MLflow's
    registration picks.

    Args:
        client: The run's client.
        run: The source run.
        name: The model's name (the first path segment of ``runs:/<run_id>/<name>``).
    """
    if not name or any(char in _NOT_IN_MODEL_NAMES for char in name):
        return None
    run_id = run.info.run_id
    found: list[LoggedModel] = []
    token: str | None = None
    while True:
        page = client.search_logged_models(
            [run.info.experiment_id],
            f"name = '{name}' AND source_run_id = '{run_id}'",
            page_token=token,
        )
        found.extend(page)
        if not page.token:
            break
        token = page.token
    if not found:
        return None
    steps = {output.model_id: output.step for output in run.outputs.model_outputs}
    return max(found, key=lambda m: (steps.get(m.model_id, -1), m.creation_timestamp, m.model_id))


def resolve_run_artifact(client: FlowtrackClient, run_id: str, path: str) -> tuple[str, str, str]:
    """Return where ``runs:/<run_id>/<path>`` lives: ``(root URI, path under it, name)``.

    The run's logged model named by the first segment of ``path`` wins (its artifact location is
    the root; ``name`` is that segment, the directory a download lands in); otherwise the run's
    artifact root (``name`` is ``""``).

    Raises:
        NotFoundError: No such run, or the run has no artifact location.
    """
    run = client.get_run(run_id)
    first, _, rest = path.strip("/").partition("/")
    model = find_run_logged_model(client, run, first)
    if model is not None:
        return model.artifact_location, rest, first
    root = run.info.artifact_uri
    if not root:
        raise NotFoundError(
            f"Cannot read 'runs:/{run_id}/{path}': the run has no artifact location"
        )
    return root, path, ""


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
