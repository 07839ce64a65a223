"""Model URIs: find a model and bring it to the local disk.

Accepted forms:

- a local path (relative or absolute) or ``file://`` URL: used in place, nothing is copied
  unless ``dst_path`` is given;
- ``runs:/<run_id>/<name>[/<path>]``: the run's logged model named ``<name>`` (MLflow 3's
  ``log_model(..., name=...)``), else ``<name>/<path>`` under the run's artifact root (models
  logged the old way, and MLflow 2 runs), in this context's tracking store (``runs:/<run_id>``
  alone names the whole root);
- ``models:/<model_id>``: a logged model's files, at its artifact location;
- any fsspec URL (``memory://``, ``s3://``, ``gs://``...): downloaded through the artifact store,
  so the same path confinement applies (no object key can land outside the download directory);
- ``models:/<name>/<version>``, ``models:/<name>/<stage>`` (any casing: the highest version in
  that stage), ``models:/<name>/latest`` (the highest version) and ``models:/<name>@<alias>``:
  resolved through this context's model registry
  (:func:`flowtrack.tracking.models_uri.resolve_model_version`) to the version's source, which
  is then resolved as above (a ``runs:/`` or ``models:/<model_id>`` source through the tracking
  store).

:class:`~flowtrack.models.model.Model` reads local files only; :func:`get_model_info` is how a
model's metadata is read from any of these forms.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.models.model import MLMODEL_FILE_NAME, Model, ModelInfo

__all__ = [
    "ModelLocation",
    "download_model",
    "download_model_file",
    "download_uri",
    "get_model_info",
    "parse_model_uri",
    "split_runs_uri",
]


@dataclass(frozen=True, slots=True)
class ModelLocation:
    """Where a model URI points.

    Attributes:
        local_path: The local directory, for local paths and ``file://`` URLs; else ``None``.
        root_uri: For remote models: the artifact root to download from.
        path: For remote models: the model's path under ``root_uri`` (``""``: the root).
        name: The directory a download into a given ``dst_path`` lands in, when ``path`` does
            not end with it (``runs:/<run_id>/<name>`` resolved to a logged model); else ``""``.
    """

    local_path: str | None
    root_uri: str = ""
    path: str = ""
    name: str = ""

    def destination(self, dst_path: str | os.PathLike[str] | None) -> str | None:
        """The local directory to download ``path`` into, for a caller's ``dst_path``."""
        if dst_path is None or not self.name:
            return None if dst_path is None else os.fspath(dst_path)
        return os.path.join(os.path.abspath(os.fspath(dst_path)), self.name)


def _is_windows_drive(uri: str) -> bool:
    return len(uri) > 2 and uri[1] == ":" and uri[0].isalpha() and uri[2] in "/\\"


def parse_model_uri(model_uri: str) -> ModelLocation:
    """Resolve a model URI to a local directory or to an artifact root and a path under it.

    Args:
        model_uri: See the module docstring for the accepted forms.

    Returns:
        The location; ``runs:/`` URIs are resolved through this context's tracking store.

    Raises:
        InvalidParameterError: The URI is empty or malformed.
        NotFoundError: The run of a ``runs:/`` URI, or the registered model, version, stage or
            alias of a ``models:/`` URI, does not exist.
    """
    if not isinstance(model_uri, str | os.PathLike) or not os.fspath(model_uri).strip():
        raise InvalidParameterError(
            f"Invalid model URI {model_uri!r}: expected a local path, 'runs:/<run_id>/<path>', "
            "or a storage URL (file://, s3://, memory://, ...)"
        )
    uri = os.fspath(model_uri)
    if _is_windows_drive(uri):
        return ModelLocation(local_path=os.path.abspath(uri))
    scheme = urlsplit(uri).scheme.lower()
    if not scheme:
        return ModelLocation(local_path=os.path.abspath(uri))
    if scheme == "file":
        parts = urlsplit(uri)
        if parts.netloc not in ("", "localhost"):
            raise InvalidParameterError(
                f"Invalid model URI {uri!r}: file:// URLs must name a local path "
                f"(file:///abs/path), not the host {parts.netloc!r}"
            )
        return ModelLocation(local_path=os.path.abspath(unquote(parts.path)))
    if scheme == "models":
        return _parse_models_uri(uri)
    if scheme == "runs":
        return _parse_runs_uri(uri)
    root, _, name = uri.rstrip("/").rpartition("/")
    if not name or root.endswith((":/", ":")):
        return ModelLocation(local_path=None, root_uri=uri.rstrip("/"), path="")
    return ModelLocation(local_path=None, root_uri=root, path=name)


def split_runs_uri(uri: str, what: str = "model") -> tuple[str, str]:
    """Split ``runs:/<run_id>/<path>`` into the run id and the path (``""``: the root).

    Args:
        uri: A ``runs:/`` URI.
        what: What the URI names, for the error message (``"model"``, ``"artifact"``).

    Raises:
        InvalidParameterError: No run id.

    Example:
        >>> split_runs_uri("runs:/0a1b2c/model/MLmodel")
        ('0a1b2c', 'model/MLmodel')
    """
    run_id, _, path = uri[len("runs:") :].lstrip("/").partition("/")
    if not run_id:
        raise InvalidParameterError(
            f"Invalid {what} URI {uri!r}: expected 'runs:/<run_id>/<path>', e.g. "
            "'runs:/0a1b2c.../model'"
        )
    return run_id, path.strip("/")


def _parse_runs_uri(uri: str) -> ModelLocation:
    from flowtrack._private.validation import validate_run_id
    from flowtrack.tracking.fluent.config import current_client
    from flowtrack.tracking.models_uri import resolve_run_artifact

    run_id, path = split_runs_uri(uri)
    root, rel, name = resolve_run_artifact(current_client(), validate_run_id(run_id), path)
    return ModelLocation(local_path=None, root_uri=root, path=rel, name=name)


def _parse_models_uri(uri: str) -> ModelLocation:
    from flowtrack.tracking.fluent.config import current_client
    from flowtrack.tracking.models_uri import logged_model_id, resolve_model_version

    model_id = logged_model_id(uri)
    if model_id is not None:
        try:
            model = current_client().get_logged_model(model_id)
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"Invalid model URI {uri!r}: {model_id!r} is not a logged model id; use "
                "'models:/<model_id>' (m-...), 'models:/<name>/<version>', "
                "'models:/<name>/<stage>', 'models:/<name>/latest' or 'models:/<name>@<alias>'"
            ) from exc
        except NotFoundError as exc:
            raise NotFoundError(
                f"Cannot load {uri!r}: there is no logged model {model_id!r} (a registered "
                "model is loaded as 'models:/<name>/<version>' or 'models:/<name>@<alias>')"
            ) from exc
        return ModelLocation(local_path=None, root_uri=model.artifact_location, path="")
    source = resolve_model_version(uri, current_client()).source
    if urlsplit(source).scheme.lower() == "models" and logged_model_id(source) is None:
        raise InvalidParameterError(
            f"Cannot load {uri!r}: its version's source {source!r} is itself a 'models:/' URI"
        )
    return parse_model_uri(source)


def download_model(model_uri: str, dst_path: str | os.PathLike[str] | None = None) -> str:
    """Return a local directory holding the model at ``model_uri``.

    Args:
        model_uri: See the module docstring for the accepted forms.
        dst_path: A local directory to download (or, for local models, copy) into; the model
            lands in ``<dst_path>/<last path segment>``. Default: local models are used in
            place, remote ones go to a new temporary directory.

    Returns:
        The local model directory (it holds an ``MLmodel`` file).

    Raises:
        NotFoundError: Nothing exists there, or it is not a model directory (no ``MLmodel``).
        InvalidParameterError: See :func:`parse_model_uri`.
    """
    location = parse_model_uri(model_uri)
    if location.local_path is not None:
        local = _local_model(location.local_path, dst_path, model_uri)
    else:
        from flowtrack.stores.artifacts.store import get_artifact_store

        store = get_artifact_store(location.root_uri)
        local = store.download_artifacts(location.path, location.destination(dst_path))
    if not os.path.isfile(os.path.join(local, MLMODEL_FILE_NAME)):
        raise NotFoundError(
            f"Cannot load {model_uri!r}: it is not a model directory (there is no "
            f"{MLMODEL_FILE_NAME!r} file in it)"
        )
    return local


def _local_model(source: str, dst_path: str | os.PathLike[str] | None, model_uri: str) -> str:
    if not os.path.isdir(source):
        raise NotFoundError(f"Cannot load {model_uri!r}: no model directory exists at {source!r}")
    if dst_path is None:
        return source
    target = os.path.join(os.path.abspath(os.fspath(dst_path)), os.path.basename(source))
    # Links are copied as links, so the trust checks still see (and refuse) links out.
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    return target


def download_model_file(model_uri: str, relative_path: str) -> str:
    """Return a local copy of one file of a model, e.g. its ``MLmodel``, without the rest.

    Args:
        model_uri: See the module docstring for the accepted forms.
        relative_path: The file's path inside the model directory.

    Returns:
        The local file path (in place for local models, else in a new temporary directory).

    Raises:
        NotFoundError: The file does not exist.
    """
    from flowtrack.stores.artifacts.paths import join_uri, normalize_artifact_path

    rel = normalize_artifact_path(relative_path)
    location = parse_model_uri(model_uri)
    if location.local_path is not None:
        local = os.path.join(location.local_path, *rel.split("/"))
        if not os.path.isfile(local):
            raise NotFoundError(f"Cannot load {model_uri!r}: there is no file {local!r}")
        return local
    from flowtrack.stores.artifacts.store import get_artifact_store

    store = get_artifact_store(location.root_uri)
    return store.download_artifacts(join_uri(location.path, rel), tempfile.mkdtemp())


def download_uri(uri: str, dst_path: str | os.PathLike[str]) -> str:
    """Copy the file or directory at any supported URI into ``dst_path`` (e.g. an artifact).

    Args:
        uri: A local path, ``file://``, ``runs:/<run_id>/<path>`` or fsspec URL.
        dst_path: The local directory to copy into; the result is ``<dst_path>/<last segment>``.

    Returns:
        The local path of the copy.

    Raises:
        NotFoundError: Nothing exists at ``uri``.
    """
    location = parse_model_uri(uri)
    destination = os.path.abspath(os.fspath(dst_path))
    if location.local_path is None:
        from flowtrack.stores.artifacts.store import get_artifact_store

        store = get_artifact_store(location.root_uri)
        return store.download_artifacts(location.path, location.destination(destination))
    source = location.local_path
    target = os.path.join(destination, os.path.basename(os.path.normpath(source)))
    if os.path.isdir(source):
        shutil.copytree(source, target, dirs_exist_ok=True)
    elif os.path.isfile(source):
        os.makedirs(destination, exist_ok=True)
        shutil.copy2(source, target)
    else:
        raise NotFoundError(f"Cannot copy {uri!r}: nothing exists at {source!r}")
    return target


def get_model_info(model_uri: str) -> ModelInfo:
    """Return the metadata of a model without downloading the model itself.

    Only the ``MLmodel`` file is fetched; :meth:`Model.load
    <flowtrack.models.model.Model.load>` then reads it from the disk.

    Args:
        model_uri: A local path (model directory or ``MLmodel`` file), ``file://``,
            ``runs:/<run_id>/<path>``, ``models:/...`` or fsspec URL of a model.

    Returns:
        The model's :class:`~flowtrack.models.model.ModelInfo` (``model_uri`` is the URI given);
        for a logged model read through ``runs:/`` or ``models:/``, with the logged model's
        fields (``model_id``, ``name``, ``params``, ``tags``, ``metrics``...).

    Raises:
        NotFoundError: There is no model there.
        InvalidParameterError: See :func:`parse_model_uri`.

    Example:
        >>> info = flowtrack.models.get_model_info("runs:/9f2c.../model")
        >>> info.flavors["python_function"]["loader_module"]
        'mlflow.sklearn'
    """
    text = os.fspath(model_uri)
    location = parse_model_uri(text)
    if location.local_path is not None:
        local = location.local_path  # a model directory or its MLmodel file, read in place
    else:
        local = download_model_file(text, MLMODEL_FILE_NAME)
    model = Model.load(local)
    logged = None
    if model.model_id is not None and urlsplit(text).scheme.lower() in ("runs", "models"):
        # Resolved through the tracking store: the logged model is there (unless the files
        # were copied from elsewhere, e.g. an MLflow server).
        from flowtrack.tracking.fluent.config import current_client

        try:
            logged = current_client().get_logged_model(model.model_id)
        except NotFoundError:
            logged = None
    return model.get_model_info(logged, model_uri=text)
