"""Per-context state of the fluent API, held in :class:`contextvars.ContextVar` objects.

MLflow keeps the active run stack, the last active run and the active experiment in module
globals, so two threads (or two asyncio tasks, or two Prefect tasks in one worker) share one
"active run" and trample each other. flowtrack keeps them in context variables instead: each thread
starts with an empty context and each asyncio task works on a copy of its parent's, so every one of
them sees its own active run. The values are immutable (tuples, frozen records), so a copy can
never be changed behind a context's back.

The tracking URI, which clients read too, lives a layer below in
:mod:`flowtrack.tracking._tracking_uri`.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from flowtrack.tracking import _tracking_uri

if TYPE_CHECKING:
    from flowtrack.tracking.fluent.active_run import RunFrame

__all__ = [
    "ACTIVE_EXPERIMENT_ID",
    "ACTIVE_MODEL_ID",
    "LAST_ACTIVE_RUN",
    "LAST_LOGGED_MODEL_ID",
    "RUN_STACK",
    "UNSET",
    "reset",
]

#: The value of :data:`ACTIVE_MODEL_ID` before this context read ``MLFLOW_ACTIVE_MODEL_ID``.
UNSET = "<unset>"

#: The active runs of this context, innermost last.
RUN_STACK: ContextVar[tuple[RunFrame, ...]] = ContextVar("flowtrack_run_stack", default=())
#: The run most recently ended in this context.
LAST_ACTIVE_RUN: ContextVar[RunFrame | None] = ContextVar("flowtrack_last_run", default=None)
#: The experiment set by ``set_experiment`` in this context, or ``None``.
ACTIVE_EXPERIMENT_ID: ContextVar[str | None] = ContextVar(
    "flowtrack_active_experiment_id", default=None
)

#: The active logged model's id (``set_active_model``); :data:`UNSET` until this context reads
#: ``FLOWTRACK_ACTIVE_MODEL_ID`` / ``MLFLOW_ACTIVE_MODEL_ID``, ``None`` for none.
ACTIVE_MODEL_ID: ContextVar[str | None] = ContextVar("flowtrack_active_model_id", default=UNSET)
#: The id of the logged model most recently created in this context (``last_logged_model``).
LAST_LOGGED_MODEL_ID: ContextVar[str | None] = ContextVar(
    "flowtrack_last_logged_model_id", default=None
)


def reset() -> None:
    """Forget this context's tracking URI, active runs, last run, active experiment and model.

    Runs are not ended: use it for a clean slate (a new worker, a test), not to finish work.
    """
    _tracking_uri.TRACKING_URI.set(None)
    RUN_STACK.set(())
    LAST_ACTIVE_RUN.set(None)
    ACTIVE_EXPERIMENT_ID.set(None)
    ACTIVE_MODEL_ID.set(UNSET)
    LAST_LOGGED_MODEL_ID.set(None)
