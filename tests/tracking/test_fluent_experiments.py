"""Fluent experiments: create, set (get or create), tags, search, delete, environment defaults."""

from __future__ import annotations

import pytest

import flowtrack as mlflow
from flowtrack.entities import ViewType
from flowtrack.exceptions import AlreadyExistsError, InvalidParameterError, NotFoundError

pytestmark = pytest.mark.usefixtures("tracking_uri")


def test_create_and_get_experiment() -> None:
    experiment_id = mlflow.create_experiment(
        "fraud", artifact_location="memory://elsewhere/fraud", tags={"team": "risk", "n": 1}
    )
    experiment = mlflow.get_experiment(experiment_id)
    assert experiment.name == "fraud"
    assert experiment.artifact_location == "memory://elsewhere/fraud"
    assert experiment.tags == {"team": "risk", "n": "1"}
    assert mlflow.get_experiment_by_name("fraud") == experiment
    assert mlflow.get_experiment_by_name("missing") is None
    with pytest.raises(AlreadyExistsError):
        mlflow.create_experiment("fraud")
    with pytest.raises(NotFoundError):
        mlflow.get_experiment("12345")


def test_set_experiment_creates_once_and_activates() -> None:
    first = mlflow.set_experiment("churn")
    second = mlflow.set_experiment("churn")
    assert first.experiment_id == second.experiment_id
    with mlflow.start_run() as run:
        pass
    assert run.info.experiment_id == first.experiment_id
    assert mlflow.set_experiment(experiment_id="0").name == "Default"
    with mlflow.start_run() as run:
        pass
    assert run.info.experiment_id == "0"


def test_set_experiment_errors() -> None:
    with pytest.raises(InvalidParameterError, match="exactly one of"):
        mlflow.set_experiment()
    with pytest.raises(InvalidParameterError, match="exactly one of"):
        mlflow.set_experiment("a", "0")
    with pytest.raises(NotFoundError, match="'999' does not exist"):
        mlflow.set_experiment(experiment_id="999")
    experiment_id = mlflow.create_experiment("gone")
    mlflow.delete_experiment(experiment_id)
    with pytest.raises(InvalidParameterError, match="Cannot set a deleted experiment 'gone'"):
        mlflow.set_experiment("gone")


def test_experiment_tags_go_to_the_active_experiment() -> None:
    mlflow.set_experiment_tag("where", "default")
    experiment = mlflow.set_experiment("tagged")
    mlflow.set_experiment_tag("scikit-learn", "lr")
    mlflow.set_experiment_tags({"team": "risk", "priority": 1})
    assert mlflow.get_experiment(experiment.experiment_id).tags == {
        "scikit-learn": "lr",
        "team": "risk",
        "priority": "1",
    }
    assert mlflow.get_experiment("0").tags == {"where": "default"}


def test_experiment_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "from-env")
    with mlflow.start_run() as run:
        pass
    experiment = mlflow.get_experiment_by_name("from-env")
    assert experiment is not None
    assert run.info.experiment_id == experiment.experiment_id
    other = mlflow.create_experiment("by-id")
    monkeypatch.setenv("FLOWTRACK_EXPERIMENT_ID", other)  # the id wins over the name
    with mlflow.start_run() as run:
        pass
    assert run.info.experiment_id == other


def test_search_experiments_pages_and_filters(monkeypatch: pytest.MonkeyPatch) -> None:
    from flowtrack.tracking.fluent import experiments

    monkeypatch.setattr(experiments, "_EXPERIMENT_PAGE_SIZE", 2)
    names = [f"exp-{i}" for i in range(5)]
    for name in names:
        mlflow.create_experiment(name)
    found = mlflow.search_experiments(filter_string="name LIKE 'exp-%'", order_by=["name ASC"])
    assert [e.name for e in found] == names
    assert len(mlflow.search_experiments(max_results=3)) == 3
    assert len(mlflow.search_experiments()) == 6  # with Default
    mlflow.delete_experiment(found[0].experiment_id)
    deleted = mlflow.search_experiments(view_type=ViewType.DELETED_ONLY)
    assert [e.name for e in deleted] == ["exp-0"]


def test_delete_experiment_tag_on_the_active_experiment() -> None:
    experiment = mlflow.set_experiment("test-delete-tag")
    mlflow.set_experiment_tags({"release.version": "1.0", "team": "risk"})
    mlflow.delete_experiment_tag("release.version")
    assert mlflow.get_experiment(experiment.experiment_id).tags == {"team": "risk"}
    with pytest.raises(NotFoundError, match=r"release\.version"):
        mlflow.delete_experiment_tag("release.version")


def test_restore_experiment_after_delete() -> None:
    experiment_id = mlflow.create_experiment("to-restore")
    mlflow.delete_experiment(experiment_id)
    assert mlflow.get_experiment(experiment_id).lifecycle_stage == "deleted"
    mlflow.restore_experiment(experiment_id)
    assert mlflow.get_experiment(experiment_id).lifecycle_stage == "active"
    with pytest.raises(NotFoundError):
        mlflow.restore_experiment("987654")
