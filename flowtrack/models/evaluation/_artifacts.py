"""``custom_artifacts``: call each function, save what it returns as MLflow does.

A function gets ``(eval_df, builtin_metrics, artifacts_dir)`` and returns ``{name: artifact}``;
each artifact becomes ``<name><extension>`` in the run's artifact root:

- a path to an existing file (``.png``, ``.jpg``, ``.jpeg``, ``.json``, ``.npy``, ``.csv``,
  ``.parquet``, ``.txt``) is copied;
- a JSON string becomes ``.json``; a DataFrame ``.csv``; a numpy array ``.npy``; a matplotlib
  Figure ``.png``;
- any other JSON-serializable object becomes ``.json``, and anything else is pickled
  (``.pickle``, with a warning).
"""

from __future__ import annotations

import copy
import json
import logging
import pickle
import shutil
import sys
import tempfile
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from flowtrack.exceptions import InvalidParameterError

__all__ = ["FILE_EXTENSIONS", "save_custom_artifacts"]

_logger = logging.getLogger(__name__)

#: The file types a custom artifact given as a path may have.
FILE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".json", ".npy", ".csv", ".parquet", ".txt")


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _is_instance(value: Any, module: str, name: str) -> bool:
    # Only check against classes of modules already imported: a Figure means matplotlib is.
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(value, getattr(loaded, name))


def _write(raw: Any, stem: Path, header: str) -> Path:
    """Save one artifact next to ``stem`` (no extension yet); return the file."""
    if isinstance(raw, str):
        if Path(raw).exists():
            raw = Path(raw)
        else:
            try:
                json.loads(raw)
            except ValueError:
                raise InvalidParameterError(
                    f"{header} with string representation {raw[:200]!r} that is neither a "
                    "valid path to a file nor a JSON string."
                ) from None
            target = _fresh(stem, ".json", header)
            target.write_text(raw, encoding="utf-8")
            return target
    if isinstance(raw, Path):
        if not raw.is_file():
            raise InvalidParameterError(f"{header} with path '{raw}' is not an existing file.")
        if raw.suffix.lower() not in FILE_EXTENSIONS:
            raise InvalidParameterError(
                f"{header} with path '{raw}' does not match any of the supported file "
                f"extensions: {', '.join(FILE_EXTENSIONS)}."
            )
        return Path(shutil.copy2(raw, _fresh(stem, raw.suffix, header)))
    if _is_instance(raw, "pandas", "DataFrame"):
        target = _fresh(stem, ".csv", header)
        raw.to_csv(target, index=False)
        return target
    if _is_instance(raw, "numpy", "ndarray"):
        import numpy as np

        target = _fresh(stem, ".npy", header)
        np.save(target, raw, allow_pickle=False)
        return target
    if _is_instance(raw, "matplotlib.figure", "Figure"):
        target = _fresh(stem, ".png", header)
        raw.savefig(target)
        return target
    try:
        text = json.dumps(raw, default=_json_default)
    except (TypeError, ValueError):
        return _pickled(raw, stem, header)
    target = _fresh(stem, ".json", header)
    target.write_text(text, encoding="utf-8")
    return target


def _pickled(raw: Any, stem: Path, header: str) -> Path:
    target = _fresh(stem, ".pickle", header)
    try:
        target.write_bytes(pickle.dumps(raw))
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise InvalidParameterError(
            f"{header} of type {type(raw).__name__} that cannot be pickled ({exc}). Return a "
            "file path, a JSON string or object, a pandas DataFrame, a numpy array or a "
            "matplotlib Figure"
        ) from None
    _logger.warning("%s of type %s that is logged as a pickle artifact.", header, type(raw))
    return target


def _fresh(stem: Path, extension: str, header: str) -> Path:
    target = stem.with_name(stem.name + extension)
    if target.exists():
        raise InvalidParameterError(
            f"{header} cannot be logged because there already exists an artifact with the "
            f"same name ({target.name})."
        )
    return target


def save_custom_artifacts(
    functions: Sequence[Callable[..., Any]],
    eval_df: Any,
    metric_values: Mapping[str, Any],
    out_dir: Path,
    taken: Collection[str] = (),
) -> dict[str, Path]:
    """Call each custom artifact function and save its artifacts in ``out_dir``.

    Args:
        functions: The ``custom_artifacts``.
        eval_df: A DataFrame with ``prediction`` and ``target`` columns (each function gets a
            copy).
        metric_values: ``{name: MetricValue}`` of the metrics computed (each function gets a
            copy).
        out_dir: Where the files go, named ``<artifact name><extension>``.
        taken: The names of the evaluation's other artifacts (builtin plots, tables).

    Returns:
        ``{artifact name: file}``.

    Raises:
        InvalidParameterError: A function is not callable, or an artifact cannot be saved
            (a missing path, an unsupported extension, a name used twice or taken).
    """
    files: dict[str, Path] = {}
    for index, function in enumerate(functions):
        name = getattr(function, "__name__", repr(function))
        header = (
            f"Custom artifact function '{name}' at index {index} in the `custom_artifacts` "
            "parameter"
        )
        if not callable(function):
            raise InvalidParameterError(f"{header} is not callable: {function!r}")
        with tempfile.TemporaryDirectory(prefix="flowtrack-artifacts-") as artifacts_dir:
            returned = function(eval_df.copy(), copy.deepcopy(dict(metric_values)), artifacts_dir)
            if returned is None:
                _logger.warning("%s returned None.", header)
                continue
            if not isinstance(returned, Mapping) or not all(isinstance(k, str) for k in returned):
                _logger.warning(
                    "%s did not return artifacts as a dictionary of string artifact names with "
                    "their corresponding objects.",
                    header,
                )
                continue
            for artifact, raw in returned.items():
                if not artifact or artifact != Path(artifact).name:
                    raise InvalidParameterError(
                        f"{header} returned the artifact name {artifact!r}: names must be "
                        "non-empty file names, without '/'"
                    )
                produced = f"{header} produced an artifact '{artifact}'"
                if artifact in files or artifact in taken:
                    raise InvalidParameterError(
                        f"{produced} that cannot be logged: '{artifact}' is the name of another "
                        "artifact of this evaluation"
                    )
                files[artifact] = _write(raw, out_dir / artifact, produced)
    return files
