"""``evaluate(..., extra_metrics=, custom_artifacts=, evaluator_config=)`` on sklearn data."""

from __future__ import annotations

import json
import logging
import tempfile
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LinearRegression, LogisticRegression

import flowtrack
import flowtrack.metrics
import flowtrack.models
from flowtrack.exceptions import InvalidParameterError
from flowtrack.metrics import MetricValue, make_metric
from flowtrack.models.evaluation import evaluate


@pytest.fixture(autouse=True)
def tracking(tracking_uri: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.fixture(scope="module")
def diabetes() -> tuple[pd.DataFrame, LinearRegression]:
    frame = load_diabetes(as_frame=True).frame
    return frame, LinearRegression().fit(frame.drop(columns="target"), frame["target"])


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, LogisticRegression]:
    frame = load_breast_cancer(as_frame=True).frame
    model = LogisticRegression(max_iter=5000)
    return frame, model.fit(frame.drop(columns="target"), frame["target"])


def downloaded(run_id: str, path: str, tmp_path: Path) -> Path:
    target = tmp_path / uuid.uuid4().hex
    target.mkdir()
    return Path(flowtrack.MlflowClient().download_artifacts(run_id, path, str(target)))


def test_make_metric_is_exported_where_mlflow_has_it() -> None:
    assert flowtrack.models.make_metric is flowtrack.metrics.make_metric is make_metric
    assert flowtrack.models.EvaluationMetric is flowtrack.metrics.EvaluationMetric
    assert "MetricThreshold" in flowtrack.models.__all__


def test_extra_metrics_are_merged_and_logged_to_the_run(
    diabetes: tuple[pd.DataFrame, LinearRegression],
) -> None:
    frame, model = diabetes
    predicted = model.predict(frame.drop(columns="target"))
    seen: dict[str, Any] = {}

    def squared_log_error(predictions: pd.Series, targets: pd.Series) -> float:
        seen["types"] = (type(predictions), type(targets))
        return float(np.mean((np.log1p(predictions.clip(0)) - np.log1p(targets)) ** 2))

    def error_ratio(predictions: Any, targets: Any, metrics: dict[str, MetricValue]) -> float:
        mae = metrics["mean_absolute_error"].aggregate_results["mean_absolute_error"]
        return mae / metrics["mean_on_target"].aggregate_results["mean_on_target"]

    def bmi_weighted_error(predictions: Any, targets: Any, bmi: pd.Series, power: int) -> float:
        return float(np.average(np.abs(predictions - targets), weights=(bmi - bmi.min()) ** power))

    def legacy(eval_df: pd.DataFrame, builtin_metrics: dict[str, float]) -> float:
        return (
            float((eval_df["prediction"] - eval_df["target"]).abs().max())
            / builtin_metrics["max_error"]
        )

    def derived(squared_log_error: MetricValue) -> float:  # uses another extra metric
        return 2 * squared_log_error.aggregate_results["squared_log_error"]  # type: ignore[index]

    extra = [
        make_metric(eval_fn=derived, greater_is_better=False),
        make_metric(eval_fn=squared_log_error, greater_is_better=False),
        make_metric(eval_fn=error_ratio, greater_is_better=False, version="v2"),
        make_metric(eval_fn=bmi_weighted_error, greater_is_better=False),
        make_metric(eval_fn=legacy, greater_is_better=False, name="max_ratio"),
    ]
    result = evaluate(
        model,
        frame,
        targets="target",
        model_type="regressor",
        extra_metrics=extra,
        evaluator_config={"power": 2},
    )

    msle = float(np.mean((np.log1p(predicted.clip(0)) - np.log1p(frame["target"])) ** 2))
    assert seen["types"] == (pd.Series, pd.Series)
    assert result.metrics["squared_log_error"] == pytest.approx(msle)
    assert result.metrics["derived"] == pytest.approx(2 * msle)
    assert result.metrics["error_ratio/v2"] == pytest.approx(
        result.metrics["mean_absolute_error"] / result.metrics["mean_on_target"]
    )
    bmi = frame["bmi"]
    expected = np.average(np.abs(predicted - frame["target"]), weights=(bmi - bmi.min()) ** 2)
    assert result.metrics["bmi_weighted_error"] == pytest.approx(expected)
    assert result.metrics["max_ratio"] == pytest.approx(1.0)
    logged = flowtrack.get_run(result.run_id).data.metrics
    assert logged == pytest.approx(result.metrics)


def test_per_row_scores_are_aggregated_and_tabled(
    cancer: tuple[pd.DataFrame, LogisticRegression], tmp_path: Path
) -> None:
    frame, model = cancer

    def hit(predictions: pd.Series, targets: pd.Series) -> MetricValue:
        return MetricValue(scores=(predictions == targets).astype(float).tolist())

    result = evaluate(
        model,
        frame,
        targets="target",
        model_type="classifier",
        extra_metrics=[make_metric(eval_fn=hit, greater_is_better=True)],
        evaluator_config={"metric_prefix": "test_"},
    )

    accuracy = result.metrics["test_accuracy_score"]
    assert result.metrics["test_hit/test_mean"] == pytest.approx(accuracy)
    assert {"test_hit/test_variance", "test_hit/test_p90"} <= set(result.metrics)
    table_path = downloaded(result.run_id, "test_eval_results_table.json", tmp_path)
    table = json.loads(table_path.read_text())
    assert table["columns"][-3:] == ["target", "outputs", "test_hit/score"]
    assert len(table["data"]) == len(frame)
    assert result.artifacts["eval_results_table"].uri.endswith("test_eval_results_table.json")


def test_metrics_returning_nothing_are_skipped_with_a_warning(
    diabetes: tuple[pd.DataFrame, LinearRegression], caplog: pytest.LogCaptureFixture
) -> None:
    frame, model = diabetes

    def nothing(predictions: Any) -> None:
        return None

    def text(predictions: Any) -> str:
        return "high"

    with caplog.at_level(logging.WARNING):
        result = evaluate(
            model,
            frame,
            targets="target",
            model_type="regressor",
            extra_metrics=[
                make_metric(eval_fn=nothing, greater_is_better=True),
                make_metric(eval_fn=text, greater_is_better=True),
            ],
        )
    assert "nothing" not in result.metrics and "text" not in result.metrics
    assert "Did not log metric 'nothing' at index 0" in caplog.text
    assert "'text' at index 1 in the `extra_metrics` parameter because it did not" in caplog.text


def test_make_metric_errors() -> None:
    with pytest.raises(InvalidParameterError, match="`name` must be specified if `eval_fn` is a"):
        make_metric(eval_fn=lambda predictions: 1.0, greater_is_better=True)
    with pytest.raises(InvalidParameterError, match="Metric names cannot include forward slashes"):
        make_metric(eval_fn=len, greater_is_better=True, name="a/b")
    with pytest.raises(InvalidParameterError, match="Invalid eval_fn of type int"):
        make_metric(eval_fn=3, greater_is_better=True)  # type: ignore[arg-type]
    metric = make_metric(eval_fn=len, greater_is_better=True, version="v1")
    assert (metric.name, metric.key, metric.long_name) == ("len", "len/v1", "len")
    assert (
        str(metric)
        == "EvaluationMetric(name=len, greater_is_better=True, long_name=len, version=v1)"
    )


def test_unfillable_parameters_and_wrong_types_are_refused(
    diabetes: tuple[pd.DataFrame, LinearRegression],
) -> None:
    frame, model = diabetes

    def needs_weights(predictions: Any, weights: Any) -> float:
        return 1.0

    with pytest.raises(InvalidParameterError, match=r"metric 'needs_weights' needs \['weights'\]"):
        evaluate(
            model,
            frame,
            targets="target",
            model_type="regressor",
            extra_metrics=[make_metric(eval_fn=needs_weights, greater_is_better=True)],
        )
    mapped = evaluate(
        model,
        frame,
        targets="target",
        model_type="regressor",
        extra_metrics=[make_metric(eval_fn=needs_weights, greater_is_better=True)],
        evaluator_config={"col_mapping": {"weights": "age"}},
    )
    assert mapped.metrics["needs_weights"] == 1.0
    with pytest.raises(InvalidParameterError, match=r"extra_metrics .* of type builtin_function"):
        evaluate(model, frame, targets="target", model_type="regressor", extra_metrics=[len])
    with pytest.raises(InvalidParameterError, match="Invalid custom_artifacts"):
        evaluate(model, frame, targets="target", model_type="regressor", custom_artifacts=len)  # type: ignore[arg-type]


def test_evaluator_config_refuses_unknown_keys_naming_the_allowed_ones(
    diabetes: tuple[pd.DataFrame, LinearRegression],
) -> None:
    frame, model = diabetes

    def scaled(predictions: Any, scale: float) -> float:
        return float(predictions.mean() * scale)

    metric = make_metric(eval_fn=scaled, greater_is_better=True)
    with pytest.raises(InvalidParameterError) as caught:
        evaluate(
            model,
            frame,
            targets="target",
            model_type="regressor",
            extra_metrics=[metric],
            evaluator_config={"scael": 2.0},
        )
    message = str(caught.value)
    assert "Unknown evaluator_config key 'scael'" in message
    assert "pos_label" in message and "metric_prefix" in message
    assert "eval_fn (predictions, scale)" in message
    ok = evaluate(
        model,
        frame,
        targets="target",
        model_type="regressor",
        extra_metrics=[metric],
        evaluator_config={"scale": 2.0, "log_model_explainability": False},
    )
    assert ok.metrics["scaled"] == pytest.approx(
        2 * model.predict(frame.drop(columns="target")).mean()
    )


def test_custom_artifacts_are_saved_logged_and_listed(
    cancer: tuple[pd.DataFrame, LogisticRegression], tmp_path: Path
) -> None:
    frame, model = cancer
    calls: list[Any] = []

    def report(eval_df: pd.DataFrame, builtin_metrics: dict[str, Any], artifacts_dir: str) -> dict:
        calls.append((list(eval_df.columns), builtin_metrics, artifacts_dir))
        figure = Figure()
        figure.add_subplot().hist(eval_df["prediction"])
        text_path = Path(artifacts_dir) / "notes.txt"
        text_path.write_text("checked by hand")
        accuracy = builtin_metrics["accuracy_score"].aggregate_results["accuracy_score"]
        return {
            "summary": {"accuracy": accuracy, "rows": np.int64(len(eval_df))},
            "errors": eval_df[eval_df["prediction"] != eval_df["target"]],
            "histogram": figure,
            "confusion": np.array([[1, 2], [3, 4]]),
            "raw": '{"ok": true}',
            "notes": str(text_path),
        }

    result = evaluate(
        model, frame, targets="target", model_type="classifier", custom_artifacts=[report]
    )

    ((columns, metrics, artifacts_dir),) = calls
    assert columns == ["prediction", "target"]
    assert isinstance(metrics["accuracy_score"], MetricValue)
    assert not Path(artifacts_dir).exists()  # deleted once the artifacts are logged
    files = {
        "summary": "summary.json",
        "errors": "errors.csv",
        "histogram": "histogram.png",
        "confusion": "confusion.npy",
        "raw": "raw.json",
        "notes": "notes.txt",
    }
    for name, file_name in files.items():
        assert result.artifacts[name].uri.endswith(f"/{file_name}")
    logged = {info.path for info in flowtrack.MlflowClient().list_artifacts(result.run_id)}
    assert set(files.values()) <= logged
    summary = json.loads(downloaded(result.run_id, "summary.json", tmp_path).read_text())
    assert summary == {"accuracy": result.metrics["accuracy_score"], "rows": len(frame)}
    errors = pd.read_csv(downloaded(result.run_id, "errors.csv", tmp_path))
    wrong = round((1 - result.metrics["accuracy_score"]) * len(frame))
    assert len(errors) == wrong
    assert downloaded(result.run_id, "histogram.png", tmp_path).read_bytes()[:4] == b"\x89PNG"
    assert np.load(downloaded(result.run_id, "confusion.npy", tmp_path)).tolist() == [
        [1, 2],
        [3, 4],
    ]
    assert downloaded(result.run_id, "notes.txt", tmp_path).read_text() == "checked by hand"


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ({"x": "not json, not a file"}, "neither a valid path to a file nor a JSON string"),
        ({"confusion_matrix": {"a": 1}}, "the name of another artifact of this evaluation"),
        ({"a/b": {"a": 1}}, "names must be non-empty file names, without '/'"),
    ],
)
def test_custom_artifact_errors_name_the_function_and_artifact(
    cancer: tuple[pd.DataFrame, LogisticRegression], returned: dict, message: str
) -> None:
    frame, model = cancer

    def broken(eval_df: Any, builtin_metrics: Any, artifacts_dir: str) -> dict:
        return dict(returned)

    with pytest.raises(InvalidParameterError, match=message) as caught:
        evaluate(model, frame, targets="target", model_type="classifier", custom_artifacts=[broken])
    assert "Custom artifact function 'broken' at index 0" in str(caught.value)


def test_an_unsupported_path_extension_is_refused(
    diabetes: tuple[pd.DataFrame, LinearRegression], tmp_path: Path
) -> None:
    frame, model = diabetes
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"\0")

    def binary(eval_df: Any, builtin_metrics: Any, artifacts_dir: str) -> dict:
        return {"weights": str(weights)}

    with pytest.raises(InvalidParameterError, match="does not match any of the supported file"):
        evaluate(model, frame, targets="target", model_type="regressor", custom_artifacts=[binary])
