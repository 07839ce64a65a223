"""The client's artifact methods: files, directories, text, dicts, figures, images, tables."""

from __future__ import annotations

import os
import posixpath
import tempfile
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, cast

from flowtrack.entities import FileInfo, RunTag
from flowtrack.exceptions import InvalidParameterError, InvalidStateError

if TYPE_CHECKING:
    import pandas

    from flowtrack.stores.artifacts.store import ArtifactStore
    from flowtrack.stores.tracking.base import TrackingStore
    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["ClientArtifacts"]

#: Bytes read from a stream at a time by ``log_stream`` (MLflow reads 8 KiB chunks too).
_STREAM_CHUNK_BYTES = 8192


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
        self._artifacts(run_id).log_file_or_directory(local_path, artifact_path)

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

    def log_stream(self, run_id: str, stream: IO[bytes], artifact_file: str) -> None:
        """Write a binary file-like object (``io.BytesIO``, an open file...) as an artifact.

        The stream is read in chunks into a temporary file, which is then uploaded, so a large
        stream is never held in memory whole.

        Args:
            run_id: The run.
            stream: A binary file-like object with ``read()``.
            artifact_file: Its path under the run's artifact root (``"dir/file.bin"``).

        Raises:
            InvalidParameterError: ``artifact_file`` names no file, escapes the root, or the
                stream yields text instead of bytes.

        Example:
            >>> client.log_stream(run_id, io.BytesIO(b"binary content"), "binary_file.bin")
        """
        directory, name = posixpath.split(artifact_file)
        if not name or name in (".", ".."):
            raise InvalidParameterError(
                f"Cannot log a stream to {artifact_file!r}: artifact_file must name a file, "
                "such as 'dir/file.bin'"
            )
        store = self._artifacts(run_id)
        with tempfile.TemporaryDirectory(prefix="flowtrack-stream-") as tmp:
            local = os.path.join(tmp, name)
            with open(local, "wb") as out:
                while chunk := stream.read(_STREAM_CHUNK_BYTES):
                    if not isinstance(chunk, bytes | bytearray | memoryview):
                        raise InvalidParameterError(
                            f"Cannot log a stream to {artifact_file!r}: read() returned "
                            f"{type(chunk).__name__}; log_stream needs a binary stream "
                            "(io.BytesIO, open(path, 'rb'))"
                        )
                    out.write(chunk)
            store.log_artifact(local, directory or None)

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
        """Save an image as an artifact file, or as one step of an image series.

        With ``artifact_file``, the image is written there (its extension picks the format;
        PNG by default). With ``key`` (and ``step``, ``timestamp``), it is written in MLflow 3's
        layout, which MLflow's UI shows as an image chart: ``images/<key>+step+<n>+timestamp+
        <ms>+<uuid>.png`` plus a ``+compressed.webp`` thumbnail, and the run gets the tag
        ``mlflow.loggedImages`` (see :mod:`flowtrack.tracking.multimedia`).

        Args:
            run_id: The run.
            image: A PIL image, a numpy array (HxW, HxWx1, HxWx3, HxWx4; uint8, bool or floats
                in [0, 1]) or a :class:`flowtrack.Image`.
            artifact_file: Where to write a single image.
            key: The image series name (instead of ``artifact_file``).
            step: The step of this image in the series; default 0.
            timestamp: Milliseconds since the epoch; default now.
            synchronous: Accepted for MLflow compatibility; images are written at once.

        Raises:
            InvalidParameterError: Not exactly one of ``artifact_file`` and ``key``;
                ``artifact_file`` with ``step`` or ``timestamp``; a bad key or image.

        Example:
            >>> client.log_image(run_id, array, key="samples", step=10)
        """
        from flowtrack.tracking.multimedia import (
            MLFLOW_LOGGED_IMAGES,
            compress_image_size,
            image_series_files,
        )
        from flowtrack.tracking.payloads import image_bytes, pil_image

        del synchronous
        if artifact_file is not None:
            if (key, step, timestamp) != (None, None, None):
                raise InvalidParameterError(
                    f"log_image got artifact_file={artifact_file!r} with key={key!r}, "
                    f"step={step!r}, timestamp={timestamp!r}: pass artifact_file alone, or key "
                    "with step/timestamp"
                )
            payload = image_bytes(pil_image(image), artifact_file)
            self._artifacts(run_id).write_bytes(artifact_file, payload)
            return
        if key is None:
            raise InvalidParameterError(
                "log_image needs exactly one of artifact_file (a static image) or key (an image "
                "series, with an optional step and timestamp)"
            )
        picture = pil_image(image)
        store = self._artifacts(run_id)
        image_file, thumbnail_file = image_series_files(key, step, timestamp)
        store.write_bytes(image_file, image_bytes(picture, image_file))
        store.write_bytes(thumbnail_file, image_bytes(compress_image_size(picture), thumbnail_file))
        self._store.log_batch(run_id, tags=(RunTag(key=MLFLOW_LOGGED_IMAGES, value="True"),))

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
        from flowtrack.tracking.tables import (
            MLFLOW_LOGGED_ARTIFACTS,
            check_table_file,
            logged_artifacts_tag,
        )

        store = self._artifacts(run_id)
        check_table_file(artifact_file)
        existing = store.read_bytes(artifact_file) if store.exists(artifact_file) else None
        store.write_bytes(artifact_file, table_bytes(data, existing))
        current = self._store.get_run(run_id).data.tags.get(MLFLOW_LOGGED_ARTIFACTS)
        tag_value = logged_artifacts_tag(current, artifact_file)
        if tag_value is not None:
            tag = RunTag(key=MLFLOW_LOGGED_ARTIFACTS, value=tag_value)
            self._store.log_batch(run_id, tags=(tag,))

    def load_table(
        self,
        experiment_id: str,
        artifact_file: str,
        run_ids: Sequence[str] | None = None,
        extra_columns: Sequence[str] | None = None,
    ) -> pandas.DataFrame:
        """Load the table ``artifact_file`` logged by runs of an experiment, as one DataFrame.

        The runs are those whose ``mlflow.loggedArtifacts`` tag lists the table (``log_table``
        sets it), newest first; their rows are concatenated.

        Args:
            experiment_id: The experiment whose active runs are searched.
            artifact_file: The table's artifact path (e.g. ``"eval/results.json"``).
            run_ids: Only these runs; default every run of the experiment with the table.
            extra_columns: ``search_runs`` columns to add to each row, e.g. ``["run_id"]``; a
                column the table already has is added as ``<name>_``.

        Returns:
            The concatenated table.

        Raises:
            NotFoundError: No run has that table.
            InvalidParameterError: A forbidden character in ``artifact_file``, or an unknown
                extra column.

        Example:
            >>> client.load_table("0", "qa.json", extra_columns=["run_id"]).columns.tolist()
            ['question', 'answer', 'run_id']
        """
        from flowtrack._private.validation import validate_experiment_id
        from flowtrack.entities import ViewType
        from flowtrack.tracking._paging import collect_pages
        from flowtrack.tracking.tables import load_table

        experiment = validate_experiment_id(experiment_id)
        runs = collect_pages(
            lambda size, token: self._store.search_runs(
                [experiment], "", ViewType.ACTIVE_ONLY, size, None, token
            ),
            None,
            1000,
        )
        return load_table(
            runs,
            artifact_file,
            lambda run_id, path: self._artifacts(run_id).read_bytes(path),
            run_ids,
            extra_columns,
        )

    def _model_of_run(self, run_id: str, path: str | None) -> tuple[ArtifactStore, str, str] | None:
        """For ``<name>/...`` naming a logged model of the run: its store, sub-path and name."""
        from flowtrack.stores.artifacts.store import get_artifact_store
        from flowtrack.tracking.models_uri import resolve_run_artifact

        if not path or not path.strip("/"):
            return None
        # The mixin is always part of a FlowtrackClient (which can search logged models).
        root, rel, name = resolve_run_artifact(cast("FlowtrackClient", self), run_id, path)
        return (get_artifact_store(root), rel, name) if name else None

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        """List the run's artifacts directly under ``path``.

        As in MLflow 3, ``path`` = ``<name>/...`` of a logged model the run produced
        (``log_model(..., name=<name>)``) lists that model's files, as ``<name>/<file>``.

        Args:
            run_id: The run.
            path: A directory under the run's artifact root; default the root.

        Returns:
            The files and directories directly under ``path``, sorted by path.

        Example:
            >>> [f.path for f in client.list_artifacts(run_id)]
            ['model_summary.txt']
        """
        found = self._model_of_run(run_id, path)
        if found is None:
            return self._artifacts(run_id).list_artifacts(path)
        store, rel, name = found
        return [
            FileInfo(path=f"{name}/{entry.path}", is_dir=entry.is_dir, file_size=entry.file_size)
            for entry in store.list_artifacts(rel or None)
        ]

    def download_artifacts(self, run_id: str, path: str, dst_path: str | None = None) -> str:
        """Download an artifact file or directory and return its local path.

        As in MLflow 3, ``path`` = ``<name>/...`` of a logged model the run produced downloads
        from that model's files (into ``<dst_path>/<name>/...``).

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
        found = self._model_of_run(run_id, path)
        if found is None:
            return self._artifacts(run_id).download_artifacts(path, dst_path)
        store, rel, name = found
        root = dst_path if dst_path is not None else tempfile.mkdtemp(prefix="flowtrack-")
        return store.download_artifacts(rel, os.path.join(root, name))
