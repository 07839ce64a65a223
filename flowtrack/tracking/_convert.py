"""Converting MLflow-style arguments (strings, dicts, ints) to flowtrack's entities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flowtrack._private.validation import (
    validate_experiment_id,
    validate_key,
    validate_param_value,
    validate_tag_value,
)
from flowtrack.entities import ExperimentTag, Param, RunStatus, RunTag, ViewType
from flowtrack.exceptions import InvalidParameterError

__all__ = [
    "experiment_id_list",
    "experiment_tags",
    "param_list",
    "run_status",
    "run_tags",
    "to_view_type",
]

_TERMINAL = (RunStatus.FINISHED, RunStatus.FAILED, RunStatus.KILLED)


def run_status(value: RunStatus | str, *, terminal: bool = False) -> RunStatus:
    """Convert ``"FINISHED"`` (any case) or a :class:`RunStatus` to a :class:`RunStatus`.

    Raises:
        InvalidParameterError: Not a status name (or, with ``terminal``, not a terminal one).
    """
    allowed = _TERMINAL if terminal else tuple(RunStatus)
    text = value.upper() if isinstance(value, str) else value
    for status in allowed:
        if text == status.value:
            return status
    raise InvalidParameterError(
        f"Invalid run status {value!r}: expected one of {', '.join(s.value for s in allowed)}"
    )


def to_view_type(value: ViewType | int | str) -> ViewType:
    """Convert a :class:`ViewType`, its number (1-3) or its name (``"ACTIVE_ONLY"``).

    Raises:
        InvalidParameterError: Anything else.
    """
    if isinstance(value, ViewType):
        return value
    if isinstance(value, str) and value.upper() in ViewType.__members__:
        return ViewType[value.upper()]
    if isinstance(value, int) and not isinstance(value, bool) and value in {*ViewType}:
        return ViewType(value)
    raise InvalidParameterError(
        f"Invalid view type {value!r}: expected ViewType.ACTIVE_ONLY (1), DELETED_ONLY (2) "
        "or ALL (3)"
    )


def experiment_id_list(experiment_ids: str | int | Iterable[str | int]) -> list[str]:
    """Accept one experiment id or many (MLflow also takes a bare string)."""
    if isinstance(experiment_ids, str | int):
        experiment_ids = [experiment_ids]
    return [validate_experiment_id(experiment_id) for experiment_id in experiment_ids]


def run_tags(tags: Mapping[str, Any] | Sequence[RunTag] | None) -> list[RunTag]:
    """Convert ``{"key": value}`` (values through ``str``) or ``RunTag`` objects to tags.

    Raises:
        InvalidParameterError: A key is not a valid tag name, or a value is too long.
    """
    if tags is None:
        return []
    if isinstance(tags, Mapping):
        return [
            RunTag(key=validate_key("tag", key), value=validate_tag_value(key, value))
            for key, value in tags.items()
        ]
    return list(tags)


def experiment_tags(tags: Mapping[str, Any] | None) -> list[ExperimentTag]:
    """Convert ``{"key": value}`` to experiment tags (values through ``str``).

    Raises:
        InvalidParameterError: A key is not a valid tag name, or a value is too long.
    """
    return [
        ExperimentTag(key=validate_key("tag", key), value=validate_tag_value(key, value))
        for key, value in (tags or {}).items()
    ]


def param_list(params: Mapping[str, Any] | Sequence[Param]) -> list[Param]:
    """Convert ``{"key": value}`` (values through ``str``) or ``Param`` objects to params.

    Raises:
        InvalidParameterError: A key is not a valid param name, or a value is too long.
    """
    if isinstance(params, Mapping):
        return [
            Param(key=validate_key("param", key), value=validate_param_value(key, value))
            for key, value in params.items()
        ]
    return list(params)
