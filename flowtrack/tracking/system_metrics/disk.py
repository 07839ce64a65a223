"""Usage of the disk holding the root directory, through psutil."""

from __future__ import annotations

import os

import psutil

from flowtrack.tracking.system_metrics.base import MetricsMonitor

__all__ = ["DiskMonitor"]

_MEGABYTE = 1e6


class DiskMonitor(MetricsMonitor):
    """``disk_usage_percentage``, ``disk_usage_megabytes`` and ``disk_available_megabytes`` of
    the file system mounted at the root (``/``, or the current drive on Windows), as in MLflow.

    Args:
        path: The file system to measure; default the root.
    """

    def __init__(self, path: str = os.sep) -> None:
        super().__init__()
        self._path = path

    def collect_metrics(self) -> None:
        """Sample the file system's usage."""
        usage = psutil.disk_usage(self._path)
        self.add_sample("disk_usage_percentage", usage.percent)
        self.add_sample("disk_usage_megabytes", usage.used / _MEGABYTE)
        self.add_sample("disk_available_megabytes", usage.free / _MEGABYTE)
