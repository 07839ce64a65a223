"""Per-context state of the fluent API, held in :class:`contextvars.ContextVar` objects.

MLflow keeps the active run stack, the last active run and the active experiment in module
globals, so two threads (or two asyncio tasks, or two Prefect tasks in one worker) share one
"active run" and trample each other. flowtrack keeps them in context variables instead: each thread
starts with an empty context and each asyncio task works on a copy of its parent's, so every one of
them sees its own active run. The values are immutable (tuples, frozen records), so a copy can
never be changed behind a context's back.

The tracking URI set by :func:`flowtrack.set_tracking_uri` lives here too; when none is set in the
context, :func:`current_tracking_uri` falls back to the settings (environment variables).
"""

from __future__ import annotations

import functools
import os
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowtrack.tracking.fluent.active_run import RunFrame

__all__ = [
    "ACTIVE_EXPERIMENT_ID",
    "LAST_ACTIVE_RUN",
    "RUN_STACK",
    "TRACKING_URI",
    "TRACKING_URI_ENV_VAR",
    "current_tracking_uri",
    "reset",
]

#: The environment variable :func:`flowtrack.set_tracking_uri` also sets (read by ``Settings``).
TRACKING_URI_ENV_VAR = "FLOWTRACK_TRACKING_URI"
# Every variable Settings.tracking_uri reads; their values key the cache of the default URI.
_TRACKING_URI_ENV_VARS = (TRACKING_URI_ENV_VAR, "MLFLOW_TRACKING_URI")

#: The tracking URI set in this context by ``set_tracking_uri``, or ``None``.
TRACKING_URI: ContextVar[str | None] = ContextVar("flowtrack_tracking_uri", default=None)
#: The active runs of this context, innermost last.
RUN_STACK: ContextVar[tuple[RunFrame, ...]] = ContextVar("flowtrack_run_stack", default=())
#: The run most recently ended in this context.
LAST_ACTIVE_RUN: ContextVar[RunFrame | None] = ContextVar("flowtrack_last_run", default=None)
#: The experiment set by ``set_experiment`` in this context, or ``None``.
ACTIVE_EXPERIMENT_ID: ContextVar[str | None] = ContextVar(
    "flowtrack_active_experiment_id", default=None
)


@functools.lru_cache(maxsize=8)
def _settings_tracking_uri(*env_values: str | None) -> str:
    # Building Settings reads and validates the whole environment (~1.5 ms); cache the answer
    # for each combination of the tracking-URI variables so lookups stay cheap.
    from flowtrack.settings import get_settings

    del env_values  # only the cache key
    return get_settings().tracking_uri


def current_tracking_uri() -> str:
    """Return the tracking URI for this context.

    Returns:
        The URI set by ``set_tracking_uri`` in this context, else ``Settings().tracking_uri``
        (``FLOWTRACK_TRACKING_URI``, then ``MLFLOW_TRACKING_URI``, default
        ``sqlite:///flowtrack.db``).
    """
    uri = TRACKING_URI.get()
    if uri is not None:
        return uri
    environ = os.environ
    return _settings_tracking_uri(*(environ.get(name) for name in _TRACKING_URI_ENV_VARS))


def reset() -> None:
    """Forget this context's tracking URI, active runs, last run and active experiment.

    Runs are not ended: use it for a clean slate (a new worker, a test), not to finish work.
    """
    TRACKING_URI.set(None)
    RUN_STACK.set(())
    LAST_ACTIVE_RUN.set(None)
    ACTIVE_EXPERIMENT_ID.set(None)
