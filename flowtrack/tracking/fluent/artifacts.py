"""Fluent artifact logging: files, directories, text, dicts, figures, images and tables.

``load_table`` reads back the tables ``log_table`` wrote, across the active experiment's runs.

Each function writes under the active run's artifact URI, starting a run when none is active.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from flowtrack.tracking.fluent.runs import active_frame, run_target

if TYPE_CHECKING:
    import pandas

__all__ = [
    "flush_artifact_async_logging",
    "get_artifact_uri",
    "load_table",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_stream",
    "log_table",
    "log_text",
]


def log_artifact(
    local_path: str | os.PathLike[str], artifact_path: str | None = None, run_id: str | None = None
) -> None:
    """Upload a local file, or a directory, to the active run's artifacts.

    A directory lands whole under ``<artifact_path>/<directory name>/``, as in MLflow.

    Args:
        local_path: The file or directory to upload.
        artifact_path: The directory under the run's artifact root; default the root.
        run_id: Upload to this run instead of the active one.

    Raises:
        InvalidParameterError: ``local_path`` does not exist, or ``artifact_path`` escapes the
            run's artifact root.

    Example:
        >>> flowtrack.log_artifact("model_summary.txt")
        >>> flowtrack.log_artifact("mymodel", artifact_path="models")  # models/mymodel/...
    """
    client, target = run_target(run_id)
    client.log_artifact(target, local_path, artifact_path)


def log_artifacts(
    local_dir: str | os.PathLike[str], artifact_path: str | None = None, run_id: str | None = None
) -> None:
    """Upload a local directory's files (recursively) to the active run's artifacts.

    Args:
        local_dir: The directory to upload.
        artifact_path: The directory under the run's artifact root; default the root.
        run_id: Upload to this run instead of the active one.

    Raises:
        InvalidParameterError: ``artifact_path`` escapes the run's artifact root.

    Example:
        >>> flowtrack.log_artifacts("outputs", artifact_path="outputs")
    """
    client, target = run_target(run_id)
    client.log_artifacts(target, local_dir, artifact_path)


def log_text(text: str, artifact_file: str, run_id: str | None = None) -> None:
    """Write a string as a UTF-8 text artifact.

    Args:
        text: The text.
        artifact_file: Its path under the run's artifact root.
        run_id: Write to this run instead of the active one.

    Raises:
        InvalidParameterError: ``text`` is not a str, or the path escapes the root.

    Example:
        >>> flowtrack.log_text("Model achieved 95% accuracy.", "notes/summary.txt")
    """
    client, target = run_target(run_id)
    client.log_text(target, text, artifact_file)


def log_dict(dictionary: Any, artifact_file: str, run_id: str | None = None) -> None:
    """Write a dict as JSON, or YAML when ``artifact_file`` ends in ``.yaml``/``.yml``.

    Args:
        dictionary: A JSON- (or YAML-) serializable mapping.
        artifact_file: Its path under the run's artifact root.
        run_id: Write to this run instead of the active one.

    Raises:
        InvalidParameterError: Not a mapping, not serializable, or the path escapes the root.

    Example:
        >>> flowtrack.log_dict({"lr": 0.1}, "config.yaml")
    """
    client, target = run_target(run_id)
    client.log_dict(target, dictionary, artifact_file)


def log_stream(stream: IO[bytes], artifact_file: str, run_id: str | None = None) -> None:
    """Write a binary file-like object (``io.BytesIO``, an open file...) as an artifact.

    Args:
        stream: A binary file-like object with ``read()``.
        artifact_file: Its path under the run's artifact root (``"dir/file.bin"``).
        run_id: Write to this run instead of the active one.

    Raises:
        InvalidParameterError: ``artifact_file`` names no file, escapes the root, or the stream
            yields text instead of bytes.

    Example:
        >>> flowtrack.log_stream(io.BytesIO(b"binary content"), "binary_file.bin")
    """
    client, target = run_target(run_id)
    client.log_stream(target, stream, artifact_file)


def flush_artifact_async_logging() -> None:
    """Wait for the active run's pending asynchronous artifact writes: with flowtrack, none.

    MLflow queues ``log_image(..., synchronous=False)`` uploads on a thread, and this function
    waits for them. flowtrack writes every artifact (images included) before the ``log_*`` call
    returns, so there is never anything to wait for and this function returns at once. Unlike
    MLflow's, it does not start a run when none is active. Queued *metrics* are flushed by
    :func:`flowtrack.flush_async_logging`.

    Example:
        >>> flowtrack.log_image(image, key="samples", step=1, synchronous=False)
        >>> flowtrack.flush_artifact_async_logging()  # the image is already written
    """


def log_figure(
    figure: Any, artifact_file: str, *, save_kwargs: Mapping[str, Any] | None = None
) -> None:
    """Save a matplotlib figure, in the format the file's extension names.

    Args:
        figure: A ``matplotlib.figure.Figure``.
        artifact_file: Where to write it (``.png``, ``.svg``, ``.pdf``...).
        save_kwargs: Extra arguments for ``Figure.savefig`` (``dpi``...).

    Raises:
        InvalidParameterError: Not a matplotlib figure, or an extension it cannot write.

    Example:
        >>> flowtrack.log_figure(fig, "plots/loss.png")
    """
    client, target = run_target(None)
    client.log_figure(target, figure, artifact_file, save_kwargs=save_kwargs)


def log_image(
    image: Any,
    artifact_file: str | None = None,
    key: str | None = None,
    step: int | None = None,
    timestamp: int | None = None,
    synchronous: bool | None = None,
) -> None:
    """Save an image as an artifact file, or as one step of an image series.

    Give ``artifact_file`` for a single image (its extension picks the format; PNG by default),
    or ``key`` (with ``step`` and ``timestamp``) for an image series in MLflow 3's layout, which
    MLflow's UI charts: ``images/<key>+step+<n>+timestamp+<ms>+<uuid>.png`` and a compressed
    ``.webp`` thumbnail beside it.

    Args:
        image: A PIL image, a numpy array (HxW, HxWx1, HxWx3, HxWx4) or a
            :class:`flowtrack.Image`.
        artifact_file: Where to write a single image.
        key: The image series name (instead of ``artifact_file``).
        step: The step of this image in the series; default 0.
        timestamp: Milliseconds since the epoch; default now.
        synchronous: Accepted for MLflow compatibility; images are written at once.

    Raises:
        InvalidParameterError: Not exactly one of ``artifact_file`` and ``key``, or
            ``artifact_file`` with ``step``/``timestamp``; a bad key or image.

    Example:
        >>> flowtrack.log_image(array, key="samples", step=3)
    """
    client, target = run_target(None)
    client.log_image(target, image, artifact_file, key, step, timestamp, synchronous)


def log_table(data: Any, artifact_file: str, run_id: str | None = None) -> None:
    """Write a table (DataFrame or dict of columns) as JSON; appends rows when it exists.

    Args:
        data: A ``pandas.DataFrame`` or a dict of equal-length columns.
        artifact_file: Its path under the run's artifact root (``.json``).
        run_id: Write to this run instead of the active one.

    Raises:
        InvalidParameterError: Not a table, or the existing file is not a table.

    Example:
        >>> flowtrack.log_table({"question": ["a"], "answer": ["b"]}, "qa.json")
    """
    client, target = run_target(run_id)
    client.log_table(target, data, artifact_file)


def load_table(
    artifact_file: str,
    run_ids: Sequence[str] | None = None,
    extra_columns: Sequence[str] | None = None,
) -> pandas.DataFrame:
    """Load a table logged with :func:`log_table` by runs of the active experiment.

    Args:
        artifact_file: The table's artifact path (e.g. ``"qabot_eval_results.json"``).
        run_ids: Only these runs; default every run of the experiment that logged the table.
        extra_columns: ``search_runs`` columns to add to each row, e.g. ``["run_id"]``.

    Returns:
        The runs' tables concatenated, newest run first.

    Raises:
        NotFoundError: No run of the experiment has that table.
        InvalidParameterError: A forbidden character in ``artifact_file``, or an unknown
            extra column.

    Example:
        >>> flowtrack.load_table("qa.json", extra_columns=["run_id"]).columns.tolist()
        ['question', 'answer', 'run_id']
    """
    from flowtrack.tracking.fluent.config import current_client
    from flowtrack.tracking.fluent.experiments import resolve_experiment_id

    client = current_client()
    return client.load_table(resolve_experiment_id(client), artifact_file, run_ids, extra_columns)


def get_artifact_uri(artifact_path: str | None = None) -> str:
    """Return the URI of the active run's artifact root, or of a path under it.

    Starts a run when none is active, as MLflow does.

    Args:
        artifact_path: A path under the run's artifact root; default the root itself.

    Returns:
        The URI (``memory://...``, ``s3://...``, a local path...).

    Raises:
        InvalidParameterError: ``artifact_path`` escapes the run's artifact root.

    Example:
        >>> flowtrack.get_artifact_uri("model")
        'file:///work/flowtrack-artifacts/0/9f.../artifacts/model'
    """
    root = active_frame().run.info.artifact_uri or ""
    if not artifact_path:
        return root
    from flowtrack.stores.artifacts.store import get_artifact_store

    return get_artifact_store(root).uri_for(artifact_path)
