"""Lineage: from a model version to its run, the parent run, the experiment and the datasets."""

from __future__ import annotations

import pandas as pd
import pytest

import flowtrack as mlflow
from flowtrack.exceptions import NotFoundError
from flowtrack.registry import get_lineage

pytestmark = pytest.mark.usefixtures("tracking_uri")


def test_lineage_follows_version_to_run_parent_experiment_and_datasets() -> None:
    experiment = mlflow.set_experiment("lineage")
    train = mlflow.data.from_pandas(pd.DataFrame({"x": [1.0, 2.0]}), name="train")
    evaluation = mlflow.data.from_pandas(pd.DataFrame({"x": [3.0]}), name="holdout")
    with mlflow.start_run(run_name="pipeline") as parent:
        mlflow.log_input(train, context="training")
        with mlflow.start_run(run_name="train", nested=True) as child:
            mlflow.log_input(evaluation, context="evaluation")
    client = mlflow.MlflowClient()
    client.create_registered_model("fraud")
    client.create_model_version("fraud", f"runs:/{child.info.run_id}/model", child.info.run_id)

    lineage = get_lineage("fraud", 1)

    assert lineage.model_version.version == 1
    assert lineage.run is not None and lineage.run.info.run_id == child.info.run_id
    assert lineage.parent_run is not None
    assert lineage.parent_run.info.run_id == parent.info.run_id
    assert lineage.experiment is not None
    assert lineage.experiment.experiment_id == experiment.experiment_id
    assert {(d.dataset.name, d.context) for d in lineage.datasets} == {
        ("holdout", "evaluation"),
        ("train", "training"),
    }


def test_lineage_of_a_version_whose_run_was_purged() -> None:
    with mlflow.start_run() as run:
        pass
    client = mlflow.MlflowClient()
    client.create_registered_model("orphan")
    client.create_model_version("orphan", f"runs:/{run.info.run_id}/model")
    client.delete_run(run.info.run_id)
    from flowtrack.stores.tracking.selection import get_tracking_store

    get_tracking_store(mlflow.get_tracking_uri()).purge_runs([run.info.run_id])

    lineage = get_lineage("orphan", "1")
    assert lineage.run is None and lineage.parent_run is None and lineage.experiment is None
    assert lineage.datasets == []


def test_lineage_of_unknown_version_is_not_found() -> None:
    mlflow.MlflowClient().create_registered_model("m")
    with pytest.raises(NotFoundError):
        get_lineage("m", 7)
