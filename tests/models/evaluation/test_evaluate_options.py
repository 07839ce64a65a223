"""``evaluate``'s ``inference_params``, ``env_manager``, ``dataset_path`` and ``model_id``."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression

import flowtrack as mlflow
from flowtrack import pyfunc
from flowtrack.exceptions import InvalidParameterError
from flowtrack.models import infer_signature
from flowtrack.models.evaluation import evaluate


@pytest.fixture(autouse=True)
def tracking(tracking_uri: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.fixture(scope="module")
def diabetes() -> tuple[pd.DataFrame, LinearRegression]:
    frame = load_diabetes(as_frame=True).frame
    model = LinearRegression().fit(frame.drop(columns="target"), frame["target"])
    return frame, model


class ShiftedModel(pyfunc.PythonModel):
    """Predicts the estimator's output plus the ``shift`` inference parameter."""

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        shift = (params or {}).get("shift", 0.0)
        return self.estimator.predict(model_input) + shift


def _logged_shifted(frame: pd.DataFrame, model: LinearRegression) -> str:
    features = frame.drop(columns="target")
    signature = infer_signature(features, model.predict(features), params={"shift": 0.0})
    info = pyfunc.log_model(name="model", python_model=ShiftedModel(model), signature=signature)
    return info.model_uri


def test_inference_params_reach_the_models_predict(
    diabetes: tuple[pd.DataFrame, LinearRegression],
) -> None:
    frame, model = diabetes
    with mlflow.start_run():
        uri = _logged_shifted(frame, model)
        plain = evaluate(uri, frame, targets="target", model_type="regressor")
        shifted = evaluate(
            uri,
            frame,
            targets="target",
            model_type="regressor",
            inference_params={"shift": 10.0},
        )
    y, pred = frame["target"].to_numpy(), model.predict(frame.drop(columns="target"))
    assert plain.metrics["mean_absolute_error"] == pytest.approx(sk.mean_absolute_error(y, pred))
    assert shifted.metrics["mean_absolute_error"] == pytest.approx(
        sk.mean_absolute_error(y, pred + 10.0)
    )
    with pytest.raises(InvalidParameterError, match="shift"):  # checked against the schema
        evaluate(
            uri, frame, targets="target", model_type="regressor", inference_params={"shift": "x"}
        )


def test_inference_params_need_a_predict_that_takes_params(
    diabetes: tuple[pd.DataFrame, LinearRegression],
) -> None:
    frame, model = diabetes
    with pytest.raises(InvalidParameterError, match="predict takes no params argument"):
        evaluate(model, frame, targets="target", model_type="regressor", inference_params={"a": 1})
    with pytest.raises(InvalidParameterError, match="no model to pass them to"):
        evaluate(
            None,
            frame.assign(pred=0.0),
            targets="target",
            predictions="pred",
            model_type="regressor",
            inference_params={"a": 1},
        )
    with pytest.raises(InvalidParameterError, match="pass a dict"):
        evaluate(model, frame, targets="target", model_type="regressor", inference_params=[1])


def test_env_manager_local_scores_here_and_others_are_refused(
    diabetes: tuple[pd.DataFrame, LinearRegression],
) -> None:
    frame, model = diabetes
    result = evaluate(model, frame, targets="target", model_type="regressor", env_manager="local")
    assert result.metrics["example_count"] == len(frame)
    for manager in ("virtualenv", "conda", "uv"):
        with pytest.raises(InvalidParameterError, match=rf"env_manager='{manager}'.*'local'"):
            evaluate(model, frame, targets="target", model_type="regressor", env_manager=manager)
    with pytest.raises(InvalidParameterError, match=r"Invalid env_manager 'docker'.*'local'"):
        evaluate(model, frame, targets="target", model_type="regressor", env_manager="docker")


def test_dataset_path_is_recorded_in_the_datasets_tag_of_a_pyfunc_model(
    diabetes: tuple[pd.DataFrame, LinearRegression],
) -> None:
    frame, model = diabetes
    with mlflow.start_run() as run:
        uri = _logged_shifted(frame, model)
        loaded = pyfunc.load_model(uri)
        path = "s3://bucket/diabetes.parquet"
        evaluate(loaded, frame, targets="target", model_type="regressor", dataset_path=path)
        evaluate(loaded, frame, targets="target", model_type="regressor", dataset_path=path)
        evaluate(loaded, frame.iloc[:100], targets="target", model_type="regressor")
    records = json.loads(mlflow.get_run(run.info.run_id).data.tags["mlflow.datasets"])
    model_uuid = loaded.metadata.model_uuid
    assert len(records) == 2  # the repeated evaluation is recorded once
    first, second = records
    assert first["path"] == path and "path" not in second
    assert first["model"] == second["model"] == model_uuid
    assert first["hash"] != second["hash"]
    assert len(first["hash"]) == 32 and int(first["hash"], 16) >= 0
    assert first["name"] == mlflow.get_run(run.info.run_id).inputs.dataset_inputs[0].dataset.name
    # the dataset input is logged as before, with the eval context
    inputs = mlflow.get_run(run.info.run_id).inputs.dataset_inputs
    assert {tag.value for i in inputs for tag in i.tags if tag.key == "mlflow.data.context"} == {
        "eval"
    }


def test_no_datasets_tag_for_a_model_without_mlmodel_metadata(
    diabetes: tuple[pd.DataFrame, LinearRegression],
) -> None:
    frame, model = diabetes
    result = evaluate(
        model, frame, targets="target", model_type="regressor", dataset_path="data.csv"
    )
    assert "mlflow.datasets" not in mlflow.get_run(result.run_id).data.tags


def test_dataset_path_with_a_double_quote_is_refused(
    diabetes: tuple[pd.DataFrame, LinearRegression],
) -> None:
    frame, model = diabetes
    with pytest.raises(InvalidParameterError, match="double quote"):
        evaluate(model, frame, targets="target", model_type="regressor", dataset_path='a"b.csv')


def test_dataset_hash_changes_with_the_rows_it_samples() -> None:
    from flowtrack.data import from_numpy
    from flowtrack.models.evaluation._data import EvalData
    from flowtrack.models.evaluation._dataset_tag import dataset_hash

    features = np.arange(60, dtype=float).reshape(30, 2)
    labels = np.arange(30, dtype=float)

    def digest(feats: np.ndarray, targets: np.ndarray) -> str:
        data = EvalData(feats, targets, None, from_numpy(feats, targets=targets))
        return dataset_hash(data)

    base = digest(features, labels)
    assert digest(features.copy(), labels.copy()) == base
    head = features.copy()
    head[0, 0] = -1.0
    assert digest(head, labels) != base
    middle = features.copy()
    middle[15, 0] = -1.0  # MLflow hashes only the first and last five rows of long data
    assert digest(middle, labels) == base
    assert digest(features, labels[::-1].copy()) != base


def test_metrics_are_linked_to_the_evaluated_logged_model_with_the_dataset(
    diabetes: tuple[pd.DataFrame, LinearRegression],
) -> None:
    frame, model = diabetes
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model")
        result = evaluate(
            f"models:/{info.model_id}", frame, targets="target", model_type="regressor"
        )
    linked = mlflow.get_logged_model(info.model_id).metrics or []
    by_key = {metric.key: metric for metric in linked}
    assert by_key["r2_score"].value == pytest.approx(result.metrics["r2_score"])
    assert by_key["r2_score"].dataset_name is not None
    assert by_key["r2_score"].dataset_digest is not None
    assert by_key["r2_score"].run_id == result.run_id


def test_model_id_goes_to_the_active_model_or_the_given_one(
    diabetes: tuple[pd.DataFrame, LinearRegression],
) -> None:
    frame, model = diabetes
    target = mlflow.initialize_logged_model(name="candidate")
    mlflow.set_active_model(model_id=target.model_id)
    try:
        with mlflow.start_run():
            evaluate(model, frame, targets="target", model_type="regressor")
    finally:
        mlflow.clear_active_model()
    assert "r2_score" in {m.key for m in mlflow.get_logged_model(target.model_id).metrics or []}

    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model")
        with pytest.raises(InvalidParameterError, match="Invalid model_id 'm-"):
            evaluate(
                f"models:/{info.model_id}",
                frame,
                targets="target",
                model_type="regressor",
                model_id=target.model_id,
            )
