"""Experiment bookkeeping of the memory store: ids, unique names, lookups and state checks.

The store's lock guards every method here; the table itself holds no lock.
"""

from __future__ import annotations

from collections.abc import Iterator

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import validate_experiment_id
from flowtrack.entities import LifecycleStage
from flowtrack.exceptions import AlreadyExistsError
from flowtrack.stores.tracking._memory_records import ExperimentRecord
from flowtrack.stores.tracking.base import DEFAULT_EXPERIMENT_ID
from flowtrack.stores.tracking.rules import experiment_not_active, experiment_not_found

__all__ = ["ExperimentTable"]


class ExperimentTable:
    """The experiments of one memory store, by id, with names unique across all stages.

    Args:
        artifact_root: Root of new experiments' artifact locations (``<root>/<id>``).
    """

    def __init__(self, artifact_root: str) -> None:
        self._root = artifact_root.rstrip("/")
        self._records: dict[str, ExperimentRecord] = {}
        self._next_id = int(DEFAULT_EXPERIMENT_ID)

    def __iter__(self) -> Iterator[ExperimentRecord]:
        """Every experiment, active or deleted, in creation order."""
        return iter(self._records.values())

    def add(self, name: str, artifact_location: str | None, tags: dict[str, str]) -> str:
        """Insert an experiment with the next id (``"0"`` first) and return the id.

        Raises:
            AlreadyExistsError: Another experiment has that name.
        """
        self.check_name_free(name)
        experiment_id = str(self._next_id)
        now = now_ms()
        self._records[experiment_id] = ExperimentRecord(
            experiment_id=experiment_id,
            name=name,
            artifact_location=artifact_location or f"{self._root}/{experiment_id}",
            creation_time=now,
            last_update_time=now,
            tags=tags,
        )
        self._next_id += 1
        return experiment_id

    def get(self, experiment_id: str) -> ExperimentRecord:
        """The experiment with that id, active or deleted.

        Raises:
            InvalidParameterError: The id is not a string of digits.
            NotFoundError: No experiment has that id.
        """
        experiment_id = validate_experiment_id(experiment_id)
        record = self._records.get(experiment_id)
        if record is None:
            raise experiment_not_found(experiment_id)
        return record

    def active(self, experiment_id: str, action: str) -> ExperimentRecord:
        """The experiment with that id, which must be active for ``action``.

        Raises:
            InvalidStateError: The experiment is deleted.
            NotFoundError: No experiment has that id.
        """
        record = self.get(experiment_id)
        if record.lifecycle_stage is not LifecycleStage.ACTIVE:
            raise experiment_not_active(record.experiment_id, action)
        return record

    def by_name(self, name: str) -> ExperimentRecord | None:
        """The experiment with that name, active or deleted, or ``None``."""
        return next((e for e in self._records.values() if e.name == name), None)

    def check_name_free(self, name: str, owner: ExperimentRecord | None = None) -> None:
        """Check that no experiment other than ``owner`` has the name.

        Raises:
            AlreadyExistsError: Another experiment has it; the message says if it is deleted.
        """
        existing = self.by_name(name)
        if existing is not None and existing is not owner:
            deleted = existing.lifecycle_stage is LifecycleStage.DELETED
            note = (
                " (it is deleted: restore it, rename it, or purge it to reuse the name)"
                if deleted
                else ""
            )
            raise AlreadyExistsError(
                f"Experiment name {name!r} is already used by experiment "
                f"'{existing.experiment_id}'{note}; names are unique"
            )

    def remove(self, experiment_id: str) -> None:
        """Forget an experiment (its runs are the caller's job)."""
        del self._records[experiment_id]
