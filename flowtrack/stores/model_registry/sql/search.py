"""Compiling registry search ASTs (:mod:`flowtrack.search.registry`) to SQL.

Matches the in-memory evaluation exactly: every value is a bound parameter; each tag key is one
inner join (a missing tag makes every comparison false, ``!=`` included); an unset ``run_id``
is NULL, so every comparison on it is false; ``LIKE`` is case-sensitive and ``ILIKE``
lower-cases both sides (:func:`~flowtrack.stores.sql.conditions.string_condition`);
``version_number`` compares as a number; strings order by code point (``COLLATE "C"`` on
PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from flowtrack.search.ast import NUMERIC_COMPARATORS, Comparison, EntityType, OrderBy
from flowtrack.search.paging import encode_page_token
from flowtrack.stores.model_registry.sql.database import AnyRow
from flowtrack.stores.sql.conditions import ordered, string_condition
from flowtrack.stores.sql.schema import (
    SqlModelVersion,
    SqlModelVersionTag,
    SqlRegisteredModel,
    SqlRegisteredModelTag,
)

__all__ = ["fetch_page", "model_version_query", "registered_model_query"]

_MODEL_COLUMNS: Mapping[str, Any] = MappingProxyType(
    {
        "name": SqlRegisteredModel.name,
        "creation_timestamp": SqlRegisteredModel.creation_timestamp,
        "last_updated_timestamp": SqlRegisteredModel.last_updated_timestamp,
    }
)
_VERSION_COLUMNS: Mapping[str, Any] = MappingProxyType(
    {
        "name": SqlRegisteredModel.name,
        "run_id": SqlModelVersion.run_id,
        "source_path": SqlModelVersion.source,
        "version_number": SqlModelVersion.version,
        "creation_timestamp": SqlModelVersion.creation_timestamp,
        "last_updated_timestamp": SqlModelVersion.last_updated_timestamp,
    }
)
_STRING_KEYS = frozenset({"name", "run_id", "source_path"})


def _conditions(
    comparisons: Sequence[Comparison],
    columns: Mapping[str, Any],
    tag_table: Any,
    sqlite: bool,
) -> tuple[list[sa.ColumnElement[bool]], dict[str, Any]]:
    """The WHERE conditions, and one tag alias per filtered tag key (to inner-join)."""
    conditions: list[sa.ColumnElement[bool]] = []
    tag_joins: dict[str, Any] = {}
    for comparison in comparisons:
        identifier, op, value = comparison.identifier, comparison.op, comparison.value
        if identifier.type is EntityType.TAG:
            alias = tag_joins.get(identifier.key)
            if alias is None:
                alias = tag_joins[identifier.key] = aliased(tag_table)
            conditions.append(string_condition(alias.value, op, value, sqlite))
        elif identifier.key in _STRING_KEYS:
            conditions.append(string_condition(columns[identifier.key], op, value, sqlite))
        else:
            conditions.append(NUMERIC_COMPARATORS[op](columns[identifier.key], float(value)))  # type: ignore[arg-type]
    return conditions, tag_joins


def registered_model_query(
    columns: Sequence[Any],
    comparisons: Sequence[Comparison],
    order_bys: Sequence[OrderBy],
    sqlite: bool,
) -> sa.Select[Any]:
    """A SELECT of ``columns`` over matching registered models in search order."""
    conditions, tag_joins = _conditions(comparisons, _MODEL_COLUMNS, SqlRegisteredModelTag, sqlite)
    statement = sa.select(*columns).select_from(SqlRegisteredModel)
    for key, alias in tag_joins.items():
        statement = statement.join(
            alias, sa.and_(alias.model_id == SqlRegisteredModel.id, alias.key == key)
        )
    order = [
        ordered(_MODEL_COLUMNS[o.identifier.key], o.ascending, o.identifier.key == "name", sqlite)
        for o in order_bys
    ]
    return statement.where(*conditions).order_by(
        *order, ordered(SqlRegisteredModel.name, True, True, sqlite)
    )


def model_version_query(
    columns: Sequence[Any],
    comparisons: Sequence[Comparison],
    order_bys: Sequence[OrderBy],
    sqlite: bool,
) -> sa.Select[Any]:
    """A SELECT of ``columns`` over matching model versions in search order."""
    conditions, tag_joins = _conditions(comparisons, _VERSION_COLUMNS, SqlModelVersionTag, sqlite)
    statement = (
        sa.select(*columns)
        .select_from(SqlModelVersion)
        .join(SqlRegisteredModel, SqlRegisteredModel.id == SqlModelVersion.model_id)
    )
    for key, alias in tag_joins.items():
        statement = statement.join(
            alias,
            sa.and_(
                alias.model_id == SqlModelVersion.model_id,
                alias.version == SqlModelVersion.version,
                alias.key == key,
            ),
        )
    order = [
        ordered(_VERSION_COLUMNS[o.identifier.key], o.ascending, o.identifier.key == "name", sqlite)
        for o in order_bys
    ]
    return statement.where(*conditions).order_by(
        *order,
        ordered(SqlRegisteredModel.name, True, True, sqlite),
        SqlModelVersion.version.desc(),
    )


def fetch_page(
    connection: sa.Connection, statement: sa.Select[Any], max_results: int, offset: int
) -> tuple[list[AnyRow], str | None]:
    """Rows ``offset`` to ``offset + max_results`` of an ordered query, and the next token."""
    rows = list(connection.execute(statement.limit(max_results + 1).offset(offset)))
    if len(rows) > max_results:
        return rows[:max_results], encode_page_token(offset + max_results)
    return rows, None
