"""CPU utilisation and system memory, through psutil."""

from __future__ import annotations

import psutil

from flowtrack.tracking.system_metrics.base import MetricsMonitor

__all__ = ["CPUMonitor"]

_MEGABYTE = 1e6


class CPUMonitor(MetricsMonitor):
    """``cpu_utilization_percentage``, ``system_memory_usage_megabytes`` and
    ``system_memory_usage_percentage`` of the whole machine (MLflow's names and units)."""

    def __init__(self) -> None:
        super().__init__()
        # cpu_percent() measures since its previous call; the first call only sets the origin,
        # so prime it now and the first sample covers the first sampling interval.
        psutil.cpu_percent()

    def collect_metrics(self) -> None:
        """Sample CPU utilisation since the last sample, and memory in use now."""
        self.add_sample("cpu_utilization_percentage", psutil.cpu_percent())
        memory = psutil.virtual_memory()
        self.add_sample("system_memory_usage_megabytes", memory.used / _MEGABYTE)
        self.add_sample("system_memory_usage_percentage", memory.used / memory.total * 100)
