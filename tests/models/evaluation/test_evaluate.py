"""``flowtrack.evaluate`` on scikit-learn's bundled datasets: metrics, runs, plots, errors."""

from __future__ import annotations

import csv
import logging
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression, RidgeClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import flowtrack as mlflow
from flowtrack import pyfunc
from flowtrack.exceptions import InvalidParameterError, MissingDependencyError
from flowtrack.models.evaluation import EvaluationResult, evaluate

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def tracking(tracking_uri: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A fresh in-memory store and clean context (root conftest); temp files under tmp_path."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # evaluate's local plot copies


@pytest.fixture(scope="module")
def diabetes() -> tuple[pd.DataFrame, LinearRegression]:
    frame = load_diabetes(as_frame=True).frame
    model = LinearRegression().fit(frame.drop(columns="target"), frame["target"])
    return frame, model


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, Any]:
    frame = load_breast_cancer(as_frame=True).frame
    model = make_pipeline(StandardScaler(), LogisticRegression())
    return frame, model.fit(frame.drop(columns="target"), frame["target"])


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray, LogisticRegression]:
    features, labels = load_iris(return_X_y=True)
    return features, labels, LogisticRegression(max_iter=1000).fit(features, labels)


def downloaded(run_id: str, path: str, tmp_path: Path) -> bytes:
    target = tmp_path / uuid.uuid4().hex
    target.mkdir()
    return Path(mlflow.MlflowClient().download_artifacts(run_id, path, str(target))).read_bytes()


def assert_pngs(result: EvaluationResult, names: set[str], tmp_path: Path) -> None:
    """The artifacts are exactly ``names``: non-empty PNGs, on the run, equal to the local copy."""
    assert set(result.artifacts) == names
    logged = {info.path for info in mlflow.MlflowClient().list_artifacts(result.run_id)}
    for name in names:
        artifact = result.artifacts[name]
        local = Path(artifact.local_path)
        assert local.name == f"{name}.png"
        assert local.read_bytes().startswith(PNG_MAGIC)
        assert local.stat().st_size > 1000
        assert artifact.uri.endswith(f"/{name}.png")
        assert local.name in logged
        assert downloaded(result.run_id, local.name, tmp_path) == local.read_bytes()


class ProbabilityModel(pyfunc.PythonModel):
    """A custom pyfunc model around an estimator, exposing its ``predict_proba``."""

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return self.estimator.predict(model_input)

    def predict_proba(self, model_input: Any) -> Any:
        return self.estimator.predict_proba(model_input)


def test_regressor_metrics_equal_sklearn_and_are_logged_to_a_new_run(
    diabetes: tuple[pd.DataFrame, LinearRegression], tmp_path: Path
) -> None:
    frame, model = diabetes
    result = mlflow.evaluate(model, frame, targets="target", model_type="regressor")
    y, pred = frame["target"].to_numpy(), model.predict(frame.drop(columns="target"))
    expected = {
        "example_count": 442,
        "mean_absolute_error": sk.mean_absolute_error(y, pred),
        "mean_squared_error": sk.mean_squared_error(y, pred),
        "root_mean_squared_error": sk.root_mean_squared_error(y, pred),
        "sum_on_target": y.sum(),
        "mean_on_target": y.mean(),
        "r2_score": sk.r2_score(y, pred),
        "max_error": sk.max_error(y, pred),
        "mean_absolute_percentage_error": sk.mean_absolute_percentage_error(y, pred),
    }
    assert result.metrics == pytest.approx(expected)
    assert list(result.metrics) == list(expected)
    run = mlflow.get_run(result.run_id)
    assert run.data.metrics == result.metrics
    assert run.info.status == "FINISHED"  # started for the evaluation, then ended
    assert mlflow.active_run() is None
    (dataset_input,) = run.inputs.dataset_inputs
    assert {(tag.key, tag.value) for tag in dataset_input.tags} == {("mlflow.data.context", "eval")}
    assert_pngs(result, {"residuals_plot", "predicted_vs_actual_plot"}, tmp_path)


def test_evaluate_logs_to_the_active_run_with_a_flowtrack_dataset(
    diabetes: tuple[pd.DataFrame, LinearRegression],
) -> None:
    frame, model = diabetes
    dataset = mlflow.data.from_pandas(frame, targets="target", name="diabetes")
    with mlflow.start_run() as run:
        mlflow.log_param("alpha", 1)
        result = evaluate(model, dataset, model_type="regressor")
        assert mlflow.active_run() is run
    assert result.run_id == run.info.run_id
    logged = mlflow.get_run(run.info.run_id)
    assert logged.data.params == {"alpha": "1"}
    assert logged.data.metrics["r2_score"] == pytest.approx(result.metrics["r2_score"])
    assert [item.dataset.name for item in logged.inputs.dataset_inputs] == ["diabetes"]
    with pytest.raises(InvalidParameterError, match="name the targets in the dataset"):
        evaluate(model, dataset, targets="target", model_type="regressor")


def test_static_predictions_with_weights_and_selected_metrics() -> None:
    frame = load_diabetes(as_frame=True).frame
    frame["pred"] = frame["target"] * 0.9 + 10.0
    weights = np.linspace(0.5, 2.0, len(frame))
    result = evaluate(
        data=frame,
        targets="target",
        predictions="pred",
        model_type="regressor",
        evaluator_config={"metrics": ["r2_score", "sum_on_target"], "sample_weights": weights},
    )
    y = frame["target"].to_numpy()
    assert result.metrics == pytest.approx(
        {
            "r2_score": sk.r2_score(y, frame["pred"], sample_weight=weights),
            "sum_on_target": float((y * weights).sum()),
        }
    )
    assert mlflow.get_run(result.run_id).data.metrics == result.metrics


def test_callable_model_on_numpy_data_with_feature_names() -> None:
    features, target = load_diabetes(return_X_y=True)
    names = [f"f{i}" for i in range(features.shape[1])]
    model = LinearRegression().fit(pd.DataFrame(features, columns=names), target)
    seen: list[Any] = []

    def predict(batch: Any) -> Any:
        seen.append(batch)
        return model.predict(batch)

    result = mlflow.evaluate(
        predict, features, targets=target, model_type="regressor", feature_names=names
    )
    assert list(seen[0].columns) == names  # with feature_names, the model gets a DataFrame
    assert result.metrics["mean_squared_error"] == pytest.approx(
        sk.mean_squared_error(target, model.predict(pd.DataFrame(features, columns=names)))
    )


def test_binary_classifier_metrics_equal_sklearn_with_plots(
    cancer: tuple[pd.DataFrame, Any], tmp_path: Path
) -> None:
    frame, model = cancer
    result = mlflow.evaluate(model, frame, targets="target", model_type="classifier")
    features = frame.drop(columns="target")
    y, pred, proba = frame["target"], model.predict(features), model.predict_proba(features)
    tn, fp, fn, tp = sk.confusion_matrix(y, pred).ravel()
    assert result.metrics == pytest.approx(
        {
            "true_negatives": tn,
            "false_positives": fp,
            "false_negatives": fn,
            "true_positives": tp,
            "example_count": 569,
            "accuracy_score": sk.accuracy_score(y, pred),
            "recall_score": sk.recall_score(y, pred),
            "precision_score": sk.precision_score(y, pred),
            "f1_score": sk.f1_score(y, pred),
            "log_loss": sk.log_loss(y, proba),
            "roc_auc": sk.roc_auc_score(y, proba[:, 1]),
            "precision_recall_auc": sk.average_precision_score(y, proba[:, 1]),
        }
    )
    assert mlflow.get_run(result.run_id).data.metrics == result.metrics
    assert_pngs(
        result, {"confusion_matrix", "roc_curve_plot", "precision_recall_curve_plot"}, tmp_path
    )


def test_model_uri_and_pyfunc_model_with_unwrapped_probabilities(
    cancer: tuple[pd.DataFrame, Any],
) -> None:
    frame, model = cancer
    with mlflow.start_run() as run:
        info = pyfunc.log_model(name="model", python_model=ProbabilityModel(model))
        from_uri = mlflow.evaluate(info.model_uri, frame, targets="target", model_type="classifier")
    assert from_uri.run_id == run.info.run_id
    scores = model.predict_proba(frame.drop(columns="target"))[:, 1]
    assert from_uri.metrics["roc_auc"] == pytest.approx(sk.roc_auc_score(frame["target"], scores))
    loaded = pyfunc.load_model(info.model_uri)
    from_object = evaluate(loaded, frame, targets="target", model_type="classifier")
    assert from_object.metrics == pytest.approx(from_uri.metrics)
    assert "roc_curve_plot" in from_object.artifacts
    with pytest.raises(InvalidParameterError, match="model_config applies when loading"):
        evaluate(loaded, frame, targets="target", model_type="classifier", model_config={})


def test_sklearn_model_uri_gets_probabilities_from_the_raw_estimator(
    iris: tuple[np.ndarray, np.ndarray, LogisticRegression],
) -> None:
    from flowtrack import sklearn as flowtrack_sklearn

    features, y, model = iris
    with mlflow.start_run():
        info = flowtrack_sklearn.log_model(model, name="model")
    result = evaluate(info.model_uri, features, targets=y, model_type="classifier")
    proba = model.predict_proba(features)
    assert result.metrics["log_loss"] == pytest.approx(sk.log_loss(y, proba))
    assert result.metrics["roc_auc"] == pytest.approx(
        sk.roc_auc_score(y, proba, multi_class="ovr", average="weighted")
    )
    assert {"roc_curve_plot", "precision_recall_curve_plot"} <= set(result.artifacts)
    assert result.run_id != info.run_id  # no run was active: evaluate started its own


def test_binary_string_labels_with_pos_label_and_prefix(cancer: tuple[pd.DataFrame, Any]) -> None:
    frame, model = cancer
    names = np.array(["malignant", "benign"])
    features = frame.drop(columns="target")
    data = features.assign(label=names[frame["target"]])
    predicted = names[model.predict(features)]
    result = evaluate(
        lambda batch: names[model.predict(batch)],
        data,
        targets="label",
        model_type="classifier",
        evaluator_config={"pos_label": "malignant", "metric_prefix": "test_"},
    )
    y = data["label"]
    assert result.metrics["test_recall_score"] == pytest.approx(
        sk.recall_score(y, predicted, pos_label="malignant")
    )
    assert result.metrics["test_true_positives"] == sum((y == "malignant") & (predicted == y))
    assert "test_roc_auc" not in result.metrics  # a plain callable has no probabilities
    assert set(result.artifacts) == {"test_confusion_matrix"}
    assert Path(result.artifacts["test_confusion_matrix"].local_path).name == (
        "test_confusion_matrix.png"
    )


def test_multiclass_metrics_per_class_table_and_plots(
    iris: tuple[np.ndarray, np.ndarray, LogisticRegression], tmp_path: Path
) -> None:
    features, y, model = iris
    result = mlflow.evaluate(model, features, targets=y, model_type="classifier")
    pred, proba = model.predict(features), model.predict_proba(features)
    precision, recall, f1, _ = sk.precision_recall_fscore_support(y, pred)
    expected = {
        "example_count": 150,
        "accuracy_score": sk.accuracy_score(y, pred),
        "recall_score": sk.recall_score(y, pred, average="weighted"),
        "precision_score": sk.precision_score(y, pred, average="weighted"),
        "f1_score": sk.f1_score(y, pred, average="weighted"),
        "log_loss": sk.log_loss(y, proba),
        "roc_auc": sk.roc_auc_score(y, proba, multi_class="ovr", average="weighted"),
    }
    for label in range(3):
        expected[f"recall_score_class_{label}"] = recall[label]
        expected[f"precision_score_class_{label}"] = precision[label]
        expected[f"f1_score_class_{label}"] = f1[label]
        expected[f"roc_auc_class_{label}"] = sk.roc_auc_score(y == label, proba[:, label])
    assert result.metrics == pytest.approx(expected)
    assert mlflow.get_run(result.run_id).data.metrics == result.metrics
    table = result.artifacts.pop("per_class_metrics")
    with Path(table.local_path).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["positive_class"] for row in rows] == ["0", "1", "2"]
    assert float(rows[1]["recall_score"]) == pytest.approx(recall[1])
    assert int(rows[2]["false_positives"]) == sum((pred == 2) & (y != 2))
    assert table.uri.endswith("/per_class_metrics.csv")
    assert_pngs(
        result, {"confusion_matrix", "roc_curve_plot", "precision_recall_curve_plot"}, tmp_path
    )


def test_multiclass_macro_average_without_probabilities(
    iris: tuple[np.ndarray, np.ndarray, LogisticRegression], caplog: pytest.LogCaptureFixture
) -> None:
    features, y, _ = iris
    model = RidgeClassifier().fit(features, y)  # no predict_proba
    with caplog.at_level(logging.INFO, logger="flowtrack.models.evaluation"):
        result = evaluate(
            model,
            features,
            targets=y,
            model_type="classifier",
            evaluator_config={"average": "macro"},
        )
    pred = model.predict(features)
    assert result.metrics["f1_score"] == pytest.approx(sk.f1_score(y, pred, average="macro"))
    assert not {"log_loss", "roc_auc", "roc_auc_class_0"} & set(result.metrics)
    assert set(result.artifacts) == {"confusion_matrix", "per_class_metrics"}
    assert "has no predict_proba" in caplog.text


def two_columns(batch: pd.DataFrame) -> pd.DataFrame:
    """A model that returns two output columns."""
    return pd.DataFrame({"a": batch["age"], "b": batch["sex"]})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model_type": "ranker"}, "Unsupported model_type 'ranker'.*'classifier', 'regressor'"),
        ({"targets": "label"}, r"'label' is not in data; available columns: \['age', "),
        (
            {"evaluator_config": {"metrics": ["accuracy_score"]}},
            r"'accuracy_score'.*classifier metric, not a regressor metric.*regressor metrics "
            "are example_count, mean_absolute_error",
        ),
        ({"evaluators": "shap"}, "Unknown evaluator 'shap': .*only the 'default' evaluator"),
        ({"evaluators": ["default", "x"]}, "Unknown evaluator 'x'"),
        ({"evaluator_config": {"color": 1}}, "Unknown evaluator_config key 'color'.*metrics"),
        ({"evaluator_config": {"average": "mean"}}, "'mean': use one of macro, micro, weighted"),
        ({"evaluator_config": {"metric_prefix": "a*b"}}, "metric_prefix'\\] 'a\\*b'"),
        ({"model_config": {"x": 1}}, "model_config applies when loading a model URI"),
        ({"predictions": "pred"}, r"two_columns returned 2 columns \['a', 'b'\]; pass"),
    ],
)
def test_invalid_arguments_name_the_value_and_what_is_allowed(
    kwargs: dict[str, Any], message: str
) -> None:
    frame = load_diabetes(as_frame=True).frame
    arguments: dict[str, Any] = {"targets": "target", "model_type": "regressor"} | kwargs
    model = LinearRegression().fit(frame.drop(columns="target"), frame["target"])
    with pytest.raises(InvalidParameterError, match=message):
        evaluate(two_columns if "predictions" in kwargs else model, frame, **arguments)
    assert mlflow.last_active_run() is None  # no run was started for a rejected evaluation


def test_length_mismatches_give_both_lengths() -> None:
    features, target = load_diabetes(return_X_y=True)
    with pytest.raises(InvalidParameterError, match="data has 442 rows but targets has 441 values"):
        evaluate(lambda x: x[:, 0], features, targets=target[:-1], model_type="regressor")
    with pytest.raises(
        InvalidParameterError, match="data has 442 rows but function <lambda> returned 440"
    ):
        evaluate(lambda x: x[:-2, 0], features, targets=target, model_type="regressor")
    for weights, message in [
        (np.ones(3), "442 rows but sample_weights has 3 values"),
        (-np.ones(442), "sample_weights must be non-negative; got -1.0"),
    ]:
        with pytest.raises(InvalidParameterError, match=message):
            evaluate(
                lambda x: x[:, 0],
                features,
                targets=target,
                model_type="regressor",
                evaluator_config={"sample_weights": weights},
            )


def test_non_numeric_regression_targets_and_continuous_class_labels() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["low", "mid", "high"], "p": [1.0, 2, 3]})
    with pytest.raises(
        InvalidParameterError, match=r"Regression targets must be numeric.*e.g. 'low'"
    ):
        evaluate(data=frame, targets="y", predictions="p", model_type="regressor")
    frame["y"] = [0.5, 1.5, 2.25]
    with pytest.raises(InvalidParameterError, match=r"continuous values such as 0\.5"):
        evaluate(data=frame, targets="y", predictions="p", model_type="classifier")


def test_static_prediction_errors() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": [0, 1]})
    with pytest.raises(InvalidParameterError, match="Nothing to evaluate: pass a model"):
        evaluate(data=frame, targets="y", model_type="classifier")
    with pytest.raises(InvalidParameterError, match=r"'pred' is not in data.*\['x', 'y'\]"):
        evaluate(data=frame, targets="y", predictions="pred", model_type="classifier")
    with pytest.raises(InvalidParameterError, match="needs data to be a pandas DataFrame"):
        evaluate(data=[[1.0], [2.0]], targets=[0, 1], predictions="p", model_type="classifier")


def test_classifier_label_errors(iris: tuple[np.ndarray, np.ndarray, LogisticRegression]) -> None:
    features, y, model = iris
    with pytest.raises(InvalidParameterError, match=r"only defined for binary.*3 classes"):
        evaluate(
            model,
            features,
            targets=y,
            model_type="classifier",
            evaluator_config={"metrics": ["true_positives"]},
        )
    with pytest.raises(InvalidParameterError, match=r"\['roc_auc'\] need class probabilities"):
        evaluate(
            lambda x: model.predict(x),
            features,
            targets=y,
            model_type="classifier",
            evaluator_config={"metrics": ["roc_auc"]},
        )
    binary = (y == 2).astype(int)
    with pytest.raises(InvalidParameterError, match=r"pos_label 7 is not one of .*\[0, 1\]"):
        evaluate(
            data=pd.DataFrame({"y": binary, "p": binary}),
            targets="y",
            predictions="p",
            model_type="classifier",
            evaluator_config={"pos_label": 7},
        )
    with pytest.raises(InvalidParameterError, match=r"different kinds: targets 0, predictions 'a'"):
        evaluate(lambda x: np.full(len(x), "a"), features, targets=y, model_type="classifier")
    with pytest.raises(InvalidParameterError, match=r"at least two classes.*only \[1\.0\]"):
        evaluate(lambda x: np.ones(len(x)), features, targets=np.ones(150), model_type="classifier")


def test_invalid_model_and_data_types() -> None:
    with pytest.raises(InvalidParameterError, match="Invalid model of type int: pass a model URI"):
        evaluate(3, [[1.0]], targets=[1.0], model_type="regressor")
    with pytest.raises(InvalidParameterError, match="Invalid data of type dict"):
        evaluate(lambda x: x, {"a": 1}, targets=[1.0], model_type="regressor")
    with pytest.raises(InvalidParameterError, match="data is required"):
        evaluate(lambda x: x, targets=[1.0], model_type="regressor")


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes the import fail
    with pytest.raises(MissingDependencyError, match=r"pip install 'flowtrack\[plots\]'"):
        evaluate(lambda x: x, [[1.0], [2.0]], targets=[1.0, 2.0], model_type="regressor")


def test_evaluate_is_exported_lazily() -> None:
    import flowtrack.models.evaluation

    assert mlflow.evaluate is flowtrack.models.evaluation.evaluate
    assert "evaluate" in mlflow.__all__


def test_result_save_load_contents_and_tables(
    cancer: tuple[pd.DataFrame, Any], tmp_path: Path
) -> None:
    from PIL import Image

    from flowtrack.metrics import MetricValue
    from flowtrack.models.evaluation import make_metric

    frame, model = cancer
    hit = make_metric(
        eval_fn=lambda predictions, targets: MetricValue(
            scores=(predictions == targets).astype(float).tolist()
        ),
        greater_is_better=True,
        name="hit",
    )
    result = mlflow.evaluate(
        model, frame, targets="target", model_type="classifier", extra_metrics=[hit]
    )
    assert isinstance(result.artifacts["confusion_matrix"].content, Image.Image)
    tables = result.tables
    assert list(tables) == ["eval_results_table"]
    assert len(tables["eval_results_table"]) == len(frame)

    result.save(tmp_path / "saved")
    assert sorted(p.name for p in (tmp_path / "saved").iterdir()) == [
        "artifacts",
        "artifacts_metadata.json",
        "metrics.json",
        "run.json",
    ]
    loaded = EvaluationResult.load(tmp_path / "saved")
    assert loaded.metrics == pytest.approx(result.metrics)
    assert loaded.run_id == result.run_id
    assert {name: a.uri for name, a in loaded.artifacts.items()} == {
        name: a.uri for name, a in result.artifacts.items()
    }
    assert loaded.artifacts["roc_curve_plot"].content.size == (
        result.artifacts["roc_curve_plot"].content.size
    )
    pd.testing.assert_frame_equal(loaded.tables["eval_results_table"], tables["eval_results_table"])


def test_result_load_errors_and_pickles_are_not_read(tmp_path: Path) -> None:
    from flowtrack.exceptions import InvalidStateError, NotFoundError
    from flowtrack.models.evaluation import EvaluationArtifact

    with pytest.raises(NotFoundError, match=r"metrics\.json"):
        EvaluationResult.load(tmp_path)
    pickled = tmp_path / "obj.pickle"
    pickled.write_bytes(b"not read")
    with pytest.raises(InvalidStateError, match="does not unpickle"):
        _ = EvaluationArtifact(uri="runs:/r/obj.pickle", local_path=str(pickled)).content
    assert EvaluationArtifact(uri="u.json", content={"a": 1}).content == {"a": 1}
    with pytest.raises(NotFoundError, match="no local copy"):
        _ = EvaluationArtifact(uri="u.json").content
