"""The ``mlflow.datasets`` run tag: which data (name, hash, ``dataset_path``) a model was scored on.

MLflow's ``evaluate`` keeps this lineage record beside the run's dataset inputs: a JSON list of
``{"name", "hash", "path"?, "model"}`` objects, one per (dataset, model) pair, appended to on each
evaluation of a model that carries MLmodel metadata (its ``model_uuid``). The hash follows
MLflow's evaluation-dataset scheme: MD5 over each array's length and its first and last five rows
(all rows when fewer than ten), the labels, the static predictions and the feature names.
"""

from __future__ import annotations

import hashlib
import json
import struct
from typing import TYPE_CHECKING, Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models.evaluation._optional import require

if TYPE_CHECKING:
    from flowtrack.models.evaluation._data import EvalData
    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["DATASETS_TAG", "check_dataset_path", "dataset_hash", "log_dataset_tag"]

#: The run tag holding the evaluation lineage records (MLflow's name).
DATASETS_TAG = "mlflow.datasets"

#: Rows hashed at each end of a long array (MLflow's ``NUM_SAMPLE_ROWS_FOR_HASH``).
_SAMPLE_ROWS = 5


def check_dataset_path(dataset_path: Any) -> str | None:
    """Validate ``evaluate``'s ``dataset_path``.

    Raises:
        InvalidParameterError: Not a string, or it contains a double quote (MLflow refuses those).
    """
    if dataset_path is None:
        return None
    if not isinstance(dataset_path, str):
        raise InvalidParameterError(
            f"Invalid dataset_path {dataset_path!r}: pass the path or URI where the data is "
            "stored, as a string"
        )
    if '"' in dataset_path:
        raise InvalidParameterError(
            f"Invalid dataset_path {dataset_path!r}: a dataset path cannot include a double "
            'quote (")'
        )
    return dataset_path


def _uint64_bytes(values: Any) -> bytes:
    return struct.pack(f">{len(values)}Q", *(int(value) for value in values))


def _array_bytes(data: Any) -> bytes:
    numpy = require("numpy", "evaluate")
    pandas = require("pandas", "evaluate's dataset hash")
    if isinstance(data, pandas.DataFrame):
        return _uint64_bytes(pandas.util.hash_pandas_object(data))
    array = numpy.asarray(data)
    if array.dtype == object:  # rows of lists: hash their text, as MLflow does
        array = numpy.array([str(value) for value in array.ravel()])
    hashed = pandas.util.hash_array(array.flatten(order="C"))
    return _uint64_bytes(hashed) + _uint64_bytes(array.shape)


def _update(md5: Any, data: Any) -> None:
    md5.update(_uint64_bytes([len(data)]))
    if len(data) < _SAMPLE_ROWS * 2:
        md5.update(_array_bytes(data))
        return
    rows = data.iloc if hasattr(data, "iloc") else data
    md5.update(_array_bytes(rows[:_SAMPLE_ROWS]))
    md5.update(_array_bytes(rows[-_SAMPLE_ROWS:]))


def _feature_names(features: Any) -> list[str]:
    columns = getattr(features, "columns", None)
    if columns is not None:
        return [name if isinstance(name, str) else f"feature_{name}" for name in columns]
    width = 1 if getattr(features, "ndim", 1) == 1 else int(features.shape[1])
    digits = len(str(width))
    return [f"feature_{str(i + 1).zfill(digits)}" for i in range(width)]


def dataset_hash(data: EvalData) -> str:
    """Return the evaluation data's hash (MLflow's evaluation-dataset scheme, hex MD5)."""
    md5 = hashlib.md5(usedforsecurity=False)
    _update(md5, data.features)
    _update(md5, data.targets)
    if data.predictions is not None:
        _update(md5, data.predictions)
    md5.update(",".join(_feature_names(data.features)).encode("UTF-8"))
    return md5.hexdigest()


def log_dataset_tag(
    client: FlowtrackClient, run_id: str, data: EvalData, model_uuid: str, path: str | None
) -> None:
    """Append the (data, model) record to the run's ``mlflow.datasets`` tag, once per pair.

    Args:
        client: The client of the run.
        run_id: The evaluation run.
        data: The evaluation data.
        model_uuid: The evaluated model's ``model_uuid``.
        path: ``evaluate``'s ``dataset_path``, recorded when given.
    """
    name = getattr(data.dataset, "name", None)
    digest = dataset_hash(data)
    record: dict[str, Any] = {"name": name if name is not None else digest, "hash": digest}
    if path is not None:
        record["path"] = path
    existing = client.get_run(run_id).data.tags.get(DATASETS_TAG, "[]")
    records: list[dict[str, Any]] = json.loads(existing)
    seen = any(
        item.get("hash") == digest
        and item.get("name") == record["name"]
        and item.get("model") == model_uuid
        for item in records
    )
    if not seen:
        records.append({**record, "model": model_uuid})
        client.set_tag(run_id, DATASETS_TAG, json.dumps(records, separators=(",", ":")))
