"""Network traffic since the monitoring started, through psutil."""

from __future__ import annotations

import psutil

from flowtrack.tracking.system_metrics.base import MetricsMonitor

__all__ = ["NetworkMonitor"]

_MEGABYTE = 1e6


class NetworkMonitor(MetricsMonitor):
    """``network_receive_megabytes`` and ``network_transmit_megabytes``: megabytes received and
    sent by every interface since the monitor was created.

    These are running totals, so a logged point is the latest total, not a mean (as in MLflow).
    """

    def __init__(self) -> None:
        super().__init__()
        # psutil counts since boot: keep the origin so the run's metrics start at 0.
        # (None on a machine without network interfaces: then no network metric is logged.)
        counters = psutil.net_io_counters()
        self._received_at_start = counters.bytes_recv if counters is not None else 0
        self._sent_at_start = counters.bytes_sent if counters is not None else 0

    def collect_metrics(self) -> None:
        """Sample the totals received and sent since the start."""
        counters = psutil.net_io_counters()
        if counters is None:
            return
        self.add_sample(
            "network_receive_megabytes", (counters.bytes_recv - self._received_at_start) / _MEGABYTE
        )
        self.add_sample(
            "network_transmit_megabytes", (counters.bytes_sent - self._sent_at_start) / _MEGABYTE
        )

    def aggregate_metrics(self) -> dict[str, float]:
        """Return the latest totals (not rounded: a run's traffic may be well under 0.1 MB).

        Returns:
            ``{"network_receive_megabytes": ..., "network_transmit_megabytes": ...}``.
        """
        return {name: values[-1] for name, values in self._samples.items() if values}
