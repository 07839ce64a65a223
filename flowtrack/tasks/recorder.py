"""The store writes behind tracked flows and tasks: open a run, close it, sweep the open ones.

Each function takes the client to write with and plain values, so the decorators stay thin and
these steps are testable without Prefect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flowtrack._private.clock import now_ms
from flowtrack.entities import LifecycleStage, Metric, Run, RunStatus
from flowtrack.exceptions import AlreadyExistsError, InvalidStateError
from flowtrack.tasks.identity import FLOW_RUN_ID_TAG
from flowtrack.tracking.client import FlowtrackClient
from flowtrack.tracking.context_tags import MLFLOW_PARENT_RUN_ID
from flowtrack.tracking.fluent.experiments import get_or_create_experiment

__all__ = [
    "RunPlan",
    "close_run",
    "experiment_id_for",
    "experiment_of",
    "kill_open_runs",
    "log_metrics",
    "open_run",
]


@dataclass(frozen=True, slots=True)
class RunPlan:
    """A run to open for a Prefect flow run or task run.

    Attributes:
        run_id: The run's id (the Prefect run's id as hex).
        name: The run name (the Prefect run's name).
        experiment_id: Where the run goes.
        parent_run_id: The run it nests under, if any.
        tags: Tags to set (system and Prefect tags).
        params: Params to log when the run is created.
    """

    run_id: str
    name: str
    experiment_id: str
    parent_run_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)


def experiment_id_for(client: FlowtrackClient, name: str) -> str:
    """Return the id of the experiment called ``name``, creating it when missing.

    Safe against concurrent creation (two workers starting the same flow): the loser of the
    race reads the winner's experiment.

    Raises:
        InvalidStateError: The experiment exists but is deleted.
    """
    found = get_or_create_experiment(client, name)
    if found.lifecycle_stage == LifecycleStage.DELETED:
        raise InvalidStateError(
            f"Experiment {name!r} (id {found.experiment_id}) is deleted: restore it with "
            f"'flowtrack experiments restore {found.experiment_id}' or pass experiment= to the "
            "decorator"
        )
    return found.experiment_id


def experiment_of(
    client: FlowtrackClient, name: str | None, parent: Run | None, fallback: str | None
) -> str:
    """Return the experiment a flow or task run goes to.

    Args:
        client: The client to read (and create experiments) with.
        name: The decorator's ``experiment=``; wins when given.
        parent: The run it nests under; its experiment comes next.
        fallback: A top-level run's experiment name (the flow's); ``None``: the fluent API's
            default (``set_experiment``, ``FLOWTRACK_EXPERIMENT_*``, else Default).

    Returns:
        The experiment id (named experiments are created when missing).
    """
    if name is not None:
        return experiment_id_for(client, name)
    if parent is not None:
        return parent.info.experiment_id
    if fallback is not None:
        return experiment_id_for(client, fallback)
    from flowtrack.tracking.fluent.experiments import resolve_experiment_id

    return resolve_experiment_id(client)


def open_run(client: FlowtrackClient, plan: RunPlan) -> Run:
    """Create the run of a Prefect run, or set it RUNNING again when it exists (a retry).

    Args:
        client: The client to write with.
        plan: The run.

    Returns:
        The run as created, or as found when resumed.
    """
    tags = dict(plan.tags)
    if plan.parent_run_id is not None:
        tags[MLFLOW_PARENT_RUN_ID] = plan.parent_run_id
    try:
        run = client.create_run(
            plan.experiment_id, tags=tags, run_name=plan.name, run_id=plan.run_id
        )
    except AlreadyExistsError:
        client.update_run(plan.run_id, status=RunStatus.RUNNING)
        return client.get_run(plan.run_id)
    if plan.params:
        client.log_batch(plan.run_id, params=plan.params)
    return run


def close_run(
    client: FlowtrackClient,
    run_id: str,
    status: RunStatus,
    metrics: Mapping[str, float] | None = None,
    tags: Mapping[str, str] | None = None,
) -> None:
    """Log the final metrics and tags of a run, then end it with ``status``."""
    timestamp = now_ms()
    log_metrics(client, run_id, metrics or {}, tags, timestamp=timestamp)
    client.set_terminated(run_id, status, end_time=timestamp)


def log_metrics(
    client: FlowtrackClient,
    run_id: str,
    metrics: Mapping[str, float],
    tags: Mapping[str, str] | None = None,
    *,
    timestamp: int | None = None,
) -> None:
    """Log ``{key: value}`` metrics (step 0) and tags to a run in one batch."""
    at = now_ms() if timestamp is None else timestamp
    entries = [Metric(key=key, value=value, timestamp=at, step=0) for key, value in metrics.items()]
    if entries or tags:
        client.log_batch(run_id, metrics=entries, tags=tags or {})


def kill_open_runs(
    client: FlowtrackClient, experiment_id: str, flow_run_id: str, status: RunStatus
) -> list[str]:
    """End every still-RUNNING run of a Prefect flow run (its own and its tasks').

    Args:
        client: The client to write with.
        experiment_id: The flow run's experiment.
        flow_run_id: The Prefect flow run's id as hex.
        status: The status to end them with (KILLED for a crash or a cancellation).

    Returns:
        The ids of the runs ended.
    """
    ended: list[str] = []
    filter_string = f"tags.`{FLOW_RUN_ID_TAG}` = '{flow_run_id}' AND attributes.status = 'RUNNING'"
    # Ended runs leave the filter's results, so read the first page until it comes back empty.
    while page := client.search_runs([experiment_id], filter_string, max_results=1000):
        for run in page:
            client.set_terminated(run.info.run_id, status)
            ended.append(run.info.run_id)
    return ended
