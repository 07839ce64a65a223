"""Tracked tasks on process-based task runners find their parent run from Prefect's ids.

Prefect pickles the task and its flow-run context to each worker process; no flowtrack state
crosses the process boundary except the tracking URI (``FLOWTRACK_TRACKING_URI``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from prefect.task_runners import ProcessPoolTaskRunner

import flowtrack
from flowtrack.entities import RunStatus
from flowtrack.tasks import tracked_flow
from tests.tasks._worker_tasks import dies_midway, square

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]


@pytest.fixture
def client(clean_context: None, tmp_path: Path) -> flowtrack.MlflowClient:
    flowtrack.set_tracking_uri(f"sqlite:///{tmp_path}/flowtrack.db")
    return flowtrack.MlflowClient()


def squares() -> list[int]:
    return [future.result()["square"] for future in square.map([2, 3, 4])]


def check_tree(client: flowtrack.MlflowClient, experiment: str) -> None:
    found = client.get_experiment_by_name(experiment)
    assert found is not None
    runs = client.search_runs([found.experiment_id])
    [root] = [run for run in runs if "mlflow.parentRunId" not in run.data.tags]
    steps = [run for run in runs if run.data.tags.get("mlflow.parentRunId") == root.info.run_id]
    assert len(steps) == 3
    assert sorted(run.data.metrics["square"] for run in steps) == [4, 9, 16]
    for run in steps:
        assert run.info.status is RunStatus.FINISHED
        assert run.data.metrics["pid"] != os.getpid()  # ran in a worker process
    assert root.info.status is RunStatus.FINISHED


def test_process_pool_tasks_nest_under_the_flow_run(client: flowtrack.MlflowClient) -> None:
    @tracked_flow(name="process-pool", task_runner=ProcessPoolTaskRunner(max_workers=2))
    def process_pool_flow() -> list[int]:
        return squares()

    assert process_pool_flow() == [4, 9, 16]
    check_tree(client, "process-pool")


def test_dask_process_cluster_tasks_nest_under_the_flow_run(
    client: flowtrack.MlflowClient,
) -> None:
    from prefect_dask import DaskTaskRunner

    cluster: dict[str, Any] = {"n_workers": 2, "processes": True, "threads_per_worker": 1}

    @tracked_flow(name="dask", task_runner=DaskTaskRunner(cluster_kwargs=cluster))
    def dask_flow() -> list[int]:
        return squares()

    assert dask_flow() == [4, 9, 16]
    check_tree(client, "dask")


def test_a_worker_that_dies_leaves_no_run_open(client: flowtrack.MlflowClient) -> None:
    # The worker exits before the task can close its run; when the flow run ends (Failed:
    # the process pool broke), its tracking hook ends every run of it still open, KILLED.
    @tracked_flow(name="worker-dies", task_runner=ProcessPoolTaskRunner(max_workers=1))
    def worker_dies() -> None:
        dies_midway.submit(7).result()

    state = worker_dies(return_state=True)
    assert state.is_failed()
    found = client.get_experiment_by_name("worker-dies")
    assert found is not None
    runs = {
        run.data.tags.get("flowtrack.prefect.task_name", "flow"): run
        for run in client.search_runs([found.experiment_id])
    }
    assert runs["flow"].info.status is RunStatus.FAILED
    assert runs["dies_midway"].info.status is RunStatus.KILLED
    assert runs["dies_midway"].data.metrics["before_death"] == 7  # what it logged is kept
