"""Tracked flows and tasks on the real Prefect engine (one session-scoped test API).

Each test runs small flows against a SQLite store in its own directory and reads back what was
recorded: the run tree, statuses, params, metrics, tags, and Prefect's artifacts.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from prefect import flow
from prefect.context import FlowRunContext, TaskRunContext
from pydantic import BaseModel

import flowtrack
from flowtrack.entities import Run, RunStatus
from flowtrack.tasks import find_cached_run, tracked_flow, tracked_task
from flowtrack.tasks.identity import (
    ATTEMPTS_METRIC,
    CACHE_HIT_TAG,
    CACHE_KEY_TAG,
    CACHED_FROM_TAG,
    ERROR_TAG,
    FLOW_NAME_TAG,
    FLOW_RUN_ID_TAG,
    STATE_TAG,
    TASK_NAME_TAG,
    TASK_RUN_ID_TAG,
    UI_URL_TAG,
)
from tests.tasks._prefect_api import latest_artifact

pytestmark = pytest.mark.usefixtures("prefect_harness")

PARENT = "mlflow.parentRunId"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(clean_context: None, tmp_path: Path) -> flowtrack.MlflowClient:
    """A SQLite store in the test's directory, set as the tracking URI."""
    flowtrack.set_tracking_uri(f"sqlite:///{tmp_path}/flowtrack.db")
    return flowtrack.MlflowClient()


def runs_of(client: flowtrack.MlflowClient, experiment: str) -> list[Run]:
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no experiment {experiment!r}"
    return list(client.search_runs([found.experiment_id], order_by=["attributes.start_time ASC"]))


def children(runs: list[Run], parent: Run) -> list[Run]:
    return [run for run in runs if run.data.tags.get(PARENT) == parent.info.run_id]


def top_level(runs: list[Run]) -> list[Run]:
    return [run for run in runs if PARENT not in run.data.tags]


# ------------------------------------------------------------------------- nesting and records


class HyperParameters(BaseModel):
    C: float = 1.0
    max_iter: int = 100


DEFAULT_HP = HyperParameters()


@tracked_task
def add(x: int, y: int = 1) -> dict[str, Any]:
    flowtrack.log_metric("seen", x)
    return {"total": x + y, "note": "not a metric"}


@tracked_flow
def inner(k: int) -> dict[str, int]:
    return {"inner_total": add(k)["total"]}


@tracked_task
def calls_subflow(k: int) -> int:
    return inner(k)["inner_total"]


@tracked_flow(name="nesting")
def nesting(hp: HyperParameters = DEFAULT_HP, xs: list[int] | None = None) -> dict[str, Any]:
    add(1)
    add.submit(2).result()
    for future in add.map(xs or [3, 4]):
        future.result()
    inner(10)
    calls_subflow(20)
    return {"score": 0.75, "model_uri": "runs:/x/model"}


def test_flow_task_subflow_nesting_and_records(client: flowtrack.MlflowClient) -> None:
    state = nesting(return_state=True)
    assert state.is_completed()
    runs = runs_of(client, "nesting")
    [root] = top_level(runs)
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    assert root.info.run_id == flow_run_id.hex
    assert root.info.status is RunStatus.FINISHED
    assert root.data.params == {"hp.C": "1.0", "hp.max_iter": "100", "xs": "None"}
    assert root.data.metrics["score"] == 0.75
    assert "model_uri" not in root.data.metrics
    assert root.data.metrics[ATTEMPTS_METRIC] == 1
    assert root.data.tags[FLOW_NAME_TAG] == "nesting"
    assert root.data.tags[FLOW_RUN_ID_TAG] == str(flow_run_id)
    assert root.data.tags[STATE_TAG] == "Completed"
    assert root.data.tags["mlflow.source.name"] == __file__
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert root.data.tags["mlflow.source.git.commit"] == head
    assert root.data.tags[UI_URL_TAG].endswith(f"/runs/flow-run/{flow_run_id}")

    direct = children(runs, root)
    tasks = [run for run in direct if run.data.tags.get(TASK_NAME_TAG) == "add"]
    assert len(tasks) == 4  # call, submit, map of two
    assert sorted(run.data.params["x"] for run in tasks) == ["1", "2", "3", "4"]
    for run in tasks:
        assert run.info.status is RunStatus.FINISHED
        assert run.info.experiment_id == root.info.experiment_id
        assert run.data.metrics["total"] == int(run.data.params["x"]) + 1
        assert run.data.metrics["seen"] == int(run.data.params["x"])  # fluent call in the task
        assert run.data.tags[FLOW_RUN_ID_TAG] == str(flow_run_id)
        assert run.info.run_id == run.data.tags[TASK_RUN_ID_TAG].replace("-", "")

    # inner(10) called from the flow body nests under the flow's run ...
    subflows = [run for run in direct if run.data.tags.get(FLOW_NAME_TAG) == "inner"]
    assert len(subflows) == 1
    [sub_task] = children(runs, subflows[0])
    assert sub_task.data.params["x"] == "10"
    # ... and inner(20) called from inside a task nests under that task's run.
    [caller] = [run for run in direct if run.data.tags.get(TASK_NAME_TAG) == "calls_subflow"]
    [nested_flow] = children(runs, caller)
    assert nested_flow.data.tags[FLOW_NAME_TAG] == "inner"
    [deepest] = children(runs, nested_flow)
    assert deepest.data.metrics["total"] == 21


@tracked_task
def fluent_inside(text: str) -> str:
    run = flowtrack.active_run()
    assert run is not None
    flowtrack.log_param("extra", "yes")
    flowtrack.log_text(text, "notes/text.txt")
    return run.info.run_id


@tracked_flow(name="fluent-in-tasks")
def fluent_flow() -> tuple[str, str, str]:
    own = flowtrack.active_run()
    assert own is not None
    flowtrack.log_metric("flow_level", 1.0)
    return own.info.run_id, fluent_inside("hello"), fluent_inside.submit("threaded").result()


def test_fluent_api_inside_tasks_logs_into_their_runs(client: flowtrack.MlflowClient) -> None:
    flow_run, first, second = fluent_flow()
    runs = {run.info.run_id: run for run in runs_of(client, "fluent-in-tasks")}
    assert runs[flow_run].data.metrics["flow_level"] == 1.0
    for run_id, text in ((first, "hello"), (second, "threaded")):
        assert runs[run_id].data.tags[PARENT] == flow_run
        assert runs[run_id].data.params["extra"] == "yes"
        path = client.download_artifacts(run_id, "notes")
        assert (Path(path) / "text.txt").read_text() == text
    assert flowtrack.active_run() is None  # nothing left active in the caller


@tracked_task
async def async_step(name: str, delay: float) -> dict[str, float]:
    await asyncio.sleep(delay)
    flowtrack.log_metric(f"{name}_metric", delay)
    return {"delay": delay}


@tracked_flow(name="async-flow")
async def async_flow() -> list[dict[str, float]]:
    return list(await asyncio.gather(async_step("a", 0.2), async_step("b", 0.05)))


def test_async_flow_and_tasks(client: flowtrack.MlflowClient) -> None:
    asyncio.run(async_flow())
    runs = runs_of(client, "async-flow")
    [root] = top_level(runs)
    steps = {run.data.params["name"]: run for run in children(runs, root)}
    assert set(steps) == {"a", "b"}
    # Each concurrent task logged into its own run.
    assert set(steps["a"].data.metrics) >= {"a_metric", "delay"}
    assert "b_metric" not in steps["a"].data.metrics
    assert steps["b"].data.metrics["b_metric"] == 0.05
    assert root.info.status is RunStatus.FINISHED


@tracked_task
def outside_flow(value: int) -> dict[str, int]:
    return {"value": value}


@pytest.mark.filterwarnings(
    # Prefect's own warning for any task run outside a flow run (its logs have no flow run).
    "ignore:Logger 'prefect.task_runs' attempted to send logs to the API without a flow run id"
)
def test_task_called_outside_a_flow_is_a_top_level_run(client: flowtrack.MlflowClient) -> None:
    assert outside_flow(3) == {"value": 3}
    [run] = client.search_runs(["0"])
    assert PARENT not in run.data.tags
    assert run.data.metrics["value"] == 3


# ------------------------------------------------------------------ retries, failures, crashes


class Flaky:
    """Fails the first ``failures`` calls."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(f"attempt {self.calls} failed")


FLAKY = Flaky(failures=1)


@tracked_task(retries=2)
def flaky_step() -> dict[str, int]:
    FLAKY()
    return {"calls": FLAKY.calls}


@tracked_flow(name="retries")
def retrying_flow() -> None:
    flaky_step()


def test_retried_task_is_one_run_with_its_attempts(client: flowtrack.MlflowClient) -> None:
    FLAKY.calls = 0
    retrying_flow()
    runs = runs_of(client, "retries")
    [root] = top_level(runs)
    [step] = children(runs, root)
    assert step.info.status is RunStatus.FINISHED
    assert step.data.metrics[ATTEMPTS_METRIC] == 2
    assert step.data.tags["flowtrack.prefect.attempt_1.error"] == (
        "ConnectionError: attempt 1 failed"
    )
    assert "flowtrack.prefect.attempt_2.error" not in step.data.tags


class ModelDiverged(Exception):
    """A user's own exception type."""


@tracked_task(retries=1)
def always_fails(tolerance: float) -> None:
    raise ModelDiverged(f"loss exploded at tolerance {tolerance}")


@tracked_flow(name="failing")
def failing_flow() -> None:
    always_fails(0.5)


def test_final_failure_is_failed_and_the_exception_is_unchanged(
    client: flowtrack.MlflowClient,
) -> None:
    with pytest.raises(ModelDiverged, match=r"loss exploded at tolerance 0\.5"):
        failing_flow()
    runs = runs_of(client, "failing")
    [root] = top_level(runs)
    [step] = children(runs, root)
    assert step.info.status is RunStatus.FAILED
    assert step.data.metrics[ATTEMPTS_METRIC] == 2
    assert "ModelDiverged" in step.data.tags["flowtrack.prefect.attempt_2.error"]
    assert "loss exploded" in step.data.tags[ERROR_TAG]
    assert root.info.status is RunStatus.FAILED
    assert root.data.tags[STATE_TAG] == "Failed"
    assert root.info.end_time is not None


@tracked_flow(name="returns-failed-state")
def returns_failed_state() -> Any:
    # The body returns normally; Prefect still ends the flow Failed because of what it returns.
    return always_fails(0.1, return_state=True)


def test_flow_that_returns_but_ends_failed_is_failed(client: flowtrack.MlflowClient) -> None:
    state = returns_failed_state(return_state=True)
    assert state.is_failed()
    [root] = top_level(runs_of(client, "returns-failed-state"))
    assert root.info.status is RunStatus.FAILED


@tracked_flow(name="typed-parameters")
def typed_parameters(count: int) -> int:
    return count


def test_flow_failing_before_its_body_is_recorded(client: flowtrack.MlflowClient) -> None:
    state = typed_parameters(count="many", return_state=True)  # type: ignore[arg-type]
    assert state.is_failed()
    [root] = runs_of(client, "typed-parameters")
    assert root.info.status is RunStatus.FAILED
    assert root.data.params == {"count": "many"}
    assert "count" in root.data.tags[ERROR_TAG]


class Interrupted(BaseException):
    """Stands for a signal or an interpreter shutdown: Prefect reports the run Crashed."""


@tracked_task
def interrupted_step() -> None:
    raise Interrupted("stop")


@tracked_flow(name="crashing")
def crashing_flow() -> None:
    # A run of this flow left open (as by a worker process that died before closing it).
    context = FlowRunContext.get()
    assert context is not None and context.flow_run is not None
    orphan = flowtrack.MlflowClient().create_run(
        flowtrack.active_run().info.experiment_id,  # type: ignore[union-attr]
        tags={FLOW_RUN_ID_TAG: str(context.flow_run.id)},
        run_name="orphan",
    )
    assert orphan.info.status is RunStatus.RUNNING
    interrupted_step()


def test_crash_marks_the_flow_and_its_open_runs_killed(client: flowtrack.MlflowClient) -> None:
    with pytest.raises(Interrupted):
        crashing_flow()
    runs = {run.info.run_name: run for run in runs_of(client, "crashing")}
    [root] = [
        run
        for run in runs.values()
        if run.info.run_id == run.data.tags[FLOW_RUN_ID_TAG].replace("-", "")
    ]
    assert root.info.status is RunStatus.KILLED
    assert root.data.tags[STATE_TAG] == "Crashed"
    assert runs["orphan"].info.status is RunStatus.KILLED
    [step] = [run for name, run in runs.items() if name.startswith("interrupted_step")]
    assert step.info.status is RunStatus.KILLED


# --------------------------------------------------------------------------------- caching


@tracked_task(skip_if_ran=True)
def expensive(n: int) -> dict[str, int]:
    return {"square": n * n}


@tracked_flow(name="caching")
def caching_flow() -> None:
    expensive(3)
    expensive(3)
    expensive(4)


def test_cache_hit_is_a_run_linked_to_its_producer(client: flowtrack.MlflowClient) -> None:
    caching_flow()
    runs = runs_of(client, "caching")
    [root] = top_level(runs)
    first, hit, other = children(runs, root)
    key = first.data.tags[CACHE_KEY_TAG]
    assert first.data.params == {"n": "3"}
    assert hit.data.tags[STATE_TAG] == "Cached"
    assert hit.data.tags[CACHE_HIT_TAG] == key
    assert hit.data.tags[CACHED_FROM_TAG] == first.info.run_id
    assert hit.info.status is RunStatus.FINISHED
    assert other.data.metrics["square"] == 16  # different inputs: computed
    assert other.data.tags[CACHE_KEY_TAG] != key
    producer = find_cached_run(key)
    assert producer is not None and producer.info.run_id == first.info.run_id


# ----------------------------------------------------------------------- hooks and artifacts


CALLS: list[str] = []


def user_completion_hook(task: Any, task_run: Any, state: Any) -> None:
    CALLS.append(f"task:{task.name}:{state.name}")


def user_flow_hook(flow_: Any, flow_run: Any, state: Any) -> None:
    CALLS.append(f"flow:{flow_.name}:{state.name}")


@tracked_task(on_completion=[user_completion_hook])
def hooked(x: int) -> int:
    return x


@tracked_flow(name="hooks", on_completion=[user_flow_hook])
def hooked_flow() -> None:
    hooked(1)
    hooked.with_options(name="renamed", on_completion=[user_completion_hook])(2)


def test_user_hooks_are_kept_also_through_with_options(client: flowtrack.MlflowClient) -> None:
    CALLS.clear()
    hooked_flow.with_options(on_completion=[user_flow_hook], retries=0)()
    assert CALLS == ["task:hooked:Completed", "task:renamed:Completed", "flow:hooks:Completed"]
    runs = runs_of(client, "hooks")
    [root] = top_level(runs)
    assert root.info.status is RunStatus.FINISHED  # the tracking hook ran too
    assert {run.data.tags[TASK_NAME_TAG] for run in children(runs, root)} == {"hooked", "renamed"}


@tracked_task
def measured(quality: float) -> dict[str, float]:
    return {"quality": quality}


@tracked_flow(name="Artifact Flow")
def artifact_flow() -> None:
    measured(0.5)
    measured(0.9)


def test_flow_creates_prefect_artifacts(client: flowtrack.MlflowClient) -> None:
    artifact_flow()
    [root] = top_level(runs_of(client, "Artifact Flow"))
    steps = latest_artifact("flowtrack-artifact-flow-steps")
    assert steps is not None and steps.type == "table"
    table = json.loads(str(steps.data))
    assert [row["quality"] for row in table] == [0.5, 0.9]
    assert {row["status"] for row in table} == {"FINISHED"}
    note = latest_artifact("flowtrack-artifact-flow-run")
    assert note is not None and note.type == "markdown"
    assert root.info.run_id in str(note.data)
    assert f"flowtrack runs describe {root.info.run_id}" in str(note.data)
    assert str(steps.flow_run_id).replace("-", "") == root.info.run_id


# -------------------------------------------------------------------------- tracking errors


@tracked_task
def plain_work(x: int) -> int:
    return x * 2


@tracked_flow(name="store-down")
def store_down_flow() -> int:
    return plain_work(21)


@tracked_flow(name="store-down-strict", strict=True)
def store_down_strict_flow() -> int:
    return plain_work(21)


def test_tracking_errors_warn_and_the_pipeline_goes_on(
    clean_context: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    flowtrack.set_tracking_uri(f"sqlite:///{tmp_path}/missing-dir/sub/flowtrack.db")
    assert store_down_flow() == 42
    assert "flowtrack could not open the run of flow 'store-down'" in caplog.text


def test_strict_tracking_fails_the_flow(clean_context: None, tmp_path: Path) -> None:
    flowtrack.set_tracking_uri(f"sqlite:///{tmp_path}/missing-dir/sub/flowtrack.db")
    state = store_down_strict_flow(return_state=True)
    assert state.is_failed()


def test_untracked_prefect_flow_with_tracked_tasks(client: flowtrack.MlflowClient) -> None:
    @flow(name="plain-parent")
    def plain_parent() -> int:
        assert TaskRunContext.get() is None
        return plain_work(2)

    assert plain_parent() == 4
    [run] = runs_of(client, "plain-parent")  # the flow's name is the experiment
    assert PARENT not in run.data.tags
    assert run.data.tags[FLOW_NAME_TAG] == "plain-parent"


@tracked_flow(name="cancelled")
def cancellable() -> None:
    """Never run: its cancellation hook is called directly below."""


def test_cancellation_hook_marks_the_flow_run_and_its_open_runs_killed(
    client: flowtrack.MlflowClient,
) -> None:
    # A local run cannot be cancelled on cue; call the hook Prefect calls on cancellation.
    from uuid import uuid4

    from prefect.client.schemas.objects import FlowRun
    from prefect.states import Cancelled

    from flowtrack.tasks.flow import flowtrack_flow_cancelled

    flow_run = FlowRun(id=uuid4(), name="doomed-run", flow_id=uuid4(), run_count=1)
    experiment_id = client.create_experiment("cancelled")
    client.create_run(experiment_id, run_id=flow_run.id.hex, run_name="doomed-run")
    step = client.create_run(
        experiment_id,
        tags={FLOW_RUN_ID_TAG: str(flow_run.id), PARENT: flow_run.id.hex},
        run_name="step",
    )
    flowtrack_flow_cancelled(cancellable, flow_run, Cancelled(message="cancelled by user"))
    assert client.get_run(flow_run.id.hex).info.status is RunStatus.KILLED
    assert client.get_run(flow_run.id.hex).data.tags[STATE_TAG] == "Cancelled"
    assert client.get_run(step.info.run_id).info.status is RunStatus.KILLED


@tracked_flow(name="deployed")
def deployed(alpha: float = 0.5) -> dict[str, float]:
    return {"alpha_squared": alpha * alpha}


def test_a_deployment_run_is_tagged_with_the_deployment_name(
    client: flowtrack.MlflowClient,
) -> None:
    # What a worker does for a deployment's flow run, minus the worker: create the run from
    # the deployment, then execute the flow for it.
    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow

    from flowtrack.tasks.identity import DEPLOYMENT_TAG

    with get_client(sync_client=True) as prefect_client:
        flow_id = prefect_client.create_flow_from_name("deployed")
        deployment_id = prefect_client.create_deployment(
            flow_id, name="nightly", entrypoint="tests/tasks/test_engine.py:deployed"
        )
        flow_run = prefect_client.create_flow_run_from_deployment(
            deployment_id, parameters={"alpha": 0.25}
        )
    state = run_flow(deployed, flow_run=flow_run, parameters={"alpha": 0.25}, return_type="state")
    assert state.is_completed()  # type: ignore[union-attr]
    [run] = runs_of(client, "deployed")
    assert run.info.run_id == flow_run.id.hex
    assert run.data.tags[DEPLOYMENT_TAG] == "nightly"
    assert run.data.params == {"alpha": "0.25"}
    assert run.data.metrics["alpha_squared"] == 0.0625


@tracked_task(timeout_seconds=0.5)
def too_slow() -> None:
    import time

    time.sleep(5)


@tracked_flow(name="timeouts")
def timeout_flow() -> Any:
    return too_slow(return_state=True)


def test_a_timed_out_task_is_failed_with_prefects_state(client: flowtrack.MlflowClient) -> None:
    state = timeout_flow(return_state=True)
    assert state.is_failed()
    runs = runs_of(client, "timeouts")
    [root] = top_level(runs)
    [step] = children(runs, root)
    assert step.info.status is RunStatus.FAILED
    assert step.data.tags[STATE_TAG] == "TimedOut"
    assert root.info.status is RunStatus.FAILED
