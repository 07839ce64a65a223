"""The client's artifact methods: files, directories, text, dicts, figures, images, tables."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flowtrack._private.validation import validate_key, validate_step
from flowtrack.entities import FileInfo
from flowtrack.exceptions import InvalidParameterError, InvalidStateError

if TYPE_CHECKING:
    from flowtrack.stores.artifacts.store import ArtifactStore
    from flowtrack.stores.tracking.base import TrackingStore

__all__ = ["ClientArtifacts", "image_artifact_file"]


def image_artifact_file(artifact_file: str | None, key: str | None, step: int | None) -> str:
    """Return where ``log_image`` writes: ``artifact_file``, or ``images/<key>/step_<n>.png``.

    Raises:
        InvalidParameterError: Both or neither of ``artifact_file`` and ``key`` are given.
    """
    if artifact_file is not None and key is None:
        return artifact_file
    if key is None or artifact_file is not None:
        raise InvalidParameterError(
            f"log_image needs exactly one of artifact_file (got {artifact_file!r}) or key "
            f"(got {key!r}): pass artifact_file='image.png', or key='name' with an optional step"
        )
    number = 0 if step is None else validate_step(key, step)
    return f"images/{validate_key('image', key)}/step_{number}.png"


class ClientArtifacts:
    """Artifact methods of :class:`~flowtrack.tracking.client.FlowtrackClient`."""

    _store: TrackingStore

    def _artifacts(self, run_id: str) -> ArtifactStore:
        """Return the artifact store rooted at the run's artifact URI."""
        from flowtrack.stores.artifacts.store import get_artifact_store

        uri = self._store.get_run(run_id).info.artifact_uri
        if not uri:
            raise InvalidStateError(f"Run {run_id!r} has no artifact URI to store artifacts under")
        return get_artifact_store(uri)

    def log_artifact(
        self, run_id: str, local_path: str | os.PathLike[str], artifact_path: str | None = None
    ) -> None:
        """Upload a local file, or a directory, to the run's artifacts.

        A file lands at ``<artifact_path>/<file name>``; a directory (as in MLflow) lands whole
        under ``<artifact_path>/<directory name>/``, so ``log_artifact("mymodel", "models")``
        writes ``models/mymodel/...``.

        Args:
            run_id: The run.
            local_path: The file or directory to upload.
            artifact_path: The directory under the run's artifact root; default the root.

        Raises:
            InvalidParameterError: ``local_path`` does not exist, or ``artifact_path`` escapes
                the run's artifact root.

        Example:
            >>> client.log_artifact(run_id, "model_summary.txt")
            >>> client.log_artifact(run_id, "mymodel", artifact_path="models")
        """
        source = os.fspath(local_path)
        if not os.path.exists(source):
            raise InvalidParameterError(
                f"Cannot log {source!r}: log_artifact needs an existing local file or directory"
            )
        store = self._artifacts(run_id)
        if os.path.isdir(source):
            name = os.path.basename(os.path.normpath(os.path.abspath(source)))
            store.log_artifacts(
                source, posixpath.join(artifact_path, name) if artifact_path else name
            )
        else:
            store.log_artifact(source, artifact_path)

    def log_artifacts(
        self, run_id: str, local_dir: str | os.PathLike[str], artifact_path: str | None = None
    ) -> None:
        """Upload a local directory's contents to the run's artifacts.

        Args:
            run_id: The run.
            local_dir: The directory whose files are uploaded (recursively).
            artifact_path: The directory under the run's artifact root; default the root.

        Raises:
            InvalidParameterError: ``artifact_path`` escapes the run's artifact root.

        Example:
            >>> client.log_artifacts(run_id, "outputs", artifact_path="outputs")
        """
        self._artifacts(run_id).log_artifacts(os.fspath(local_dir), artifact_path)

    def log_text(self, run_id: str, text: str, artifact_file: str) -> None:
        """Write a string as a UTF-8 text artifact.

        Args:
            run_id: The run.
            text: The text.
            artifact_file: Its path under the run's artifact root.

        Raises:
            InvalidParameterError: ``text`` is not a str, or the path escapes the root.

        Example:
            >>> client.log_text(run_id, "hello", "notes/hello.txt")
        """
        from flowtrack.tracking.payloads import text_bytes

        self._artifacts(run_id).write_bytes(artifact_file, text_bytes(text))

    def log_dict(self, run_id: str, dictionary: Any, artifact_file: str) -> None:
        """Write a dict as JSON, or as YAML when ``artifact_file`` ends in ``.yaml``/``.yml``.

        Args:
            run_id: The run.
            dictionary: A JSON- (or YAML-) serializable mapping.
            artifact_file: Its path under the run's artifact root.

        Raises:
            InvalidParameterError: Not a mapping, not serializable, or the path escapes the root.

        Example:
            >>> client.log_dict(run_id, {"lr": 0.1}, "config.json")
        """
        from flowtrack.tracking.payloads import dict_bytes

        self._artifacts(run_id).write_bytes(artifact_file, dict_bytes(dictionary, artifact_file))

    def log_figure(
        self,
        run_id: str,
        figure: Any,
        artifact_file: str,
        *,
        save_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        """Save a matplotlib figure as an artifact, in the format its extension names.

        Args:
            run_id: The run.
            figure: A ``matplotlib.figure.Figure``.
            artifact_file: Where to write it (``.png``, ``.svg``, ``.pdf``...).
            save_kwargs: Extra arguments for ``Figure.savefig`` (``dpi``...).

        Raises:
            InvalidParameterError: Not a matplotlib figure, or an unsupported extension.

        Example:
            >>> client.log_figure(run_id, fig, "plots/loss.png")
        """
        from flowtrack.tracking.payloads import figure_bytes

        payload = figure_bytes(figure, artifact_file, save_kwargs)
        self._artifacts(run_id).write_bytes(artifact_file, payload)

    def log_image(
        self,
        run_id: str,
        image: Any,
        artifact_file: str | None = None,
        key: str | None = None,
        step: int | None = None,
        timestamp: int | None = None,
        synchronous: bool | None = None,
    ) -> None:
        """Save an image (numpy array or PIL image) as an artifact.

        Give ``artifact_file`` (its extension picks the format; PNG by default), or ``key`` (and
        ``step``) to write ``images/<key>/step_<n>.png``, one file per step of an image series.

        Args:
            run_id: The run.
            image: A PIL image or a numpy array (HxW, HxWx3, HxWx4; uint8 or floats in [0, 1]).
            artifact_file: Where to write the image.
            key: The image series name (instead of ``artifact_file``).
            step: The step of this image in the series; default 0.
            timestamp: Accepted for MLflow compatibility; the file name holds the step only.
            synchronous: Accepted for MLflow compatibility; images are written at once.

        Raises:
            InvalidParameterError: Both or neither of ``artifact_file`` and ``key``.

        Example:
            >>> client.log_image(run_id, array, key="samples", step=10)
        """
        from flowtrack.tracking.payloads import image_bytes

        del timestamp, synchronous
        path = image_artifact_file(artifact_file, key, step)
        self._artifacts(run_id).write_bytes(path, image_bytes(image, path))

    def log_table(self, run_id: str, data: Any, artifact_file: str) -> None:
        """Write a table (DataFrame or dict of columns) as JSON; rows are appended if it exists.

        The file holds ``{"columns": [...], "data": [[...], ...]}`` (pandas' split orient), as
        MLflow writes it.

        Args:
            run_id: The run.
            data: A ``pandas.DataFrame`` or a dict of equal-length columns.
            artifact_file: Its path under the run's artifact root (``.json``).

        Raises:
            InvalidParameterError: Not a table, or the existing file is not a table.

        Example:
            >>> client.log_table(run_id, {"x": [1, 2], "y": [3, 4]}, "results.json")
        """
        from flowtrack.tracking.payloads import table_bytes

        store = self._artifacts(run_id)
        existing = store.read_bytes(artifact_file) if store.exists(artifact_file) else None
        store.write_bytes(artifact_file, table_bytes(data, existing))

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        """List the run's artifacts directly under ``path``.

        Args:
            run_id: The run.
            path: A directory under the run's artifact root; default the root.

        Returns:
            The files and directories directly under ``path``, sorted by path.

        Example:
            >>> [f.path for f in client.list_artifacts(run_id)]
            ['model_summary.txt']
        """
        return self._artifacts(run_id).list_artifacts(path)

    def download_artifacts(self, run_id: str, path: str, dst_path: str | None = None) -> str:
        """Download an artifact file or directory and return its local path.

        Args:
            run_id: The run.
            path: The artifact's path under the run's artifact root (``""`` for everything).
            dst_path: A local directory to download into; default a new temporary directory.

        Returns:
            The local path of the downloaded file or directory.

        Example:
            >>> open(client.download_artifacts(run_id, "model_summary.txt")).read()
            'Model achieved 95% accuracy.'
        """
        return self._artifacts(run_id).download_artifacts(path, dst_path)
