"""``@tracked_task``: a Prefect task whose every run is a flowtrack run.

The run nests under whatever called the task: the flow's run, an enclosing task's run or a run
the user started. In the task's own process that is the innermost active run; in a worker
process (ProcessPoolTaskRunner, Dask) it is the run of the task's Prefect flow run, whose id is
derived from the flow-run id Prefect ships with every task run. Inside the task the fluent API
logs into the task's run.

A run ends FINISHED when the body returns; a failed attempt is recorded on the run and the run
stays open while Prefect retries; the task's ``on_failure`` hook ends it FAILED after the last
attempt, and its ``on_completion`` hook records cache hits, linked to the run whose result they
reuse.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, overload

from prefect import Flow, Task
from prefect.context import FlowRunContext, TaskRunContext

from flowtrack.entities import Run, RunStatus
from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.tasks import _prefect_compat, caching
from flowtrack.tasks._active import activated, innermost_frame
from flowtrack.tasks._shared import (
    bound_parameters,
    duration_s,
    error_text,
    hooks_as_lists,
    state_name,
    with_hook,
    wrap,
)
from flowtrack.tasks.identity import (
    ATTEMPT_ERROR_TAG,
    ATTEMPTS_METRIC,
    CACHE_HIT_TAG,
    CACHE_KEY_TAG,
    CACHED_FROM_TAG,
    DURATION_METRIC,
    ERROR_TAG,
    FLOW_NAME_TAG,
    FLOW_RUN_ID_TAG,
    STATE_TAG,
    TASK_NAME_TAG,
    TASK_RUN_ID_TAG,
    UI_URL_TAG,
    run_id_for,
    source_tags,
    ui_url,
)
from flowtrack.tasks.options import TrackingOptions, tracking_guard
from flowtrack.tasks.params import metrics_from_result, summarize_parameters
from flowtrack.tasks.recorder import RunPlan, close_run, experiment_of, open_run
from flowtrack.tracking.fluent.config import current_client

if TYPE_CHECKING:
    from prefect.client.schemas.objects import State, TaskRun

    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["TrackedTask", "tracked_task"]

P = ParamSpec("P")
R = TypeVar("R")


def _parent_and_experiment(
    client: FlowtrackClient, task_run: TaskRun, options: TrackingOptions
) -> tuple[str | None, str]:
    """The run a task run nests under and the experiment it goes to."""
    frame = innermost_frame()
    parent: Run | None = frame.run if frame is not None else None
    if parent is None and task_run.flow_run_id is not None:
        try:  # a worker process: the run of the task's flow run, by its id
            parent = client.get_run(run_id_for(task_run.flow_run_id))
        except NotFoundError:  # the flow is not tracked
            parent = None
    flow_context = FlowRunContext.get()
    flow_name = flow_context.flow.name if flow_context and flow_context.flow else None
    experiment_id = experiment_of(client, options.experiment, parent, flow_name)
    return (parent.info.run_id if parent is not None else None), experiment_id


def _task_tags(task: Task[Any, Any], task_run: TaskRun, fn: Callable[..., Any]) -> dict[str, str]:
    tags = source_tags(fn)
    tags[TASK_NAME_TAG] = task.name
    tags[TASK_RUN_ID_TAG] = str(task_run.id)
    if task_run.flow_run_id is not None:
        tags[FLOW_RUN_ID_TAG] = str(task_run.flow_run_id)
    flow_context = FlowRunContext.get()
    if flow_context is not None and flow_context.flow is not None:
        tags[FLOW_NAME_TAG] = flow_context.flow.name
    url = ui_url("task-run", task_run.id)
    if url is not None:
        tags[UI_URL_TAG] = url
    return tags


def _open_task_run(
    client: FlowtrackClient,
    task: Task[Any, Any],
    task_run: TaskRun,
    options: TrackingOptions,
    fn: Callable[..., Any],
    parameters: Mapping[str, Any],
    extra_tags: Mapping[str, str] | None = None,
) -> Run:
    parent_id, experiment_id = _parent_and_experiment(client, task_run, options)
    tags = _task_tags(task, task_run, fn)
    if extra_tags:
        tags.update(extra_tags)
    plan = RunPlan(
        run_id=run_id_for(task_run.id),
        name=task_run.name,
        experiment_id=experiment_id,
        parent_run_id=parent_id,
        tags=tags,
        params=summarize_parameters(parameters, options.log_params),
    )
    return open_run(client, plan)


class _Attempt:
    """One execution of a tracked task's body: its run, and how the attempt ends."""

    __slots__ = ("attempt", "client", "options", "run", "strict", "task_name")

    def __init__(
        self,
        client: FlowtrackClient,
        run: Run,
        task_name: str,
        attempt: int,
        options: TrackingOptions,
        strict: bool,
    ) -> None:
        self.client = client
        self.run = run
        self.task_name = task_name
        self.attempt = attempt
        self.options = options
        self.strict = strict

    @classmethod
    def begin(
        cls, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> _Attempt | None:
        """Open (or resume) the run of the current Prefect task run; ``None`` outside one."""
        context = TaskRunContext.get()
        if context is None:
            return None
        task, task_run = context.task, context.task_run
        options = getattr(task, "flowtrack_options", None) or TrackingOptions()
        strict = options.strict
        with tracking_guard(f"open the run of task {task.name!r}", strict):
            client = current_client()
            parameters = bound_parameters(fn, args, kwargs)
            run = _open_task_run(client, task, task_run, options, fn, parameters)
            return cls(client, run, task.name, max(task_run.run_count, 1), options, strict)
        return None

    @contextmanager
    def running(self) -> Iterator[None]:
        """Run the task's body with this run active; record an error it raises, re-raise it."""
        with activated(self.client, self.run):
            try:
                yield
            except Exception as exc:
                self.failed(exc)
                raise
            except BaseException as exc:
                self.interrupted(exc)
                raise

    def returned(self, result: Any) -> None:
        """End the run FINISHED with the result's metrics, the attempt count and duration."""
        with tracking_guard(f"close the run of task {self.task_name!r}", self.strict):
            metrics = metrics_from_result(result) if self.options.log_result else {}
            metrics[ATTEMPTS_METRIC] = float(self.attempt)
            metrics[DURATION_METRIC] = duration_s(self.run)
            close_run(
                self.client,
                self.run.info.run_id,
                RunStatus.FINISHED,
                metrics,
                {STATE_TAG: "Completed"},
            )

    def failed(self, error: BaseException) -> None:
        """Record a failed attempt; the run stays open until Prefect's final state."""
        with tracking_guard(f"record the failure of task {self.task_name!r}", False):
            self.client.set_tag(
                self.run.info.run_id,
                ATTEMPT_ERROR_TAG.format(attempt=self.attempt),
                error_text(error),
            )

    def interrupted(self, error: BaseException) -> None:
        """End the run KILLED: the body was interrupted (KeyboardInterrupt, cancellation)."""
        with tracking_guard(f"close the run of task {self.task_name!r}", False):
            close_run(
                self.client,
                self.run.info.run_id,
                RunStatus.KILLED,
                {ATTEMPTS_METRIC: float(self.attempt), DURATION_METRIC: duration_s(self.run)},
                {STATE_TAG: "Crashed", ERROR_TAG: error_text(error)},
            )


# ---------------------------------------------------------------------------------- state hooks


def _options_of(task: Task[Any, Any]) -> TrackingOptions | None:
    return getattr(task, "flowtrack_options", None)


def flowtrack_task_failed(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> None:
    """Prefect's final failure of a tracked task: end its run FAILED (create it if the body never
    ran, e.g. a timeout or a failure resolving inputs)."""
    options = _options_of(task)
    if options is None:
        return
    with tracking_guard(f"close the failed run of task {task.name!r}", options.strict):
        client = current_client()
        try:
            run = client.get_run(run_id_for(task_run.id))
        except NotFoundError:
            run = _open_task_run(client, task, task_run, options, task.fn, {})
        close_run(
            client,
            run.info.run_id,
            RunStatus.FAILED,
            {ATTEMPTS_METRIC: float(max(task_run.run_count, 1)), DURATION_METRIC: duration_s(run)},
            {
                STATE_TAG: state_name(state),
                ERROR_TAG: error_text(state.message or state_name(state)),
            },
        )


def flowtrack_task_completed(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> None:
    """Record a cache hit as its own run, linked to the run that produced the result; tag the
    run of a result Prefect persisted with its cache key, so later hits can find it."""
    options = _options_of(task)
    if options is None:
        return
    key = _prefect_compat.result_storage_key(state)
    if key is None:
        return
    strict = options.strict
    if state.name != "Cached":
        if caching.persists_results(task):
            with tracking_guard(f"tag the cached result of task {task.name!r}", strict):
                current_client().set_tag(run_id_for(task_run.id), CACHE_KEY_TAG, key)
        return
    with tracking_guard(f"record the cache hit of task {task.name!r}", strict):
        client = current_client()
        run = _open_task_run(client, task, task_run, options, task.fn, {}, {CACHE_HIT_TAG: key})
        producer = caching.find_cached_run(key, [run.info.experiment_id], client=client)
        close_run(
            client,
            run.info.run_id,
            RunStatus.FINISHED,
            {ATTEMPTS_METRIC: 0.0, DURATION_METRIC: 0.0},
            {
                STATE_TAG: state_name(state),
                CACHED_FROM_TAG: producer.info.run_id if producer is not None else "unknown",
            },
        )


_HOOK_KINDS = ("on_completion", "on_failure")


class TrackedTask(Task[P, R]):
    """A Prefect :class:`~prefect.Task` whose runs are flowtrack runs; see :func:`tracked_task`.

    Attributes:
        flowtrack_options: What the task's runs record.
    """

    flowtrack_options: TrackingOptions

    def __init__(
        self,
        fn: Callable[P, R],
        *,
        experiment: str | None = None,
        log_params: bool | Iterable[str] = True,
        log_result: bool = True,
        skip_if_ran: bool = False,
        strict: bool | None = None,
        **task_kwargs: Any,
    ) -> None:
        if isinstance(fn, Task | Flow):
            raise InvalidParameterError(
                f"@tracked_task got the Prefect {type(fn).__name__.lower()} {fn.name!r}: "
                "decorate the plain function with @tracked_task instead of @task"
            )
        if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
            raise InvalidParameterError(
                f"@tracked_task cannot track the generator function {fn.__qualname__!r}: a "
                "tracked task must return its result (use a plain @task for generators)"
            )
        if skip_if_ran:
            if task_kwargs.get("cache_policy") is not None:
                raise InvalidParameterError(
                    f"Task {fn.__qualname__!r}: pass either skip_if_ran=True (which caches on "
                    "inputs + task source + git commit) or cache_policy, not both"
                )
            task_kwargs["cache_policy"] = caching.skip_if_ran_policy()
            task_kwargs.setdefault("persist_result", True)
        super().__init__(fn=wrap(fn, _Attempt), **hooks_as_lists(task_kwargs, _HOOK_KINDS))
        self.task_key = _prefect_compat.task_key_for(fn)
        self._install_tracking_hooks()
        self.flowtrack_options = TrackingOptions.from_arguments(
            experiment, log_params, log_result, strict
        )

    def _install_tracking_hooks(self) -> None:
        """Put the tracking hooks first among the task's hooks: the failure hook always, the
        completion hook only when Prefect persists results (it records cache hits, which need
        persisted results), so tasks that cannot hit a cache do not run a hook per run."""
        self.on_failure_hooks = with_hook(flowtrack_task_failed, self.on_failure_hooks)
        user_hooks = [
            hook for hook in self.on_completion_hooks if hook is not flowtrack_task_completed
        ]
        if caching.persists_results(self):
            user_hooks.insert(0, flowtrack_task_completed)
        self.on_completion_hooks = user_hooks

    def with_options(self, **options: Any) -> TrackedTask[P, R]:
        """Prefect's ``with_options``, keeping the task tracked and its tracking hooks.

        Hooks passed here replace the task's user hooks, as in Prefect; the tracking hooks stay.
        """
        copy = super().with_options(**hooks_as_lists(options, _HOOK_KINDS))
        # Prefect builds a plain Task: make it this class again and restore what Prefect
        # recomputed from the wrapper.
        tracked = _prefect_compat.as_subclass(copy, type(self))
        tracked.flowtrack_options = self.flowtrack_options
        tracked.task_key = self.task_key
        tracked._install_tracking_hooks()
        return tracked


@overload
def tracked_task(
    __fn: Callable[P, R],
    *,
    experiment: str | None = None,
    log_params: bool | Iterable[str] = True,
    log_result: bool = True,
    skip_if_ran: bool = False,
    strict: bool | None = None,
    **task_kwargs: Any,
) -> TrackedTask[P, R]: ...


@overload
def tracked_task(
    __fn: None = None,
    *,
    experiment: str | None = None,
    log_params: bool | Iterable[str] = True,
    log_result: bool = True,
    skip_if_ran: bool = False,
    strict: bool | None = None,
    **task_kwargs: Any,
) -> Callable[[Callable[P, R]], TrackedTask[P, R]]: ...


def tracked_task(
    __fn: Callable[P, R] | None = None,
    *,
    experiment: str | None = None,
    log_params: bool | Iterable[str] = True,
    log_result: bool = True,
    skip_if_ran: bool = False,
    strict: bool | None = None,
    **task_kwargs: Any,
) -> TrackedTask[P, R] | Callable[[Callable[P, R]], TrackedTask[P, R]]:
    """Make a function a Prefect task whose every run is a flowtrack run.

    Use it bare (``@tracked_task``) or with arguments; every keyword Prefect's ``@task`` takes
    (``retries``, ``cache_policy``, ``task_run_name``, hooks...) passes through.

    Each task run opens a run nested under its caller's run (in the caller's experiment) that
    records the bound parameters as params, the numeric entries of a returned mapping as
    metrics, ``prefect.attempts`` and ``prefect.duration_s``, its status, and tags naming the
    Prefect flow run, task run, flow and task. Inside the task the fluent API logs into it.

    Args:
        experiment: Put the runs in this experiment instead of the caller's.
        log_params: ``False`` to log no parameters, or the names of those to log.
        log_result: Log the numeric entries of a returned mapping as metrics.
        skip_if_ran: Reuse the result of an earlier run with the same inputs, task source and
            git commit (Prefect caching, results persisted); the hit is recorded as a run
            tagged with the run that produced the result.
        strict: Fail the task when tracking fails; default ``Settings.strict_tracking``
            (``False``: tracking errors are logged as warnings).
        **task_kwargs: Passed to :class:`prefect.Task`.

    Returns:
        A :class:`TrackedTask`, or a decorator making one.

    Raises:
        InvalidParameterError: A generator function, or ``skip_if_ran`` with ``cache_policy``.

    Example:
        >>> @tracked_task(retries=2)
        ... def train(alpha: float) -> dict[str, float]:
        ...     return {"rmse": fit(alpha)}
    """
    options: dict[str, Any] = {
        "experiment": experiment,
        "log_params": log_params,
        "log_result": log_result,
        "skip_if_ran": skip_if_ran,
        "strict": strict,
        **task_kwargs,
    }
    if __fn is not None:
        return TrackedTask(__fn, **options)

    def decorate(fn: Callable[P, R]) -> TrackedTask[P, R]:
        return TrackedTask(fn, **options)

    return decorate
