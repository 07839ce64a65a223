"""Logging to runs, the hot path: ``log_batch``, ``get_metric_history`` and ``delete_tag``.

Each batch is one short write transaction of a few multi-row (executemany) statements on a raw
DBAPI cursor: check the run, check params for conflicts, insert params, upsert tags, insert
metric points (identical points are stored once by the primary key) and upsert each key's
latest value (greatest ``(step, timestamp)``, the later write winning ties). Metrics carrying a
``model_id`` are also stored as that logged model's metrics, with the run and dataset (MLflow
3); the models are checked before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flowtrack.entities import LifecycleStage, Metric, PagedList, Param, RunTag
from flowtrack.entities.tags import MLFLOW_RUN_NAME
from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.search.paging import decode_page_token, encode_page_token, validate_max_results
from flowtrack.stores.sql.engine import raw_read_cursor, raw_write_transaction
from flowtrack.stores.tracking import rules
from flowtrack.stores.tracking.sql import convert
from flowtrack.stores.tracking.sql.database import Database

__all__ = [
    "active_run_id",
    "delete_tag",
    "get_metric_history",
    "log_batch",
    "run_not_found",
]

_ACTIVE = LifecycleStage.ACTIVE.value
#: LIMIT for "no limit" that both dialects accept.
_NO_LIMIT = 2**62


def run_not_found(run_id: str) -> NotFoundError:
    """The error for an unknown run id."""
    return NotFoundError(f"Run {run_id!r} not found")


def active_run_id(db: Database, cursor: Any, run_id: str) -> int:
    """The internal id of an active run, inside a write transaction.

    Raises:
        NotFoundError: No run has that id.
        InvalidStateError: The run is deleted.
    """
    row = cursor.execute(db.hot.select_run.sql, (run_id,)).fetchone()
    if row is None:
        raise run_not_found(run_id)
    if row[1] != _ACTIVE:
        raise rules.run_not_active(run_id)
    return int(row[0])


def _check_params(
    db: Database, cursor: Any, run_key: int, run_id: str, params: list[Param]
) -> None:
    statement = db.select_params(len(params))
    logged = dict(cursor.execute(statement.sql, (run_key, *(p.key for p in params))).fetchall())
    for param in params:
        old = logged.get(param.key)
        if old is not None and old != param.value:
            raise InvalidParameterError(
                f"Param {param.key!r} of run {run_id!r} was already logged with value {old!r}; "
                f"it cannot be changed to {param.value!r} (params are immutable; log a new key "
                "or use a tag)"
            )


def _write_metrics(db: Database, cursor: Any, run_key: int, metrics: Sequence[Metric]) -> None:
    """Insert new points and move each key's latest value, exactly as the reference store.

    Identical points are stored once and change nothing: a point already in the history must
    not become the latest value again. Stored points have ``(step, timestamp)`` at most the
    current latest's, so only points tying the current latest need an existence check.
    """
    # First occurrence of each point, in logging order; NaN is stored as 0.0 with a flag
    # (SQLite cannot store NaN).
    rows = dict.fromkeys(
        (run_key, m.key, m.step, m.timestamp, m.value, False)
        if m.value == m.value
        else (run_key, m.key, m.step, m.timestamp, 0.0, True)
        for m in metrics
    )
    keys = list(dict.fromkeys(row[1] for row in rows))
    statement = db.select_latest(len(keys))
    current = {
        key: (step, timestamp)
        for key, step, timestamp in cursor.execute(statement.sql, (run_key, *keys)).fetchall()
    }
    latest: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        position = (row[2], row[3])
        stored = current.get(row[1])
        if stored is not None:
            if position < stored:
                continue
            if position == stored and cursor.execute(db.hot.point_exists.sql, row).fetchone():
                continue  # already logged: changes nothing
        seen = latest.get(row[1])
        if seen is None or position >= (seen[2], seen[3]):
            latest[row[1]] = row
    db.hot.insert_metrics.run(cursor, list(rows))
    if latest:
        db.hot.upsert_latest.run(cursor, list(latest.values()))


def log_batch(
    db: Database,
    run_id: str,
    metrics: Sequence[Metric],
    params: list[Param],
    tags: Sequence[RunTag],
) -> None:
    """Write a validated batch in one transaction (see ``TrackingStore.log_batch``)."""
    hot = db.hot
    linked = [m for m in metrics if m.model_id is not None] if metrics else None
    with raw_write_transaction(db.engine) as cursor:
        run_key = active_run_id(db, cursor, run_id)
        if linked:
            _check_models(db, cursor, {str(m.model_id) for m in linked})
        if params:
            _check_params(db, cursor, run_key, run_id, params)
            hot.insert_params.run(cursor, [(run_key, p.key, p.value) for p in params])
        if tags:
            # One row per key, the last value winning (one statement cannot update a row twice).
            hot.upsert_tags.run(
                cursor, list({t.key: (run_key, t.key, t.value) for t in tags}.values())
            )
            names = [t.value for t in tags if t.key == MLFLOW_RUN_NAME]
            if names:
                cursor.execute(hot.update_run_name.sql, (names[-1], run_key))
        if metrics:
            _write_metrics(db, cursor, run_key, metrics)
        if linked:
            hot.insert_model_metrics.run(cursor, _model_metric_rows(run_id, linked))


def _check_models(db: Database, cursor: Any, model_ids: set[str]) -> None:
    """Every model a batch links metrics to exists and is active (checked before writing)."""
    for model_id in sorted(model_ids):
        found = cursor.execute(db.hot.model_stage.sql, (model_id,)).fetchone()
        if found is None or found[0] != _ACTIVE:
            raise rules.logged_model_not_found(model_id)


def _model_metric_rows(run_id: str, metrics: Sequence[Metric]) -> list[tuple[Any, ...]]:
    """Rows of MODEL_METRIC_COLUMNS, each point once; no dataset is stored as ''."""
    return list(
        dict.fromkeys(
            (
                m.model_id,
                m.key,
                m.step,
                m.timestamp,
                m.value if m.value == m.value else 0.0,
                m.value != m.value,
                run_id,
                m.dataset_name or "",
                m.dataset_digest or "",
            )
            for m in metrics
        )
    )


def get_metric_history(
    db: Database,
    run_id: str,
    metric_key: str,
    max_results: int | None,
    page_token: str | None,
) -> PagedList[Metric]:
    """Every point of one metric, by step then timestamp, optionally paged."""
    offset = decode_page_token(page_token)
    hot = db.hot
    with raw_read_cursor(db.engine) as cursor:
        found = cursor.execute(hot.select_run.sql, (run_id,)).fetchone()
        if found is None:
            raise run_not_found(run_id)
        if max_results is None and offset == 0:
            rows = cursor.execute(hot.history.sql, (found[0], metric_key)).fetchall()
            return PagedList(convert.metrics_from_rows(metric_key, rows))
        limit = validate_max_results(max_results) if max_results is not None else None
        rows = cursor.execute(
            hot.history_page.sql,
            (found[0], metric_key, _NO_LIMIT if limit is None else limit + 1, offset),
        ).fetchall()
    if limit is not None and len(rows) > limit:
        return PagedList(
            convert.metrics_from_rows(metric_key, rows[:limit]), encode_page_token(offset + limit)
        )
    return PagedList(convert.metrics_from_rows(metric_key, rows))


def delete_tag(db: Database, run_id: str, key: str) -> None:
    """Delete one tag of an active run."""
    with raw_write_transaction(db.engine) as cursor:
        run_key = active_run_id(db, cursor, run_id)
        cursor.execute(db.hot.delete_tag.sql, (run_key, key))
        if cursor.rowcount == 0:
            raise NotFoundError(f"Run {run_id!r} has no tag {key!r}")
