"""Fluent run functions: start, end, resume and look up runs; the active run stack."""

from __future__ import annotations

import atexit
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flowtrack._private.optional import require
from flowtrack._private.validation import validate_experiment_id, validate_run_id
from flowtrack.entities import LifecycleStage, Run, RunStatus
from flowtrack.exceptions import InvalidParameterError, InvalidStateError
from flowtrack.tracking._convert import run_status
from flowtrack.tracking.client import FlowtrackClient
from flowtrack.tracking.context_tags import (
    MLFLOW_PARENT_RUN_ID,
    MLFLOW_RUN_NAME,
    MLFLOW_RUN_NOTE,
    resolve_tags,
)
from flowtrack.tracking.fluent import _state
from flowtrack.tracking.fluent.active_run import ActiveRun, RunFrame, end_frames
from flowtrack.tracking.fluent.config import current_client
from flowtrack.tracking.fluent.experiments import resolve_experiment_id

if TYPE_CHECKING:
    from flowtrack.settings import Settings
    from flowtrack.tracking.system_metrics import SystemMetricsMonitor

__all__ = [
    "RUN_ID_ENV_VARS",
    "active_frame",
    "active_run",
    "delete_run",
    "end_run",
    "get_parent_run",
    "get_run",
    "last_active_run",
    "restore_run",
    "run_target",
    "start_run",
]

#: Variables naming a run for ``start_run`` to resume (set by project launchers).
RUN_ID_ENV_VARS = ("FLOWTRACK_RUN_ID", "MLFLOW_RUN_ID")


def _run_id_from_env() -> str | None:
    # Consumed once: a second start_run (a nested run) must not resume the same run again.
    found = [os.environ.pop(name, None) for name in RUN_ID_ENV_VARS]
    return next((run_id for run_id in found if run_id), None)


def _parent_run_id(
    client: FlowtrackClient,
    stack: tuple[RunFrame, ...],
    nested: bool,
    parent_run_id: str | None,
) -> str | None:
    if parent_run_id is None:
        return stack[-1].run_id if nested and stack else None
    if stack and parent_run_id != stack[-1].run_id:
        current = stack[-1].run_id
        raise InvalidParameterError(
            f"Current run with UUID {current} does not match the specified parent_run_id "
            f"{parent_run_id}. To start a new nested run under the parent run with UUID "
            f"{current}, first end the current run with mlflow.end_run()."
        )
    if (
        client.get_run(validate_run_id(parent_run_id)).info.lifecycle_stage
        == LifecycleStage.DELETED
    ):
        raise InvalidStateError(
            f"Cannot start run under parent run with ID {parent_run_id} because it is in the "
            "deleted state."
        )
    return parent_run_id


def _system_metrics_settings(log_system_metrics: bool | None) -> Settings | None:
    """The settings when the new run's system metrics are to be logged, else ``None``.

    Raises:
        MissingDependencyError: They are to be logged and psutil is not installed.
    """
    from flowtrack.settings import environment_names, get_settings

    if log_system_metrics is False:
        return None
    if log_system_metrics is None and not any(
        os.environ.get(name) for name in environment_names("enable_system_metrics_logging")
    ):
        return None  # the common case, without the cost of reading every setting
    settings = get_settings()
    if log_system_metrics is None and not settings.enable_system_metrics_logging:
        return None
    require(
        "psutil",
        "Logging system metrics (start_run(log_system_metrics=True) or "
        "enable_system_metrics_logging())",
        extra="system-metrics",
    )
    return settings


def _start_system_metrics(
    client: FlowtrackClient, run_id: str, settings: Settings, resumed: bool
) -> SystemMetricsMonitor | None:
    from flowtrack.tracking.system_metrics import SystemMetricsMonitor

    monitor = SystemMetricsMonitor(
        client,
        run_id,
        sampling_interval=settings.system_metrics_sampling_interval,
        samples_before_logging=settings.system_metrics_samples_before_logging,
        resume_logging=resumed,
        node_id=settings.system_metrics_node_id,
    )
    monitor.start()
    return monitor if monitor.running else None


def _resume(
    client: FlowtrackClient,
    run_id: str,
    experiment_id: str | None,
    run_name: str | None,
    tags: dict[str, Any],
) -> Run:
    run = client.get_run(validate_run_id(run_id))
    if experiment_id is not None and str(experiment_id) != run.info.experiment_id:
        raise InvalidParameterError(
            f"Cannot resume run {run_id!r} in experiment {experiment_id!r}: the run belongs to "
            f"experiment {run.info.experiment_id!r}"
        )
    if run.info.lifecycle_stage == LifecycleStage.DELETED:
        raise InvalidStateError(
            f"Cannot start run with ID {run_id} because it is in the deleted state."
        )
    client.update_run(run_id, status=RunStatus.RUNNING, name=run_name)
    if tags:
        client.log_batch(run_id, tags=tags)
    return client.get_run(run_id)


def start_run(
    run_id: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    parent_run_id: str | None = None,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
    log_system_metrics: bool | None = None,
) -> ActiveRun:
    """Start a new run, or resume one, and make it this context's active run.

    Use it as a context manager to end the run automatically; otherwise call :func:`end_run`
    (a run still active at interpreter exit is ended FINISHED). New runs get the system tags
    (``mlflow.user``, ``mlflow.source.*``, ``mlflow.source.git.commit``) under the user's tags.

    Args:
        run_id: A run to resume (set RUNNING again); default ``FLOWTRACK_RUN_ID`` /
            ``MLFLOW_RUN_ID`` when set, else a new run.
        experiment_id: The experiment of a new run; default the active experiment.
        run_name: The new run's name (``mlflow.runName``); default a generated one.
        nested: Allow starting a run while another is active; it gets ``mlflow.parentRunId``.
        parent_run_id: The parent of a nested run; must be the active run, if any.
        tags: ``{name: value}`` tags (values through ``str``).
        description: The run's description (``mlflow.note.content``).
        log_system_metrics: Log system metrics (``system/cpu_utilization_percentage``, ...)
            from a background thread until the run ends; ``None`` follows
            :func:`flowtrack.enable_system_metrics_logging` /
            ``FLOWTRACK_ENABLE_SYSTEM_METRICS_LOGGING`` (default off). Needs
            ``flowtrack[system-metrics]``.

    Returns:
        The active run.

    Raises:
        InvalidStateError: A run is already active and ``nested`` is false, or the run to
            resume (or the parent) is deleted.
        InvalidParameterError: Conflicting arguments.
        NotFoundError: The experiment, run or parent run does not exist.
        MissingDependencyError: System metrics are requested and psutil is not installed.

    Example:
        >>> with flowtrack.start_run(run_name="baseline") as run:
        ...     flowtrack.log_metric("loss", 0.5)
    """
    stack = _state.RUN_STACK.get()
    if stack and not nested:
        raise InvalidStateError(
            f"Run with UUID {stack[0].run_id} is already active. To start a new run, first end "
            "the current run with mlflow.end_run(). To start a nested run, call start_run with "
            "nested=True"
        )
    system_metrics = _system_metrics_settings(log_system_metrics)  # before any run is created
    user_tags = dict(tags or {})
    if description is not None:
        if MLFLOW_RUN_NOTE in user_tags:
            raise InvalidParameterError(
                f"Description is already set via the tag {MLFLOW_RUN_NOTE} in tags. Remove the "
                f"key {MLFLOW_RUN_NOTE} from the tags or omit the description."
            )
        user_tags[MLFLOW_RUN_NOTE] = description
    client = current_client()
    resume_id = run_id or _run_id_from_env()
    if resume_id:
        run = _resume(client, resume_id, experiment_id, run_name, user_tags)
    else:
        parent = _parent_run_id(client, stack, nested, parent_run_id)
        if parent is not None:
            user_tags[MLFLOW_PARENT_RUN_ID] = parent
        if run_name:
            user_tags[MLFLOW_RUN_NAME] = run_name
        if experiment_id is None:
            target_experiment = resolve_experiment_id(client)
        else:
            target_experiment = validate_experiment_id(experiment_id)
        run = client.create_run(target_experiment, tags=resolve_tags(user_tags), run_name=run_name)
    active = ActiveRun(info=run.info, data=run.data, inputs=run.inputs, outputs=run.outputs)
    monitor = None
    if system_metrics is not None:
        monitor = _start_system_metrics(client, run.info.run_id, system_metrics, bool(resume_id))
    frame = RunFrame(active, client, run.info.run_id, monitor)
    _state.RUN_STACK.set((*stack, frame))
    atexit.register(frame.end_at_exit)
    return active


def end_run(status: RunStatus | str = "FINISHED") -> None:
    """End this context's innermost active run (after writing its queued metrics).

    Does nothing when no run is active.

    Args:
        status: ``"FINISHED"``, ``"FAILED"`` or ``"KILLED"``.

    Raises:
        InvalidParameterError: ``status`` is not a terminal status.

    Example:
        >>> flowtrack.start_run()
        >>> flowtrack.end_run("KILLED")
    """
    final = run_status(status, terminal=True)
    stack = _state.RUN_STACK.get()
    if stack:
        end_frames(stack, len(stack) - 1, final)


def active_run() -> ActiveRun | None:
    """Return this context's innermost active run.

    Returns:
        The run :func:`start_run` returned (its data as of the start), or ``None``.

    Example:
        >>> flowtrack.active_run() is None
        True
    """
    stack = _state.RUN_STACK.get()
    return stack[-1].run if stack else None


def last_active_run() -> Run | None:
    """Return the active run, else the run most recently ended in this context.

    Returns:
        The run read afresh from its store (current metrics, params, tags), or ``None`` when
        this context never had a run.

    Example:
        >>> with flowtrack.start_run():
        ...     flowtrack.log_metric("loss", 0.5)
        >>> flowtrack.last_active_run().data.metrics
        {'loss': 0.5}
    """
    stack = _state.RUN_STACK.get()
    frame = stack[-1] if stack else _state.LAST_ACTIVE_RUN.get()
    return None if frame is None else frame.client.get_run(frame.run_id)


def active_frame() -> RunFrame:
    """Return the innermost active run's frame, starting a run when none is active.

    Returns:
        The frame: the active run, its client and its id.
    """
    stack = _state.RUN_STACK.get()
    if not stack:
        start_run()
        stack = _state.RUN_STACK.get()
    return stack[-1]


def run_target(run_id: str | None) -> tuple[FlowtrackClient, str]:
    """Return ``(client, run id)`` for a logging call.

    Args:
        run_id: An explicit run; ``None`` for the active run (started when none is active).

    Returns:
        The active run's client when ``run_id`` is ``None`` or an active run, else the client
        of this context's tracking URI; and the run id.
    """
    stack = _state.RUN_STACK.get()
    if run_id is None:
        frame = stack[-1] if stack else active_frame()
        return frame.client, frame.run_id
    for frame in stack:
        if frame.run_id == run_id:
            return frame.client, run_id
    return current_client(), run_id


def get_run(run_id: str) -> Run:
    """Return a run with its latest metrics, params, tags and inputs.

    Args:
        run_id: The run's id.

    Returns:
        The run (also a deleted one).

    Raises:
        NotFoundError: No such run.

    Example:
        >>> flowtrack.get_run(run_id).info.status
        <RunStatus.FINISHED: 'FINISHED'>
    """
    return current_client().get_run(run_id)


def get_parent_run(run_id: str) -> Run | None:
    """Return the parent of a nested run, or ``None`` for a top-level run.

    Args:
        run_id: The child run's id.

    Returns:
        The run named by the child's ``mlflow.parentRunId`` tag, or ``None``.

    Raises:
        NotFoundError: No such run.

    Example:
        >>> with flowtrack.start_run() as parent:
        ...     with flowtrack.start_run(nested=True) as child:
        ...         pass
        >>> flowtrack.get_parent_run(child.info.run_id).info.run_id == parent.info.run_id
        True
    """
    return current_client().get_parent_run(run_id)


def delete_run(run_id: str) -> None:
    """Soft-delete a run (after writing its queued metrics).

    Args:
        run_id: The run's id.

    Raises:
        NotFoundError: No such run.

    Example:
        >>> flowtrack.delete_run(run_id)
    """
    current_client().delete_run(run_id)


def restore_run(run_id: str) -> None:
    """Restore a soft-deleted run.

    Args:
        run_id: The run's id.

    Raises:
        NotFoundError: No such run (or it was permanently deleted).

    Example:
        >>> flowtrack.delete_run(run_id)
        >>> flowtrack.restore_run(run_id)
        >>> flowtrack.get_run(run_id).info.lifecycle_stage == "active"
        True
    """
    current_client().restore_run(run_id)
