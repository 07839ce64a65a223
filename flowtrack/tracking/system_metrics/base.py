"""The interface of one group of system metrics: collect samples, then average them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict

__all__ = ["MetricsMonitor"]


class MetricsMonitor(ABC):
    """One group of system metrics (CPU, disk, ...), sampled by the system metrics thread.

    The thread calls :meth:`collect_metrics` every sampling interval, then
    :meth:`aggregate_metrics` and :meth:`clear_metrics` once per logging interval. Names are
    bare (``cpu_utilization_percentage``); the thread adds the ``system/`` prefix. A subclass
    implements :meth:`collect_metrics` with :meth:`add_sample`; the default aggregate is the
    mean of each metric's samples, rounded to one decimal, as MLflow logs it.

    Example:
        >>> class Load(MetricsMonitor):
        ...     def collect_metrics(self) -> None:
        ...         self.add_sample("load_average", os.getloadavg()[0])
    """

    def __init__(self) -> None:
        self._samples: defaultdict[str, list[float]] = defaultdict(list)

    @abstractmethod
    def collect_metrics(self) -> None:
        """Take one sample of every metric of the group (may raise; the thread reports it)."""

    def add_sample(self, name: str, value: float) -> None:
        """Record one sample of a metric.

        Args:
            name: The metric's bare name, e.g. ``"disk_usage_percentage"``.
            value: The sampled value.
        """
        self._samples[name].append(float(value))

    def aggregate_metrics(self) -> dict[str, float]:
        """Return each metric's mean over the samples since the last :meth:`clear_metrics`.

        Returns:
            ``{bare name: mean rounded to one decimal}``; metrics without samples are absent.
        """
        return {name: round(sum(v) / len(v), 1) for name, v in self._samples.items() if v}

    def clear_metrics(self) -> None:
        """Forget the samples once they have been logged."""
        self._samples.clear()
