"""Post-training metrics: sklearn.metrics calls and model.score after an autologged fit."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sklearn.metrics
import sklearn.model_selection
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import flowtrack
import flowtrack.sklearn

pytestmark = pytest.mark.usefixtures("tracking_uri")


@pytest.fixture
def autolog() -> Iterator[None]:
    flowtrack.sklearn.autolog(log_models=False, log_datasets=False)
    try:
        yield
    finally:
        flowtrack.sklearn.autolog(disable=True)


@pytest.fixture
def iris_split() -> tuple[Any, Any, Any, Any]:
    X, y = load_iris(return_X_y=True)
    return tuple(train_test_split(X, y, random_state=0))  # type: ignore[return-value]


def metrics_of(run_id: str) -> dict[str, float]:
    return dict(flowtrack.get_run(run_id).data.metrics)


def post_training(run_id: str) -> dict[str, float]:
    return {k: v for k, v in metrics_of(run_id).items() if not k.startswith("training_")}


def fitted_run_id() -> str:
    ended = flowtrack.last_active_run()
    assert ended is not None
    return ended.info.run_id


@pytest.mark.usefixtures("autolog")
def test_metric_calls_on_predictions_are_logged_with_mlflows_names(
    iris_split: tuple[Any, Any, Any, Any], tmp_path: Path
) -> None:
    from sklearn.metrics import accuracy_score  # imported after autolog, as MLflow requires

    X_train, X_test, y_train, y_test = iris_split
    model = LogisticRegression(max_iter=500).fit(X_train, y_train)
    run_id = fitted_run_id()

    value = accuracy_score(y_test, model.predict(X_test))
    assert value == pytest.approx(np.mean(model.predict(X_test) == y_test))  # unchanged result
    y_pred = model.predict(X_test)
    again = accuracy_score(y_test, y_pred, normalize=True)
    score = model.score(X_test, y_test)
    f1 = sklearn.metrics.f1_score(y_test, y_pred, average="macro")

    assert post_training(run_id) == pytest.approx(
        {
            "accuracy_score_X_test": value,
            "accuracy_score-2_X_test": again,
            "LogisticRegression_score_X_test": score,
            "f1_score_X_test": f1,
        }
    )
    path = flowtrack.FlowtrackClient().download_artifacts(run_id, "metric_info.json", tmp_path)
    assert json.loads(Path(path).read_text()) == {
        "LogisticRegression_score_X_test": "LogisticRegression.score(X=X_test, y=y_test)",
        "accuracy_score-2_X_test": "accuracy_score(y_true=y_test, y_pred=y_pred, normalize=True)",
        "accuracy_score_X_test": "accuracy_score(y_true=y_test, y_pred=<ndarray>)",
        "f1_score_X_test": "f1_score(y_true=y_test, y_pred=y_pred, average='macro')",
    }


@pytest.mark.usefixtures("autolog")
def test_regression_metrics_and_keyword_arguments() -> None:
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = LinearRegression().fit(X_train, y_train)
    run_id = fitted_run_id()
    predicted = model.predict(X=X_test)
    r2 = sklearn.metrics.r2_score(y_true=y_test, y_pred=predicted)
    mse = sklearn.metrics.mean_squared_error(y_test, predicted)
    assert post_training(run_id) == pytest.approx(
        {"r2_score_X_test": r2, "mean_squared_error_X_test": mse}
    )


@pytest.mark.usefixtures("autolog")
def test_dataset_names_fall_back_and_are_indexed(iris_split: tuple[Any, Any, Any, Any]) -> None:
    X_train, X_test, y_train, y_test = iris_split
    model = LogisticRegression(max_iter=500).fit(X_train, y_train)
    run_id = fitted_run_id()
    sklearn.metrics.accuracy_score(y_test[:10], model.predict(X_test[:10]))  # no variable
    first = X_test
    sklearn.metrics.accuracy_score(y_test, model.predict(first))
    X_test = X_test.copy()  # another object under a name already used
    sklearn.metrics.accuracy_score(y_test, model.predict(X_test))
    assert set(post_training(run_id)) == {
        "accuracy_score_unknown_dataset",
        "accuracy_score-2_X_test",
        "accuracy_score-3_X_test-2",
    }


def evaluate(model: Any, data: Any, labels: Any) -> float:
    return float(sklearn.metrics.accuracy_score(labels, model.predict(data)))


@pytest.mark.usefixtures("autolog")
def test_the_name_comes_from_the_outermost_frame(iris_split: tuple[Any, Any, Any, Any]) -> None:
    X_train, X_holdout, y_train, y_holdout = iris_split
    model = LogisticRegression(max_iter=500).fit(X_train, y_train)
    evaluate(model, X_holdout, y_holdout)
    assert set(post_training(fitted_run_id())) == {"accuracy_score_X_holdout"}


@pytest.mark.usefixtures("autolog")
def test_pipeline_and_predict_proba_predictions_are_followed(
    iris_split: tuple[Any, Any, Any, Any],
) -> None:
    X_train, X_test, y_train, y_test = iris_split
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    pipeline.fit(X_train, y_train)
    run_id = fitted_run_id()
    proba = pipeline.predict_proba(X_test)
    auc = sklearn.metrics.roc_auc_score(y_test, proba, multi_class="ovr")
    assert post_training(run_id) == pytest.approx({"roc_auc_score_X_test": auc})
    assert hasattr(pipeline, "predict_proba")  # available_if still answers


def test_predictions_of_other_models_are_not_logged(
    iris_split: tuple[Any, Any, Any, Any],
) -> None:
    X_train, X_test, y_train, y_test = iris_split
    unrelated = LogisticRegression(max_iter=500).fit(X_train, y_train)  # before autolog
    flowtrack.sklearn.autolog(log_models=False, log_datasets=False)
    try:
        LogisticRegression(max_iter=500).fit(X_train, y_train)
        run_id = fitted_run_id()
        sklearn.metrics.accuracy_score(y_test, unrelated.predict(X_test))
        unrelated.score(X_test, y_test)
        tracked = LogisticRegression(max_iter=500)
        tracked.fit(X_train, y_train)
        copied = tracked.predict(X_test).copy()  # a derived object is not followed
        sklearn.metrics.accuracy_score(y_test, copied)
        sklearn.metrics.accuracy_score(y_test, [0] * len(y_test))  # no prediction at all
    finally:
        flowtrack.sklearn.autolog(disable=True)
    assert post_training(run_id) == {}
    assert post_training(fitted_run_id()) == {}


def test_log_post_training_metrics_false_leaves_metrics_alone(
    iris_split: tuple[Any, Any, Any, Any],
) -> None:
    original = sklearn.metrics.accuracy_score
    flowtrack.sklearn.autolog(log_post_training_metrics=False, log_models=False)
    try:
        assert sklearn.metrics.accuracy_score is original
        X_train, X_test, y_train, y_test = iris_split
        model = LogisticRegression(max_iter=500).fit(X_train, y_train)
        model.score(X_test, y_test)
    finally:
        flowtrack.sklearn.autolog(disable=True)
    assert post_training(fitted_run_id()) == {}


def test_eval_datasets_are_logged_with_post_training_metrics(
    iris_split: tuple[Any, Any, Any, Any],
) -> None:
    flowtrack.sklearn.autolog(log_models=False)
    try:
        X_train, X_test, y_train, _ = iris_split
        model = LogisticRegression(max_iter=500).fit(X_train, y_train)
        model.predict(X_test)
    finally:
        flowtrack.sklearn.autolog(disable=True)
    inputs = flowtrack.get_run(fitted_run_id()).inputs.dataset_inputs
    contexts = sorted(tag.value for i in inputs for tag in i.tags)
    assert contexts == ["eval", "train"]


@pytest.mark.usefixtures("autolog")
def test_logging_failures_never_reach_the_caller(
    iris_split: tuple[Any, Any, Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    X_train, X_test, y_train, y_test = iris_split
    model = LogisticRegression(max_iter=500).fit(X_train, y_train)
    y_pred = model.predict(X_test)
    flowtrack.FlowtrackClient().delete_run(fitted_run_id())  # logging into it now fails
    with caplog.at_level(logging.WARNING, logger="flowtrack.sklearn"):
        value = sklearn.metrics.accuracy_score(y_test, y_pred)
    assert value == pytest.approx(np.mean(y_pred == y_test))
    assert "could not log a post-training metric" in caplog.text


@pytest.mark.usefixtures("autolog")
def test_cross_validation_helpers_do_not_autolog() -> None:
    X, y = load_iris(return_X_y=True)
    # looked up after autolog, as MLflow requires for the functions it patches
    scores = sklearn.model_selection.cross_val_score(LogisticRegression(max_iter=500), X, y, cv=3)
    assert len(scores) == 3
    assert flowtrack.search_runs(output_format="list") == []
