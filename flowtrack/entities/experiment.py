"""Experiments: named groups of runs, with an artifact location and tags."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from flowtrack.entities._base import Entity

__all__ = ["Experiment", "ExperimentTag", "LifecycleStage", "ViewType"]


class LifecycleStage(StrEnum):
    """Whether an experiment or run is live or soft-deleted (restorable until garbage-collected)."""

    ACTIVE = "active"
    DELETED = "deleted"


class ViewType(IntEnum):
    """Which lifecycle stages a search returns (MLflow's numbering)."""

    ACTIVE_ONLY = 1
    DELETED_ONLY = 2
    ALL = 3

    def stages(self) -> tuple[LifecycleStage, ...]:
        """Return the lifecycle stages this view includes."""
        if self is ViewType.ACTIVE_ONLY:
            return (LifecycleStage.ACTIVE,)
        if self is ViewType.DELETED_ONLY:
            return (LifecycleStage.DELETED,)
        return (LifecycleStage.ACTIVE, LifecycleStage.DELETED)


class ExperimentTag(Entity):
    """A key/value tag on an experiment."""

    key: str
    value: str


class Experiment(Entity):
    """An experiment.

    Attributes:
        experiment_id: The id, a string of digits (``"0"`` is the default experiment).
        name: The unique name.
        artifact_location: The URI under which each run stores ``<run_id>/artifacts``.
        lifecycle_stage: ``active`` or ``deleted``.
        tags: The experiment's tags.
        creation_time: Milliseconds since the epoch.
        last_update_time: Milliseconds since the epoch.
    """

    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE
    tags: dict[str, str] = {}
    creation_time: int | None = None
    last_update_time: int | None = None
