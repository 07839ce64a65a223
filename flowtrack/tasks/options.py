"""The tracking options of a tracked flow or task, and how tracking errors are handled.

Tracking must never break a pipeline by default: a store that is down or a value it refuses is
logged as a warning (in the Prefect run's logs when there is one) and the flow goes on. With
``strict=True`` (or ``FLOWTRACK_STRICT_TRACKING=true`` when the decorator is applied) the error
fails the task or flow run instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["TrackingOptions", "tracking_guard", "warn"]

_logger = logging.getLogger("flowtrack.tasks")


@dataclass(frozen=True, slots=True)
class TrackingOptions:
    """What a tracked flow or task records, resolved when the decorator is applied.

    Attributes:
        experiment: The experiment name; ``None``: a flow's name for a top-level flow run, the
            parent's experiment for a nested run.
        log_params: ``True`` to log every bound parameter, ``False`` for none, or a tuple of
            parameter names.
        log_result: Log the numeric entries of a returned mapping as metrics.
        strict: Fail the run on tracking errors instead of logging a warning.
    """

    experiment: str | None = None
    log_params: bool | tuple[str, ...] = True
    log_result: bool = True
    strict: bool = False

    @classmethod
    def from_arguments(
        cls,
        experiment: str | None,
        log_params: bool | Iterable[str],
        log_result: bool,
        strict: bool | None,
    ) -> TrackingOptions:
        """The options of a decorator call: its arguments, and the settings for what is unset.

        Settings are read here, at the edge (``@tracked_flow``/``@tracked_task``), and never
        while a flow or task runs.

        Args:
            experiment: See the attribute.
            log_params: ``True``, ``False``, or the names of the parameters to log.
            log_result: See the attribute.
            strict: ``None`` takes ``Settings.strict_tracking`` (``FLOWTRACK_STRICT_TRACKING``).
        """
        if strict is None:
            from flowtrack.settings import get_settings

            strict = get_settings().strict_tracking
        return cls(
            experiment=experiment,
            log_params=log_params if isinstance(log_params, bool) else tuple(log_params),
            log_result=log_result,
            strict=strict,
        )


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
