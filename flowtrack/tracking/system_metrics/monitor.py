"""The system metrics thread: samples the monitors, logs their means with ``log_batch``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from flowtrack._private.clock import now_ms
from flowtrack.entities import Metric
from flowtrack.exceptions import InvalidStateError, NotFoundError
from flowtrack.tracking.system_metrics.base import MetricsMonitor

if TYPE_CHECKING:
    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["METRICS_PREFIX", "SystemMetricsMonitor", "default_monitors"]

_logger = logging.getLogger(__name__)

#: MLflow's prefix of every system metric (``system/cpu_utilization_percentage``).
METRICS_PREFIX = "system/"


def default_monitors() -> list[MetricsMonitor]:
    """Return the monitors of this machine: CPU and memory, disk, network, and NVIDIA GPUs.

    Returns:
        The monitors; the GPU monitor only when NVML is importable and sees a GPU.
    """
    from flowtrack.tracking.system_metrics.cpu import CPUMonitor
    from flowtrack.tracking.system_metrics.disk import DiskMonitor
    from flowtrack.tracking.system_metrics.gpu import GPUMonitor, open_nvml_reader
    from flowtrack.tracking.system_metrics.network import NetworkMonitor

    monitors: list[MetricsMonitor] = [CPUMonitor(), DiskMonitor(), NetworkMonitor()]
    reader = open_nvml_reader()
    if reader is not None:
        monitors.append(GPUMonitor(reader))
    return monitors


class SystemMetricsMonitor:
    """Logs a run's system metrics from a daemon thread until :meth:`finish`.

    Every ``sampling_interval`` seconds each monitor takes a sample; every
    ``samples_before_logging`` samples their means are logged as one step (0, 1, 2, ...) of
    ``system/<name>`` (``system/<node_id>/<name>`` with a node id) in one synchronous
    ``log_batch``, written by this thread straight to the store: the training loop's logging
    shares no queue or lock with it. :meth:`finish` logs the samples of the current window,
    and a run shorter than one interval gets one sample, taken when it ends.

    A monitor that fails is skipped for that sample and reported as a warning (once per
    monitor and message); a failed write is reported and retried at the next step. The
    thread stops by itself when the run no longer accepts metrics (deleted or gone).

    Args:
        client: The client of the run's store.
        run_id: The run.
        sampling_interval: Seconds between samples.
        samples_before_logging: Samples averaged into one logged point.
        resume_logging: Continue after the run's last logged step (a resumed run) instead of
            starting at step 0.
        node_id: The machine's name in multi-node training, inserted after ``system/``.
        monitors: The metric groups to sample; default :func:`default_monitors`, created in
            the thread so that starting a run never waits for NVML.

    Example:
        >>> monitor = SystemMetricsMonitor(client, run_id, sampling_interval=1.0)
        >>> monitor.start()
        >>> ...  # train
        >>> monitor.finish()
    """

    def __init__(
        self,
        client: FlowtrackClient,
        run_id: str,
        *,
        sampling_interval: float = 10.0,
        samples_before_logging: int = 1,
        resume_logging: bool = False,
        node_id: str | None = None,
        monitors: Sequence[MetricsMonitor] | None = None,
    ) -> None:
        self.sampling_interval = sampling_interval
        self.samples_before_logging = samples_before_logging
        self.node_id = node_id
        self._client = client
        self._run_id = run_id
        self._resume_logging = resume_logging
        self._monitors = None if monitors is None else list(monitors)
        self._prefix = METRICS_PREFIX + (f"{node_id}/" if node_id else "")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reported: set[tuple[str, str]] = set()

    @property
    def running(self) -> bool:
        """Whether the sampling thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the sampling thread (a daemon: it never keeps the interpreter alive)."""
        thread = threading.Thread(
            target=self._run, name=f"SystemMetricsMonitor-{self._run_id}", daemon=True
        )
        try:
            thread.start()
        except RuntimeError as exc:  # no thread can be started (interpreter shutting down)
            _logger.warning("Could not start system metrics monitoring: %s", exc)
            return
        self._thread = thread
        _logger.info("Started monitoring system metrics of run %s", self._run_id)

    def finish(self) -> None:
        """Stop the thread after its last write, and wait for it. Never raises."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()

    def _run(self) -> None:
        try:
            monitors = default_monitors() if self._monitors is None else self._monitors
            step = self._next_step() if self._resume_logging else 0
        except Exception as exc:  # psutil broken on this platform, ...: never break the run
            _logger.warning("Could not start system metrics monitoring: %s", exc)
            return
        pending, logged = 0, False
        while not self._stop.wait(self.sampling_interval):
            self._sample(monitors)
            pending += 1
            if pending >= self.samples_before_logging:
                if not self._publish(monitors, step):
                    return
                step, pending, logged = step + 1, 0, True
        # Stopped: log the partial window; a run shorter than one interval gets its one sample
        # now (a sample of the short tail after a logged step would be mostly noise).
        if not pending and not logged:
            self._sample(monitors)
            pending = 1
        if pending:
            self._publish(monitors, step)

    def _sample(self, monitors: Sequence[MetricsMonitor]) -> None:
        for monitor in monitors:
            try:
                monitor.collect_metrics()
            except Exception as exc:
                self._report(monitor, exc)

    def _report(self, monitor: MetricsMonitor, exc: Exception) -> None:
        key = (type(monitor).__name__, str(exc))
        level = logging.DEBUG if key in self._reported else logging.WARNING
        self._reported.add(key)
        _logger.log(level, "System metrics: %s failed to sample: %r", key[0], exc)

    def _publish(self, monitors: Sequence[MetricsMonitor], step: int) -> bool:
        """Log the window's means as ``step``; return whether to go on sampling."""
        values: dict[str, float] = {}
        for monitor in monitors:
            try:
                values.update(monitor.aggregate_metrics())
            except Exception as exc:
                self._report(monitor, exc)
            monitor.clear_metrics()
        if not values:
            return True
        timestamp = now_ms()
        metrics = [
            Metric(key=self._prefix + name, value=value, timestamp=timestamp, step=step)
            for name, value in values.items()
        ]
        try:
            self._client.log_batch(self._run_id, metrics=metrics, synchronous=True)
        except (NotFoundError, InvalidStateError) as exc:
            _logger.warning("Stopped logging system metrics of run %s: %s", self._run_id, exc)
            return False
        except Exception as exc:  # a busy database, a network error: try again next step
            _logger.warning("Could not log system metrics of run %s: %s", self._run_id, exc)
        return True

    def _next_step(self) -> int:
        """The step after the last one logged for this run (0 when none), for a resumed run."""
        key = f"{self._prefix}cpu_utilization_percentage"
        history = self._client.get_metric_history(self._run_id, key)
        return max((metric.step for metric in history), default=-1) + 1
