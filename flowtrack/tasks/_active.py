"""Make a tracked run the fluent API's active run for the duration of a flow or task body."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flowtrack.entities import Run
from flowtrack.tracking.client import FlowtrackClient
from flowtrack.tracking.fluent import _state
from flowtrack.tracking.fluent.active_run import ActiveRun, RunFrame

__all__ = ["activated", "innermost_frame"]


def innermost_frame() -> RunFrame | None:
    """The active run of this context (thread, asyncio task), if any."""
    stack = _state.RUN_STACK.get()
    return stack[-1] if stack else None


@contextmanager
def activated(client: FlowtrackClient, run: Run) -> Iterator[None]:
    """Push ``run`` on this context's active run stack; restore the stack afterwards.

    The run is not ended here: Prefect's state decides how a flow or task run ends. Code in the
    body logs into it with the fluent API (``flowtrack.log_metric``...), and runs started in the
    body nest under it.
    """
    frame = RunFrame(
        ActiveRun(info=run.info, data=run.data, inputs=run.inputs, outputs=run.outputs),
        client,
        run.info.run_id,
    )
    token = _state.RUN_STACK.set((*_state.RUN_STACK.get(), frame))
    try:
        yield
    finally:
        _state.RUN_STACK.reset(token)
