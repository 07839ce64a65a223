"""scikit-learn autologging on real fits: params, metrics, tags, model, nesting, disable."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import flowtrack
import flowtrack.sklearn
from flowtrack.models.uri import download_model
from flowtrack.sklearn.autolog import is_enabled

pytestmark = pytest.mark.usefixtures("tracking_uri")

CLASSIFIER_METRICS = {
    "training_score",
    "training_accuracy_score",
    "training_precision_score",
    "training_recall_score",
    "training_f1_score",
    "training_log_loss",
    "training_roc_auc",
}
REGRESSOR_METRICS = {
    "training_score",
    "training_mean_squared_error",
    "training_root_mean_squared_error",
    "training_mean_absolute_error",
    "training_r2_score",
}


@pytest.fixture
def autolog() -> Iterator[None]:
    flowtrack.sklearn.autolog(log_datasets=False)
    try:
        yield
    finally:
        flowtrack.sklearn.autolog(disable=True)


def last_run() -> Any:
    ended = flowtrack.last_active_run()
    assert ended is not None
    return flowtrack.get_run(ended.info.run_id)


@pytest.mark.usefixtures("autolog")
def test_a_fit_logs_params_metrics_tags_and_a_loadable_model() -> None:
    X, y = load_iris(return_X_y=True)
    clf = RandomForestClassifier(n_estimators=4, max_depth=3, random_state=0).fit(X, y)
    assert flowtrack.active_run() is None  # the run autologging opened is closed again
    run = last_run()
    assert run.info.status == "FINISHED"
    assert run.data.params["n_estimators"] == "4"
    assert run.data.params["max_depth"] == "3"
    assert set(run.data.metrics) == CLASSIFIER_METRICS
    assert run.data.metrics["training_accuracy_score"] == pytest.approx(clf.score(X, y))
    assert run.data.tags["estimator_name"] == "RandomForestClassifier"
    assert run.data.tags["estimator_class"] == "sklearn.ensemble._forest.RandomForestClassifier"
    assert run.data.tags["mlflow.autologging"] == "sklearn"
    model_uri = f"runs:/{run.info.run_id}/model"
    loaded = flowtrack.sklearn.load_model(model_uri)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    signature = flowtrack.pyfunc.load_model(model_uri).metadata.signature
    assert signature is not None
    assert signature.inputs is not None


@pytest.mark.usefixtures("autolog")
def test_regressors_get_mlflows_regression_metrics() -> None:
    X, y = load_diabetes(return_X_y=True)
    LinearRegression().fit(X, y)
    metrics = last_run().data.metrics
    assert set(metrics) == REGRESSOR_METRICS
    assert metrics["training_root_mean_squared_error"] == pytest.approx(
        metrics["training_mean_squared_error"] ** 0.5
    )


@pytest.mark.usefixtures("autolog")
def test_a_fit_inside_an_active_run_logs_into_it() -> None:
    X, y = load_iris(return_X_y=True)
    with flowtrack.start_run() as run:
        DecisionTreeClassifier(max_depth=2).fit(X, y)
        assert flowtrack.active_run() is not None
    logged = flowtrack.get_run(run.info.run_id)
    assert logged.data.params["max_depth"] == "2"
    assert "training_score" in logged.data.metrics


@pytest.mark.usefixtures("autolog")
def test_nested_fits_are_logged_once_at_the_outermost_fit() -> None:
    X, y = load_diabetes(return_X_y=True)
    pipeline = Pipeline([("scale", StandardScaler()), ("ridge", Ridge())])
    search = GridSearchCV(pipeline, {"ridge__alpha": [0.1, 1.0]}, cv=2)
    search.fit(X, y)
    runs = flowtrack.search_runs(output_format="list")
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1  # not one per candidate, fold, or pipeline step
    assert len(runs) == 3  # the search and a child run per candidate
    run = parents[0]
    assert run.data.tags["estimator_name"] == "GridSearchCV"
    assert run.data.params["best_ridge__alpha"] in {"0.1", "1.0"}
    assert "best_cv_score" in run.data.metrics

    pipeline.fit(X, y)
    run = last_run()
    assert run.data.tags["estimator_name"] == "Pipeline"
    assert run.data.params["ridge__alpha"] == "1.0"  # deep params of the steps
    assert len(flowtrack.search_runs(output_format="list")) == 4


@pytest.mark.usefixtures("autolog")
def test_more_params_than_one_batch_holds_are_all_logged() -> None:
    X, y = load_diabetes(return_X_y=True)
    steps: list[tuple[str, Any]] = [(f"scale{i}", StandardScaler()) for i in range(40)]
    wide = Pipeline([*steps, ("ridge", Ridge())])
    wide.fit(X, y)
    params = last_run().data.params
    assert len(params) == len(wide.get_params(deep=True)) > 100
    assert params["scale39__with_mean"] == "True"


def test_options_input_examples_datasets_and_no_models() -> None:
    X, y = load_iris(return_X_y=True)
    flowtrack.sklearn.autolog(log_input_examples=True, extra_tags={"team": "ml"})
    try:
        DecisionTreeClassifier(max_depth=2).fit(X, y)
    finally:
        flowtrack.sklearn.autolog(disable=True)
    run = last_run()
    assert run.data.tags["team"] == "ml"
    assert [i.dataset.name for i in run.inputs.dataset_inputs] == ["dataset"]
    local = download_model(f"runs:/{run.info.run_id}/model")
    example = flowtrack.pyfunc.load_model(local).metadata.load_input_example(local)
    np.testing.assert_array_equal(example, X[:5])

    flowtrack.sklearn.autolog(log_models=False, log_datasets=False)
    try:
        DecisionTreeClassifier().fit(X, y)
    finally:
        flowtrack.sklearn.autolog(disable=True)
    run = last_run()
    assert flowtrack.FlowtrackClient().list_artifacts(run.info.run_id) == []


def test_exclusive_leaves_user_runs_alone() -> None:
    X, y = load_iris(return_X_y=True)
    flowtrack.sklearn.autolog(exclusive=True, log_models=False, log_datasets=False)
    try:
        with flowtrack.start_run() as run:
            DecisionTreeClassifier().fit(X, y)
    finally:
        flowtrack.sklearn.autolog(disable=True)
    assert flowtrack.get_run(run.info.run_id).data.params == {}


def test_a_failing_fit_fails_the_run_and_raises(autolog: None) -> None:
    with pytest.raises(ValueError, match="does not match number of samples"):
        DecisionTreeClassifier().fit(np.zeros((3, 2)), [0, 1])
    assert last_run().info.status == "FAILED"


def test_logging_failures_never_break_fit(autolog: None, caplog: pytest.LogCaptureFixture) -> None:
    X, y = load_iris(return_X_y=True)
    with flowtrack.start_run():
        flowtrack.log_param("max_depth", "already logged differently")
        with caplog.at_level(logging.WARNING, logger="flowtrack.sklearn"):
            clf = DecisionTreeClassifier(max_depth=2).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert "could not log the params of DecisionTreeClassifier" in caplog.text


def test_disable_restores_the_original_fit_methods() -> None:
    originals = {cls: vars(cls).get("fit") for cls in (RandomForestClassifier, Pipeline, Ridge)}
    flowtrack.sklearn.autolog()
    assert is_enabled()
    assert vars(Ridge)["fit"] is not originals[Ridge]
    assert "fit" in vars(RandomForestClassifier)  # patched although it inherits fit
    flowtrack.sklearn.autolog(disable=True)
    assert not is_enabled()
    assert {cls: vars(cls).get("fit") for cls in originals} == originals
    X, y = load_iris(return_X_y=True)
    DecisionTreeClassifier().fit(X, y)
    assert flowtrack.last_active_run() is None


def test_flowtrack_autolog_enables_the_installed_libraries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="flowtrack"):
        assert flowtrack.autolog(log_models=False) == ["sklearn"]
    try:
        assert is_enabled()
        assert "Autologging enabled for: sklearn" in caplog.text
    finally:
        assert flowtrack.autolog(disable=True) == ["sklearn"]
    assert not is_enabled()
    assert flowtrack.autolog(exclude_flavors=["sklearn"]) == []
