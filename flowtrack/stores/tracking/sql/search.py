"""Compiling search ASTs (:mod:`flowtrack.search.ast`) to SQLAlchemy queries.

Matches :mod:`flowtrack.search.evaluate` exactly:

- every value is a bound parameter;
- each metric/param/tag key is one join on its table (inner when filtered, so a missing key is
  false for every operator; outer when only ordered), shared by filter and order-by;
- metrics compare ``latest_metrics.value`` honouring ``is_nan`` (NaN: only ``!=`` is true);
- ``LIKE`` is case-sensitive on both dialects (SQLite connections set
  ``case_sensitive_like``), ``ILIKE`` lower-cases both sides; there is no escape character;
- dataset comparisons are ``EXISTS`` over the run's inputs (any input matching);
- strings order by code point (``COLLATE "C"`` on PostgreSQL), missing values last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import AliasedClass

from flowtrack.entities import LifecycleStage
from flowtrack.search.ast import NUMERIC_COMPARATORS, Comparison, EntityType, Identifier, OrderBy
from flowtrack.stores.sql.conditions import ordered, string_condition
from flowtrack.stores.sql.schema import (
    SqlDataset,
    SqlExperiment,
    SqlExperimentTag,
    SqlLatestMetric,
    SqlParam,
    SqlRun,
    SqlRunInput,
    SqlRunTag,
)

__all__ = ["experiment_query", "run_query"]

_Column = sa.ColumnElement[Any]
_RUN_ATTRIBUTES: Mapping[str, Any] = MappingProxyType(
    {
        "run_id": SqlRun.run_uuid,
        "run_name": SqlRun.name,
        "status": SqlRun.status,
        "user_id": SqlRun.user_id,
        "artifact_uri": SqlRun.artifact_uri,
        "lifecycle_stage": SqlRun.lifecycle_stage,
        "start_time": SqlRun.start_time,
        "end_time": SqlRun.end_time,
    }
)
_NUMERIC_RUN_ATTRIBUTES = frozenset({"start_time", "end_time"})
_EXPERIMENT_NUMERIC = frozenset({"creation_time", "last_update_time"})


def _numeric_condition(column: Any, op: str, value: Any) -> _Column:
    return NUMERIC_COMPARATORS[op](column, float(value))  # type: ignore[no-any-return]


def _metric_condition(alias: Any, op: str, value: Any) -> _Column:
    if op == "!=":
        return sa.or_(alias.is_nan == sa.true(), alias.value != float(value))
    return sa.and_(alias.is_nan == sa.false(), NUMERIC_COMPARATORS[op](alias.value, float(value)))


def _ordered(expression: Any, ascending: bool, string: bool, sqlite: bool) -> Any:
    return ordered(expression, ascending, string, sqlite).nulls_last()


class _KeyJoins:
    """One alias per (kind, key): inner-joined when filtered on, outer-joined when only ordered."""

    def __init__(self, tables: Mapping[EntityType, Any], owner_column: str) -> None:
        self._tables = tables
        self._owner_column = owner_column
        self._joins: dict[tuple[EntityType, str], tuple[AliasedClass[Any], bool]] = {}

    def alias(self, identifier: Identifier, inner: bool) -> Any:
        found = self._joins.get((identifier.type, identifier.key))
        if found is None:
            found = (aliased(self._tables[identifier.type]), inner)
            self._joins[(identifier.type, identifier.key)] = found
        return found[0]

    def apply(self, statement: sa.Select[Any], owner_key: Any) -> sa.Select[Any]:
        for (_, key), (alias, inner) in self._joins.items():
            on = sa.and_(getattr(alias, self._owner_column) == owner_key, alias.key == key)
            statement = statement.join(alias, on) if inner else statement.outerjoin(alias, on)
        return statement


def _dataset_exists(comparison: Comparison, sqlite: bool) -> _Column:
    key = comparison.identifier.key
    column: Any = SqlRunInput.context if key == "context" else getattr(SqlDataset, key)
    conditions = [
        SqlRunInput.run_id == SqlRun.id,
        SqlRunInput.dataset_id == SqlDataset.id,
        string_condition(column, comparison.op, comparison.value, sqlite),
    ]
    if key == "context":
        conditions.append(SqlRunInput.context != "")  # an input without a context: missing
    return sa.exists().where(*conditions)


def run_query(
    columns: Sequence[Any],
    experiment_keys: Sequence[int],
    stages: Sequence[LifecycleStage],
    comparisons: Sequence[Comparison],
    order_bys: Sequence[OrderBy],
    sqlite: bool,
) -> sa.Select[Any]:
    """A SELECT of ``columns`` over matching runs in search order (no LIMIT/OFFSET yet)."""
    joins = _KeyJoins(
        {EntityType.METRIC: SqlLatestMetric, EntityType.PARAM: SqlParam, EntityType.TAG: SqlRunTag},
        "run_id",
    )
    conditions: list[_Column] = [
        SqlRun.experiment_id.in_(list(experiment_keys)),
        SqlRun.lifecycle_stage.in_([stage.value for stage in stages]),
    ]
    # Metrics filtered with an operator other than "!=": present and not NaN in every result.
    numeric_only: set[str] = set()
    for comparison in comparisons:
        identifier, op, value = comparison.identifier, comparison.op, comparison.value
        if identifier.type is EntityType.METRIC:
            conditions.append(_metric_condition(joins.alias(identifier, True), op, value))
            if op != "!=":
                numeric_only.add(identifier.key)
        elif identifier.type in (EntityType.PARAM, EntityType.TAG):
            alias = joins.alias(identifier, True)
            conditions.append(string_condition(alias.value, op, value, sqlite))
        elif identifier.type is EntityType.DATASET:
            conditions.append(_dataset_exists(comparison, sqlite))
        elif identifier.key in _NUMERIC_RUN_ATTRIBUTES:
            conditions.append(_numeric_condition(_RUN_ATTRIBUTES[identifier.key], op, value))
        else:
            column = _RUN_ATTRIBUTES[identifier.key]
            conditions.append(string_condition(column, op, value, sqlite))
    order: list[Any] = []
    for order_by in order_bys:
        identifier = order_by.identifier
        if identifier.type is EntityType.METRIC and identifier.key in numeric_only:
            # Never NULL or NaN here, so the bare column orders the same and lets the database
            # walk the (key, is_nan, value) index and stop at the page end instead of sorting.
            alias = joins.alias(identifier, True)
            order.append(alias.value.asc() if order_by.ascending else alias.value.desc())
        elif identifier.type is EntityType.METRIC:
            alias = joins.alias(identifier, False)
            latest = sa.case((alias.is_nan == sa.true(), sa.null()), else_=alias.value)
            order.append(_ordered(latest, order_by.ascending, False, sqlite))
        elif identifier.type in (EntityType.PARAM, EntityType.TAG):
            alias = joins.alias(identifier, False)
            order.append(_ordered(alias.value, order_by.ascending, True, sqlite))
        else:
            numeric = identifier.key in _NUMERIC_RUN_ATTRIBUTES
            column = _RUN_ATTRIBUTES[identifier.key]
            order.append(_ordered(column, order_by.ascending, not numeric, sqlite))
    statement = joins.apply(sa.select(*columns).select_from(SqlRun), SqlRun.id)
    return statement.where(*conditions).order_by(
        *order, SqlRun.start_time.desc().nulls_last(), _ordered(SqlRun.run_uuid, True, True, sqlite)
    )


def _experiment_column(key: str) -> Any:
    if key == "experiment_id":
        return sa.cast(SqlExperiment.experiment_id, sa.String)
    return getattr(SqlExperiment, key)


def experiment_query(
    columns: Sequence[Any],
    stages: Sequence[LifecycleStage],
    comparisons: Sequence[Comparison],
    order_bys: Sequence[OrderBy],
    sqlite: bool,
) -> sa.Select[Any]:
    """A SELECT of ``columns`` over matching experiments in search order."""
    joins = _KeyJoins({EntityType.TAG: SqlExperimentTag}, "experiment_id")
    conditions: list[_Column] = [
        SqlExperiment.lifecycle_stage.in_([stage.value for stage in stages])
    ]
    for comparison in comparisons:
        identifier, op, value = comparison.identifier, comparison.op, comparison.value
        if identifier.type is EntityType.TAG:
            alias = joins.alias(identifier, True)
            conditions.append(string_condition(alias.value, op, value, sqlite))
        elif identifier.key in _EXPERIMENT_NUMERIC:
            conditions.append(_numeric_condition(_experiment_column(identifier.key), op, value))
        else:
            column = _experiment_column(identifier.key)
            conditions.append(string_condition(column, op, value, sqlite))
    order: list[Any] = []
    for order_by in order_bys:
        identifier = order_by.identifier
        if identifier.type is EntityType.TAG:
            alias = joins.alias(identifier, False)
            order.append(_ordered(alias.value, order_by.ascending, True, sqlite))
        elif identifier.key == "experiment_id":
            order.append(_ordered(SqlExperiment.experiment_id, order_by.ascending, False, sqlite))
        else:
            string = identifier.key not in _EXPERIMENT_NUMERIC
            column = getattr(SqlExperiment, identifier.key)
            order.append(_ordered(column, order_by.ascending, string, sqlite))
    statement = joins.apply(
        sa.select(*columns).select_from(SqlExperiment), SqlExperiment.experiment_id
    )
    return statement.where(*conditions).order_by(
        *order,
        SqlExperiment.creation_time.desc().nulls_last(),
        SqlExperiment.experiment_id.asc(),
    )
