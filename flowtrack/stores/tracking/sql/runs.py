"""Runs: create, read (one or a search page), update, soft-delete/restore, list deleted, purge."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import uuid4

import sqlalchemy as sa

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import validate_key, validate_run_id, validate_tag_value
from flowtrack.entities import (
    DatasetInput,
    LifecycleStage,
    LoggedModelInput,
    LoggedModelOutput,
    PagedList,
    Run,
    RunInfo,
    RunStatus,
    RunTag,
    ViewType,
)
from flowtrack.entities.tags import MLFLOW_RUN_NAME
from flowtrack.exceptions import (
    AlreadyExistsError,
    NotFoundError,
)
from flowtrack.search.paging import decode_page_token, encode_page_token, validate_max_results
from flowtrack.search.parser import parse_run_filter, parse_run_order_by
from flowtrack.stores.sql.engine import raw_read_transaction, raw_write_transaction
from flowtrack.stores.sql.schema import (
    SqlExperiment,
    SqlRun,
)
from flowtrack.stores.tracking import rules
from flowtrack.stores.tracking.sql import convert
from flowtrack.stores.tracking.sql.batch import run_not_found
from flowtrack.stores.tracking.sql.database import RUN_LOAD_COLUMNS, Database
from flowtrack.stores.tracking.sql.experiments import (
    experiment_key,
    experiment_keys,
    view_type_stages,
)
from flowtrack.stores.tracking.sql.search import run_query

__all__ = [
    "create_run",
    "get_run",
    "list_deleted_runs",
    "purge_runs",
    "search_runs",
    "set_run_lifecycle_stage",
    "update_run_info",
]

_ACTIVE = LifecycleStage.ACTIVE.value
_DELETED = LifecycleStage.DELETED.value


def _model_links(
    db: Database, cursor: Any, linked: list[int]
) -> tuple[dict[int, list[LoggedModelInput]], dict[int, list[LoggedModelOutput]]]:
    """Logged-model inputs and outputs of the runs with these keys."""
    inputs: defaultdict[int, list[LoggedModelInput]] = defaultdict(list)
    outputs: defaultdict[int, list[LoggedModelOutput]] = defaultdict(list)
    for run_key, direction, model_id, step in cursor.execute(
        db.hot.run_models.sql, (db.id_list(linked),)
    ).fetchall():
        if direction == "output":
            outputs[run_key].append(convert.model_output(model_id, step))
        else:
            inputs[run_key].append(convert.model_input(model_id))
    return inputs, outputs


def _load_runs(db: Database, cursor: Any, rows: Sequence[Any]) -> list[Run]:
    """Runs (rows of RUN_LOAD_COLUMNS) with their latest metrics, params, tags and inputs
    (four queries), and their logged-model links (a fifth, only for runs that have some)."""
    if not rows:
        return []
    hot, ids = db.hot, (db.id_list([row[0] for row in rows]),)
    metrics: defaultdict[int, dict[str, float]] = defaultdict(dict)
    for run_key, key, number, is_nan in cursor.execute(hot.run_metrics.sql, ids).fetchall():
        metrics[run_key][key] = convert.metric_value(number, is_nan)
    params: defaultdict[int, dict[str, str]] = defaultdict(dict)
    for run_key, key, text in cursor.execute(hot.run_params.sql, ids).fetchall():
        params[run_key][key] = text
    tags: defaultdict[int, dict[str, str]] = defaultdict(dict)
    for run_key, key, text in cursor.execute(hot.run_tags.sql, ids).fetchall():
        tags[run_key][key] = text
    inputs: defaultdict[int, list[DatasetInput]] = defaultdict(list)
    for row in cursor.execute(hot.run_inputs.sql, ids).fetchall():
        inputs[row[0]].append(convert.dataset_input(row[1:]))
    # Only runs flagged has_models cost a fifth query.
    linked = [row[0] for row in rows if row[10]]
    if not linked:
        return [
            convert.run(
                convert.run_info(row[1:10]),
                metrics.get(row[0], {}),
                params.get(row[0], {}),
                tags.get(row[0], {}),
                inputs.get(row[0], []),
            )
            for row in rows
        ]
    model_inputs, model_outputs = _model_links(db, cursor, linked)
    return [
        convert.run(
            convert.run_info(row[1:10]),
            metrics.get(row[0], {}),
            params.get(row[0], {}),
            tags.get(row[0], {}),
            inputs.get(row[0], []),
            model_inputs.get(row[0]),
            model_outputs.get(row[0]),
        )
        for row in rows
    ]


def get_run(db: Database, run_id: str) -> Run:
    """One run (active or deleted) with everything logged to it."""
    with raw_read_transaction(db.engine) as cursor:
        rows = cursor.execute(db.hot.select_run_load.sql, (run_id,)).fetchall()
        if not rows:
            raise run_not_found(run_id)
        return _load_runs(db, cursor, rows)[0]


def create_run(
    db: Database,
    experiment_id: str,
    user_id: str | None,
    start_time: int | None,
    tags: Sequence[RunTag],
    run_name: str | None,
    run_id: str | None = None,
) -> Run:
    """Insert a RUNNING run with its tags; ``mlflow.runName`` is set to the final name."""
    key = experiment_key(experiment_id)
    rules.check_run_time("start_time", start_time)
    tag_values: dict[str, str] = {}
    for tag in tags:
        tag_values[validate_key("tag", tag.key)] = validate_tag_value(tag.key, tag.value)
    name = rules.resolve_run_name(run_name, tag_values)
    tag_values[MLFLOW_RUN_NAME] = validate_tag_value(MLFLOW_RUN_NAME, name)
    run_uuid = uuid4().hex if run_id is None else validate_run_id(run_id)
    hot = db.hot
    with raw_write_transaction(db.engine) as cursor:
        found = cursor.execute(hot.select_experiment_for_run.sql, (key,)).fetchone()
        if found is None:
            raise rules.experiment_not_found(str(key))
        if found[0] != _ACTIVE:
            raise rules.experiment_not_active(str(key), "creating runs in it")
        if run_id is not None and cursor.execute(hot.select_run.sql, (run_uuid,)).fetchone():
            raise AlreadyExistsError(f"A run with id {run_uuid!r} already exists")
        info = (
            run_uuid,
            name,
            key,
            user_id,
            RunStatus.RUNNING.value,
            now_ms() if start_time is None else start_time,
            None,
            f"{found[1]}/{run_uuid}/artifacts",
            _ACTIVE,
        )
        run_key = cursor.execute(hot.insert_run.sql, info).fetchone()[0]
        hot.upsert_tags.run(cursor, [(run_key, k, v) for k, v in tag_values.items()])
    return convert.run(convert.run_info(info), {}, {}, tag_values, [])


def update_run_info(
    db: Database,
    run_id: str,
    run_status: RunStatus | None,
    end_time: int | None,
    run_name: str | None,
) -> RunInfo:
    """Change an active run's status, end time and/or name (and its ``mlflow.runName`` tag)."""
    status = None if run_status is None else rules.parse_run_status(run_status).value
    rules.check_run_time("end_time", end_time)
    if run_name is not None:
        validate_tag_value(MLFLOW_RUN_NAME, run_name)
    hot = db.hot
    with raw_write_transaction(db.engine) as cursor:
        row = cursor.execute(hot.select_run_info.sql, (run_id,)).fetchone()
        if row is None:
            raise run_not_found(run_id)
        if row[-1] != _ACTIVE:
            raise rules.run_not_active(run_id, "be updated")
        cursor.execute(hot.update_run_info.sql, (run_name, status, end_time, row[0]))
        if run_name is not None:
            hot.upsert_tags.run(cursor, [(row[0], MLFLOW_RUN_NAME, run_name)])
    info = list(row[1:])  # run_uuid, name, experiment_id, user_id, status, start, end, ...
    for index, value in ((1, run_name), (4, status), (6, end_time)):
        if value is not None:
            info[index] = value
    return convert.run_info(info)


def set_run_lifecycle_stage(db: Database, run_id: str, stage: LifecycleStage) -> None:
    """Soft-delete (recording when) or restore a run; a no-op when already in ``stage``.

    Raises:
        NotFoundError: No such run.
        InvalidStateError: Restoring a run whose experiment is deleted.
    """
    target = rules.parse_lifecycle_stage(stage).value
    with db.writer.begin() as connection:
        found = connection.execute(
            sa.select(
                SqlRun.id,
                SqlRun.lifecycle_stage,
                SqlExperiment.experiment_id,
                SqlExperiment.lifecycle_stage,
            )
            .join(SqlExperiment, SqlExperiment.experiment_id == SqlRun.experiment_id)
            .where(SqlRun.run_uuid == run_id)
        ).first()
        if found is None:
            raise run_not_found(run_id)
        run_key, current, experiment_key_, experiment_stage = found
        if current == target:
            return
        if target == _ACTIVE:
            rules.check_run_restorable(
                run_id, str(experiment_key_), LifecycleStage(experiment_stage)
            )
        connection.execute(
            sa.update(SqlRun)
            .where(SqlRun.id == run_key)
            .values(
                lifecycle_stage=target,
                deleted_time=now_ms() if target == _DELETED else None,
                deleted_by_experiment=False,
            )
        )


def search_runs(
    db: Database,
    experiment_ids: Sequence[str],
    filter_string: str | None,
    run_view_type: ViewType,
    max_results: int,
    order_by: Sequence[str] | None,
    page_token: str | None,
) -> PagedList[Run]:
    """One page of runs matching a filter, in order (see ``TrackingStore.search_runs``)."""
    limit = validate_max_results(max_results)
    comparisons = parse_run_filter(filter_string)
    order_bys = parse_run_order_by(order_by)
    offset = decode_page_token(page_token)
    stages = view_type_stages(run_view_type)
    keys = experiment_keys(experiment_ids)
    if not keys:
        return PagedList([])
    query = run_query(RUN_LOAD_COLUMNS, keys, stages, comparisons, order_bys, db.sqlite)
    with db.engine.connect() as connection:
        rows = connection.execute(query.limit(limit + 1).offset(offset)).all()
        cursor = connection.connection.cursor()  # same transaction, without Core's overhead
        try:
            runs = _load_runs(db, cursor, rows[:limit])
        finally:
            cursor.close()
    return PagedList(runs, encode_page_token(offset + limit) if len(rows) > limit else None)


def list_deleted_runs(db: Database, older_than_ms: int | None) -> list[str]:
    """Ids of deleted runs, optionally only those deleted at least ``older_than_ms`` ago."""
    query = sa.select(SqlRun.run_uuid).where(SqlRun.lifecycle_stage == _DELETED)
    rules.check_older_than_ms(older_than_ms)
    if older_than_ms is not None:
        cutoff = now_ms() - older_than_ms
        query = query.where(sa.func.coalesce(SqlRun.deleted_time, 0) <= cutoff)
    with db.engine.connect() as connection:
        return list(
            connection.execute(query.order_by(SqlRun.deleted_time, SqlRun.run_uuid)).scalars()
        )


def purge_runs(db: Database, run_ids: Sequence[str]) -> None:
    """Permanently delete deleted runs; their metrics, params, tags and inputs cascade."""
    wanted = list(dict.fromkeys(run_ids))
    if not wanted:
        return
    with db.writer.begin() as connection:
        stages = dict(
            connection.execute(
                sa.select(SqlRun.run_uuid, SqlRun.lifecycle_stage).where(
                    SqlRun.run_uuid.in_(wanted)
                )
            ).all()
        )
        for run_id in wanted:
            if run_id not in stages:
                raise NotFoundError(f"Run {run_id!r} not found; nothing was purged")
            rules.check_run_purgeable(run_id, LifecycleStage(stages[run_id]))
        connection.execute(sa.delete(SqlRun).where(SqlRun.run_uuid.in_(wanted)))
