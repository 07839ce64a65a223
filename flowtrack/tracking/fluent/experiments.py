"""Fluent experiment functions: create, set (get or create), tag, search, delete."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from flowtrack._private.validation import validate_experiment_id
from flowtrack.entities import Experiment, LifecycleStage, ViewType
from flowtrack.exceptions import AlreadyExistsError, InvalidParameterError, NotFoundError
from flowtrack.stores.tracking.base import DEFAULT_EXPERIMENT_ID
from flowtrack.tracking._paging import collect_pages
from flowtrack.tracking.client import FlowtrackClient
from flowtrack.tracking.fluent import _state
from flowtrack.tracking.fluent.config import current_client

__all__ = [
    "create_experiment",
    "delete_experiment",
    "delete_experiment_tag",
    "get_experiment",
    "get_experiment_by_name",
    "get_or_create_experiment",
    "resolve_experiment_id",
    "restore_experiment",
    "search_experiments",
    "set_experiment",
    "set_experiment_tag",
    "set_experiment_tags",
]

_logger = logging.getLogger(__name__)
_EXPERIMENT_PAGE_SIZE = 1000


def get_or_create_experiment(client: FlowtrackClient, name: str) -> Experiment:
    """Return the experiment called ``name``, creating it when missing (race-safe)."""
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment
    _logger.info("Experiment with name %r does not exist. Creating a new experiment.", name)
    try:
        return client.get_experiment(client.create_experiment(name))
    except AlreadyExistsError:  # another process created it meanwhile
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return found


def resolve_experiment_id(client: FlowtrackClient) -> str:
    """Return the experiment new runs go to.

    Order: :func:`set_experiment` in this context, then ``FLOWTRACK_EXPERIMENT_ID`` /
    ``MLFLOW_EXPERIMENT_ID``, then ``FLOWTRACK_EXPERIMENT_NAME`` / ``MLFLOW_EXPERIMENT_NAME``
    (created when missing), then the ``Default`` experiment (``"0"``).
    """
    active = _state.ACTIVE_EXPERIMENT_ID.get()
    if active is not None:
        return active
    from flowtrack.settings import get_settings

    settings = get_settings()
    if settings.experiment_id:
        return validate_experiment_id(settings.experiment_id)
    if settings.experiment_name:
        return get_or_create_experiment(client, settings.experiment_name).experiment_id
    return DEFAULT_EXPERIMENT_ID


def create_experiment(
    name: str, artifact_location: str | None = None, tags: Mapping[str, Any] | None = None
) -> str:
    """Create an experiment (it does not become the active one).

    Args:
        name: A unique name.
        artifact_location: Where its runs' artifacts go; default ``<artifact root>/<id>``.
        tags: ``{name: value}`` experiment tags.

    Returns:
        The new experiment's id.

    Raises:
        AlreadyExistsError: An experiment (perhaps deleted) already has that name.

    Example:
        >>> experiment_id = flowtrack.create_experiment("My experiment")
    """
    return current_client().create_experiment(name, artifact_location, tags)


def set_experiment(
    experiment_name: str | None = None, experiment_id: str | None = None
) -> Experiment:
    """Make an experiment the active one for new runs in this context, creating it by name.

    Args:
        experiment_name: The experiment's name; it is created when missing.
        experiment_id: The experiment's id (instead of the name).

    Returns:
        The experiment.

    Raises:
        InvalidParameterError: Both or neither argument given, or the experiment is deleted.
        NotFoundError: No experiment has ``experiment_id``.

    Example:
        >>> flowtrack.set_experiment("My experiment").name
        'My experiment'
    """
    if (experiment_name is None) == (experiment_id is None):
        raise InvalidParameterError(
            "Must specify exactly one of: `experiment_id` or `experiment_name` "
            f"(got experiment_name={experiment_name!r}, experiment_id={experiment_id!r})"
        )
    client = current_client()
    if experiment_name is not None:
        experiment = get_or_create_experiment(client, experiment_name)
    else:
        try:
            experiment = client.get_experiment(str(experiment_id))
        except NotFoundError as exc:
            raise NotFoundError(f"Experiment with ID {experiment_id!r} does not exist.") from exc
    if experiment.lifecycle_stage != LifecycleStage.ACTIVE:
        raise InvalidParameterError(
            f"Cannot set a deleted experiment {experiment.name!r} as the active experiment. "
            "You can restore the experiment, or permanently delete the experiment to create "
            "a new one."
        )
    _state.ACTIVE_EXPERIMENT_ID.set(experiment.experiment_id)
    return experiment


def get_experiment(experiment_id: str) -> Experiment:
    """Return an experiment by id.

    Args:
        experiment_id: The experiment's id.

    Returns:
        The experiment (also a deleted one).

    Raises:
        NotFoundError: No experiment has that id.

    Example:
        >>> flowtrack.get_experiment("0").name
        'Default'
    """
    return current_client().get_experiment(experiment_id)


def get_experiment_by_name(name: str) -> Experiment | None:
    """Return the experiment with that name.

    Args:
        name: The experiment's name.

    Returns:
        The experiment, or ``None`` when no experiment has that name.

    Example:
        >>> flowtrack.get_experiment_by_name("Default").experiment_id
        '0'
    """
    return current_client().get_experiment_by_name(name)


def delete_experiment(experiment_id: str) -> None:
    """Soft-delete an experiment and its runs.

    Args:
        experiment_id: The experiment's id.

    Raises:
        NotFoundError: No such experiment.
        InvalidStateError: It is the default experiment.

    Example:
        >>> flowtrack.delete_experiment(experiment_id)
    """
    current_client().delete_experiment(experiment_id)


def restore_experiment(experiment_id: str) -> None:
    """Restore a soft-deleted experiment and its runs.

    Args:
        experiment_id: The experiment's id.

    Raises:
        NotFoundError: No such experiment (or it was permanently deleted).

    Example:
        >>> flowtrack.delete_experiment(experiment_id)
        >>> flowtrack.restore_experiment(experiment_id)
        >>> flowtrack.get_experiment(experiment_id).lifecycle_stage == "active"
        True
    """
    current_client().restore_experiment(experiment_id)


def set_experiment_tag(key: str, value: Any) -> None:
    """Tag the active experiment (with none set: the default one, as in MLflow).

    Args:
        key: The tag name.
        value: The value, converted with ``str``.

    Raises:
        InvalidParameterError: A bad name or value.

    Example:
        >>> flowtrack.set_experiment_tag("scikit-learn", "lr")
    """
    client = current_client()
    client.set_experiment_tag(resolve_experiment_id(client), key, value)


def set_experiment_tags(tags: Mapping[str, Any]) -> None:
    """Set several tags on the active experiment.

    Args:
        tags: ``{name: value}`` (values through ``str``).

    Raises:
        InvalidParameterError: A bad name or value.

    Example:
        >>> flowtrack.set_experiment_tags({"team": "risk", "priority": 1})
    """
    client = current_client()
    experiment_id = resolve_experiment_id(client)
    for key, value in tags.items():
        client.set_experiment_tag(experiment_id, key, value)


def delete_experiment_tag(key: str) -> None:
    """Delete a tag from the active experiment.

    Args:
        key: The tag name.

    Raises:
        NotFoundError: The experiment has no such tag.

    Example:
        >>> flowtrack.set_experiment_tag("release.version", "1.0")
        >>> flowtrack.delete_experiment_tag("release.version")
    """
    client = current_client()
    client.delete_experiment_tag(resolve_experiment_id(client), key)


def search_experiments(
    view_type: ViewType | int = ViewType.ACTIVE_ONLY,
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
) -> list[Experiment]:
    """Search experiments, fetching every page up to ``max_results``.

    Args:
        view_type: Active, deleted or all experiments.
        max_results: The most experiments to return; default all.
        filter_string: e.g. ``"name LIKE 'fraud%'"``.
        order_by: e.g. ``["name ASC"]``; default newest first.

    Returns:
        The matching experiments.

    Raises:
        InvalidParameterError: A bad filter, order-by or view type.

    Example:
        >>> [e.name for e in flowtrack.search_experiments(filter_string="name = 'Default'")]
        ['Default']
    """
    client = current_client()
    return collect_pages(
        lambda size, token: client.search_experiments(
            view_type, size, filter_string, order_by, token
        ),
        max_results,
        _EXPERIMENT_PAGE_SIZE,
    )
