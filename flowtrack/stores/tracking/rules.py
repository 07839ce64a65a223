"""The tracking rules every backend applies, written once; backends keep only storage.

What a store may do does not depend on where it keeps its rows: the Default experiment is never
deleted or purged, deleted experiments and runs must be restored before they are written to, only
deleted things are purged, a run's name and its ``mlflow.runName`` tag agree. Each backend reads
the state it needs (inside its own lock or transaction), then calls these checks, which raise
the same error with the same message on every backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

from flowtrack._private.names import generate_run_name
from flowtrack.entities import LifecycleStage, RunStatus, ViewType
from flowtrack.entities.tags import MLFLOW_RUN_NAME
from flowtrack.exceptions import InvalidParameterError, InvalidStateError, NotFoundError
from flowtrack.stores.tracking.base import DEFAULT_EXPERIMENT_ID

__all__ = [
    "check_experiment_deletable",
    "check_experiment_purgeable",
    "check_older_than_ms",
    "check_run_purgeable",
    "check_run_restorable",
    "experiment_not_active",
    "experiment_not_found",
    "parse_enum",
    "parse_lifecycle_stage",
    "parse_run_status",
    "parse_view_type",
    "resolve_run_name",
    "run_not_active",
]

E = TypeVar("E", bound=Enum)


def parse_enum(kind: type[E], value: object, what: str) -> E:
    """Convert a member or its value (``"deleted"``, ``1``) to an enum member.

    Raises:
        InvalidParameterError: The value is no member; the message lists the members.
    """
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise InvalidParameterError(f"Invalid {what} {value!r}: use one of {allowed}") from None


def parse_lifecycle_stage(value: object) -> LifecycleStage:
    """``LifecycleStage(value)``, or :class:`InvalidParameterError` naming the stages."""
    return parse_enum(LifecycleStage, value, "lifecycle stage")


def parse_run_status(value: object) -> RunStatus:
    """``RunStatus(value)``, or :class:`InvalidParameterError` naming the statuses."""
    return parse_enum(RunStatus, value, "run status")


def parse_view_type(value: object) -> ViewType:
    """``ViewType(value)``, or :class:`InvalidParameterError` naming the view types."""
    return parse_enum(ViewType, value, "view type")


def experiment_not_found(experiment_id: object) -> NotFoundError:
    """The error for an unknown experiment id."""
    return NotFoundError(f"No experiment with id {experiment_id!r}")


def experiment_not_active(experiment_id: str, action: str) -> InvalidStateError:
    """The error for doing ``action`` (``"setting tags"``...) in a deleted experiment."""
    return InvalidStateError(f"Experiment {experiment_id!r} is deleted; restore it before {action}")


def run_not_active(run_id: str, action: str = "be written to") -> InvalidStateError:
    """The error for writing to a deleted run (only active runs can ``action``)."""
    return InvalidStateError(
        f"Run {run_id!r} is deleted; only active runs can {action} (restore it first)"
    )


def check_experiment_deletable(experiment_id: str, target: LifecycleStage | None) -> None:
    """Refuse to move the Default experiment to ``deleted``.

    Raises:
        InvalidStateError: ``experiment_id`` is the Default experiment and ``target`` deletes.
    """
    if target is LifecycleStage.DELETED and experiment_id == DEFAULT_EXPERIMENT_ID:
        raise InvalidStateError(
            f"The Default experiment {DEFAULT_EXPERIMENT_ID!r} cannot be deleted; every store "
            "keeps it (delete its runs instead)"
        )


def check_experiment_purgeable(experiment_id: str, stage: LifecycleStage) -> None:
    """Allow purging only deleted experiments, never the Default one.

    Raises:
        InvalidStateError: The Default experiment, or an experiment that is not deleted.
    """
    if experiment_id == DEFAULT_EXPERIMENT_ID:
        raise InvalidStateError(
            f"The Default experiment {DEFAULT_EXPERIMENT_ID!r} cannot be purged; every store "
            "keeps it"
        )
    if stage is not LifecycleStage.DELETED:
        raise InvalidStateError(
            f"Experiment {experiment_id!r} is {stage.value}; delete it before purging it"
        )


def check_run_restorable(run_id: str, experiment_id: str, experiment_stage: LifecycleStage) -> None:
    """Allow restoring a run only while its experiment is active.

    Raises:
        InvalidStateError: The run's experiment is deleted.
    """
    if experiment_stage is not LifecycleStage.ACTIVE:
        raise experiment_not_active(experiment_id, f"restoring run {run_id!r}")


def check_run_purgeable(run_id: str, stage: LifecycleStage) -> None:
    """Allow purging only deleted runs (a batch purges all of its runs or none).

    Raises:
        InvalidStateError: The run is not deleted.
    """
    if stage is not LifecycleStage.DELETED:
        raise InvalidStateError(
            f"Run {run_id!r} is {stage.value}; delete it before purging it (nothing was purged)"
        )


def resolve_run_name(run_name: str | None, tags: Mapping[str, str]) -> str:
    """The name of a new run: ``run_name``, else its ``mlflow.runName`` tag, else a new one.

    Raises:
        InvalidParameterError: Both are given and differ.
    """
    tagged_name = tags.get(MLFLOW_RUN_NAME)
    if run_name and tagged_name is not None and tagged_name != run_name:
        raise InvalidParameterError(
            f"run_name {run_name!r} and the {MLFLOW_RUN_NAME!r} tag {tagged_name!r} differ; "
            "pass one of them or make them equal"
        )
    return run_name or tagged_name or generate_run_name()


def check_older_than_ms(older_than_ms: object) -> None:
    """Check the age filter of ``list_deleted_runs``: ``None`` or milliseconds >= 0.

    Raises:
        InvalidParameterError: Anything else (booleans included).
    """
    if older_than_ms is not None and (
        isinstance(older_than_ms, bool) or not isinstance(older_than_ms, int) or older_than_ms < 0
    ):
        raise InvalidParameterError(
            f"Invalid older_than_ms {older_than_ms!r}: use a non-negative integer number of "
            "milliseconds, or None for every deleted run"
        )
