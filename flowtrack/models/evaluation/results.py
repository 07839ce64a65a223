"""What ``evaluate`` returns: the metrics, the artifacts it logged, and their contents.

:meth:`EvaluationResult.save` writes MLflow's layout (``metrics.json``,
``artifacts_metadata.json`` and ``artifacts/<file>``), plus ``run.json`` with the run id, and
:meth:`EvaluationResult.load` reads it back (also when MLflow wrote it).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flowtrack.exceptions import InvalidParameterError, InvalidStateError, NotFoundError
from flowtrack.models.evaluation._optional import require

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EvaluationArtifact", "EvaluationResult"]

_LOGGER = logging.getLogger("flowtrack")

_METRICS_FILE = "metrics.json"
_ARTIFACTS_METADATA_FILE = "artifacts_metadata.json"
_ARTIFACTS_DIR = "artifacts"
_RUN_FILE = "run.json"
#: Written as each artifact's ``class_name``; loading picks the reader by file extension.
_CLASS_NAME = "flowtrack.models.EvaluationArtifact"


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _read(path: str) -> Any:
    """Load an artifact file by its extension, as MLflow's artifact classes do."""
    extension = os.path.splitext(path)[1].lower()
    if extension in (".png", ".jpg", ".jpeg"):
        from flowtrack._private.optional import require as require_extra

        image = require_extra("PIL.Image", "EvaluationArtifact.content", extra="plots").open(path)
        image.load()
        return image
    if extension == ".json":
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    if extension == ".csv":
        return require("pandas", "EvaluationArtifact.content").read_csv(path)
    if extension == ".parquet":
        return require("pandas", "EvaluationArtifact.content").read_parquet(path)
    if extension == ".npy":
        return require("numpy", "EvaluationArtifact.content").load(path, allow_pickle=False)
    if extension == ".txt":
        return Path(path).read_text(encoding="utf-8")
    if extension == ".pickle":
        raise InvalidStateError(
            f"flowtrack does not unpickle evaluation artifacts ({path!r}): unpickling runs "
            "arbitrary code; open the file with pickle yourself if you trust it"
        )
    raise InvalidParameterError(
        f"Cannot load evaluation artifact {path!r}: unknown extension {extension!r}; known: "
        ".png, .jpg, .jpeg, .json, .csv, .parquet, .npy, .txt"
    )


class EvaluationArtifact:
    """A file ``evaluate`` logged to the run: a plot, a table, a custom artifact.

    Args:
        uri: Where the artifact lives in the run's artifact store.
        content: The loaded content, if already known; else read from ``local_path`` on first
            access of :attr:`content`.
        local_path: A local copy of the file (``evaluate`` leaves it in a temporary directory
            for the caller; :meth:`EvaluationResult.load` points it into the saved directory).

    Example:
        >>> result.artifacts["confusion_matrix"].content.size
        (640, 480)
    """

    __slots__ = ("_content", "local_path", "uri")

    def __init__(self, uri: str, content: Any = None, local_path: str | None = None) -> None:
        self.uri = uri
        self.local_path = local_path
        self._content = content

    @property
    def content(self) -> Any:
        """The artifact's content, by file type: a PIL image (``.png``, ``.jpg``), a dict or
        list (``.json``), a DataFrame (``.csv``, ``.parquet``), an array (``.npy``) or a str
        (``.txt``).

        Raises:
            NotFoundError: No local copy exists to read.
            InvalidStateError: A ``.pickle`` artifact (flowtrack never unpickles files).
        """
        if self._content is None:
            if self.local_path is None or not os.path.isfile(self.local_path):
                raise NotFoundError(
                    f"Evaluation artifact {self.uri!r} has no local copy to read (local_path="
                    f"{self.local_path!r}); download it with flowtrack.artifacts."
                    "download_artifacts"
                )
            self._content = _read(self.local_path)
        return self._content

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EvaluationArtifact):
            return NotImplemented
        return (self.uri, self.local_path) == (other.uri, other.local_path)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"EvaluationArtifact(uri={self.uri!r}, local_path={self.local_path!r})"


def _file_name(uri: str) -> str:
    name = PurePosixPath(urlsplit(uri).path).name
    if not name or name in (".", ".."):
        raise InvalidParameterError(f"Evaluation artifact URI {uri!r} names no file")
    return name


class EvaluationResult:
    """What :func:`~flowtrack.models.evaluation.evaluate` computed and logged.

    Args:
        metrics: ``{metric name: value}``, under MLflow's names (``accuracy_score``,
            ``root_mean_squared_error``...), as logged to the run.
        artifacts: ``{artifact name: artifact}`` (``confusion_matrix``, ``roc_curve_plot``...).
        run_id: The run the metrics and artifacts were logged to (``None`` for results loaded
            from a directory MLflow saved, which does not record it).
    """

    __slots__ = ("artifacts", "metrics", "run_id")

    def __init__(
        self,
        metrics: dict[str, Any],
        artifacts: dict[str, EvaluationArtifact],
        run_id: str | None = None,
    ) -> None:
        self.metrics = metrics
        self.artifacts = artifacts
        self.run_id = run_id

    def __repr__(self) -> str:
        return (
            f"EvaluationResult(metrics={self.metrics!r}, artifacts={sorted(self.artifacts)}, "
            f"run_id={self.run_id!r})"
        )

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The artifacts that are tables (``eval_results_table``...), as DataFrames.

        A table is a JSON artifact in ``log_table``'s layout (``{"columns": [...], "data":
        [...]}``); other artifacts are left out.
        """
        pandas = require("pandas", "EvaluationResult.tables")
        tables = {}
        for name, artifact in self.artifacts.items():
            if not artifact.uri.endswith(".json"):
                continue
            try:
                content = artifact.content
            except NotFoundError:
                _LOGGER.warning("Skipping table %r: %s", name, "no local copy to read")
                continue
            if isinstance(content, Mapping) and {"columns", "data"} <= set(content):
                tables[name] = pandas.DataFrame(content["data"], columns=content["columns"])
        return tables

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the results to a local directory (MLflow's layout, plus ``run.json``).

        Args:
            path: The directory, created when missing.

        Raises:
            NotFoundError: An artifact has no local copy to save.
        """
        root = Path(path)
        (root / _ARTIFACTS_DIR).mkdir(parents=True, exist_ok=True)
        (root / _METRICS_FILE).write_text(json.dumps(self.metrics, default=_json_default))
        metadata = {
            name: {"uri": artifact.uri, "class_name": _CLASS_NAME}
            for name, artifact in self.artifacts.items()
        }
        (root / _ARTIFACTS_METADATA_FILE).write_text(json.dumps(metadata))
        (root / _RUN_FILE).write_text(json.dumps({"run_id": self.run_id}))
        for artifact in self.artifacts.values():
            target = root / _ARTIFACTS_DIR / _file_name(artifact.uri)
            if artifact.local_path is not None and os.path.isfile(artifact.local_path):
                shutil.copyfile(artifact.local_path, target)
            else:
                raise NotFoundError(
                    f"Cannot save evaluation artifact {artifact.uri!r}: it has no local copy "
                    f"(local_path={artifact.local_path!r})"
                )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> EvaluationResult:
        """Read results written by :meth:`save` (or by MLflow's ``EvaluationResult.save``).

        Args:
            path: The directory.

        Returns:
            The results; each artifact's ``local_path`` points into ``<path>/artifacts``.

        Raises:
            NotFoundError: ``path`` holds no saved results.
            InvalidParameterError: The files are not valid saved results.
        """
        root = Path(path)
        try:
            metrics = json.loads((root / _METRICS_FILE).read_text())
            metadata = json.loads((root / _ARTIFACTS_METADATA_FILE).read_text())
        except FileNotFoundError as exc:
            raise NotFoundError(
                f"No saved evaluation results at {os.fspath(path)!r}: {exc.filename} is missing"
            ) from exc
        except ValueError as exc:
            raise InvalidParameterError(
                f"Invalid saved evaluation results at {os.fspath(path)!r}: {exc}"
            ) from exc
        if not isinstance(metrics, dict) or not isinstance(metadata, dict):
            raise InvalidParameterError(
                f"Invalid saved evaluation results at {os.fspath(path)!r}: {_METRICS_FILE} and "
                f"{_ARTIFACTS_METADATA_FILE} must hold JSON objects"
            )
        run_file = root / _RUN_FILE
        run_id = json.loads(run_file.read_text()).get("run_id") if run_file.is_file() else None
        artifacts = {}
        for name, meta in metadata.items():
            uri = meta.get("uri") if isinstance(meta, dict) else None
            if not isinstance(uri, str):
                raise InvalidParameterError(
                    f"Invalid saved evaluation artifact {name!r}: {meta!r} has no 'uri'"
                )
            local = root / _ARTIFACTS_DIR / _file_name(uri)
            artifacts[name] = EvaluationArtifact(uri=uri, local_path=str(local))
        return cls(metrics=metrics, artifacts=artifacts, run_id=run_id)
