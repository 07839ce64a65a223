"""MLflow's ``mlflow.system_metrics`` switches: turn system metrics on or off, and tune them.

System metrics (``system/cpu_utilization_percentage``, ``system/disk_usage_megabytes``, ...,
``system/gpu_0_utilization_percentage`` with NVIDIA GPUs) are logged by a background thread
for runs started with ``start_run(log_system_metrics=True)``, or for every run once enabled.
They need psutil: ``pip install 'flowtrack[system-metrics]'`` (GPUs: ``flowtrack[gpu]``).

These functions set flowtrack's environment variables (``FLOWTRACK_ENABLE_SYSTEM_METRICS_LOGGING``,
``FLOWTRACK_SYSTEM_METRICS_SAMPLING_INTERVAL``, ...), as MLflow sets its own: the configuration
is the process's, read by each later ``start_run`` in any thread, and inherited by
subprocesses; flowtrack keeps no module-level state for it. Passing ``None`` restores the
default (it also clears MLflow's variable of the same name).

Example:
    >>> flowtrack.enable_system_metrics_logging()
    >>> flowtrack.set_system_metrics_sampling_interval(1)
    >>> with flowtrack.start_run():
    ...     train()
"""

from __future__ import annotations

import math
import os
import re

from flowtrack.exceptions import InvalidParameterError
from flowtrack.settings import (
    SAMPLES_BEFORE_LOGGING_RANGE,
    SAMPLING_INTERVAL_RANGE,
    SYSTEM_METRICS_NODE_ID_PATTERN,
)

__all__ = [
    "disable_system_metrics_logging",
    "enable_system_metrics_logging",
    "set_system_metrics_node_id",
    "set_system_metrics_samples_before_logging",
    "set_system_metrics_sampling_interval",
]

_NODE_ID = re.compile(SYSTEM_METRICS_NODE_ID_PATTERN)


def _set(name: str, value: str | None) -> None:
    """Set ``FLOWTRACK_<name>``, or clear it and ``MLFLOW_<name>`` for ``None``."""
    if value is None:
        os.environ.pop(f"FLOWTRACK_{name}", None)
        os.environ.pop(f"MLFLOW_{name}", None)
    else:
        os.environ[f"FLOWTRACK_{name}"] = value


def enable_system_metrics_logging() -> None:
    """Log system metrics for every later run of this process.

    A run can still opt out with ``start_run(log_system_metrics=False)``.

    Example:
        >>> flowtrack.enable_system_metrics_logging()
    """
    _set("ENABLE_SYSTEM_METRICS_LOGGING", "true")


def disable_system_metrics_logging() -> None:
    """Stop logging system metrics for later runs of this process (the default).

    A run can still opt in with ``start_run(log_system_metrics=True)``; runs already
    monitored go on until they end.

    Example:
        >>> flowtrack.disable_system_metrics_logging()
    """
    _set("ENABLE_SYSTEM_METRICS_LOGGING", "false")


def set_system_metrics_sampling_interval(interval: float | None) -> None:
    """Set how often system metrics are sampled, for later runs.

    Args:
        interval: Seconds between samples, from 0.1 to 86400; ``None`` for the default, 10.

    Raises:
        InvalidParameterError: ``interval`` is not a number in that range.

    Example:
        >>> flowtrack.set_system_metrics_sampling_interval(1)
    """
    low, high = SAMPLING_INTERVAL_RANGE
    if interval is not None and (
        isinstance(interval, bool)
        or not isinstance(interval, int | float)
        or not math.isfinite(interval)
        or not low <= interval <= high
    ):
        raise InvalidParameterError(
            f"Invalid system metrics sampling interval {interval!r}: expected a number of "
            f"seconds from {low:g} to {high:g}, or None"
        )
    _set("SYSTEM_METRICS_SAMPLING_INTERVAL", None if interval is None else repr(float(interval)))


def set_system_metrics_samples_before_logging(samples: int | None) -> None:
    """Set how many samples are averaged into one logged point, for later runs.

    Args:
        samples: A count from 1 to 100000; ``None`` for the default, 1.

    Raises:
        InvalidParameterError: ``samples`` is not an integer in that range.

    Example:
        >>> flowtrack.set_system_metrics_samples_before_logging(5)
    """
    low, high = SAMPLES_BEFORE_LOGGING_RANGE
    if samples is not None and (
        isinstance(samples, bool) or not isinstance(samples, int) or not low <= samples <= high
    ):
        raise InvalidParameterError(
            f"Invalid system metrics samples before logging {samples!r}: expected an integer "
            f"from {low} to {high}, or None"
        )
    _set("SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING", None if samples is None else str(samples))


def set_system_metrics_node_id(node_id: str | None) -> None:
    """Name this machine in multi-node training: later runs log ``system/<node_id>/<metric>``.

    Args:
        node_id: 1 to 100 letters, digits, ``_``, ``-``, ``.`` or spaces; ``None`` for no
            node id (``system/<metric>``).

    Raises:
        InvalidParameterError: ``node_id`` is not such a string.

    Example:
        >>> flowtrack.set_system_metrics_node_id("node_0")
    """
    if node_id is not None and (not isinstance(node_id, str) or not _NODE_ID.fullmatch(node_id)):
        raise InvalidParameterError(
            f"Invalid system metrics node id {node_id!r}: expected 1 to 100 letters, digits, "
            "'_', '-', '.' or spaces, or None"
        )
    _set("SYSTEM_METRICS_NODE_ID", node_id)
