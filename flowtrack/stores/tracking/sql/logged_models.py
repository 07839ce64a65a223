"""Logged models in SQL: create, read (one or a search page), finalize, tags, params, run links.

Not a hot path: plain Core statements in short transactions. A page of models is read with a
fixed number of queries (models, then tags, params and metrics of the whole page). The search
itself is compiled in :mod:`flowtrack.stores.tracking.sql.logged_model_search`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import validate_model_id
from flowtrack.entities import (
    LifecycleStage,
    LoggedModel,
    LoggedModelOutput,
    LoggedModelParameter,
    LoggedModelStatus,
    LoggedModelTag,
    Metric,
    PagedList,
)
from flowtrack.exceptions import NotFoundError
from flowtrack.search.logged_models import (
    parse_logged_model_datasets,
    parse_logged_model_filter,
    parse_logged_model_order_by,
)
from flowtrack.search.paging import decode_page_token, encode_page_token, validate_max_results
from flowtrack.stores.sql.conditions import ordered
from flowtrack.stores.sql.schema import (
    SqlExperiment,
    SqlLoggedModel,
    SqlLoggedModelMetric,
    SqlLoggedModelParam,
    SqlLoggedModelTag,
    SqlRun,
    SqlRunLoggedModel,
)
from flowtrack.stores.tracking import rules
from flowtrack.stores.tracking.sql import convert
from flowtrack.stores.tracking.sql.database import Database
from flowtrack.stores.tracking.sql.experiments import experiment_key, experiment_keys
from flowtrack.stores.tracking.sql.logged_model_search import logged_model_query

__all__ = [
    "DEFAULT_SEARCH_MAX_RESULTS",
    "create_logged_model",
    "delete_logged_model",
    "delete_logged_model_tag",
    "finalize_logged_model",
    "get_logged_model",
    "link_models",
    "log_logged_model_params",
    "log_outputs",
    "search_logged_models",
    "set_logged_model_tags",
]

#: ``search_logged_models`` page size when ``max_results`` is None, as MLflow.
DEFAULT_SEARCH_MAX_RESULTS = 100
_ACTIVE = LifecycleStage.ACTIVE.value
_DELETED = LifecycleStage.DELETED.value
_MODEL_COLUMNS = (
    SqlLoggedModel.model_id,
    SqlLoggedModel.experiment_id,
    SqlLoggedModel.name,
    SqlLoggedModel.artifact_location,
    SqlLoggedModel.creation_timestamp,
    SqlLoggedModel.last_updated_timestamp,
    SqlLoggedModel.model_type,
    SqlLoggedModel.source_run_id,
    SqlLoggedModel.status,
    SqlLoggedModel.status_message,
)


def _active_model(connection: sa.Connection, model_id: str) -> None:
    """Check that an active model has that id.

    Raises:
        InvalidParameterError: A malformed id.
        NotFoundError: No such model, or it is deleted.
    """
    stage = connection.execute(
        sa.select(SqlLoggedModel.lifecycle_stage).where(
            SqlLoggedModel.model_id == validate_model_id(model_id)
        )
    ).scalar_one_or_none()
    if stage != _ACTIVE:
        raise rules.logged_model_not_found(model_id)


def _upsert(db: Database, table: Any) -> Any:
    statement = db.insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.model_id, table.key], set_={"value": statement.excluded.value}
    )


def _load(db: Database, connection: sa.Connection, rows: Sequence[Any]) -> list[LoggedModel]:
    """Models from rows of _MODEL_COLUMNS, with their tags, params and metrics (3 queries)."""
    if not rows:
        return []
    ids = [row[0] for row in rows]
    tags: defaultdict[str, dict[str, str]] = defaultdict(dict)
    params: defaultdict[str, dict[str, str]] = defaultdict(dict)
    for table, found in ((SqlLoggedModelTag, tags), (SqlLoggedModelParam, params)):
        for model_id, key, value in connection.execute(
            sa.select(table.model_id, table.key, table.value).where(table.model_id.in_(ids))
        ):
            found[model_id][key] = value
    metrics: defaultdict[str, list[Metric]] = defaultdict(list)
    m = SqlLoggedModelMetric
    for row in connection.execute(
        sa.select(
            m.model_id, m.key, m.value, m.is_nan, m.timestamp, m.step, m.run_id,
            m.dataset_name, m.dataset_digest,
        )
        .where(m.model_id.in_(ids))
        .order_by(m.model_id, ordered(m.key, True, True, db.sqlite), m.step, m.timestamp, m.id)
    ):  # fmt: skip
        metrics[row[0]].append(convert.model_metric(row))
    return [
        convert.logged_model(row, tags.get(row[0], {}), params.get(row[0], {}), metrics.get(row[0]))
        for row in rows
    ]


def create_logged_model(
    db: Database,
    experiment_id: str,
    name: str | None,
    source_run_id: str | None,
    tags: Sequence[LoggedModelTag],
    params: Sequence[LoggedModelParameter],
    model_type: str | None,
) -> LoggedModel:
    """See :meth:`TrackingStore.create_logged_model`."""
    model_name = rules.check_logged_model_name(name)
    checked_type = rules.check_model_type(model_type)
    checked_tags = rules.check_logged_model_tags(tags)
    checked_params = rules.check_logged_model_params(params)
    key = experiment_key(experiment_id)
    model_id, now = rules.new_logged_model_id(), now_ms()
    with db.writer.begin() as connection:
        experiment = connection.execute(
            sa.select(SqlExperiment.lifecycle_stage, SqlExperiment.artifact_location).where(
                SqlExperiment.experiment_id == key
            )
        ).first()
        if experiment is None:
            raise rules.experiment_not_found(str(key))
        if experiment[0] != _ACTIVE:
            raise rules.experiment_not_active(str(key), "creating logged models in it")
        if source_run_id is not None and (
            connection.execute(sa.select(SqlRun.id).where(SqlRun.run_uuid == source_run_id)).first()
            is None
        ):
            raise NotFoundError(f"Source run {source_run_id!r} of the logged model not found")
        row = (
            model_id,
            key,
            model_name,
            rules.logged_model_artifact_location(experiment[1], model_id),
            now,
            now,
            checked_type,
            source_run_id,
            LoggedModelStatus.PENDING.value,
            None,
        )
        values = {column.key: value for column, value in zip(_MODEL_COLUMNS, row, strict=True)}
        connection.execute(sa.insert(SqlLoggedModel).values(**values, lifecycle_stage=_ACTIVE))
        for table, items in (
            (SqlLoggedModelTag, checked_tags),
            (SqlLoggedModelParam, checked_params),
        ):
            if items:
                connection.execute(
                    sa.insert(table),
                    [{"model_id": model_id, "key": k, "value": v} for k, v in items.items()],
                )
    return convert.logged_model(row, checked_tags, checked_params, None)


def get_logged_model(db: Database, model_id: str, allow_deleted: bool) -> LoggedModel:
    """See :meth:`TrackingStore.get_logged_model`."""
    query = sa.select(*_MODEL_COLUMNS).where(SqlLoggedModel.model_id == validate_model_id(model_id))
    if not allow_deleted:
        query = query.where(SqlLoggedModel.lifecycle_stage == _ACTIVE)
    with db.engine.connect() as connection:
        rows = connection.execute(query).all()
        if not rows:
            raise rules.logged_model_not_found(model_id)
        return _load(db, connection, rows)[0]


def _update(db: Database, model_id: str, **values: Any) -> None:
    with db.writer.begin() as connection:
        _active_model(connection, model_id)
        connection.execute(
            sa.update(SqlLoggedModel)
            .where(SqlLoggedModel.model_id == model_id)
            .values(**values, last_updated_timestamp=now_ms())
        )


def delete_logged_model(db: Database, model_id: str) -> None:
    """Soft-delete an active model."""
    _update(db, model_id, lifecycle_stage=_DELETED)


def finalize_logged_model(
    db: Database, model_id: str, status: LoggedModelStatus, status_message: str | None
) -> LoggedModel:
    """Set the final status of an active model."""
    final = rules.check_finalize_status(status)
    _update(db, model_id, status=final.value, status_message=status_message)
    return get_logged_model(db, model_id, allow_deleted=False)


def _set_key_values(db: Database, table: Any, model_id: str, items: dict[str, str]) -> None:
    with db.writer.begin() as connection:
        _active_model(connection, model_id)
        if items:
            rows = [{"model_id": model_id, "key": k, "value": v} for k, v in items.items()]
            connection.execute(_upsert(db, table), rows)


def set_logged_model_tags(db: Database, model_id: str, tags: Sequence[LoggedModelTag]) -> None:
    """Insert or overwrite tags of an active model."""
    _set_key_values(db, SqlLoggedModelTag, model_id, rules.check_logged_model_tags(tags))


def log_logged_model_params(
    db: Database, model_id: str, params: Sequence[LoggedModelParameter]
) -> None:
    """Insert or overwrite params of an active model."""
    _set_key_values(db, SqlLoggedModelParam, model_id, rules.check_logged_model_params(params))


def delete_logged_model_tag(db: Database, model_id: str, key: str) -> None:
    """Delete one tag of an active model."""
    with db.writer.begin() as connection:
        _active_model(connection, model_id)
        deleted = connection.execute(
            sa.delete(SqlLoggedModelTag).where(
                SqlLoggedModelTag.model_id == model_id, SqlLoggedModelTag.key == key
            )
        )
        if deleted.rowcount == 0:
            raise NotFoundError(f"Logged model {model_id!r} has no tag {key!r}")


def link_models(
    db: Database,
    connection: sa.Connection,
    run_key: int,
    direction: str,
    links: Sequence[tuple[str, int]],
) -> None:
    """Link active models to a run (``input`` or ``output``), each (model, step) once."""
    for model_id, _ in links:
        _active_model(connection, model_id)
    rows = [
        {"run_id": run_key, "direction": direction, "model_id": model_id, "step": step}
        for model_id, step in links
    ]
    connection.execute(db.insert(SqlRunLoggedModel).on_conflict_do_nothing(), rows)
    connection.execute(sa.update(SqlRun).where(SqlRun.id == run_key).values(has_models=True))


def log_outputs(db: Database, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
    """See :meth:`TrackingStore.log_outputs`."""
    links = rules.check_model_outputs(models)
    with db.writer.begin() as connection:
        found = connection.execute(
            sa.select(SqlRun.id, SqlRun.lifecycle_stage).where(SqlRun.run_uuid == run_id)
        ).first()
        if found is None:
            raise NotFoundError(f"Run {run_id!r} not found")
        if found[1] != _ACTIVE:
            raise rules.run_not_active(run_id, "log outputs")
        if links:
            link_models(db, connection, found[0], "output", links)


def search_logged_models(
    db: Database,
    experiment_ids: Sequence[str],
    filter_string: str | None,
    datasets: Sequence[Mapping[str, Any]] | None,
    max_results: int | None,
    order_by: Sequence[Mapping[str, Any]] | None,
    page_token: str | None,
) -> PagedList[LoggedModel]:
    """See :meth:`TrackingStore.search_logged_models`."""
    comparisons = parse_logged_model_filter(filter_string)
    dataset_filters = parse_logged_model_datasets(datasets)
    order_bys = parse_logged_model_order_by(order_by)
    limit = validate_max_results(DEFAULT_SEARCH_MAX_RESULTS if max_results is None else max_results)
    offset = decode_page_token(page_token)
    keys = experiment_keys(experiment_ids)
    if not keys:
        return PagedList([])
    query = logged_model_query(
        _MODEL_COLUMNS, keys, comparisons, dataset_filters, order_bys, db.sqlite
    )
    with db.engine.connect() as connection:
        rows = connection.execute(query.limit(limit + 1).offset(offset)).all()
        models = _load(db, connection, rows[:limit])
    return PagedList(models, encode_page_token(offset + limit) if len(rows) > limit else None)
