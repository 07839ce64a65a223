"""The ``mlflow.datasets`` tag's data hash equals the one MLflow 3's ``evaluate`` records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes

from flowtrack.models.evaluation._data import resolve_data
from flowtrack.models.evaluation._dataset_tag import dataset_hash
from tests.models.interop.conftest import MlflowPython

MLFLOW_HASHES = """
import numpy as np
import pandas as pd
from mlflow.data.evaluation_dataset import EvaluationDataset

frame = pd.read_csv(args["frame"])
short = frame.iloc[:7]
array = np.load(args["array"])
labels = np.load(args["labels"])
result = [
    EvaluationDataset(frame, targets="target").hash,
    EvaluationDataset(short, targets="target").hash,
    EvaluationDataset(array, targets=labels).hash,
]
"""


def test_dataset_hash_equals_mlflows(mlflow_python: MlflowPython, tmp_path: Path) -> None:
    frame = load_diabetes(as_frame=True).frame
    array = np.arange(90, dtype=float).reshape(30, 3)
    labels = np.arange(30) % 2
    frame.to_csv(tmp_path / "frame.csv", index=False)
    np.save(tmp_path / "array.npy", array)
    np.save(tmp_path / "labels.npy", labels)
    args = {
        name: str(tmp_path / f"{name}.{ext}")
        for name, ext in [("frame", "csv"), ("array", "npy"), ("labels", "npy")]
    }
    expected = mlflow_python.json(MLFLOW_HASHES, args)
    read = pd.read_csv(tmp_path / "frame.csv")  # the same values MLflow's side read
    ours = [
        dataset_hash(resolve_data(data, "target", None, None, has_model=True, col_mapping=None))
        for data in (read, read.iloc[:7])
    ]
    ours.append(
        dataset_hash(resolve_data(array, labels, None, None, has_model=True, col_mapping=None))
    )
    assert ours == expected
