"""System metrics of a run: a daemon thread samples the machine and logs ``system/*`` metrics.

One module per concept: :mod:`.monitor` (the thread), :mod:`.base` (the interface of a metric
group), :mod:`.cpu` (CPU and memory), :mod:`.disk`, :mod:`.network` and :mod:`.gpu` (NVIDIA,
through a small device-reader interface). Metric names, units and defaults are MLflow's. The
CPU, disk and network modules import psutil (``pip install 'flowtrack[system-metrics]'``);
this package and :mod:`.monitor` import them only when the thread starts.
"""

from flowtrack.tracking.system_metrics.base import MetricsMonitor
from flowtrack.tracking.system_metrics.monitor import (
    METRICS_PREFIX,
    SystemMetricsMonitor,
    default_monitors,
)

__all__ = ["METRICS_PREFIX", "MetricsMonitor", "SystemMetricsMonitor", "default_monitors"]
