"""What a tracked flow or task run logs from its inputs and its result.

Parameters are whatever a caller passes: numbers and strings, but also DataFrames, models,
open clients or objects whose ``repr`` raises. :func:`summarize_parameters` turns any of them into
MLflow params without ever raising: short values verbatim, mappings and pydantic models flattened
into ``name.field`` params, large or opaque values summarized (``DataFrame(shape=(569, 31))``).
:func:`metrics_from_result` picks the numbers out of a returned mapping.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import numbers
import os
from collections.abc import Iterable, Mapping
from typing import Any

from flowtrack._private.validation import MAX_ENTITY_KEY_LENGTH

__all__ = [
    "MAX_FLATTENED_PARAMS",
    "MAX_INLINE_LENGTH",
    "metrics_from_result",
    "summarize_parameters",
    "summarize_value",
]

#: Values whose text is longer than this are summarized rather than logged verbatim.
MAX_INLINE_LENGTH = 500
#: The most params one mapping or model parameter flattens into (the rest is summarized).
MAX_FLATTENED_PARAMS = 100
_MAX_DEPTH = 3
_SCALARS = (str, int, float, bool, type(None))


def _is_param_key(key: object) -> bool:
    return (
        isinstance(key, str)
        and 0 < len(key) <= MAX_ENTITY_KEY_LENGTH
        and all(ch.isalnum() or ch in "_-./ " for ch in key)
        and not key.startswith("/")
        and ".." not in key.split("/")
    )


def _shape_summary(value: Any) -> str | None:
    shape = getattr(value, "shape", None)
    if not isinstance(shape, tuple):
        return None
    dtype = getattr(value, "dtype", None)
    suffix = f", dtype={dtype}" if dtype is not None and not hasattr(value, "columns") else ""
    return f"{type(value).__name__}(shape={shape}{suffix})"


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not break the pipeline
        return f"<{type(value).__name__}>"
    if " at 0x" in text:  # default object repr: the address says nothing across runs
        return f"<{type(value).__name__}>"
    return text


def summarize_value(value: Any) -> str:
    """Return the text a value is logged as: itself when short, else a summary.

    Args:
        value: Any object.

    Returns:
        ``str(value)`` for scalars, JSON for short lists, ``Type(shape=...)`` for arrays and
        frames, ``list(len=N)`` / ``dict(len=N)`` for large containers, a ``repr`` otherwise,
        never longer than :data:`MAX_INLINE_LENGTH` plus a short note.

    Example:
        >>> summarize_value(list(range(1000)))
        'list(len=1000)'
    """
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, _SCALARS):
        text = str(value)
        if len(text) <= MAX_INLINE_LENGTH:
            return text
        return f"{text[:MAX_INLINE_LENGTH]}... ({type(value).__name__} of {len(text)} characters)"
    if isinstance(value, os.PathLike):
        return summarize_value(os.fspath(value))
    if getattr(value, "shape", None) == () and callable(getattr(value, "item", None)):
        return summarize_value(value.item())  # a NumPy scalar or 0-d array: its value
    shaped = _shape_summary(value)
    if shaped is not None:
        return shaped
    if isinstance(value, list | tuple | set | frozenset | dict):
        try:
            items = sorted(value) if isinstance(value, set | frozenset) else value
            encoded: str | None = json.dumps(items, default=str, allow_nan=True)
        except (TypeError, ValueError):
            encoded = None
        if encoded is not None and len(encoded) <= MAX_INLINE_LENGTH:
            return encoded
        return f"{type(value).__name__}(len={len(value)})"
    text = _safe_repr(value)
    if len(text) <= MAX_INLINE_LENGTH:
        return text
    return f"<{type(value).__name__}>"


def _as_mapping(value: Any) -> Mapping[str, Any] | None:
    """The fields of a mapping, pydantic model or dataclass instance; ``None`` for others."""
    if isinstance(value, Mapping):
        return value
    dump = getattr(value, "model_dump", None)
    if callable(dump) and hasattr(type(value), "model_fields"):
        try:
            dumped = dump()
        except Exception:
            return None
        return dumped if isinstance(dumped, Mapping) else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    return None


def _flatten(prefix: str, value: Any, out: dict[str, str], depth: int) -> None:
    fields = _as_mapping(value) if depth < _MAX_DEPTH else None
    if (
        fields is None
        or not fields
        or len(fields) > MAX_FLATTENED_PARAMS
        or not all(_is_param_key(key) for key in fields)
    ):
        out[prefix] = summarize_value(value)
        return
    for key, item in fields.items():
        _flatten(f"{prefix}.{key}", item, out, depth + 1)


def summarize_parameters(
    parameters: Mapping[str, Any], include: bool | Iterable[str] = True
) -> dict[str, str]:
    """Turn bound call parameters into MLflow params; never raises.

    Mappings, pydantic models and dataclasses are flattened (``hp.C``, ``hp.max_iter``) up to
    three levels deep; keys that are not valid param names make the whole value summarized.

    Args:
        parameters: ``{name: value}`` as bound to the function's signature.
        include: ``True`` for all parameters, ``False`` for none, or the names to log.

    Returns:
        ``{param name: text}``; names longer than MLflow's limit are left out.

    Example:
        >>> summarize_parameters({"alpha": 0.5, "data": list(range(1000))})
        {'alpha': '0.5', 'data': 'list(len=1000)'}
    """
    if include is False:
        return {}
    wanted = None if include is True else set(include)
    out: dict[str, str] = {}
    for name, value in parameters.items():
        if (wanted is None or name in wanted) and _is_param_key(name):
            _flatten(name, value, out, 0)
    return {key: text for key, text in out.items() if len(key) <= MAX_ENTITY_KEY_LENGTH}


def metrics_from_result(result: Any) -> dict[str, float]:
    """Return the numeric entries of a returned mapping as metrics.

    Args:
        result: What a flow or task returned.

    Returns:
        ``{key: float(value)}`` for the entries of a mapping whose key is a valid metric name
        and whose value is a real number (bools excluded; NumPy scalars included); ``{}`` for
        anything that is not a mapping.

    Example:
        >>> metrics_from_result({"rmse": 3.2, "model_uri": "runs:/x/model", "ok": True})
        {'rmse': 3.2}
    """
    if not isinstance(result, Mapping):
        return {}
    metrics: dict[str, float] = {}
    for key, value in result.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            continue
        if not _is_param_key(key):
            continue
        metrics[key] = float(value)
    return metrics
