"""The store writes behind tracked flows and tasks (``flowtrack.tasks.recorder``), on a real
in-memory store, and what identifies their runs (``flowtrack.tasks.identity``)."""

from __future__ import annotations

import functools
import importlib.util
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

import flowtrack
from flowtrack.entities import RunStatus
from flowtrack.exceptions import InvalidStateError
from flowtrack.tasks import tracked_task
from flowtrack.tasks.identity import FLOW_RUN_ID_TAG, run_id_for, source_tags, ui_url
from flowtrack.tasks.recorder import (
    RunPlan,
    close_run,
    experiment_id_for,
    kill_open_runs,
    log_metrics,
    open_run,
)
from flowtrack.tracking.client import FlowtrackClient
from flowtrack.tracking.context_tags import (
    MLFLOW_GIT_COMMIT,
    MLFLOW_PARENT_RUN_ID,
    MLFLOW_SOURCE_NAME,
    MLFLOW_SOURCE_TYPE,
    MLFLOW_USER,
)


@pytest.fixture
def client(tracking_uri: str) -> FlowtrackClient:
    """A client of a fresh in-memory store."""
    return flowtrack.MlflowClient()


def _prefect_id() -> str:
    return run_id_for(uuid.uuid4())


def _plan(experiment_id: str, **kwargs: object) -> RunPlan:
    return RunPlan(run_id=_prefect_id(), name="train-abc", experiment_id=experiment_id, **kwargs)  # type: ignore[arg-type]


# -------------------------------------------------------------------------- experiment_id_for


def test_experiment_is_created_once(client: FlowtrackClient) -> None:
    first = experiment_id_for(client, "pipeline")
    assert experiment_id_for(client, "pipeline") == first
    assert client.get_experiment(first).name == "pipeline"
    names = sorted(e.name for e in client.search_experiments())
    assert names == ["Default", "pipeline"]


def test_existing_experiment_is_reused(client: FlowtrackClient) -> None:
    existing = client.create_experiment("made-before")
    assert experiment_id_for(client, "made-before") == existing


def test_deleted_experiment_is_refused_with_how_to_restore(client: FlowtrackClient) -> None:
    experiment_id = client.create_experiment("gone")
    client.delete_experiment(experiment_id)
    with pytest.raises(InvalidStateError) as raised:
        experiment_id_for(client, "gone")
    message = str(raised.value)
    assert "'gone'" in message
    assert f"flowtrack experiments restore {experiment_id}" in message
    assert "experiment=" in message


# ---------------------------------------------------------------------------------- open_run


def test_open_run_creates_the_run_with_its_id_parent_tags_and_params(
    client: FlowtrackClient,
) -> None:
    experiment_id = experiment_id_for(client, "pipeline")
    parent = open_run(client, _plan(experiment_id))
    plan = _plan(
        experiment_id,
        parent_run_id=parent.info.run_id,
        tags={"flowtrack.prefect.task_name": "train"},
        params={"alpha": "0.5", "hp.C": "1.0"},
    )
    run = open_run(client, plan)
    assert run.info.run_id == plan.run_id
    assert run.info.status == RunStatus.RUNNING
    stored = client.get_run(plan.run_id)
    assert stored.info.experiment_id == experiment_id
    assert stored.info.run_name == "train-abc"
    assert stored.data.tags[MLFLOW_PARENT_RUN_ID] == parent.info.run_id
    assert stored.data.tags["flowtrack.prefect.task_name"] == "train"
    assert stored.data.params == {"alpha": "0.5", "hp.C": "1.0"}


def test_open_run_without_parent_sets_no_parent_tag(client: FlowtrackClient) -> None:
    plan = _plan("0")
    open_run(client, plan)
    stored = client.get_run(plan.run_id)
    assert MLFLOW_PARENT_RUN_ID not in stored.data.tags
    assert stored.data.params == {}


def test_open_run_again_resumes_the_same_run(client: FlowtrackClient) -> None:
    plan = _plan("0", params={"alpha": "0.5"})
    first = open_run(client, plan)
    client.set_tag(plan.run_id, "flowtrack.prefect.attempt_1.error", "ValueError: boom")
    client.update_run(plan.run_id, status=RunStatus.FAILED)
    resumed = open_run(client, plan)
    assert resumed.info.run_id == first.info.run_id
    assert resumed.info.status == RunStatus.RUNNING
    assert resumed.data.params == {"alpha": "0.5"}
    assert resumed.data.tags["flowtrack.prefect.attempt_1.error"] == "ValueError: boom"
    assert [r.info.run_id for r in client.search_runs(["0"])] == [plan.run_id]


def test_resuming_an_ended_run_makes_it_running_again(client: FlowtrackClient) -> None:
    plan = _plan("0")
    open_run(client, plan)
    close_run(client, plan.run_id, RunStatus.KILLED)
    resumed = open_run(client, plan)
    assert resumed.info.status == RunStatus.RUNNING
    close_run(client, plan.run_id, RunStatus.FINISHED)
    assert client.get_run(plan.run_id).info.status == RunStatus.FINISHED


# ------------------------------------------------------------------------- close / log_metrics


def test_close_run_logs_metrics_tags_and_ends_the_run(client: FlowtrackClient) -> None:
    plan = _plan("0")
    open_run(client, plan)
    before = int(time.time() * 1000)
    close_run(
        client,
        plan.run_id,
        RunStatus.FAILED,
        {"rmse": 3.5, "prefect.attempts": 2.0},
        {"flowtrack.prefect.state": "Failed"},
    )
    run = client.get_run(plan.run_id)
    assert run.info.status == RunStatus.FAILED
    assert run.info.end_time is not None
    assert run.info.end_time >= before
    assert run.data.metrics == {"rmse": 3.5, "prefect.attempts": 2.0}
    assert run.data.tags["flowtrack.prefect.state"] == "Failed"
    history = client.get_metric_history(plan.run_id, "rmse")
    assert [(m.step, m.timestamp) for m in history] == [(0, run.info.end_time)]


def test_close_run_without_metrics_or_tags(client: FlowtrackClient) -> None:
    plan = _plan("0")
    open_run(client, plan)
    close_run(client, plan.run_id, RunStatus.FINISHED)
    run = client.get_run(plan.run_id)
    assert run.info.status == RunStatus.FINISHED
    assert run.data.metrics == {}


def test_log_metrics_logs_at_step_zero(client: FlowtrackClient) -> None:
    plan = _plan("0")
    open_run(client, plan)
    log_metrics(client, plan.run_id, {"acc": 0.9, "loss": 0.1}, {"k": "v"}, timestamp=1234)
    log_metrics(client, plan.run_id, {})  # nothing to log: no write, no error
    run = client.get_run(plan.run_id)
    assert run.data.metrics == {"acc": 0.9, "loss": 0.1}
    assert run.data.tags["k"] == "v"
    assert run.info.status == RunStatus.RUNNING
    (entry,) = client.get_metric_history(plan.run_id, "acc")
    assert (entry.step, entry.timestamp) == (0, 1234)


def test_log_metrics_tags_only(client: FlowtrackClient) -> None:
    plan = _plan("0")
    open_run(client, plan)
    log_metrics(client, plan.run_id, {}, {"only": "tag"})
    assert client.get_run(plan.run_id).data.tags["only"] == "tag"


# ----------------------------------------------------------------------------- kill_open_runs


def _flow_run(client: FlowtrackClient, experiment_id: str, flow_run_id: str) -> str:
    plan = _plan(experiment_id, tags={FLOW_RUN_ID_TAG: flow_run_id})
    open_run(client, plan)
    return plan.run_id


def test_kill_open_runs_ends_only_this_flows_running_runs(client: FlowtrackClient) -> None:
    experiment_id = experiment_id_for(client, "pipeline")
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    open_ids = {_flow_run(client, experiment_id, mine) for _ in range(3)}
    finished = _flow_run(client, experiment_id, mine)
    close_run(client, finished, RunStatus.FINISHED)
    failed = _flow_run(client, experiment_id, mine)
    close_run(client, failed, RunStatus.FAILED)
    other_flow = _flow_run(client, experiment_id, theirs)
    untagged = open_run(client, _plan(experiment_id)).info.run_id

    ended = kill_open_runs(client, experiment_id, mine, RunStatus.KILLED)

    assert sorted(ended) == sorted(open_ids)
    for run_id in open_ids:
        assert client.get_run(run_id).info.status == RunStatus.KILLED
        assert client.get_run(run_id).info.end_time is not None
    assert client.get_run(finished).info.status == RunStatus.FINISHED
    assert client.get_run(failed).info.status == RunStatus.FAILED
    assert client.get_run(other_flow).info.status == RunStatus.RUNNING
    assert client.get_run(untagged).info.status == RunStatus.RUNNING
    assert kill_open_runs(client, experiment_id, mine, RunStatus.KILLED) == []


def test_kill_open_runs_looks_in_the_given_experiment_only(client: FlowtrackClient) -> None:
    flow_run_id = str(uuid.uuid4())
    here = experiment_id_for(client, "here")
    elsewhere = experiment_id_for(client, "elsewhere")
    mine = _flow_run(client, here, flow_run_id)
    other = _flow_run(client, elsewhere, flow_run_id)
    assert kill_open_runs(client, here, flow_run_id, RunStatus.FAILED) == [mine]
    assert client.get_run(mine).info.status == RunStatus.FAILED
    assert client.get_run(other).info.status == RunStatus.RUNNING


def test_kill_open_runs_ends_more_than_a_page(client: FlowtrackClient) -> None:
    experiment_id = experiment_id_for(client, "big")
    flow_run_id = str(uuid.uuid4())
    started = time.perf_counter()
    open_ids = {_flow_run(client, experiment_id, flow_run_id) for _ in range(1200)}
    if time.perf_counter() - started > 2:  # pragma: no cover - a very slow machine
        pytest.skip("creating 1200 runs in the memory store took over 2 s")
    ended = kill_open_runs(client, experiment_id, flow_run_id, RunStatus.KILLED)
    assert len(ended) == 1200
    assert set(ended) == open_ids
    still_running = client.search_runs(
        [experiment_id], "attributes.status = 'RUNNING'", max_results=10
    )
    assert list(still_running) == []


# ------------------------------------------------------------------ identity: ids and source tags


def test_run_id_for_is_the_prefect_id_as_hex() -> None:
    prefect_id = uuid.UUID("0194f1c2-a3b4-4c5d-8e6f-708192a3b4c5")
    assert run_id_for(prefect_id) == "0194f1c2a3b44c5d8e6f708192a3b4c5"
    assert run_id_for(str(prefect_id)) == "0194f1c2a3b44c5d8e6f708192a3b4c5"
    assert run_id_for(str(prefect_id).upper()) == "0194f1c2a3b44c5d8e6f708192a3b4c5"
    with pytest.raises(ValueError, match="hexadecimal UUID"):
        run_id_for("not-a-uuid")


def _users_function() -> None:
    """Stands for a user's flow or task function."""


def test_source_tags_name_the_users_file_and_commit() -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tags = source_tags(_users_function)
    assert tags[MLFLOW_SOURCE_NAME] == str(Path(__file__).resolve())
    assert tags[MLFLOW_SOURCE_TYPE] == "JOB"
    assert tags[MLFLOW_GIT_COMMIT] == head
    assert tags[MLFLOW_USER]


def _tracked_wrapper() -> Callable[[], None]:
    """The function Prefect runs for a tracked task defined in this file."""

    @tracked_task
    def step() -> None:
        return None

    return step.fn


def test_source_tags_look_through_wrappers() -> None:
    @functools.wraps(_users_function)
    def wrapper() -> None:
        return None

    assert source_tags(wrapper)[MLFLOW_SOURCE_NAME] == str(Path(__file__).resolve())
    assert source_tags(_tracked_wrapper())[MLFLOW_SOURCE_NAME] == str(Path(__file__).resolve())


def test_source_tags_outside_git_have_no_commit(tmp_path: Path) -> None:
    module_file = tmp_path / "outside_git_module.py"
    module_file.write_text("def job() -> None:\n    return None\n")
    spec = importlib.util.spec_from_file_location("outside_git_module", module_file)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tags = source_tags(module.job)
    assert tags[MLFLOW_SOURCE_NAME] == str(module_file)
    assert tags[MLFLOW_SOURCE_TYPE] == "JOB"
    assert MLFLOW_GIT_COMMIT not in tags


def test_source_tags_of_a_builtin_name_no_file() -> None:
    tags = source_tags(len)
    assert tags[MLFLOW_SOURCE_TYPE] == "JOB"
    assert MLFLOW_SOURCE_NAME not in tags
    assert MLFLOW_GIT_COMMIT not in tags


def test_ui_url_is_none_without_a_prefect_api() -> None:
    with temporary_settings(restore_defaults={PREFECT_API_URL, PREFECT_UI_URL}):
        assert ui_url("task-run", uuid.uuid4()) is None


def test_ui_url_links_the_run_page() -> None:
    prefect_id = uuid.uuid4()
    with temporary_settings(
        updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}, restore_defaults={PREFECT_UI_URL}
    ):
        assert ui_url("task-run", prefect_id) == f"http://127.0.0.1:4200/runs/task-run/{prefect_id}"
    with temporary_settings(
        updates={PREFECT_API_URL: "http://api:4200/api", PREFECT_UI_URL: "https://ui.example/"}
    ):
        assert ui_url("flow-run", prefect_id) == f"https://ui.example/runs/flow-run/{prefect_id}"
