"""MLflow 3's logged models across the two libraries: each loads the other's by its directory.

MLflow 3.17 (in ``.venv-mlflow``) logs a model with ``log_model(model, name=...)`` into its own
SQLite store: the files land in ``<experiment artifacts>/models/<model_id>/artifacts``, and
flowtrack loads that directory and predicts the same. The other way round, flowtrack's logged
model directory loads in MLflow (flowtrack not importable there) and predicts the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import flowtrack
import flowtrack.pyfunc
import flowtrack.sklearn
from tests.models.interop.conftest import MlflowPython

LOG_WITH_MLFLOW = """
import mlflow
import mlflow.sklearn
import pandas as pd
from sklearn.linear_model import LogisticRegression

mlflow.set_tracking_uri(args["tracking_uri"])
frame = pd.read_csv(args["data"])
X, y = frame.drop(columns="target"), frame["target"]
with mlflow.start_run() as run:
    model = LogisticRegression(max_iter=1000).fit(X, y)
    info = mlflow.sklearn.log_model(
        model, name="classifier", input_example=X.head(3), pip_requirements=["scikit-learn"]
    )
logged = mlflow.get_logged_model(info.model_id)
result = {
    "model_id": info.model_id,
    "model_uri": info.model_uri,
    "artifact_location": logged.artifact_location,
    "predictions": [int(v) for v in model.predict(X)],
}
"""

LOAD_WITH_MLFLOW = """
import mlflow.pyfunc
import pandas as pd

frame = pd.read_csv(args["data"])
model = mlflow.pyfunc.load_model(args["path"])
result = {
    "model_id": model.model_id,
    "predictions": [int(v) for v in model.predict(frame.drop(columns="target"))],
}
"""


def _iris(tmp_path: Path) -> tuple[Path, pd.DataFrame, pd.Series]:
    data = load_iris(as_frame=True)
    frame = data.data.assign(target=data.target)
    path = tmp_path / "iris.csv"
    frame.to_csv(path, index=False)
    return path, data.data, data.target


def test_mlflow_logged_model_loads_in_flowtrack_by_its_directory(
    mlflow_python: MlflowPython, tmp_path: Path
) -> None:
    data, X, _ = _iris(tmp_path)
    seen: dict[str, Any] = mlflow_python.json(
        LOG_WITH_MLFLOW,
        {"tracking_uri": f"sqlite:///{tmp_path / 'mlflow.db'}", "data": str(data)},
    )
    model_dir = Path(seen["artifact_location"].removeprefix("file://"))
    assert model_dir.parts[-3:] == ("models", seen["model_id"], "artifacts")
    assert seen["model_uri"] == f"models:/{seen['model_id']}"

    pyfunc_model = flowtrack.pyfunc.load_model(str(model_dir))
    assert pyfunc_model.model_id == seen["model_id"]
    assert pyfunc_model.metadata.model_id == seen["model_id"]
    np.testing.assert_array_equal(pyfunc_model.predict(X), seen["predictions"])
    np.testing.assert_array_equal(
        flowtrack.sklearn.load_model(str(model_dir)).predict(X), seen["predictions"]
    )
    info = flowtrack.models.get_model_info(str(model_dir))
    assert info.mlflow_version is not None
    assert info.model_uuid == seen["model_id"]


def test_flowtrack_logged_model_loads_in_mlflow_by_its_directory(
    mlflow_python: MlflowPython, tmp_path: Path, clean_context: None
) -> None:
    flowtrack.set_tracking_uri(f"sqlite:///{tmp_path / 'flowtrack.db'}")
    data, X, y = _iris(tmp_path)
    model = LogisticRegression(max_iter=1000).fit(X, y)
    with flowtrack.start_run():
        info = flowtrack.sklearn.log_model(model, name="classifier", input_example=X.head(3))
    model_dir = Path(flowtrack.get_logged_model(info.model_id).artifact_location)
    mlmodel = yaml.safe_load((model_dir / "MLmodel").read_text())
    assert mlmodel["model_id"] == info.model_id
    assert mlmodel["artifact_path"] == str(model_dir)

    seen: dict[str, Any] = mlflow_python.json(
        LOAD_WITH_MLFLOW, {"path": str(model_dir), "data": str(data)}
    )

    assert seen["model_id"] == info.model_id
    assert seen["predictions"] == [int(v) for v in model.predict(X)]
