"""``ActiveRun``, the run returned by ``start_run``, and the frames of the active run stack."""

from __future__ import annotations

import atexit
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from flowtrack.entities import (
    DatasetInput,
    LoggedModelInput,
    LoggedModelOutput,
    Run,
    RunInfo,
    RunInputs,
    RunOutputs,
    RunStatus,
)
from flowtrack.exceptions import FlowtrackError
from flowtrack.tracking.fluent import _state

if TYPE_CHECKING:
    from flowtrack.tracking.client import FlowtrackClient
    from flowtrack.tracking.system_metrics import SystemMetricsMonitor

__all__ = ["ActiveRun", "RunFrame", "end_frames"]

_logger = logging.getLogger(__name__)


class ActiveRun(Run):
    """A run started by :func:`flowtrack.start_run`: a :class:`~flowtrack.entities.Run` that
    ends itself when used as a context manager.

    Leaving the ``with`` block ends the run FINISHED, FAILED when an exception escapes, or
    KILLED on ``KeyboardInterrupt``; runs nested inside it that are still active end with it.
    ``.info`` is refreshed when the run ends (status, end time); ``.data`` is the data as of the
    start (:func:`flowtrack.get_run` reads the current data); ``.inputs`` and ``.outputs``
    follow what the fluent API logs to it (the models ``log_model`` outputs, the models and
    datasets metrics name), as in MLflow.

    Example:
        >>> with flowtrack.start_run() as run:
        ...     flowtrack.log_param("alpha", 0.5)
        >>> flowtrack.get_run(run.info.run_id).info.status
        <RunStatus.FINISHED: 'FINISHED'>
    """

    def __enter__(self) -> ActiveRun:
        return self

    def _ended(self, info: RunInfo) -> None:
        # Entities are frozen for users; the fluent layer refreshes its own run's info once.
        object.__setattr__(self, "info", info)

    def _record_outputs(self, models: Sequence[LoggedModelOutput]) -> None:
        """Add model outputs just logged to the run (the store has them already)."""
        outputs = RunOutputs(model_outputs=[*self.outputs.model_outputs, *models])
        object.__setattr__(self, "outputs", outputs)

    def _record_inputs(
        self, models: Sequence[LoggedModelInput], datasets: Sequence[DatasetInput] = ()
    ) -> None:
        """Add model and dataset inputs just logged to the run (the store has them already)."""
        inputs = RunInputs(
            dataset_inputs=[*self.inputs.dataset_inputs, *datasets],
            model_inputs=[*self.inputs.model_inputs, *models],
        )
        object.__setattr__(self, "inputs", inputs)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            status = RunStatus.FINISHED
        elif issubclass(exc_type, KeyboardInterrupt):
            status = RunStatus.KILLED
        else:
            status = RunStatus.FAILED
        stack = _state.RUN_STACK.get()
        for index, frame in enumerate(stack):
            if frame.run is self:
                end_frames(stack, index, status)
                return
        # Not in this context's stack: already ended with end_run() inside the block.


@dataclass(frozen=True, slots=True, eq=False)
class RunFrame:
    """One entry of the active run stack: the run, the client it lives in, and its id.

    Logging functions read ``client`` and ``run_id`` straight from the frame, so the hot path
    needs neither a tracking-URI lookup nor a store read. ``system_metrics`` is the run's
    system metrics thread, if any; it is finished before the run ends.
    """

    run: ActiveRun
    client: FlowtrackClient
    run_id: str
    system_metrics: SystemMetricsMonitor | None = None

    def end_at_exit(self) -> None:
        """End the run FINISHED at interpreter exit, unless it has ended meanwhile."""
        if self.system_metrics is not None:
            self.system_metrics.finish()
        try:
            if self.client.get_run(self.run_id).info.status == RunStatus.RUNNING:
                self.client.set_terminated(self.run_id, RunStatus.FINISHED)
        except FlowtrackError as exc:  # exiting anyway: report, don't raise from atexit
            _logger.warning("Could not end run %s at exit: %s", self.run_id, exc)


def end_frames(stack: tuple[RunFrame, ...], index: int, status: RunStatus) -> None:
    """End ``stack[index]`` and every run above it (innermost first) with ``status``.

    The frames leave the context's stack before the store is called, so a failing store never
    leaves a run "active"; the first error is raised after every run has been tried.

    Args:
        stack: The context's active run stack.
        index: The position of the outermost run to end.
        status: A terminal status.
    """
    _state.RUN_STACK.set(stack[:index])
    _state.LAST_ACTIVE_RUN.set(stack[index])
    error: BaseException | None = None
    for frame in reversed(stack[index:]):
        atexit.unregister(frame.end_at_exit)
        if frame.system_metrics is not None:  # its last write precedes the end of the run
            frame.system_metrics.finish()
        try:
            frame.run._ended(frame.client.set_terminated(frame.run_id, status))
        except Exception as exc:  # end the other runs, then re-raise the first error
            error = error or exc
    if error is not None:
        raise error
