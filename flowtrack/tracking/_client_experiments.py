"""The client's experiment methods: create, read, search, rename, delete, restore, tag."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flowtrack._private.validation import validate_experiment_id
from flowtrack.entities import Experiment, PagedList, ViewType
from flowtrack.tracking._convert import experiment_tags, to_view_type

if TYPE_CHECKING:
    from flowtrack.stores.tracking.base import TrackingStore

__all__ = ["ClientExperiments"]


class ClientExperiments:
    """Experiment methods of :class:`~flowtrack.tracking.client.FlowtrackClient`."""

    _store: TrackingStore

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> str:
        """Create an experiment.

        Args:
            name: A unique name.
            artifact_location: Where its runs' artifacts go; default ``<artifact root>/<id>``.
            tags: ``{name: value}`` experiment tags (values through ``str``).

        Returns:
            The new experiment's id.

        Raises:
            AlreadyExistsError: An experiment (perhaps deleted) already has that name.
            InvalidParameterError: The name is empty or too long, or a tag is invalid.

        Example:
            >>> client.create_experiment("fraud", tags={"team": "risk"})
            '1'
        """
        return self._store.create_experiment(name, artifact_location, experiment_tags(tags))

    def get_experiment(self, experiment_id: str) -> Experiment:
        """Return an experiment by id (also a deleted one).

        Args:
            experiment_id: The experiment's id (a string of digits; an int is accepted).

        Returns:
            The experiment.

        Raises:
            NotFoundError: No experiment has that id.
            InvalidParameterError: The id is not a string of digits.

        Example:
            >>> client.get_experiment("0").name
            'Default'
        """
        return self._store.get_experiment(validate_experiment_id(experiment_id))

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """Return the experiment with that name (also a deleted one).

        Args:
            name: The experiment's name.

        Returns:
            The experiment, or ``None`` when no experiment has that name.

        Example:
            >>> client.get_experiment_by_name("Default").experiment_id
            '0'
        """
        return self._store.get_experiment_by_name(name)

    def search_experiments(
        self,
        view_type: ViewType | int = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        """Search experiments, one page at a time.

        Args:
            view_type: Active, deleted or all experiments.
            max_results: The page size (at most 50,000).
            filter_string: e.g. ``"name LIKE 'fraud%' AND tags.team = 'risk'"``.
            order_by: e.g. ``["name ASC"]``; default newest first.
            page_token: The ``token`` of the previous page.

        Returns:
            A page of experiments whose ``token`` fetches the next page (``None`` at the end).

        Raises:
            InvalidParameterError: A bad filter, order-by, view type or page token.

        Example:
            >>> [e.name for e in client.search_experiments(filter_string="name = 'Default'")]
            ['Default']
        """
        return self._store.search_experiments(
            to_view_type(view_type), max_results, filter_string, order_by, page_token
        )

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename an active experiment.

        Args:
            experiment_id: The experiment's id.
            new_name: A name no other experiment has.

        Raises:
            AlreadyExistsError: The name is taken.
            InvalidStateError: The experiment is deleted.

        Example:
            >>> client.rename_experiment(experiment_id, "fraud-v2")
        """
        self._store.rename_experiment(validate_experiment_id(experiment_id), new_name)

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete an experiment and its runs (restorable with :meth:`restore_experiment`).

        Args:
            experiment_id: The experiment's id.

        Raises:
            NotFoundError: No such experiment.
            InvalidStateError: It is the default experiment.

        Example:
            >>> client.delete_experiment(experiment_id)
        """
        self._store.delete_experiment(validate_experiment_id(experiment_id))

    def restore_experiment(self, experiment_id: str) -> None:
        """Restore a soft-deleted experiment and its runs.

        Args:
            experiment_id: The experiment's id.

        Raises:
            NotFoundError: No such experiment.

        Example:
            >>> client.restore_experiment(experiment_id)
        """
        self._store.restore_experiment(validate_experiment_id(experiment_id))

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        """Set (or overwrite) an experiment tag.

        Args:
            experiment_id: The experiment's id.
            key: The tag name.
            value: The value, converted with ``str`` (at most 8000 characters).

        Raises:
            InvalidParameterError: A bad name or value.
            NotFoundError: No such experiment.

        Example:
            >>> client.set_experiment_tag("0", "scikit-learn", "lr")
        """
        (tag,) = experiment_tags({key: value})
        self._store.set_experiment_tag(validate_experiment_id(experiment_id), tag)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Delete an experiment tag.

        Args:
            experiment_id: The experiment's id.
            key: The tag name.

        Raises:
            NotFoundError: The experiment, or its tag, does not exist.

        Example:
            >>> client.delete_experiment_tag("0", "scikit-learn")
        """
        self._store.delete_experiment_tag(validate_experiment_id(experiment_id), key)
