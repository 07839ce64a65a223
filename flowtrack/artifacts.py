"""MLflow's ``mlflow.artifacts`` functions: download, list and load artifacts by URI.

An artifact is named either by ``run_id`` (+ ``artifact_path``) or by one URI: ``runs:/<run_id>/
<path>``, ``models:/<model_id>[/<path>]`` (a logged model), ``models:/<name>/<version or stage or
latest>[/<path>]`` or ``models:/<name>@<alias>[/<path>]`` (resolved through the model registry),
a local path, or any fsspec URL
(``s3://...``, ``memory://...``), such as a run's ``artifact_uri``. Downloads go through the
artifact store, so paths stay confined.

Example:
    >>> flowtrack.log_dict({"alpha": 0.5}, "config.json")
    >>> flowtrack.artifacts.load_dict(f"runs:/{run_id}/config.json")
    {'alpha': 0.5}
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from flowtrack.entities import FileInfo
from flowtrack.exceptions import InvalidParameterError
from flowtrack.tracking.client import FlowtrackClient

__all__ = ["download_artifacts", "list_artifacts", "load_dict", "load_image", "load_text"]

_RUNS_SCHEME = "runs:/"
_MODELS_SCHEME = "models:/"


def _client(tracking_uri: str | None, registry_uri: str | None = None) -> FlowtrackClient:
    if tracking_uri is not None or registry_uri is not None:
        return FlowtrackClient(tracking_uri, registry_uri)
    from flowtrack.tracking.fluent.config import current_client

    return current_client()


def _models_uri_location(artifact_uri: str, client: FlowtrackClient) -> str:
    """Return the storage URI a ``models:/`` URI (with an optional path inside) names."""
    from flowtrack._private.validation import is_model_id
    from flowtrack.stores.artifacts.paths import join_uri
    from flowtrack.tracking.models_uri import resolve_model_version

    segments = artifact_uri[len(_MODELS_SCHEME) :].strip("/").split("/")
    if is_model_id(segments[0]):  # ``<model_id>/<path>``: a logged model
        head = 1
        root = client.get_logged_model(segments[0]).artifact_location
    else:  # ``<name>@<alias>/<path>`` or ``<name>/<version or stage or latest>/<path>``
        head = 1 if "@" in segments[0] else 2
        version = resolve_model_version(_MODELS_SCHEME + "/".join(segments[:head]), client)
        root = client.get_model_version_download_uri(version.name, version.version)
    inner = "/".join(segments[head:])
    return join_uri(root, inner) if inner else root


def _target(
    artifact_uri: str | None, run_id: str | None, artifact_path: str | None
) -> tuple[str | None, str]:
    """``(run_id, path)`` for a run's artifact, or ``(None, uri)`` for any other URI."""
    if artifact_uri is not None:
        if run_id is not None or artifact_path is not None:
            raise InvalidParameterError(
                "Pass either artifact_uri, or run_id (with an optional artifact_path), not both: "
                f"got artifact_uri={artifact_uri!r}, run_id={run_id!r}, "
                f"artifact_path={artifact_path!r}"
            )
        if not artifact_uri.startswith(_RUNS_SCHEME):
            return None, artifact_uri
        from flowtrack.models.uri import split_runs_uri

        return split_runs_uri(artifact_uri, "artifact")
    if run_id is None:
        raise InvalidParameterError("Pass artifact_uri, or run_id with an optional artifact_path")
    return run_id, artifact_path or ""


def download_artifacts(
    artifact_uri: str | None = None,
    run_id: str | None = None,
    artifact_path: str | None = None,
    dst_path: str | os.PathLike[str] | None = None,
    tracking_uri: str | None = None,
    registry_uri: str | None = None,
) -> str:
    """Download an artifact file or directory and return its local path.

    Args:
        artifact_uri: ``runs:/<run_id>/<path>``, ``models:/<model_id>[/<path>]`` (a logged
            model), ``models:/<name>/<version>[/<path>]`` (also a stage, ``latest`` or
            ``<name>@<alias>``), a local path or an fsspec URL.
        run_id: Instead of ``artifact_uri``: the run whose artifact to download.
        artifact_path: With ``run_id``: the path under its artifact root (default everything).
        dst_path: A local directory to download into; default a new temporary directory.
        tracking_uri: The store holding the run; default the current tracking URI.
        registry_uri: The model registry resolving a ``models:/`` URI; default the current
            registry URI (with ``tracking_uri`` given: that store's registry).

    Returns:
        The local path of the file or directory.

    Raises:
        InvalidParameterError: Both or neither of ``artifact_uri`` and ``run_id``.
        NotFoundError: Nothing exists there, or the ``models:/`` URI names no version.

    Example:
        >>> download_artifacts(run_id=run_id, artifact_path="model")
        '/tmp/tmpk2x9/model'
        >>> download_artifacts("models:/fraud@champion/MLmodel")
        '/tmp/tmp3f0a/MLmodel'
    """
    found_run, path = _target(artifact_uri, run_id, artifact_path)
    destination = os.fspath(dst_path) if dst_path is not None else None
    if found_run is not None:
        return _client(tracking_uri, registry_uri).download_artifacts(found_run, path, destination)
    from flowtrack.models.uri import download_uri

    if path.startswith(_MODELS_SCHEME):
        path = _models_uri_location(path, _client(tracking_uri, registry_uri))

    return download_uri(path, destination or tempfile.mkdtemp())


def list_artifacts(
    artifact_uri: str | None = None,
    run_id: str | None = None,
    artifact_path: str | None = None,
    tracking_uri: str | None = None,
) -> list[FileInfo]:
    """List the files and directories directly under an artifact directory.

    Args:
        artifact_uri: ``runs:/<run_id>/<path>``, a local path or an fsspec URL of a directory.
        run_id: Instead of ``artifact_uri``: the run whose artifacts to list.
        artifact_path: With ``run_id``: a directory under its artifact root (default the root).
        tracking_uri: The store holding the run; default the current tracking URI.

    Returns:
        The entries, sorted by path (paths relative to the listed directory's root).

    Raises:
        InvalidParameterError: Both or neither of ``artifact_uri`` and ``run_id``.
    """
    found_run, path = _target(artifact_uri, run_id, artifact_path)
    if found_run is not None:
        return _client(tracking_uri).list_artifacts(found_run, path or None)
    from flowtrack.stores.artifacts.store import get_artifact_store

    return get_artifact_store(path).list_artifacts()


def _download_file(artifact_uri: str) -> Path:
    local = Path(download_artifacts(artifact_uri=artifact_uri))
    if not local.is_file():
        raise InvalidParameterError(f"Artifact {artifact_uri!r} is a directory, not a file")
    return local


def load_text(artifact_uri: str) -> str:
    """Return the contents of a text artifact (UTF-8).

    Example:
        >>> load_text(f"runs:/{run_id}/notes.txt")
        'trained on the 2024 data'
    """
    return _download_file(artifact_uri).read_text(encoding="utf-8")


def load_dict(artifact_uri: str) -> dict[str, Any]:
    """Return a JSON (or, for ``.yaml``/``.yml`` files, YAML) artifact as a dict.

    Raises:
        InvalidParameterError: The file does not hold a JSON/YAML mapping.
    """
    import yaml

    local = _download_file(artifact_uri)
    text = local.read_text(encoding="utf-8")
    is_yaml = local.suffix.lower() in (".yaml", ".yml")
    try:
        loaded = yaml.safe_load(text) if is_yaml else json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:  # JSONDecodeError is a ValueError
        kind = "YAML" if is_yaml else "JSON"
        raise InvalidParameterError(
            f"Artifact {artifact_uri!r} is not valid {kind}: {exc}"
        ) from exc
    if not isinstance(loaded, dict):
        raise InvalidParameterError(
            f"Artifact {artifact_uri!r} holds a {type(loaded).__name__}, not a mapping"
        )
    return loaded


def load_image(artifact_uri: str) -> Any:
    """Return an image artifact as a ``PIL.Image.Image`` (needs the ``plots`` extra)."""
    from flowtrack._private.optional import require

    image_module = require("PIL.Image", "load_image", extra="plots")
    image = image_module.open(_download_file(artifact_uri))
    image.load()  # read it now: the temporary file may go away
    return image
