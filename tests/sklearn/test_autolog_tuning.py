"""Search autologging: the parent's best_* and cv_results.csv, a child run per candidate."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.experimental import enable_halving_search_cv  # noqa: F401  (before autolog)
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, RandomizedSearchCV
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

import flowtrack
import flowtrack.sklearn
from flowtrack.exceptions import InvalidParameterError
from flowtrack.sklearn._autolog_config import AutologConfig
from flowtrack.sklearn._tuning import select_candidates, tuning_runs_message

pytestmark = pytest.mark.usefixtures("tracking_uri")

CHILD_METRICS = {
    "mean_fit_time",
    "std_fit_time",
    "mean_score_time",
    "std_score_time",
    "mean_test_score",
    "std_test_score",
    "rank_test_score",
}
GRID = {"C": [0.01, 0.1, 1.0, 10.0], "kernel": ["linear", "rbf"]}


@pytest.fixture
def autolog_off_after() -> Iterator[None]:
    try:
        yield
    finally:
        flowtrack.sklearn.autolog(disable=True)


def parent_and_children() -> tuple[Any, list[Any]]:
    runs = flowtrack.search_runs(output_format="list")
    parents = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    assert len(parents) == 1
    children = [run for run in runs if "mlflow.parentRunId" in run.data.tags]
    return parents[0], children


def by_rank(children: list[Any]) -> list[Any]:
    return sorted(children, key=lambda run: run.data.metrics["rank_test_score"])


@pytest.mark.usefixtures("autolog_off_after")
def test_grid_search_logs_the_best_candidates_as_child_runs(tmp_path: Path) -> None:
    flowtrack.sklearn.autolog(max_tuning_runs=3, log_datasets=False)
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(SVC(), GRID, cv=3).fit(X, y)

    parent, children = parent_and_children()
    assert len(children) == 3
    ranked = by_rank(children)
    top_ranks = sorted(search.cv_results_["rank_test_score"])[:3]
    assert [run.data.metrics["rank_test_score"] for run in ranked] == top_ranks
    best = ranked[0]
    assert {key: best.data.params[key] for key in search.best_params_} == {
        key: str(value) for key, value in search.best_params_.items()
    }
    assert best.data.params["gamma"] == "scale"  # the seed estimator's untuned params too
    assert best.data.metrics["mean_test_score"] == pytest.approx(search.best_score_)
    expected_order = np.argsort(search.cv_results_["rank_test_score"], kind="stable")[:3]
    scores = [run.data.metrics["mean_test_score"] for run in ranked]
    assert scores == pytest.approx(list(search.cv_results_["mean_test_score"][expected_order]))
    for child in children:
        assert set(child.data.metrics) == CHILD_METRICS
        assert child.info.status == "FINISHED"
        assert child.info.start_time == parent.info.start_time
        assert child.info.experiment_id == parent.info.experiment_id
        assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert child.data.tags["mlflow.autologging"] == "sklearn"
        assert child.data.tags["estimator_name"] == "SVC"
        assert child.data.tags["estimator_class"] == "sklearn.svm._classes.SVC"
        assert child.data.tags["mlflow.runName"] == child.info.run_name  # a generated name
        assert "mlflow.user" in child.data.tags

    assert parent.data.tags["estimator_name"] == "GridSearchCV"
    assert parent.data.params["best_C"] == str(search.best_params_["C"])
    assert parent.data.params["best_kernel"] == search.best_params_["kernel"]
    assert parent.data.params["cv"] == "3"
    assert parent.data.metrics["best_cv_score"] == pytest.approx(search.best_score_)
    client = flowtrack.FlowtrackClient()
    paths = {item.path for item in client.list_artifacts(parent.info.run_id)}
    assert "cv_results.csv" in paths
    # The models are MLflow 3 logged models, outputs of the parent run.
    outputs = client.get_run(parent.info.run_id).outputs.model_outputs
    models = [client.get_logged_model(output.model_id) for output in outputs]
    assert sorted(m.name for m in models) == ["best_estimator", "model"]
    assert {m.source_run_id for m in models} == {parent.info.run_id}
    assert {m.status for m in models} == {"READY"}
    table = pd.read_csv(client.download_artifacts(parent.info.run_id, "cv_results.csv", tmp_path))
    assert len(table) == 8  # every candidate, not only the logged ones
    assert list(table.columns) == list(search.cv_results_)
    best_model = flowtrack.sklearn.load_model(f"runs:/{parent.info.run_id}/best_estimator")
    np.testing.assert_array_equal(best_model.predict(X), search.best_estimator_.predict(X))


@pytest.mark.usefixtures("autolog_off_after")
def test_randomized_search_with_max_tuning_runs_none_logs_every_candidate() -> None:
    flowtrack.sklearn.autolog(max_tuning_runs=None, log_models=False, log_datasets=False)
    X, y = load_diabetes(return_X_y=True)
    distributions = {"alpha": np.logspace(-3, 2, 20)}
    search = RandomizedSearchCV(Ridge(), distributions, n_iter=6, cv=3, random_state=0)
    search.fit(X, y)
    parent, children = parent_and_children()
    assert len(children) == 6
    logged = sorted(float(run.data.params["alpha"]) for run in children)
    assert logged == pytest.approx(sorted(p["alpha"] for p in search.cv_results_["params"]))
    assert parent.data.params["best_alpha"] == str(search.best_params_["alpha"])
    assert {run.data.tags["estimator_name"] for run in children} == {"Ridge"}


@pytest.mark.usefixtures("autolog_off_after")
def test_max_tuning_runs_zero_logs_no_child_run_but_the_parent_results() -> None:
    flowtrack.sklearn.autolog(max_tuning_runs=0, log_models=False, log_datasets=False)
    X, y = load_iris(return_X_y=True)
    GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3]}, cv=3).fit(X, y)
    parent, children = parent_and_children()
    assert children == []
    assert "best_cv_score" in parent.data.metrics
    paths = {f.path for f in flowtrack.FlowtrackClient().list_artifacts(parent.info.run_id)}
    assert paths == {"cv_results.csv"}


@pytest.mark.usefixtures("autolog_off_after")
def test_child_runs_record_the_training_dataset(caplog: pytest.LogCaptureFixture) -> None:
    flowtrack.sklearn.autolog(max_tuning_runs=10, log_models=False)
    X, y = load_iris(return_X_y=True)
    with caplog.at_level(logging.INFO, logger="flowtrack.sklearn"):
        GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2]}, cv=3).fit(X, y)
    assert "Logging the 2 best runs, no runs will be omitted." in caplog.text
    parent, children = parent_and_children()
    assert len(children) == 2
    for run in (parent, *children):
        [dataset_input] = run.inputs.dataset_inputs
        assert {tag.key: tag.value for tag in dataset_input.tags} == {
            "mlflow.data.context": "train"
        }


@pytest.mark.usefixtures("autolog_off_after")
def test_multi_metric_search_ranks_by_the_first_rank_column() -> None:
    flowtrack.sklearn.autolog(max_tuning_runs=2, log_models=False, log_datasets=False)
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": [1, 2, 3, 4]},
        scoring={"acc": "accuracy", "f1": "f1_macro"},
        refit="acc",
        cv=3,
    )
    with pytest.warns(UserWarning, match="based on ordering in rank_test_acc column"):
        search.fit(X, y)
    parent, children = parent_and_children()
    assert len(children) == 2
    assert sorted(run.data.metrics["rank_test_acc"] for run in children) == [1.0, 2.0]
    assert {"mean_test_acc", "mean_test_f1", "rank_test_f1"} <= set(children[0].data.metrics)
    assert parent.data.params["best_max_depth"] == str(search.best_params_["max_depth"])


@pytest.mark.usefixtures("autolog_off_after")
def test_halving_grid_search_gets_child_runs() -> None:
    flowtrack.sklearn.autolog(max_tuning_runs=2, log_models=False, log_datasets=False)
    X, y = load_iris(return_X_y=True)
    search = HalvingGridSearchCV(
        DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3, 4]}, cv=3, random_state=0
    ).fit(X, y)
    parent, children = parent_and_children()
    assert len(children) == 2
    assert parent.data.params["best_max_depth"] == str(search.best_params_["max_depth"])


def test_negative_max_tuning_runs_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match="must be non-negative, instead got -1"):
        flowtrack.sklearn.autolog(max_tuning_runs=-1)


def test_candidates_are_ordered_by_rank_ties_in_table_order() -> None:
    results = {"params": [{}, {}, {}, {}], "rank_test_score": np.array([3, 1, 3, 2])}
    assert select_candidates(results, AutologConfig(max_tuning_runs=None)) == [1, 3, 0, 2]
    assert select_candidates(results, AutologConfig(max_tuning_runs=3)) == [1, 3, 0]
    assert select_candidates(results, AutologConfig(max_tuning_runs=0)) == []


def test_tuning_runs_message_uses_mlflows_phrases() -> None:
    assert tuning_runs_message(5, 8) == "Logging the 5 best runs, 3 runs will be omitted."
    assert tuning_runs_message(1, 2) == "Logging the best run, one run will be omitted."
    assert tuning_runs_message(0, 0) == "Logging no runs, no runs will be omitted."
