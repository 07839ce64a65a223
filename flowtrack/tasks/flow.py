"""``@tracked_flow``: a Prefect flow whose every run is a flowtrack run, parent of its tasks'.

The body runs with the flow's run active, so tracked tasks, subflows and fluent calls in it nest
under that run. The run is closed by Prefect's state hooks, not by the body: a flow can return
and still end Failed (a failed task's state returned), and a crash or a cancellation never
returns at all. Completed → FINISHED, Failed → FAILED, Crashed/Cancelled → KILLED, and any run of
the flow still open at that point is ended too. Each finished flow run also gets Prefect
artifacts: a table of its steps' metrics and a note naming its flowtrack run.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, overload

from prefect import Flow, Task
from prefect.context import FlowRunContext
from prefect.utilities.hashing import file_hash

from flowtrack.entities import Run, RunStatus
from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.tasks import _prefect_compat, artifacts
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
    DEPLOYMENT_TAG,
    DURATION_METRIC,
    ERROR_TAG,
    FLOW_NAME_TAG,
    FLOW_RUN_ID_TAG,
    STATE_TAG,
    UI_URL_TAG,
    deployment_name,
    run_id_for,
    source_tags,
    ui_url,
)
from flowtrack.tasks.options import TrackingOptions, tracking_guard
from flowtrack.tasks.params import metrics_from_result, summarize_parameters
from flowtrack.tasks.recorder import (
    RunPlan,
    close_run,
    experiment_of,
    kill_open_runs,
    log_metrics,
    open_run,
)
from flowtrack.tracking.fluent.config import current_client

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun, State

    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["TrackedFlow", "tracked_flow"]

P = ParamSpec("P")
R = TypeVar("R")


def _caller_run(client: FlowtrackClient, flow_run: FlowRun) -> Run | None:
    """The run a flow run nests under: the innermost active run (a subflow called from a flow or
    task body), else the run of the flow that launched it as a subflow."""
    frame = innermost_frame()
    if frame is not None:
        return frame.run
    if flow_run.parent_task_run_id is None:
        return None
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as prefect_client:
        parent_flow_run_id = prefect_client.read_task_run(flow_run.parent_task_run_id).flow_run_id
    if parent_flow_run_id is None:
        return None
    try:
        return client.get_run(run_id_for(parent_flow_run_id))
    except NotFoundError:
        return None


def _open_flow_run(
    client: FlowtrackClient,
    flow: Flow[Any, Any],
    flow_run: FlowRun,
    options: TrackingOptions,
    parameters: dict[str, Any],
) -> Run:
    parent = _caller_run(client, flow_run)
    experiment_id = experiment_of(client, options.experiment, parent, flow.name)
    tags = source_tags(flow.fn)
    tags[FLOW_NAME_TAG] = flow.name
    tags[FLOW_RUN_ID_TAG] = str(flow_run.id)
    url = ui_url("flow-run", flow_run.id)
    if url is not None:
        tags[UI_URL_TAG] = url
    deployment = deployment_name(flow_run.deployment_id)
    if deployment is not None:
        tags[DEPLOYMENT_TAG] = deployment
    plan = RunPlan(
        run_id=run_id_for(flow_run.id),
        name=flow_run.name,
        experiment_id=experiment_id,
        parent_run_id=parent.info.run_id if parent is not None else None,
        tags=tags,
        params=summarize_parameters(parameters, options.log_params),
    )
    return open_run(client, plan)


class _FlowBody:
    """The flow's run around one execution of its body."""

    __slots__ = ("client", "flow_name", "options", "run", "strict")

    def __init__(
        self,
        client: FlowtrackClient,
        run: Run,
        flow_name: str,
        options: TrackingOptions,
        strict: bool,
    ) -> None:
        self.client = client
        self.run = run
        self.flow_name = flow_name
        self.options = options
        self.strict = strict

    @classmethod
    def begin(
        cls, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> _FlowBody | None:
        context = FlowRunContext.get()
        if context is None or context.flow is None or context.flow_run is None:
            return None
        flow, flow_run = context.flow, context.flow_run
        options = getattr(flow, "flowtrack_options", None) or TrackingOptions()
        strict = options.strict
        with tracking_guard(f"open the run of flow {flow.name!r}", strict):
            client = current_client()
            parameters = bound_parameters(fn, args, kwargs)
            run = _open_flow_run(client, flow, flow_run, options, parameters)
            return cls(client, run, flow.name, options, strict)
        return None

    @contextmanager
    def running(self) -> Iterator[None]:
        """Run the flow's body with its run active; record an error it raises, re-raise it."""
        with activated(self.client, self.run):
            try:
                yield
            except BaseException as exc:
                self.raised(exc)
                raise

    def returned(self, result: Any) -> None:
        """Log the numbers of the body's result as the run's metrics (the hooks close it)."""
        metrics = metrics_from_result(result) if self.options.log_result else {}
        if not metrics:
            return
        with tracking_guard(f"log the result of flow {self.flow_name!r}", self.strict):
            log_metrics(self.client, self.run.info.run_id, metrics)

    def raised(self, error: BaseException) -> None:
        """Record a failed attempt of the body; Prefect's state hooks end the run."""
        context = FlowRunContext.get()
        attempt = max(context.flow_run.run_count, 1) if context and context.flow_run else 1
        with tracking_guard(f"record the failure of flow {self.flow_name!r}", False):
            self.client.set_tag(
                self.run.info.run_id,
                ATTEMPT_ERROR_TAG.format(attempt=attempt),
                error_text(error),
            )


# ---------------------------------------------------------------------------------- state hooks


def _finish(flow: Flow[Any, Any], flow_run: FlowRun, state: State[Any], status: RunStatus) -> None:
    options: TrackingOptions | None = getattr(flow, "flowtrack_options", None)
    if options is None:
        return
    with tracking_guard(f"close the run of flow {flow.name!r}", options.strict):
        client = current_client()
        try:
            run = client.get_run(run_id_for(flow_run.id))
        except NotFoundError:  # the body never ran (e.g. invalid parameters)
            run = _open_flow_run(client, flow, flow_run, options, dict(flow_run.parameters))
        tags = {STATE_TAG: state_name(state)}
        if status is not RunStatus.FINISHED:
            tags[ERROR_TAG] = error_text(state.message or state_name(state))
        metrics = {
            ATTEMPTS_METRIC: float(max(flow_run.run_count, 1)),
            DURATION_METRIC: duration_s(run),
        }
        close_run(client, run.info.run_id, status, metrics, tags)
        # Whatever of this flow run is still open did not finish (a crash, a cancellation, a
        # task whose hooks never ran).
        kill_open_runs(client, run.info.experiment_id, str(flow_run.id), RunStatus.KILLED)
        artifacts.create_flow_artifacts(client, client.get_run(run.info.run_id), flow.name)


def flowtrack_flow_completed(flow: Flow[Any, Any], flow_run: FlowRun, state: State[Any]) -> None:
    """Prefect hook: the flow run Completed; end its run FINISHED."""
    _finish(flow, flow_run, state, RunStatus.FINISHED)


def flowtrack_flow_failed(flow: Flow[Any, Any], flow_run: FlowRun, state: State[Any]) -> None:
    """Prefect hook: the flow run Failed; end its run FAILED."""
    _finish(flow, flow_run, state, RunStatus.FAILED)


def flowtrack_flow_crashed(flow: Flow[Any, Any], flow_run: FlowRun, state: State[Any]) -> None:
    """Prefect hook: the flow run Crashed; end its run and its open runs KILLED."""
    _finish(flow, flow_run, state, RunStatus.KILLED)


def flowtrack_flow_cancelled(flow: Flow[Any, Any], flow_run: FlowRun, state: State[Any]) -> None:
    """Prefect hook: the flow run is cancelled; end its run and its open runs KILLED."""
    _finish(flow, flow_run, state, RunStatus.KILLED)


_HOOKS: dict[str, Callable[..., None]] = {
    "on_completion": flowtrack_flow_completed,
    "on_failure": flowtrack_flow_failed,
    "on_crashed": flowtrack_flow_crashed,
    "on_cancellation": flowtrack_flow_cancelled,
}


class TrackedFlow(Flow[P, R]):
    """A Prefect :class:`~prefect.Flow` whose runs are flowtrack runs; see :func:`tracked_flow`.

    Attributes:
        flowtrack_options: What the flow's runs record.
    """

    flowtrack_options: TrackingOptions

    def __init__(
        self,
        fn: Callable[P, R],
        *,
        experiment: str | None = None,
        log_params: bool | Iterable[str] = True,
        log_result: bool = True,
        strict: bool | None = None,
        **flow_kwargs: Any,
    ) -> None:
        if isinstance(fn, Task | Flow):
            raise InvalidParameterError(
                f"@tracked_flow got the Prefect {type(fn).__name__.lower()} {fn.name!r}: "
                "decorate the plain function with @tracked_flow instead of @flow"
            )
        if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
            raise InvalidParameterError(
                f"@tracked_flow cannot track the generator function {fn.__qualname__!r}: a "
                "tracked flow must return its result (use a plain @flow for generators)"
            )
        hooks_as_lists(flow_kwargs, _HOOKS)
        for kind, hook in _HOOKS.items():
            flow_kwargs[kind] = with_hook(hook, flow_kwargs.get(kind))
        if flow_kwargs.get("version") is None:
            try:  # Prefect's default version: a hash of the file defining the flow
                source_file = inspect.getsourcefile(fn)
                flow_kwargs["version"] = file_hash(source_file) if source_file else None
            except (OSError, TypeError):
                pass
        super().__init__(fn=wrap(fn, _FlowBody), **flow_kwargs)
        _prefect_compat.set_flow_entrypoint(self, fn)
        self.flowtrack_options = TrackingOptions.from_arguments(
            experiment, log_params, log_result, strict
        )

    def with_options(self, **options: Any) -> TrackedFlow[P, R]:
        """Prefect's ``with_options``, keeping the flow tracked and its tracking hooks."""
        hooks_as_lists(options, _HOOKS)
        for kind, hook in _HOOKS.items():
            if options.get(kind) is not None:
                options[kind] = with_hook(hook, options[kind])
        copy = super().with_options(**options)
        tracked = _prefect_compat.as_subclass(copy, type(self))  # Prefect builds a plain Flow
        tracked.flowtrack_options = self.flowtrack_options
        return tracked


@overload
def tracked_flow(
    __fn: Callable[P, R],
    *,
    experiment: str | None = None,
    log_params: bool | Iterable[str] = True,
    log_result: bool = True,
    strict: bool | None = None,
    **flow_kwargs: Any,
) -> TrackedFlow[P, R]: ...


@overload
def tracked_flow(
    __fn: None = None,
    *,
    experiment: str | None = None,
    log_params: bool | Iterable[str] = True,
    log_result: bool = True,
    strict: bool | None = None,
    **flow_kwargs: Any,
) -> Callable[[Callable[P, R]], TrackedFlow[P, R]]: ...


def tracked_flow(
    __fn: Callable[P, R] | None = None,
    *,
    experiment: str | None = None,
    log_params: bool | Iterable[str] = True,
    log_result: bool = True,
    strict: bool | None = None,
    **flow_kwargs: Any,
) -> TrackedFlow[P, R] | Callable[[Callable[P, R]], TrackedFlow[P, R]]:
    """Make a function a Prefect flow whose every run is a flowtrack run.

    Use it bare (``@tracked_flow``) or with arguments; every keyword Prefect's ``@flow`` takes
    (``name``, ``retries``, ``task_runner``, hooks...) passes through, and Prefect sees the
    function's own signature (parameter schemas, deployments).

    Each flow run opens a run in the experiment named after the flow (a subflow: nested under
    its caller, in the caller's experiment) that records the bound parameters as params, the
    numeric entries of a returned mapping as metrics, ``prefect.attempts`` and
    ``prefect.duration_s``, the final status from Prefect's state, and tags naming the Prefect
    flow run, the flow, the deployment and the Prefect UI page. Its tracked tasks' runs nest
    under it, and it gets Prefect artifacts summarizing its steps.

    Args:
        experiment: The experiment name; default the flow's name.
        log_params: ``False`` to log no parameters, or the names of those to log.
        log_result: Log the numeric entries of a returned mapping as metrics.
        strict: Fail the flow when tracking fails; default ``Settings.strict_tracking``.
        **flow_kwargs: Passed to :class:`prefect.Flow`.

    Returns:
        A :class:`TrackedFlow`, or a decorator making one.

    Raises:
        InvalidParameterError: A generator function.

    Example:
        >>> @tracked_flow(name="train", retries=1)
        ... def pipeline(alpha: float = 0.5) -> dict[str, float]:
        ...     return train(alpha)
    """
    options: dict[str, Any] = {
        "experiment": experiment,
        "log_params": log_params,
        "log_result": log_result,
        "strict": strict,
        **flow_kwargs,
    }
    if __fn is not None:
        return TrackedFlow(__fn, **options)

    def decorate(fn: Callable[P, R]) -> TrackedFlow[P, R]:
        return TrackedFlow(fn, **options)

    return decorate
