"""The tracking rules every backend applies, written once; backends keep only storage.

What a store may do does not depend on where it keeps its rows: the Default experiment is never
deleted or purged, deleted experiments and runs must be restored before they are written to, only
deleted things are purged, a run's name and its ``mlflow.runName`` tag agree. Each backend reads
the state it needs (inside its own lock or transaction), then calls these checks, which raise
the same error with the same message on every backend.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import TypeVar

from flowtrack._private.names import generate_run_name
from flowtrack._private.validation import (
    validate_key,
    validate_model_id,
    validate_param_value,
    validate_tag_value,
)
from flowtrack.entities import (
    LifecycleStage,
    LoggedModelOutput,
    LoggedModelParameter,
    LoggedModelStatus,
    LoggedModelTag,
    RunStatus,
    ViewType,
)
from flowtrack.entities.tags import MLFLOW_RUN_NAME
from flowtrack.exceptions import InvalidParameterError, InvalidStateError, NotFoundError
from flowtrack.stores.tracking.base import DEFAULT_EXPERIMENT_ID

__all__ = [
    "MAX_LOGGED_MODEL_NAME_LENGTH",
    "check_experiment_deletable",
    "check_experiment_purgeable",
    "check_finalize_status",
    "check_logged_model_name",
    "check_logged_model_params",
    "check_logged_model_tags",
    "check_model_outputs",
    "check_model_type",
    "check_older_than_ms",
    "check_run_purgeable",
    "check_run_restorable",
    "check_run_time",
    "experiment_not_active",
    "experiment_not_found",
    "logged_model_artifact_location",
    "logged_model_not_found",
    "new_logged_model_id",
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


_INT64_MAX = 2**63 - 1


def check_run_time(what: str, value: object) -> int | None:
    """Check a run's ``start_time`` or ``end_time``: ``None`` or int64 milliseconds >= 0.

    Raises:
        InvalidParameterError: Anything else (booleans, floats, negative or too large numbers).
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _INT64_MAX:
        raise InvalidParameterError(
            f"Invalid {what} {value!r}: run times are integer milliseconds since the epoch, "
            f"between 0 and {_INT64_MAX}"
        )
    return value


# ---------------------------------------------------------------------- logged models

_BAD_MODEL_NAME_CHARACTERS = ("/", ":", ".", "%", '"', "'")
#: Longest logged-model name and model type (the SQL columns' widths).
MAX_LOGGED_MODEL_NAME_LENGTH = 500


def new_logged_model_id() -> str:
    """A new logged-model id: ``m-`` and 32 random lowercase hex digits, as MLflow makes them."""
    return f"m-{uuid.uuid4().hex}"


def logged_model_not_found(model_id: str) -> NotFoundError:
    """The error for an unknown (or deleted) logged-model id."""
    return NotFoundError(f"Logged model with id {model_id!r} not found")


def check_logged_model_name(name: object) -> str:
    """The name of a new logged model: ``name`` checked, or a generated one when ``None``.

    Raises:
        InvalidParameterError: An empty name, one too long, or one containing a character
            MLflow refuses (``/ : . % " '``).
    """
    if name is None:
        return generate_run_name()
    if (
        not isinstance(name, str)
        or not name
        or len(name) > MAX_LOGGED_MODEL_NAME_LENGTH
        or any(c in name for c in _BAD_MODEL_NAME_CHARACTERS)
    ):
        allowed = " ".join(_BAD_MODEL_NAME_CHARACTERS)
        raise InvalidParameterError(
            f"Invalid logged model name {name!r}: use a non-empty string of at most "
            f"{MAX_LOGGED_MODEL_NAME_LENGTH} characters without any of {allowed}"
        )
    return name


def check_model_type(model_type: object) -> str | None:
    """Check an optional model type: ``None`` or a string of at most 500 characters.

    Raises:
        InvalidParameterError: Anything else.
    """
    if model_type is not None and (
        not isinstance(model_type, str) or len(model_type) > MAX_LOGGED_MODEL_NAME_LENGTH
    ):
        raise InvalidParameterError(
            f"Invalid model_type {model_type!r}: use None or a string of at most "
            f"{MAX_LOGGED_MODEL_NAME_LENGTH} characters"
        )
    return model_type


def check_logged_model_tags(tags: Iterable[LoggedModelTag]) -> dict[str, str]:
    """Validated tag keys and values; the last value of a repeated key wins.

    Raises:
        InvalidParameterError: A bad key or a value too long.
    """
    return {validate_key("tag", t.key): validate_tag_value(t.key, t.value) for t in tags}


def check_logged_model_params(params: Iterable[LoggedModelParameter]) -> dict[str, str]:
    """Validated param keys and values; the last value of a repeated key wins.

    Raises:
        InvalidParameterError: A bad key or a value too long.
    """
    return {validate_key("param", p.key): validate_param_value(p.key, p.value) for p in params}


def check_finalize_status(status: object) -> LoggedModelStatus:
    """The status a logged model may be finalized with: ``READY`` or ``FAILED``.

    Raises:
        InvalidParameterError: Any other status (named in the message).
    """
    parsed = parse_enum(LoggedModelStatus, status, "logged model status")
    if not LoggedModelStatus.is_finalized(parsed):
        raise InvalidParameterError(
            f"Cannot finalize a logged model with status {parsed.value!r}: use "
            f"{LoggedModelStatus.READY.value!r} or {LoggedModelStatus.FAILED.value!r}"
        )
    return parsed


def check_model_outputs(models: Iterable[LoggedModelOutput]) -> list[tuple[str, int]]:
    """``(model_id, step)`` of each output once, in order; ids and steps checked.

    Raises:
        InvalidParameterError: A malformed model id or a step that is not a 64-bit integer.
    """
    links: dict[tuple[str, int], None] = {}
    for model in models:
        step = model.step
        if isinstance(step, bool) or not isinstance(step, int) or not -(2**63) <= step < 2**63:
            raise InvalidParameterError(
                f"Invalid step {step!r} for logged model {model.model_id!r}: use a 64-bit integer"
            )
        links[(validate_model_id(model.model_id), step)] = None
    return list(links)


def logged_model_artifact_location(experiment_artifact_location: str, model_id: str) -> str:
    """Where a logged model's files go: ``<experiment location>/models/<model_id>/artifacts``."""
    return f"{experiment_artifact_location.rstrip('/')}/models/{model_id}/artifacts"
