"""Searching the Model Registry: MLflow's registered-model and model-version grammars.

Both grammars reuse the run grammar's lexer and parser (:mod:`flowtrack.search.parser`); only
the identifiers differ.

Registered models
    Filters on ``name`` and ``tags.<key>`` (``= != LIKE ILIKE``). Order by ``name``,
    ``creation_timestamp`` (alias ``timestamp``) or ``last_updated_timestamp``; the final
    tie-breaker, and the whole order without order-by, is ``name ASC``.

Model versions
    Filters on ``name`` (``= != LIKE ILIKE IN NOT IN``), ``run_id`` (``= != IN NOT IN``),
    ``source_path`` (``= != LIKE ILIKE``), ``version_number`` (numbers: ``= != < <= > >=``) and
    ``tags.<key>`` (``= != LIKE ILIKE``). Order by ``name``, ``version_number``,
    ``creation_timestamp`` (alias ``timestamp``) or ``last_updated_timestamp``; final
    tie-breakers ``name ASC`` then ``version_number DESC``, which is also the default order.

Matching follows :mod:`flowtrack.search.evaluate`: a missing tag or an unset ``run_id`` makes a
comparison false (``!=`` included); strings compare exactly, ``ILIKE`` lower-cases both sides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flowtrack.entities import ModelVersion, RegisteredModel
from flowtrack.search._lexer import Token
from flowtrack.search.ast import NUMERIC_OPERATORS, Comparison, EntityType, Identifier, OrderBy
from flowtrack.search.evaluate import _compare, _ordered, _SortValue
from flowtrack.search.parser import _Field, _parse_filter, _parse_order_by, _ParseError

__all__ = [
    "model_version_matches",
    "parse_model_version_filter",
    "parse_model_version_order_by",
    "parse_registered_model_filter",
    "parse_registered_model_order_by",
    "registered_model_matches",
    "sort_model_versions",
    "sort_registered_models",
]

_TAG_PREFIXES = ("tags", "tag")
_LIKE_OPERATORS = frozenset({"=", "!=", "LIKE", "ILIKE"})
_ID_OPERATORS = frozenset({"=", "!=", "IN", "NOT IN"})
_NAME_VERSION_OPERATORS = _LIKE_OPERATORS | _ID_OPERATORS
_ORDER_ALIASES = {"timestamp": "creation_timestamp"}
_MODEL_FILTER = {"name": _LIKE_OPERATORS}
_MODEL_ORDER = ("creation_timestamp", "last_updated_timestamp", "name")
_VERSION_FILTER = {
    "name": _NAME_VERSION_OPERATORS,
    "run_id": _ID_OPERATORS,
    "source_path": _LIKE_OPERATORS,
    "version_number": NUMERIC_OPERATORS,
}
_VERSION_ORDER = ("creation_timestamp", "last_updated_timestamp", "name", "version_number")
_NUMERIC = frozenset({"version_number", "creation_timestamp", "last_updated_timestamp"})


def _resolve(
    token: Token,
    ordering: bool,
    what: str,
    filters: dict[str, frozenset[str]],
    orders: Sequence[str],
) -> _Field:
    if token.prefix is not None:
        if not ordering and token.prefix.lower() in _TAG_PREFIXES:
            return _Field(
                Identifier(EntityType.TAG, token.key), False, _LIKE_OPERATORS, f"tag '{token.key}'"
            )
        allowed = "a bare attribute" if ordering else "tags.<key> or a bare attribute"
        raise _ParseError(
            f"unsupported prefix '{token.prefix}' at position {token.pos}; {what} searches "
            f"use {allowed}",
            token.pos,
        )
    key = token.key.lower()
    if ordering:
        key = _ORDER_ALIASES.get(key, key)
        if key not in orders:
            raise _ParseError(
                f"'{token.text}' at position {token.pos} cannot order {what}s; use "
                f"{', '.join(orders)}",
                token.pos,
            )
        return _Field(Identifier(EntityType.ATTRIBUTE, key), key in _NUMERIC, frozenset(), key)
    if key not in filters:
        raise _ParseError(
            f"'{token.text}' at position {token.pos} is not a {what} attribute; use "
            f"{', '.join(sorted(filters))} or tags.<key>",
            token.pos,
        )
    return _Field(
        Identifier(EntityType.ATTRIBUTE, key), key in _NUMERIC, filters[key], f"attribute '{key}'"
    )


def _model_field(token: Token, ordering: bool) -> _Field:
    return _resolve(token, ordering, "registered model", _MODEL_FILTER, _MODEL_ORDER)


def _version_field(token: Token, ordering: bool) -> _Field:
    return _resolve(token, ordering, "model version", _VERSION_FILTER, _VERSION_ORDER)


def parse_registered_model_filter(filter_string: str | None) -> list[Comparison]:
    """Parse a registered-model filter such as ``name LIKE 'fraud%' AND tags.team = 'risk'``.

    Raises:
        InvalidParameterError: A syntax error, an unknown identifier or an operator the
            identifier does not take; the message quotes the filter and points at the token.
    """
    return _parse_filter(filter_string, _model_field)


def parse_registered_model_order_by(order_by: Sequence[str] | None) -> list[OrderBy]:
    """Parse registered-model order-by clauses such as ``["last_updated_timestamp DESC"]``.

    Raises:
        InvalidParameterError: A clause is empty, malformed or orders by an unknown key.
    """
    return _parse_order_by(order_by, _model_field)


def parse_model_version_filter(filter_string: str | None) -> list[Comparison]:
    """Parse a model-version filter such as ``name = 'm' AND version_number >= 2``.

    Raises:
        InvalidParameterError: As for :func:`parse_registered_model_filter`.
    """
    return _parse_filter(filter_string, _version_field)


def parse_model_version_order_by(order_by: Sequence[str] | None) -> list[OrderBy]:
    """Parse model-version order-by clauses such as ``["version_number DESC"]``.

    Raises:
        InvalidParameterError: As for :func:`parse_registered_model_order_by`.
    """
    return _parse_order_by(order_by, _version_field)


def _model_value(model: RegisteredModel, identifier: Identifier) -> float | str | None:
    if identifier.type is EntityType.TAG:
        return model.tags.get(identifier.key)
    value: object = getattr(model, identifier.key)
    return float(value) if isinstance(value, int) else str(value)


def _version_value(version: ModelVersion, identifier: Identifier) -> float | str | None:
    if identifier.type is EntityType.TAG:
        return version.tags.get(identifier.key)
    key = identifier.key
    if key == "version_number":
        return float(version.version)
    if key == "source_path":
        return version.source
    value: object = getattr(version, key)
    if value is None:
        return None
    return float(value) if isinstance(value, int) else str(value)


def registered_model_matches(model: RegisteredModel, comparisons: Sequence[Comparison]) -> bool:
    """Whether a registered model satisfies every comparison of a parsed filter."""
    for comparison in comparisons:
        value = _model_value(model, comparison.identifier)
        if value is None or not _compare(value, comparison.op, comparison.value):
            return False
    return True


def model_version_matches(version: ModelVersion, comparisons: Sequence[Comparison]) -> bool:
    """Whether a model version satisfies every comparison of a parsed filter."""
    for comparison in comparisons:
        value = _version_value(version, comparison.identifier)
        if value is None or not _compare(value, comparison.op, comparison.value):
            return False
    return True


def sort_registered_models(
    models: Iterable[RegisteredModel], order_bys: Sequence[OrderBy]
) -> list[RegisteredModel]:
    """Order registered models by the clauses, then ``name ASC``."""
    keys = [*order_bys, OrderBy(Identifier(EntityType.ATTRIBUTE, "name"))]

    def values(model: RegisteredModel) -> list[_SortValue]:
        return [_model_value(model, order.identifier) for order in keys]

    return _ordered([(values(m), m) for m in models], [order.ascending for order in keys])


def sort_model_versions(
    versions: Iterable[ModelVersion], order_bys: Sequence[OrderBy]
) -> list[ModelVersion]:
    """Order model versions by the clauses, then ``name ASC``, then ``version_number DESC``."""
    keys = [
        *order_bys,
        OrderBy(Identifier(EntityType.ATTRIBUTE, "name")),
        OrderBy(Identifier(EntityType.ATTRIBUTE, "version_number"), ascending=False),
    ]

    def values(version: ModelVersion) -> list[_SortValue]:
        return [_version_value(version, order.identifier) for order in keys]

    return _ordered([(values(v), v) for v in versions], [order.ascending for order in keys])
