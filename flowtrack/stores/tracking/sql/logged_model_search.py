"""Compiling logged-model searches (:mod:`flowtrack.search.logged_models`) to SQL.

Matches the memory store's evaluation exactly; every value is a bound parameter:

- metric comparisons are ``EXISTS`` over the model's metric points with that key (on the
  requested datasets), NaN points satisfying only ``!=``;
- param and tag comparisons are ``EXISTS`` over that key (a missing key is false);
- attributes compare their column; an unset ``model_type`` / ``source_run_id`` (NULL) is false;
- a metric order-by is a correlated subquery for the latest point (timestamp DESC, step DESC,
  run_id ASC, then logging order), NULL for NaN; missing values sort last, strings by code
  point (``COLLATE "C"`` on PostgreSQL), then ``creation_timestamp DESC, model_id ASC``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from flowtrack.entities import LifecycleStage
from flowtrack.search.ast import NUMERIC_COMPARATORS, Comparison, EntityType
from flowtrack.search.logged_models import (
    LOGGED_MODEL_NUMERIC_ATTRIBUTES,
    DatasetFilter,
    LoggedModelOrderBy,
)
from flowtrack.stores.sql.conditions import ordered, string_condition
from flowtrack.stores.sql.schema import (
    SqlLoggedModel,
    SqlLoggedModelMetric,
    SqlLoggedModelParam,
    SqlLoggedModelTag,
)

__all__ = ["logged_model_query"]

_Column = sa.ColumnElement[Any]
_ATTRIBUTES: Mapping[str, Any] = MappingProxyType(
    {
        "name": SqlLoggedModel.name,
        "model_id": SqlLoggedModel.model_id,
        "model_type": SqlLoggedModel.model_type,
        "status": SqlLoggedModel.status,
        "source_run_id": SqlLoggedModel.source_run_id,
        "creation_timestamp": SqlLoggedModel.creation_timestamp,
        "last_updated_timestamp": SqlLoggedModel.last_updated_timestamp,
    }
)
_KEY_VALUE_TABLES: Mapping[EntityType, Any] = MappingProxyType(
    {EntityType.PARAM: SqlLoggedModelParam, EntityType.TAG: SqlLoggedModelTag}
)


def _on_datasets(metric: Any, datasets: Sequence[DatasetFilter]) -> list[_Column]:
    """``[]`` without datasets, else one OR of (name and, when given, digest) matches."""
    if not datasets:
        return []
    each = [
        sa.and_(metric.dataset_name == d.name, metric.dataset_digest == d.digest)
        if d.digest is not None
        else metric.dataset_name == d.name
        for d in datasets
    ]
    return [sa.or_(*each)]


def _metric_exists(comparison: Comparison, datasets: Sequence[DatasetFilter]) -> _Column:
    metric = aliased(SqlLoggedModelMetric)
    op, value = comparison.op, float(comparison.value)  # type: ignore[arg-type]
    if op == "!=":
        test = sa.or_(metric.is_nan == sa.true(), metric.value != value)
    else:
        test = sa.and_(metric.is_nan == sa.false(), NUMERIC_COMPARATORS[op](metric.value, value))
    return sa.exists().where(
        metric.model_id == SqlLoggedModel.model_id,
        metric.key == comparison.identifier.key,
        test,
        *_on_datasets(metric, datasets),
    )


def _key_value_exists(comparison: Comparison, sqlite: bool) -> _Column:
    table = aliased(_KEY_VALUE_TABLES[comparison.identifier.type])
    return sa.exists().where(
        table.model_id == SqlLoggedModel.model_id,
        table.key == comparison.identifier.key,
        string_condition(table.value, comparison.op, comparison.value, sqlite),
    )


def _latest_metric(order_by: LoggedModelOrderBy) -> Any:
    metric = aliased(SqlLoggedModelMetric)
    conditions = [
        metric.model_id == SqlLoggedModel.model_id,
        metric.key == order_by.identifier.key,
    ]
    if order_by.dataset_name is not None:
        conditions.append(metric.dataset_name == order_by.dataset_name)
    if order_by.dataset_digest is not None:
        conditions.append(metric.dataset_digest == order_by.dataset_digest)
    return (
        sa.select(sa.case((metric.is_nan == sa.true(), sa.null()), else_=metric.value))
        .where(*conditions)
        .order_by(metric.timestamp.desc(), metric.step.desc(), metric.run_id.asc(), metric.id.asc())
        .limit(1)
        .scalar_subquery()
    )


def logged_model_query(
    columns: Sequence[Any],
    experiment_keys: Sequence[int],
    comparisons: Sequence[Comparison],
    datasets: Sequence[DatasetFilter],
    order_bys: Sequence[LoggedModelOrderBy],
    sqlite: bool,
) -> sa.Select[Any]:
    """A SELECT of ``columns`` over matching active models in search order (no LIMIT yet)."""
    conditions: list[_Column] = [
        SqlLoggedModel.experiment_id.in_(list(experiment_keys)),
        SqlLoggedModel.lifecycle_stage == LifecycleStage.ACTIVE.value,
    ]
    has_metric_comparison = False
    for comparison in comparisons:
        kind, key = comparison.identifier.type, comparison.identifier.key
        if kind is EntityType.METRIC:
            has_metric_comparison = True
            conditions.append(_metric_exists(comparison, datasets))
        elif kind in _KEY_VALUE_TABLES:
            conditions.append(_key_value_exists(comparison, sqlite))
        elif key in LOGGED_MODEL_NUMERIC_ATTRIBUTES:
            value = float(comparison.value)  # type: ignore[arg-type]
            conditions.append(NUMERIC_COMPARATORS[comparison.op](_ATTRIBUTES[key], value))
        else:
            conditions.append(
                string_condition(_ATTRIBUTES[key], comparison.op, comparison.value, sqlite)
            )
    if datasets and not has_metric_comparison:
        metric = aliased(SqlLoggedModelMetric)
        conditions.append(
            sa.exists().where(
                metric.model_id == SqlLoggedModel.model_id, *_on_datasets(metric, datasets)
            )
        )
    order: list[Any] = []
    for order_by in order_bys:
        key = order_by.identifier.key
        if order_by.identifier.type is EntityType.METRIC:
            expression, string = _latest_metric(order_by), False
        else:
            expression, string = _ATTRIBUTES[key], key not in LOGGED_MODEL_NUMERIC_ATTRIBUTES
        order.append(ordered(expression, order_by.ascending, string, sqlite).nulls_last())
    return (
        sa.select(*columns)
        .where(*conditions)
        .order_by(
            *order,
            SqlLoggedModel.creation_timestamp.desc(),
            ordered(SqlLoggedModel.model_id, True, True, sqlite),
        )
    )
