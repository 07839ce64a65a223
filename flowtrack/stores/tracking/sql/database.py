"""The store's handle on its database: engines, dialect facts and precompiled hot statements.

The hot paths (``log_batch``, ``get_metric_history``) run on raw DBAPI cursors: their Core
statements are compiled once per store into positional SQL (``?`` on SQLite, ``%s`` on psycopg),
which removes most of SQLAlchemy's per-call overhead (~600 us -> ~160 us per ``log_metric`` on
a slow machine). Values are always bound parameters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.sql.expression import ClauseElement

from flowtrack.stores.sql.bulk import BulkWrite, compile_bulk_insert, compile_positional
from flowtrack.stores.sql.engine import is_sqlite, write_engine
from flowtrack.stores.sql.schema import (
    Base,
    SqlDataset,
    SqlExperiment,
    SqlLatestMetric,
    SqlLoggedModel,
    SqlLoggedModelMetric,
    SqlMetric,
    SqlParam,
    SqlRun,
    SqlRunInput,
    SqlRunLoggedModel,
    SqlRunTag,
)

__all__ = [
    "MODEL_METRIC_COLUMNS",
    "RUN_INFO_COLUMNS",
    "RUN_LOAD_COLUMNS",
    "Database",
    "HotStatements",
    "Positional",
]


@dataclass(frozen=True, slots=True)
class Positional:
    """A statement compiled to positional SQL; ``names`` is the order of its parameters."""

    sql: str
    names: tuple[str, ...]


def _positional_dialect(engine: Engine) -> Dialect:
    if is_sqlite(engine):
        return engine.dialect
    # psycopg's default paramstyle is named; compile with %s so rows can be plain tuples.
    dialect_class: Any = type(engine.dialect)
    return dialect_class(paramstyle="format")  # type: ignore[no-any-return]


def _compile(
    statement: ClauseElement, dialect: Dialect, expected: tuple[str, ...] | None = None
) -> Positional:
    return Positional(*compile_positional(statement, dialect, expected))


def _bind(*names: str) -> dict[str, Any]:
    return {name: sa.bindparam(name) for name in names}


def _ids_in(column: Any, sqlite_dialect: bool) -> sa.ColumnElement[bool]:
    """``column`` is one of the ids bound as the single parameter ``ids`` (see
    :meth:`Database.id_list`), so one compiled statement serves any number of runs."""
    if sqlite_dialect:
        each = sa.func.json_each(sa.bindparam("ids", type_=sa.String)).table_valued("value")
        return column.in_(sa.select(each.c.value))  # type: ignore[no-any-return]
    return column == sa.any_(sa.bindparam("ids", type_=postgresql.ARRAY(sa.BigInteger)))  # type: ignore[no-any-return]


_METRIC_COLUMNS = ("run_id", "key", "step", "timestamp", "value", "is_nan")
_KEY_VALUE = ("run_id", "key", "value")
#: Columns of a new run, in the order of HotStatements.insert_run's parameters.
_RUN_INSERT_COLUMNS = (
    "run_uuid",
    "name",
    "experiment_id",
    "user_id",
    "status",
    "start_time",
    "end_time",
    "artifact_uri",
    "lifecycle_stage",
)
#: How runs are read: the internal id, then RunInfo's fields in convert.run_info's order.
RUN_INFO_COLUMNS = (SqlRun.id, *(getattr(SqlRun, name) for name in _RUN_INSERT_COLUMNS))
#: How whole runs are read: RUN_INFO_COLUMNS, then whether the run links logged models.
RUN_LOAD_COLUMNS = (*RUN_INFO_COLUMNS, SqlRun.has_models)
#: Columns of a logged-model metric row, in the order of HotStatements.insert_model_metrics.
MODEL_METRIC_COLUMNS = (
    "model_id",
    "key",
    "step",
    "timestamp",
    "value",
    "is_nan",
    "run_id",
    "dataset_name",
    "dataset_digest",
)


@dataclass(frozen=True, slots=True)
class HotStatements:
    """Positional SQL of the hot-path statements.

    Row tuples passed with them follow each statement's ``names``: metrics and latest metrics
    take ``(run_id, key, step, timestamp, value, is_nan)``, params and tags
    ``(run_id, key, value)``.
    """

    select_run: Positional
    select_run_info: Positional
    select_run_load: Positional
    select_experiment_for_run: Positional
    insert_run: Positional
    update_run_info: Positional
    insert_metrics: BulkWrite
    upsert_latest: BulkWrite
    insert_params: BulkWrite
    upsert_tags: BulkWrite
    update_run_name: Positional
    point_exists: Positional
    delete_tag: Positional
    history: Positional
    history_page: Positional
    run_metrics: Positional
    run_params: Positional
    run_tags: Positional
    run_inputs: Positional
    run_models: Positional
    model_stage: Positional
    insert_model_metrics: BulkWrite

    @classmethod
    def compile_for(cls, engine: Engine) -> HotStatements:
        """Compile every statement for the engine's dialect."""
        dialect = _positional_dialect(engine)
        sqlite_dialect = is_sqlite(engine)

        def latest_wins(statement: Any) -> Any:
            return statement.on_conflict_do_update(
                index_elements=[SqlLatestMetric.run_id, SqlLatestMetric.key],
                set_={
                    "step": statement.excluded.step,
                    "timestamp": statement.excluded.timestamp,
                    "value": statement.excluded.value,
                    "is_nan": statement.excluded.is_nan,
                },
                # Greatest (step, timestamp) wins; on a tie the later write wins.
                where=sa.tuple_(statement.excluded.step, statement.excluded.timestamp)
                >= sa.tuple_(SqlLatestMetric.step, SqlLatestMetric.timestamp),
            )

        def overwrite_tag(statement: Any) -> Any:
            return statement.on_conflict_do_update(
                index_elements=[SqlRunTag.run_id, SqlRunTag.key],
                set_={"value": statement.excluded.value},
            )

        def keep_existing(statement: Any) -> Any:
            return statement.on_conflict_do_nothing()

        history = (
            sa.select(
                SqlMetric.step,
                SqlMetric.timestamp,
                # NaN comes back as NULL: one column less to fetch per point.
                sa.case((SqlMetric.is_nan == sa.true(), sa.null()), else_=SqlMetric.value),
            )
            .where(SqlMetric.run_id == sa.bindparam("run_id"), SqlMetric.key == sa.bindparam("key"))
            .order_by(SqlMetric.step, SqlMetric.timestamp, SqlMetric.value)
        )
        return cls(
            select_run=_compile(
                sa.select(SqlRun.id, SqlRun.lifecycle_stage).where(
                    SqlRun.run_uuid == sa.bindparam("run_uuid")
                ),
                dialect,
            ),
            select_run_info=_compile(
                sa.select(*RUN_INFO_COLUMNS).where(SqlRun.run_uuid == sa.bindparam("run_uuid")),
                dialect,
            ),
            select_run_load=_compile(
                sa.select(*RUN_LOAD_COLUMNS).where(SqlRun.run_uuid == sa.bindparam("run_uuid")),
                dialect,
            ),
            select_experiment_for_run=_compile(
                sa.select(SqlExperiment.lifecycle_stage, SqlExperiment.artifact_location).where(
                    SqlExperiment.experiment_id == sa.bindparam("experiment_id")
                ),
                dialect,
            ),
            insert_run=_compile(
                sa.insert(SqlRun).values(_bind(*_RUN_INSERT_COLUMNS)).returning(SqlRun.id),
                dialect,
                _RUN_INSERT_COLUMNS,
            ),
            update_run_info=_compile(
                sa.update(SqlRun)
                .where(SqlRun.id == sa.bindparam("run_id"))
                .values(
                    {
                        name: sa.func.coalesce(sa.bindparam(name), getattr(SqlRun, name))
                        for name in ("status", "end_time", "name")
                    }
                ),
                dialect,
                ("name", "status", "end_time", "run_id"),
            ),
            insert_metrics=compile_bulk_insert(SqlMetric, _METRIC_COLUMNS, keep_existing, dialect),
            upsert_latest=compile_bulk_insert(
                SqlLatestMetric, _METRIC_COLUMNS, latest_wins, dialect
            ),
            insert_params=compile_bulk_insert(SqlParam, _KEY_VALUE, keep_existing, dialect),
            upsert_tags=compile_bulk_insert(SqlRunTag, _KEY_VALUE, overwrite_tag, dialect),
            update_run_name=_compile(
                sa.update(SqlRun)
                .where(SqlRun.id == sa.bindparam("run_id"))
                .values(name=sa.bindparam("name")),
                dialect,
                ("name", "run_id"),
            ),
            point_exists=_compile(
                sa.select(SqlMetric.step).where(
                    *(getattr(SqlMetric, name) == sa.bindparam(name) for name in _METRIC_COLUMNS)
                ),
                dialect,
                _METRIC_COLUMNS,
            ),
            delete_tag=_compile(
                sa.delete(SqlRunTag).where(
                    SqlRunTag.run_id == sa.bindparam("run_id"), SqlRunTag.key == sa.bindparam("key")
                ),
                dialect,
                ("run_id", "key"),
            ),
            history=_compile(history, dialect, ("run_id", "key")),
            run_metrics=_compile(
                sa.select(
                    SqlLatestMetric.run_id,
                    SqlLatestMetric.key,
                    SqlLatestMetric.value,
                    SqlLatestMetric.is_nan,
                )
                .where(_ids_in(SqlLatestMetric.run_id, sqlite_dialect))
                .order_by(SqlLatestMetric.run_id, SqlLatestMetric.key),
                dialect,
                ("ids",),
            ),
            run_params=_compile(
                sa.select(SqlParam.run_id, SqlParam.key, SqlParam.value)
                .where(_ids_in(SqlParam.run_id, sqlite_dialect))
                .order_by(SqlParam.run_id, SqlParam.key),
                dialect,
                ("ids",),
            ),
            run_tags=_compile(
                sa.select(SqlRunTag.run_id, SqlRunTag.key, SqlRunTag.value)
                .where(_ids_in(SqlRunTag.run_id, sqlite_dialect))
                .order_by(SqlRunTag.run_id, SqlRunTag.key),
                dialect,
                ("ids",),
            ),
            run_inputs=_compile(
                sa.select(
                    SqlRunInput.run_id,
                    SqlDataset.name,
                    SqlDataset.digest,
                    SqlDataset.source_type,
                    SqlDataset.source,
                    SqlDataset.schema,
                    SqlDataset.profile,
                    SqlRunInput.tags,
                )
                .join(SqlDataset, SqlDataset.id == SqlRunInput.dataset_id)
                .where(_ids_in(SqlRunInput.run_id, sqlite_dialect))
                .order_by(SqlRunInput.id),
                dialect,
                ("ids",),
            ),
            run_models=_compile(
                sa.select(
                    SqlRunLoggedModel.run_id,
                    SqlRunLoggedModel.direction,
                    SqlRunLoggedModel.model_id,
                    SqlRunLoggedModel.step,
                )
                .where(_ids_in(SqlRunLoggedModel.run_id, sqlite_dialect))
                .order_by(SqlRunLoggedModel.id),
                dialect,
                ("ids",),
            ),
            model_stage=_compile(
                sa.select(SqlLoggedModel.lifecycle_stage).where(
                    SqlLoggedModel.model_id == sa.bindparam("model_id")
                ),
                dialect,
            ),
            insert_model_metrics=compile_bulk_insert(
                SqlLoggedModelMetric, MODEL_METRIC_COLUMNS, keep_existing, dialect
            ),
            history_page=_compile(
                history.limit(sa.bindparam("limit")).offset(sa.bindparam("offset")),
                dialect,
                ("run_id", "key", "limit", "offset"),
            ),
        )


@dataclass
class Database:
    """Engines and compiled statements of one store.

    Attributes:
        engine: Reads (plain ``BEGIN`` on SQLite).
        writer: The same pool, for write transactions (``BEGIN IMMEDIATE`` on SQLite).
        sqlite: Whether the dialect is SQLite.
        hot: The precompiled hot-path statements.
        default_artifact_root: Root of new experiments' artifact locations, without a trailing
            slash.
    """

    engine: Engine
    default_artifact_root: str
    writer: Engine = field(init=False)
    sqlite: bool = field(init=False)
    hot: HotStatements = field(init=False)
    #: (table, number of keys) -> compiled "keys IN (...)" select; at most a few hundred.
    _key_selects: dict[tuple[str, int], Positional] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.writer = write_engine(self.engine)
        self.sqlite = is_sqlite(self.engine)
        self.hot = HotStatements.compile_for(self.engine)

    def id_list(self, ids: Sequence[int]) -> Any:
        """The ``ids`` parameter of the ``run_*`` hot statements."""
        return json.dumps(list(ids)) if self.sqlite else list(ids)

    def insert(self, entity: type[Base]) -> SqliteInsert | PostgresInsert:
        """The dialect's INSERT (with ``on_conflict_do_nothing`` / ``on_conflict_do_update``)."""
        return sqlite.insert(entity) if self.sqlite else postgresql.insert(entity)

    def select_params(self, count: int) -> Positional:
        """``SELECT key, value FROM params WHERE run_id = ? AND key IN (<count> keys)``."""
        return self._select_by_keys(SqlParam, (SqlParam.key, SqlParam.value), count)

    def select_latest(self, count: int) -> Positional:
        """``SELECT key, step, timestamp FROM latest_metrics WHERE run_id = ? AND key IN (...)``."""
        columns = (SqlLatestMetric.key, SqlLatestMetric.step, SqlLatestMetric.timestamp)
        return self._select_by_keys(SqlLatestMetric, columns, count)

    def _select_by_keys(self, table: Any, columns: tuple[Any, ...], count: int) -> Positional:
        cache_key = (table.__tablename__, count)
        found = self._key_selects.get(cache_key)
        if found is None:
            statement = sa.select(*columns).where(
                table.run_id == sa.bindparam("run_id", value=0),
                table.key.in_(sa.bindparam("keys", value=[""] * count, expanding=True)),
            )
            found = _compile(statement, _positional_dialect(self.engine))
            self._key_selects[cache_key] = found
        return found
