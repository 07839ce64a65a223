"""Searching logged models: MLflow's logged-model filter grammar, order-by dictionaries, datasets.

The filter reuses the run grammar's lexer and parser (:mod:`flowtrack.search.parser`); only the
identifiers differ. The memory store evaluates the result with :func:`logged_model_matches` and
:func:`sort_logged_models`; the SQL store compiles the same AST and must give the same answers.

Filter (comparisons joined by ``AND``)
    - Attributes (bare, or prefixed ``attributes.``): ``name``, ``model_id``, ``model_type``,
      ``status``, ``source_run_id`` are strings (``= != LIKE ILIKE IN NOT IN``);
      ``creation_timestamp`` (alias ``creation_time``) and ``last_updated_timestamp`` are
      numbers (``= != < <= > >=``). An unset ``model_type`` or ``source_run_id`` makes every
      comparison false.
    - ``metrics.<key>`` (numbers): true when ANY point of that metric logged against the model
      satisfies it (MLflow's semantics); with ``datasets``, only points computed on one of
      those datasets count. A NaN point satisfies only ``!=``.
    - ``params.<key>`` and ``tags.<key>`` (strings); a model lacking the key does not match.
    - Strings compare exactly; ``LIKE`` is case-sensitive, ``ILIKE`` lower-cases both sides,
      ``%`` and ``_`` are the only wildcards (as in :mod:`flowtrack.search.evaluate`).

``datasets``
    ``[{"dataset_name": "train", "dataset_digest": "abc"}]`` (digest optional): restricts metric
    comparisons to those datasets; without a metric comparison, a model matches when it has at
    least one metric point on one of them.

Order by (dictionaries, as MLflow's ``search_logged_models``)
    ``{"field_name": "metrics.acc", "ascending": False, "dataset_name": ..., "dataset_digest":
    ...}``: ``field_name`` is an attribute above or ``metrics.<key>``; a metric orders by its
    latest point (greatest timestamp, then step, then the smallest run id, then the first
    logged), on the named dataset when given. Models lacking the value (or with a NaN) sort
    last whatever the direction. Final tie-breakers, and the default order:
    ``creation_timestamp DESC`` then ``model_id ASC``.

Deleted models never match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flowtrack.entities import LoggedModel, Metric
from flowtrack.exceptions import InvalidParameterError
from flowtrack.search._lexer import LexError, Token, TokenKind, tokenize
from flowtrack.search.ast import (
    NUMERIC_OPERATORS,
    STRING_OPERATORS,
    Comparison,
    EntityType,
    Identifier,
    OrderBy,
)
from flowtrack.search.evaluate import _compare, _ordered, _SortValue
from flowtrack.search.parser import _Field, _parse_filter, _ParseError, _Parser

__all__ = [
    "LOGGED_MODEL_NUMERIC_ATTRIBUTES",
    "LOGGED_MODEL_STRING_ATTRIBUTES",
    "DatasetFilter",
    "LoggedModelOrderBy",
    "default_logged_model_order",
    "logged_model_matches",
    "parse_logged_model_datasets",
    "parse_logged_model_filter",
    "parse_logged_model_order_by",
    "sort_logged_models",
]

LOGGED_MODEL_STRING_ATTRIBUTES = frozenset(
    {"name", "model_id", "model_type", "status", "source_run_id"}
)
LOGGED_MODEL_NUMERIC_ATTRIBUTES = frozenset({"creation_timestamp", "last_updated_timestamp"})
_ATTRIBUTES = LOGGED_MODEL_STRING_ATTRIBUTES | LOGGED_MODEL_NUMERIC_ATTRIBUTES
_ALIASES = {"creation_time": "creation_timestamp"}
_PREFIXES = {
    "attributes": EntityType.ATTRIBUTE,
    "attribute": EntityType.ATTRIBUTE,
    "attr": EntityType.ATTRIBUTE,
    "metrics": EntityType.METRIC,
    "metric": EntityType.METRIC,
    "params": EntityType.PARAM,
    "param": EntityType.PARAM,
    "parameters": EntityType.PARAM,
    "tags": EntityType.TAG,
    "tag": EntityType.TAG,
}
_ORDER_KEYS = frozenset({"field_name", "ascending", "dataset_name", "dataset_digest"})


@dataclass(frozen=True, slots=True)
class DatasetFilter:
    """One entry of ``datasets``: a dataset name, and optionally its digest."""

    name: str
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class LoggedModelOrderBy:
    """One order-by entry; ``dataset_*`` restrict a metric to the points on that dataset."""

    identifier: Identifier
    ascending: bool = True
    dataset_name: str | None = None
    dataset_digest: str | None = None


def _resolve(token: Token, ordering: bool) -> _Field:
    entity = EntityType.ATTRIBUTE
    if token.prefix is not None:
        found = _PREFIXES.get(token.prefix.lower())
        if found is None:
            raise _ParseError(
                f"unknown prefix '{token.prefix}' at position {token.pos}; logged model "
                "searches use metrics., params., tags. or attributes. (or a bare attribute)",
                token.pos,
            )
        entity = found
    if entity is EntityType.ATTRIBUTE:
        key = token.key.lower()
        key = _ALIASES.get(key, key)
        if key not in _ATTRIBUTES:
            raise _ParseError(
                f"'{token.text}' at position {token.pos} is not a logged model attribute; use "
                f"{', '.join(sorted(_ATTRIBUTES | set(_ALIASES)))}, metrics.<key>, "
                "params.<key> or tags.<key>",
                token.pos,
            )
        numeric = key in LOGGED_MODEL_NUMERIC_ATTRIBUTES
        operators = NUMERIC_OPERATORS if numeric else STRING_OPERATORS
        return _Field(Identifier(entity, key), numeric, operators, f"attribute '{key}'")
    if ordering and entity is not EntityType.METRIC:
        raise _ParseError(
            f"cannot order logged models by '{token.text}'; order by metrics.<key> or an attribute",
            token.pos,
        )
    numeric = entity is EntityType.METRIC
    operators = NUMERIC_OPERATORS if numeric else STRING_OPERATORS
    return _Field(
        Identifier(entity, token.key), numeric, operators, f"{entity.value} '{token.key}'"
    )


def parse_logged_model_filter(filter_string: str | None) -> list[Comparison]:
    """Parse a logged-model filter such as ``metrics.acc > 0.9 AND params.lr = '0.1'``.

    Raises:
        InvalidParameterError: A syntax error, an unknown identifier or an operator the
            identifier does not take; the message quotes the filter and points at the token.

    Example:
        >>> [(c.identifier.key, c.op) for c in parse_logged_model_filter("name LIKE 'rf%'")]
        [('name', 'LIKE')]
    """
    return _parse_filter(filter_string, _resolve)


def _dataset_value(entry: Mapping[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidParameterError(f"Invalid {key} {value!r} in {where}: use a string")
    return value


def parse_logged_model_datasets(
    datasets: Sequence[Mapping[str, Any]] | None,
) -> list[DatasetFilter]:
    """Check ``datasets`` (``[{"dataset_name": ..., "dataset_digest": ...}]``).

    Raises:
        InvalidParameterError: An entry is not a mapping, lacks ``dataset_name``, or has
            other keys.
    """
    found: list[DatasetFilter] = []
    for entry in datasets or ():
        if not isinstance(entry, Mapping) or set(entry) - {"dataset_name", "dataset_digest"}:
            raise InvalidParameterError(
                f"Invalid datasets entry {entry!r}: use a dict with 'dataset_name' and "
                "optionally 'dataset_digest'"
            )
        name = _dataset_value(entry, "dataset_name", "datasets")
        if not name:
            raise InvalidParameterError(
                f"Invalid datasets entry {entry!r}: 'dataset_name' is required"
            )
        found.append(DatasetFilter(name, _dataset_value(entry, "dataset_digest", "datasets")))
    return found


def _order_field(field_name: str) -> _Field:
    try:
        parser = _Parser(tokenize(field_name), _resolve, "field_name")
        field = parser._identifier(True)
        rest = parser._peek()
        if rest.kind is not TokenKind.END:
            raise _ParseError(
                f"unexpected '{rest.text}' at position {rest.pos}; give the direction with "
                "'ascending', not in field_name",
                rest.pos,
            )
    except (_ParseError, LexError) as exc:
        raise InvalidParameterError(
            f"Invalid order_by field_name {field_name!r}: {exc.message}"
        ) from None
    return field


def parse_logged_model_order_by(
    order_by: Sequence[Mapping[str, Any]] | None,
) -> list[LoggedModelOrderBy]:
    """Parse MLflow's order-by dictionaries (``{"field_name": "metrics.acc", "ascending": False}``).

    Raises:
        InvalidParameterError: An entry that is not such a dictionary, an unknown field, a
            dataset on a non-metric field, or a digest without a name.
    """
    parsed: list[LoggedModelOrderBy] = []
    for entry in order_by or ():
        if not isinstance(entry, Mapping) or set(entry) - _ORDER_KEYS:
            raise InvalidParameterError(
                f"Invalid order_by entry {entry!r}: use a dict with 'field_name' and optionally "
                "'ascending', 'dataset_name', 'dataset_digest'"
            )
        field_name = entry.get("field_name")
        if not isinstance(field_name, str) or not field_name.strip():
            raise InvalidParameterError(
                f"Invalid order_by entry {entry!r}: 'field_name' must be a non-empty string "
                "such as 'metrics.accuracy' or 'creation_timestamp'"
            )
        ascending = entry.get("ascending", True)
        if not isinstance(ascending, bool):
            raise InvalidParameterError(
                f"Invalid order_by entry {entry!r}: 'ascending' must be True or False"
            )
        identifier = _order_field(field_name)
        name = _dataset_value(entry, "dataset_name", "order_by")
        digest = _dataset_value(entry, "dataset_digest", "order_by")
        if (name or digest) and identifier.identifier.type is not EntityType.METRIC:
            raise InvalidParameterError(
                f"Invalid order_by entry {entry!r}: dataset_name and dataset_digest only apply "
                "to metrics.<key> fields"
            )
        if digest and not name:
            raise InvalidParameterError(
                f"Invalid order_by entry {entry!r}: dataset_digest needs dataset_name"
            )
        parsed.append(LoggedModelOrderBy(identifier.identifier, ascending, name, digest))
    return parsed


def default_logged_model_order() -> list[OrderBy]:
    """The final tie-breakers (and the default order): creation time DESC, model id ASC."""
    return [
        OrderBy(Identifier(EntityType.ATTRIBUTE, "creation_timestamp"), ascending=False),
        OrderBy(Identifier(EntityType.ATTRIBUTE, "model_id")),
    ]


def _on_datasets(metric: Metric, datasets: Sequence[DatasetFilter]) -> bool:
    return not datasets or any(
        metric.dataset_name == d.name and (d.digest is None or metric.dataset_digest == d.digest)
        for d in datasets
    )


def _attribute(model: LoggedModel, key: str) -> float | str | None:
    value: object = getattr(model, key)
    if value is None:
        return None
    return float(value) if isinstance(value, int) else str(value)


def logged_model_matches(
    model: LoggedModel, comparisons: Sequence[Comparison], datasets: Sequence[DatasetFilter] = ()
) -> bool:
    """Whether a (non-deleted) logged model satisfies a parsed filter and dataset restriction."""
    metrics = model.metrics or []
    has_metric_comparison = False
    for comparison in comparisons:
        identifier = comparison.identifier
        if identifier.type is EntityType.METRIC:
            has_metric_comparison = True
            if not any(
                m.key == identifier.key
                and _on_datasets(m, datasets)
                and _compare(m.value, comparison.op, comparison.value)
                for m in metrics
            ):
                return False
            continue
        value: float | str | None
        if identifier.type is EntityType.PARAM:
            value = model.params.get(identifier.key)
        elif identifier.type is EntityType.TAG:
            value = model.tags.get(identifier.key)
        else:
            value = _attribute(model, identifier.key)
        if value is None or not _compare(value, comparison.op, comparison.value):
            return False
    if datasets and not has_metric_comparison:
        return any(_on_datasets(m, datasets) for m in metrics)
    return True


def _latest_metric(model: LoggedModel, order_by: LoggedModelOrderBy) -> float | None:
    key, name, digest = order_by.identifier.key, order_by.dataset_name, order_by.dataset_digest
    best: tuple[int, int, str, int] | None = None
    value: float | None = None
    for index, metric in enumerate(model.metrics or ()):
        if metric.key != key or (name is not None and metric.dataset_name != name):
            continue
        if digest is not None and metric.dataset_digest != digest:
            continue
        rank = (-metric.timestamp, -metric.step, metric.run_id or "", index)
        if best is None or rank < best:
            best, value = rank, metric.value
    return None if value is None or value != value else value  # NaN sorts as missing


def sort_logged_models(
    models: Iterable[LoggedModel], order_bys: Sequence[LoggedModelOrderBy]
) -> list[LoggedModel]:
    """Order logged models by parsed order-by entries, then creation time DESC, model id ASC."""
    tie_breakers = [
        LoggedModelOrderBy(o.identifier, o.ascending) for o in default_logged_model_order()
    ]
    keys = [*order_bys, *tie_breakers]

    def values(model: LoggedModel) -> list[_SortValue]:
        found: list[_SortValue] = []
        for order_by in keys:
            if order_by.identifier.type is EntityType.METRIC:
                found.append(_latest_metric(model, order_by))
            else:
                found.append(_attribute(model, order_by.identifier.key))
        return found

    return _ordered([(values(m), m) for m in models], [o.ascending for o in keys])
