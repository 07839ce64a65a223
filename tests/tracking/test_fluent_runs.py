"""The fluent run API: start_run / end_run / resume / nesting, and the seed snippets."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import flowtrack as mlflow
from flowtrack.entities import Run, RunStatus
from flowtrack.exceptions import InvalidParameterError, InvalidStateError, NotFoundError
from flowtrack.tracking.fluent import _state
from tests.conftest import TRACKING_ENV_VARS

pytestmark = pytest.mark.usefixtures("tracking_uri")


# ---------------------------------------------------------------------------- seed snippets


def test_seed_create_experiment_tag_then_set() -> None:
    mlflow.create_experiment("My experiment")
    mlflow.set_experiment_tag("scikit-learn", "lr")  # no experiment set: goes to Default
    experiment = mlflow.set_experiment("My experiment")

    assert experiment.name == "My experiment"
    assert mlflow.get_experiment("0").tags == {"scikit-learn": "lr"}
    assert mlflow.get_experiment_by_name("My experiment").tags == {}  # type: ignore[union-attr]


def test_seed_bare_start_run_has_info() -> None:
    mlflow.set_experiment("My Experiment")
    run = mlflow.start_run()
    info = run.info

    assert info.status == RunStatus.RUNNING
    assert info.experiment_id == mlflow.get_experiment_by_name("My Experiment").experiment_id  # type: ignore[union-attr]
    assert len(info.run_id) == 32
    assert isinstance(run, Run)
    mlflow.end_run()
    assert mlflow.get_run(info.run_id).info.status == RunStatus.FINISHED


def test_seed_with_block_logs_params_metrics_artifact(tmp_path: Path) -> None:
    with mlflow.start_run() as run:
        mlflow.log_param("learning_rate", 0.01)
        mlflow.log_param("batch_size", 32)
        mlflow.log_metric("accuracy", 0.95)
        mlflow.log_metric("loss", 0.05)
        with open("model_summary.txt", "w") as f:
            f.write("Model achieved 95% accuracy.")
        mlflow.log_artifact("model_summary.txt")

    stored = mlflow.get_run(run.info.run_id)
    assert stored.info.status == RunStatus.FINISHED
    assert stored.data.params == {"learning_rate": "0.01", "batch_size": "32"}
    assert stored.data.metrics == {"accuracy": 0.95, "loss": 0.05}
    client = mlflow.MlflowClient()
    assert [f.path for f in client.list_artifacts(run.info.run_id)] == ["model_summary.txt"]
    local = client.download_artifacts(run.info.run_id, "model_summary.txt", str(tmp_path))
    assert Path(local).read_text() == "Model achieved 95% accuracy."


def test_seed_set_tag_param_metric_in_with_block() -> None:
    mlflow.set_experiment("nyc-taxi-experiment")
    with mlflow.start_run() as run:
        mlflow.set_tag("developer", "Bengsoon")
        mlflow.log_param("train-data-path", "./data/fhv_tripdata_2021-01.parquet")
        mlflow.log_param("alpha", 0.01)
        mlflow.log_metric("rmse", 11.17)

    data = mlflow.get_run(run.info.run_id).data
    assert data.tags["developer"] == "Bengsoon"
    assert data.params == {
        "train-data-path": "./data/fhv_tripdata_2021-01.parquet",
        "alpha": "0.01",
    }
    assert data.metrics == {"rmse": 11.17}


def test_seed_search_runs_by_experiment_names() -> None:
    for name, scores in (
        ("Unicorn Sklearn Experiments", (0.9, 0.6, 0.8)),
        ("Unicorn Other Experiments", (0.75,)),
    ):
        mlflow.set_experiment(name)
        for score in scores:
            with mlflow.start_run():
                mlflow.log_metric("r2_score", score)

    frame = mlflow.search_runs(
        experiment_names=["Unicorn Sklearn Experiments", "Unicorn Other Experiments"],
        filter_string="metrics.r2_score > .70",
        order_by=["metrics.r2_score DESC"],
    )
    assert frame["metrics.r2_score"].tolist() == [0.9, 0.8, 0.75]
    assert list(frame.columns[:6]) == [
        "run_id",
        "experiment_id",
        "status",
        "artifact_uri",
        "start_time",
        "end_time",
    ]


# ---------------------------------------------------------------------------- start / end


def test_with_block_ends_finished_failed_killed() -> None:
    with mlflow.start_run() as ok:
        pass
    with pytest.raises(ValueError, match="boom"), mlflow.start_run() as failed:
        raise ValueError("boom")
    with pytest.raises(KeyboardInterrupt), mlflow.start_run() as killed:
        raise KeyboardInterrupt

    statuses = [mlflow.get_run(r.info.run_id).info.status for r in (ok, failed, killed)]
    assert statuses == [RunStatus.FINISHED, RunStatus.FAILED, RunStatus.KILLED]
    # the ActiveRun objects' info was refreshed when they ended
    assert [r.info.status for r in (ok, failed, killed)] == statuses
    assert ok.info == mlflow.get_run(ok.info.run_id).info
    assert mlflow.get_run(ok.info.run_id).info.end_time is not None
    assert mlflow.active_run() is None


def test_second_run_without_nested_raises_mlflow_message() -> None:
    first = mlflow.start_run()
    with pytest.raises(InvalidStateError) as excinfo:
        mlflow.start_run()
    assert str(excinfo.value) == (
        f"Run with UUID {first.info.run_id} is already active. To start a new run, first end "
        "the current run with mlflow.end_run(). To start a nested run, call start_run with "
        "nested=True"
    )
    assert mlflow.active_run() is first


def test_nested_run_gets_parent_tag_and_ends_with_parent() -> None:
    with mlflow.start_run() as parent:
        child = mlflow.start_run(nested=True)
        assert mlflow.active_run() is child
        grandchild = mlflow.start_run(nested=True, parent_run_id=child.info.run_id)
    # leaving the parent's block ended the runs left open inside it

    assert mlflow.active_run() is None
    child_run = mlflow.get_run(child.info.run_id)
    assert child_run.data.tags["mlflow.parentRunId"] == parent.info.run_id
    grandchild_run = mlflow.get_run(grandchild.info.run_id)
    assert grandchild_run.data.tags["mlflow.parentRunId"] == child.info.run_id
    assert {r.info.status for r in (child_run, grandchild_run)} == {RunStatus.FINISHED}


def test_nested_parent_run_id_must_be_the_active_run() -> None:
    outer = mlflow.start_run()
    other = mlflow.MlflowClient().create_run("0")
    with pytest.raises(InvalidParameterError, match="does not match the specified parent_run_id"):
        mlflow.start_run(nested=True, parent_run_id=other.info.run_id)
    assert mlflow.active_run() is outer


def test_parent_run_id_without_active_run() -> None:
    parent = mlflow.MlflowClient().create_run("0")
    with mlflow.start_run(parent_run_id=parent.info.run_id) as child:
        pass
    assert mlflow.get_run(child.info.run_id).data.tags["mlflow.parentRunId"] == (parent.info.run_id)


def test_end_run_status_and_validation() -> None:
    run = mlflow.start_run()
    with pytest.raises(InvalidParameterError, match=r"'DONE'.*FINISHED, FAILED, KILLED"):
        mlflow.end_run("DONE")
    assert mlflow.active_run() is run  # a bad status ends nothing
    mlflow.end_run("killed")
    assert mlflow.get_run(run.info.run_id).info.status == RunStatus.KILLED
    mlflow.end_run()  # no active run: nothing happens


def test_run_name_description_and_tags() -> None:
    with mlflow.start_run(
        run_name="baseline", description="first try", tags={"team": "risk", "mlflow.user": "ci"}
    ) as run:
        pass
    stored = mlflow.get_run(run.info.run_id)
    assert stored.info.run_name == "baseline"
    assert stored.data.tags["mlflow.runName"] == "baseline"
    assert stored.data.tags["mlflow.note.content"] == "first try"
    assert stored.data.tags["team"] == "risk"
    assert stored.data.tags["mlflow.user"] == "ci"  # user tags win over system tags
    assert stored.data.tags["mlflow.source.type"] == "LOCAL"
    assert "mlflow.source.name" in stored.data.tags


def test_description_conflicting_with_note_tag() -> None:
    with pytest.raises(InvalidParameterError, match=r"mlflow\.note\.content"):
        mlflow.start_run(description="a", tags={"mlflow.note.content": "b"})
    assert mlflow.active_run() is None


def test_start_run_in_given_experiment() -> None:
    experiment_id = mlflow.create_experiment("elsewhere")
    with mlflow.start_run(experiment_id=experiment_id) as run:
        pass
    assert run.info.experiment_id == experiment_id


# ---------------------------------------------------------------------------- resume


def test_resume_by_run_id() -> None:
    with mlflow.start_run() as first:
        mlflow.log_param("a", 1)
    with mlflow.start_run(run_id=first.info.run_id, tags={"resumed": "yes"}) as again:
        assert again.info.status == RunStatus.RUNNING
        mlflow.log_metric("m", 2.0)
    stored = mlflow.get_run(first.info.run_id)
    assert stored.info.status == RunStatus.FINISHED
    assert stored.data.params == {"a": "1"}
    assert stored.data.metrics == {"m": 2.0}
    assert stored.data.tags["resumed"] == "yes"


@pytest.mark.parametrize("variable", ["MLFLOW_RUN_ID", "FLOWTRACK_RUN_ID"])
def test_resume_from_environment_once(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    existing = mlflow.MlflowClient().create_run("0")
    monkeypatch.setenv(variable, existing.info.run_id)
    with mlflow.start_run() as resumed:
        nested = mlflow.start_run(nested=True)  # the variable was consumed: a new run
    assert resumed.info.run_id == existing.info.run_id
    assert nested.info.run_id != existing.info.run_id
    assert variable not in os.environ


def test_resume_errors() -> None:
    client = mlflow.MlflowClient()
    run = client.create_run("0")
    with pytest.raises(InvalidParameterError, match="belongs to experiment '0'"):
        mlflow.start_run(run_id=run.info.run_id, experiment_id=mlflow.create_experiment("x"))
    client.delete_run(run.info.run_id)
    with pytest.raises(InvalidStateError, match="deleted state"):
        mlflow.start_run(run_id=run.info.run_id)
    with pytest.raises(NotFoundError):
        mlflow.start_run(run_id=uuid.uuid4().hex)
    assert mlflow.active_run() is None


# ---------------------------------------------------------------------------- implicit runs


def test_logging_starts_a_run_that_end_run_finishes() -> None:
    assert mlflow.active_run() is None
    assert mlflow.log_param("alpha", 0.5) == 0.5
    run = mlflow.active_run()
    assert run is not None
    mlflow.log_metric("loss", 0.1)
    mlflow.end_run()
    stored = mlflow.get_run(run.info.run_id)
    assert stored.info.status == RunStatus.FINISHED
    assert stored.data.params == {"alpha": "0.5"}


def test_last_active_run_reads_fresh_data() -> None:
    assert mlflow.last_active_run() is None
    with mlflow.start_run() as run:
        mlflow.log_metric("loss", 0.5)
        assert mlflow.last_active_run().data.metrics == {"loss": 0.5}  # type: ignore[union-attr]
    last = mlflow.last_active_run()
    assert last is not None
    assert last.info.run_id == run.info.run_id
    assert last.info.status == RunStatus.FINISHED


def test_end_at_exit_finishes_only_running_runs() -> None:
    run = mlflow.start_run()
    frame = _state.RUN_STACK.get()[-1]
    frame.end_at_exit()
    assert mlflow.get_run(run.info.run_id).info.status == RunStatus.FINISHED
    mlflow.MlflowClient().set_terminated(run.info.run_id, "KILLED")
    frame.end_at_exit()  # already ended: left alone
    assert mlflow.get_run(run.info.run_id).info.status == RunStatus.KILLED


def test_delete_run() -> None:
    with mlflow.start_run() as run:
        pass
    mlflow.delete_run(run.info.run_id)
    assert mlflow.get_run(run.info.run_id).info.lifecycle_stage == "deleted"


@pytest.mark.slow
def test_open_runs_end_finished_at_interpreter_exit(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/exit.db"
    script = tmp_path / "train.py"
    script.write_text(
        "import flowtrack as mlflow\n"
        f"mlflow.set_tracking_uri({uri!r})\n"
        "mlflow.log_param('alpha', 1)\n"  # starts a run implicitly and never ends it
        "for step in range(100):\n"
        "    mlflow.log_metric('loss', step, step=step, synchronous=False)\n"
        "print(mlflow.active_run().info.run_id)\n"
    )
    env = {key: value for key, value in os.environ.items() if key not in TRACKING_ENV_VARS}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, env=env
    )
    run_id = result.stdout.strip()
    client = mlflow.MlflowClient(uri)
    run = client.get_run(run_id)
    assert run.info.status == RunStatus.FINISHED
    assert run.data.params == {"alpha": "1"}
    assert len(client.get_metric_history(run_id, "loss")) == 100
    assert run.data.tags["mlflow.source.name"] == str(script)


def test_get_parent_run_of_nested_and_top_level_runs() -> None:
    with mlflow.start_run() as parent, mlflow.start_run(nested=True) as child:
        pass
    found = mlflow.get_parent_run(child.info.run_id)
    assert found is not None and found.info.run_id == parent.info.run_id
    assert mlflow.get_parent_run(parent.info.run_id) is None
    assert mlflow.MlflowClient().get_parent_run(parent.info.run_id) is None
    with pytest.raises(NotFoundError):
        mlflow.get_parent_run("0" * 32)


def test_restore_run_after_delete() -> None:
    with mlflow.start_run() as run:
        mlflow.log_param("p", 0)
    run_id = run.info.run_id
    mlflow.delete_run(run_id)
    assert mlflow.get_run(run_id).info.lifecycle_stage == "deleted"
    mlflow.restore_run(run_id)
    assert mlflow.get_run(run_id).info.lifecycle_stage == "active"
    with pytest.raises(NotFoundError):
        mlflow.restore_run("0" * 32)
