"""Metrics, params and run tags: the key/value records logged to a run."""

from __future__ import annotations

from flowtrack.entities._base import Entity

__all__ = ["Metric", "Param", "RunTag"]


class Metric(Entity):
    """One point of a metric's history.

    Attributes:
        key: The metric name.
        value: The value; NaN and +/-inf are stored and read back exactly.
        timestamp: Milliseconds since the epoch.
        step: The training step (0 when not given).
    """

    key: str
    value: float
    timestamp: int
    step: int = 0


class Param(Entity):
    """A run parameter; its value is a string and is immutable once logged."""

    key: str
    value: str


class RunTag(Entity):
    """A key/value tag on a run; tags may be overwritten."""

    key: str
    value: str
