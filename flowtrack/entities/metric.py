"""Metrics, params and run tags: the key/value records logged to a run."""

from __future__ import annotations

from typing import Self

from pydantic import model_validator

from flowtrack.entities._base import Entity

__all__ = ["Metric", "Param", "RunTag"]


class Metric(Entity):
    """One point of a metric's history.

    Attributes:
        key: The metric name.
        value: The value; NaN and +/-inf are stored and read back exactly.
        timestamp: Milliseconds since the epoch.
        step: The training step (0 when not given).
        model_id: The logged model the point is about, or ``None`` (MLflow 3).
        dataset_name: The dataset the point was computed on, or ``None``; given together
            with ``dataset_digest``.
        dataset_digest: That dataset's digest, or ``None``.
        run_id: The run that logged the point, where the context does not say it (the
            metrics of a logged model), else ``None``.
    """

    key: str
    value: float
    timestamp: int
    step: int = 0
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None
    run_id: str | None = None

    @model_validator(mode="after")
    def _dataset_name_and_digest(self) -> Self:
        if (self.dataset_name is None) != (self.dataset_digest is None):
            # pydantic reports it as a ValidationError (a ValueError) naming both values.
            raise ValueError(
                f"Metric {self.key!r} has dataset_name {self.dataset_name!r} and dataset_digest "
                f"{self.dataset_digest!r}: give both or neither"
            )
        return self


class Param(Entity):
    """A run parameter; its value is a string and is immutable once logged."""

    key: str
    value: str


class RunTag(Entity):
    """A key/value tag on a run; tags may be overwritten."""

    key: str
    value: str
