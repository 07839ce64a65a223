"""Validation of names, values and batch sizes, with MLflow's limits.

Every check raises :class:`~flowtrack.exceptions.InvalidParameterError` (or
:class:`~flowtrack.exceptions.ResourceLimitError`) whose message names the bad value and what is
allowed. Stores call these before writing anything, so bad input never loses data.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from typing import Any, TypeGuard

from flowtrack.exceptions import InvalidParameterError, ResourceLimitError

__all__ = [
    "MAX_BATCH_METRICS",
    "MAX_BATCH_PARAMS",
    "MAX_BATCH_TAGS",
    "MAX_BATCH_TOTAL",
    "MAX_ENTITY_KEY_LENGTH",
    "MAX_EXPERIMENT_NAME_LENGTH",
    "MAX_PARAM_VALUE_LENGTH",
    "MAX_TAG_VALUE_LENGTH",
    "coerce_metric_value",
    "is_model_id",
    "validate_batch_limits",
    "validate_experiment_id",
    "validate_experiment_name",
    "validate_key",
    "validate_model_id",
    "validate_param_value",
    "validate_run_id",
    "validate_step",
    "validate_tag_value",
    "validate_timestamp",
]

MAX_ENTITY_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 8000
MAX_EXPERIMENT_NAME_LENGTH = 500
MAX_BATCH_METRICS = 1000
MAX_BATCH_PARAMS = 100
MAX_BATCH_TAGS = 100
MAX_BATCH_TOTAL = 1000

_KEY_RE = re.compile(r"[\w\-./ ]+")
_RUN_ID_RE = re.compile(r"[a-zA-Z0-9][\w\-]{0,255}")
_EXPERIMENT_ID_RE = re.compile(r"[0-9]{1,19}")
_MODEL_ID_RE = re.compile(r"m-[0-9a-f]{32}")
_INT64_MAX = 2**63 - 1


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + "..."


def validate_key(kind: str, key: Any) -> str:
    """Check a metric, param or tag name.

    Args:
        kind: "metric", "param" or "tag", used in the message.
        key: The name to check.

    Returns:
        The name.

    Raises:
        InvalidParameterError: The name is not a non-empty string of at most 250 letters, digits,
            '_', '-', '.', ' ' and '/', or it is a path that escapes (``..``, leading ``/``).
    """
    if not isinstance(key, str) or not key:
        raise InvalidParameterError(
            f"Invalid {kind} name {key!r}: a name must be a non-empty string"
        )
    if len(key) > MAX_ENTITY_KEY_LENGTH:
        raise InvalidParameterError(
            f"Invalid {kind} name '{_shorten(key)}': names may be at most "
            f"{MAX_ENTITY_KEY_LENGTH} characters, got {len(key)}"
        )
    if not _KEY_RE.fullmatch(key):
        raise InvalidParameterError(
            f"Invalid {kind} name {key!r}: names may contain only letters, digits, "
            "'_', '-', '.', ' ' and '/'"
        )
    if key.startswith("/") or ".." in key.split("/"):
        raise InvalidParameterError(
            f"Invalid {kind} name {key!r}: names may not start with '/' or contain a '..' segment"
        )
    return key


def validate_param_value(key: str, value: Any) -> str:
    """Convert a param value to its string form and check its length (at most 6000)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_PARAM_VALUE_LENGTH:
        raise ResourceLimitError(
            f"Invalid value for param {key!r}: values may be at most {MAX_PARAM_VALUE_LENGTH} "
            f"characters, got {len(text)} ('{_shorten(text)}')"
        )
    return text


def validate_tag_value(key: str, value: Any) -> str:
    """Convert a tag value to its string form and check its length (at most 8000)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_TAG_VALUE_LENGTH:
        raise ResourceLimitError(
            f"Invalid value for tag {key!r}: values may be at most {MAX_TAG_VALUE_LENGTH} "
            f"characters, got {len(text)} ('{_shorten(text)}')"
        )
    return text


def coerce_metric_value(key: str, value: Any) -> float:
    """Convert a metric value to float; NaN and +/-inf are allowed.

    Raises:
        InvalidParameterError: The value is not a real number (strings, None, complex, ...).
    """
    if isinstance(value, float):
        return value
    if isinstance(value, bool | str | bytes) or value is None:
        raise InvalidParameterError(
            f"Invalid value {value!r} for metric {key!r}: metric values must be real numbers "
            "(int or float, NaN and +/-inf allowed)"
        )
    if isinstance(value, numbers.Real) or hasattr(value, "__float__"):
        try:
            converted = float(value)
        except (TypeError, ValueError, OverflowError) as exc:
            raise InvalidParameterError(
                f"Invalid value {value!r} for metric {key!r}: metric values must be real numbers"
            ) from exc
        if isinstance(value, int) and math.isinf(converted):
            raise InvalidParameterError(
                f"Invalid value {value!r} for metric {key!r}: the integer is too large for a float"
            )
        return converted
    raise InvalidParameterError(
        f"Invalid value {value!r} for metric {key!r}: metric values must be real numbers "
        "(int or float, NaN and +/-inf allowed)"
    )


def validate_step(key: str, step: Any) -> int:
    """Check a metric step: an integer that fits in 64 bits."""
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise InvalidParameterError(
            f"Invalid step {step!r} for metric {key!r}: steps must be integers"
        )
    value = int(step)
    if not -_INT64_MAX - 1 <= value <= _INT64_MAX:
        raise InvalidParameterError(
            f"Invalid step {value} for metric {key!r}: steps must fit in a signed 64-bit integer"
        )
    return value


def validate_timestamp(key: str, timestamp: Any) -> int:
    """Check a metric timestamp: non-negative integer milliseconds since the epoch."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, numbers.Integral):
        raise InvalidParameterError(
            f"Invalid timestamp {timestamp!r} for metric {key!r}: timestamps must be integer "
            "milliseconds since the epoch"
        )
    value = int(timestamp)
    if not 0 <= value <= _INT64_MAX:
        raise InvalidParameterError(
            f"Invalid timestamp {value} for metric {key!r}: timestamps must be between 0 "
            f"and {_INT64_MAX}"
        )
    return value


def validate_run_id(run_id: Any) -> str:
    """Check a run id: 1 to 256 letters, digits, '_' or '-', starting with a letter or digit."""
    if not isinstance(run_id, str) or not _RUN_ID_RE.fullmatch(run_id):
        raise InvalidParameterError(
            f"Invalid run id {run_id!r}: run ids are 1 to 256 letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    return run_id


def is_model_id(value: Any) -> TypeGuard[str]:
    """Whether ``value`` has the form of a logged-model id (``m-`` + 32 lowercase hex digits)."""
    return isinstance(value, str) and _MODEL_ID_RE.fullmatch(value) is not None


def validate_model_id(model_id: Any) -> str:
    """Check a logged-model id: ``m-`` followed by 32 lowercase hex digits (MLflow's form)."""
    if not is_model_id(model_id):
        raise InvalidParameterError(
            f"Invalid logged model id {model_id!r}: ids are 'm-' followed by 32 lowercase hex "
            "digits, e.g. 'm-0123456789abcdef0123456789abcdef'"
        )
    return model_id


def validate_experiment_id(experiment_id: Any) -> str:
    """Check an experiment id: a string of digits (an int is accepted and converted)."""
    if isinstance(experiment_id, int) and not isinstance(experiment_id, bool):
        experiment_id = str(experiment_id)
    if not isinstance(experiment_id, str) or not _EXPERIMENT_ID_RE.fullmatch(experiment_id):
        raise InvalidParameterError(
            f"Invalid experiment id {experiment_id!r}: experiment ids are strings of digits"
        )
    return experiment_id


def validate_experiment_name(name: Any) -> str:
    """Check an experiment name: a non-empty string of at most 500 characters."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameterError(
            f"Invalid experiment name {name!r}: the name must be a non-empty string"
        )
    if len(name) > MAX_EXPERIMENT_NAME_LENGTH:
        raise InvalidParameterError(
            f"Invalid experiment name '{_shorten(name)}': names may be at most "
            f"{MAX_EXPERIMENT_NAME_LENGTH} characters, got {len(name)}"
        )
    if "\x00" in name:
        raise InvalidParameterError(
            f"Invalid experiment name {name!r}: names may not contain NUL characters"
        )
    return name


def validate_batch_limits(
    metrics: Sequence[Any], params: Sequence[Any], tags: Sequence[Any]
) -> None:
    """Check one store-level batch against MLflow's limits.

    Raises:
        ResourceLimitError: More than 1000 metrics, 100 params, 100 tags or 1000 items in all.
    """
    checks = (
        ("metrics", len(metrics), MAX_BATCH_METRICS),
        ("params", len(params), MAX_BATCH_PARAMS),
        ("tags", len(tags), MAX_BATCH_TAGS),
        ("items", len(metrics) + len(params) + len(tags), MAX_BATCH_TOTAL),
    )
    for what, count, limit in checks:
        if count > limit:
            raise ResourceLimitError(
                f"A batch may hold at most {limit} {what}, got {count}; "
                "split it (the fluent API and the client split large batches for you)"
            )
