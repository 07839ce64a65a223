"""load_table: the tables log_table wrote, across an experiment's runs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import flowtrack as mlflow
from flowtrack.exceptions import InvalidParameterError, NotFoundError

pytestmark = pytest.mark.usefixtures("tracking_uri")

TABLE = {
    "inputs": ["What is MLflow?", "What is Databricks?"],
    "outputs": ["MLflow is ...", "Databricks is ..."],
    "toxicity": [0.0, 0.0],
}


def test_log_table_records_the_table_in_the_run_tag() -> None:
    with mlflow.start_run() as run:
        mlflow.log_table(TABLE, "eval/results.json")
        mlflow.log_table(TABLE, "eval/results.json")  # appends rows, one tag entry
        mlflow.log_table({"a": [1]}, "other.json")
    tag = json.loads(mlflow.get_run(run.info.run_id).data.tags["mlflow.loggedArtifacts"])
    assert tag == [
        {"path": "eval/results.json", "type": "table"},
        {"path": "other.json", "type": "table"},
    ]


def test_load_table_from_runs_and_the_whole_experiment() -> None:
    mlflow.set_experiment("tables")
    with mlflow.start_run() as first:
        mlflow.log_table(TABLE, "qabot_eval_results.json")
    with mlflow.start_run() as second:
        mlflow.set_tag("inputs", "clash")
        mlflow.log_table({**TABLE, "toxicity": [0.5, 0.25]}, "qabot_eval_results.json")
    with mlflow.start_run():
        mlflow.log_table({"x": [1]}, "unrelated.json")

    one = mlflow.load_table(
        "qabot_eval_results.json", run_ids=[first.info.run_id], extra_columns=["run_id"]
    )
    assert list(one.columns) == ["inputs", "outputs", "toxicity", "run_id"]
    assert one["run_id"].tolist() == [first.info.run_id] * 2

    both = mlflow.load_table("qabot_eval_results.json", extra_columns=["run_id", "tags.inputs"])
    assert len(both) == 4
    assert set(both["run_id"]) == {first.info.run_id, second.info.run_id}
    assert both.loc[both["run_id"] == second.info.run_id, "toxicity"].tolist() == [0.5, 0.25]
    assert both.loc[both["run_id"] == second.info.run_id, "tags.inputs"].tolist() == ["clash"] * 2

    client_frame = mlflow.MlflowClient().load_table(
        second.info.experiment_id, "qabot_eval_results.json", [second.info.run_id]
    )
    pd.testing.assert_frame_equal(client_frame, pd.DataFrame({**TABLE, "toxicity": [0.5, 0.25]}))


def test_load_table_errors_name_the_problem() -> None:
    with mlflow.start_run():
        mlflow.log_table(TABLE, "t.json")
    with pytest.raises(NotFoundError, match=r"'missing\.json'"):
        mlflow.load_table("missing.json")
    with pytest.raises(InvalidParameterError, match=r"'metrics\.nope'"):
        mlflow.load_table("t.json", extra_columns=["metrics.nope"])
    with pytest.raises(InvalidParameterError, match=r"Invalid table file 'a:b\.json'"):
        mlflow.load_table("a:b.json")
