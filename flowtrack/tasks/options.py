"""The tracking options of a tracked flow or task, and how tracking errors are handled.

Tracking must never break a pipeline by default: a store that is down or a value it refuses is
logged as a warning (in the Prefect run's logs when there is one) and the flow goes on. With
``strict=True`` (or ``FLOWTRACK_STRICT_TRACKING=true``) the error fails the task or flow run
instead.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["TrackingOptions", "tracking_guard", "warn"]

_logger = logging.getLogger("flowtrack.tasks")
_STRICT_ENV_VAR = "FLOWTRACK_STRICT_TRACKING"


@dataclass(frozen=True, slots=True)
class TrackingOptions:
    """What a tracked flow or task records.

    Attributes:
        experiment: The experiment name; ``None``: a flow's name for a top-level flow run, the
            parent's experiment for a nested run.
        log_params: ``True`` to log every bound parameter, ``False`` for none, or a tuple of
            parameter names.
        log_result: Log the numeric entries of a returned mapping as metrics.
        strict: Fail the run on tracking errors; ``None`` reads ``Settings.strict_tracking``.
    """

    experiment: str | None = None
    log_params: bool | tuple[str, ...] = True
    log_result: bool = True
    strict: bool | None = None

    def is_strict(self) -> bool:
        """Whether tracking errors fail the run (the option, else the setting)."""
        if self.strict is not None:
            return self.strict
        return _strict_setting(os.environ.get(_STRICT_ENV_VAR))


@functools.lru_cache(maxsize=4)
def _strict_setting(env_value: str | None) -> bool:
    # Reading Settings validates the whole environment (~1.5 ms): once per value of the variable.
    from flowtrack.settings import get_settings

    del env_value  # only the cache key
    return get_settings().strict_tracking


def warn(message: str, *args: object, exc_info: bool = False) -> None:
    """Log a warning to the current Prefect run's logger, or flowtrack's outside a run."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger] = get_run_logger()
    except MissingContextError:
        logger = _logger
    logger.warning(message, *args, exc_info=exc_info)


@contextmanager
def tracking_guard(action: str, strict: bool) -> Iterator[None]:
    """Run tracking code; on an error warn and go on, or re-raise it when ``strict``.

    Args:
        action: What was being done, for the warning (e.g. ``"open the run of task 'train'"``).
        strict: Re-raise instead of warning.
    """
    try:
        yield
    except Exception as exc:
        if strict:
            raise
        warn("flowtrack could not %s: %s: %s", action, type(exc).__name__, exc)
