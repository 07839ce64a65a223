"""Engines per dialect: SQLite (embedded default) and PostgreSQL through psycopg 3.

SQLite connections run in WAL mode with ``synchronous=NORMAL``, foreign keys on, the configured
busy timeout and case-sensitive ``LIKE`` (so ``LIKE`` behaves as on PostgreSQL). pysqlite's own
transaction handling is switched off and SQLAlchemy's ``begin`` event emits ``BEGIN IMMEDIATE`` for
connections from :func:`write_engine` (plain ``BEGIN`` for reads): a writer takes the database lock
up front and waits on the busy timeout instead of failing with "database is locked" when it would
otherwise upgrade a read transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import PoolProxiedConnection, StaticPool

from flowtrack.exceptions import InvalidParameterError
from flowtrack.settings import Settings

__all__ = [
    "DEFAULT_SQLITE_BUSY_TIMEOUT",
    "DEFAULT_SQL_POOL_SIZE",
    "SQLITE_LOWER_FUNCTION",
    "WRITE_OPTION",
    "create_sql_engine",
    "is_sqlite",
    "normalize_url",
    "raw_read_cursor",
    "raw_read_transaction",
    "raw_write_transaction",
    "sqlite_database_path",
    "write_engine",
]

#: Python's ``str.lower`` on SQLite connections (SQLite's own lower() folds ASCII only), so
#: ``ILIKE`` lower-cases exactly as the in-memory evaluator does.
SQLITE_LOWER_FUNCTION = "flowtrack_lower"
#: Execution option marking connections that write; SQLite begins them with BEGIN IMMEDIATE.
WRITE_OPTION = "flowtrack_write"

#: The defaults of the settings of the same names, declared once in :class:`Settings`; the
#: stores take the values as arguments and never read the environment.
DEFAULT_SQLITE_BUSY_TIMEOUT: float = Settings.model_fields["sqlite_busy_timeout"].default
DEFAULT_SQL_POOL_SIZE: int = Settings.model_fields["sql_pool_size"].default

_SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")


def normalize_url(uri: str) -> URL:
    """Parse a store URI, mapping plain ``postgresql://`` to the psycopg 3 driver.

    Raises:
        InvalidParameterError: The URI is not a SQLite or PostgreSQL (psycopg) URL.
    """
    try:
        url = make_url(uri)
    except sa.exc.ArgumentError as exc:
        raise InvalidParameterError(
            f"Invalid database URI {uri!r}: expected e.g. 'sqlite:///path.db' or "
            "'postgresql+psycopg://user@host/db'"
        ) from exc
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername not in _SUPPORTED_DRIVERS:
        raise InvalidParameterError(
            f"Unsupported database URI {uri!r} (driver {url.drivername!r}): the SQL store "
            f"supports {', '.join(_SUPPORTED_DRIVERS)} (postgresql:// means psycopg 3)"
        )
    return url


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def sqlite_database_path(url: URL) -> str | None:
    """The file of a SQLite URL, or ``None`` for an in-memory database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    if url.query.get("mode") == "memory":
        return None
    return database


def create_sql_engine(uri: str, *, sqlite_busy_timeout: float, pool_size: int) -> Engine:
    """Create the engine for a store URI.

    Args:
        uri: ``sqlite:///path.db``, ``sqlite://`` (in memory), ``postgresql://...`` or
            ``postgresql+psycopg://...``.
        sqlite_busy_timeout: Seconds a SQLite writer waits for the database lock.
        pool_size: Connections kept by the PostgreSQL pool.

    Returns:
        An engine with the per-dialect connection set-up installed.
    """
    url = normalize_url(uri)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, sqlite_busy_timeout)
    return sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        # LIFO: a thread that logs in a loop gets back the connection it just returned (warm
        # caches, prepared statements) instead of cycling through every pooled one.
        pool_use_lifo=True,
    )


def _sqlite_engine(url: URL, busy_timeout: float) -> Engine:
    connect_args: dict[str, Any] = {"timeout": busy_timeout, "check_same_thread": False}
    in_memory = sqlite_database_path(url) is None
    if in_memory:
        # One shared connection: each new connection to ":memory:" would be a new database.
        engine = sa.create_engine(url, connect_args=connect_args, poolclass=StaticPool)
    else:
        # LIFO: once a second thread (the async metric writer, the system metrics sampler, a
        # Prefect task) has opened a connection, a FIFO pool would hand the logging loop a
        # different connection on every call, and each switch finds the other connection's
        # commit in the WAL and rereads its page cache: ~15 % slower log_metric, measured.
        engine = sa.create_engine(url, connect_args=connect_args, pool_use_lifo=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to the "begin" event below (the pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            # MLflow's LIKE is case-sensitive (ILIKE is not), as on PostgreSQL.
            cursor.execute("PRAGMA case_sensitive_like=ON")
        finally:
            cursor.close()
        dbapi_connection.create_function(SQLITE_LOWER_FUNCTION, 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def write_engine(engine: Engine) -> Engine:
    """The same engine, marked so that its transactions take the write lock up front."""
    return engine.execution_options(**{WRITE_OPTION: True})


@contextmanager
def raw_write_transaction(engine: Engine) -> Iterator[Any]:
    """A DBAPI cursor in a write transaction on a pooled connection: the hot-path fast lane.

    Committed when the block ends, rolled back on an exception. SQLite transactions start with
    ``BEGIN IMMEDIATE``; psycopg begins implicitly on the first statement.
    """
    connection: PoolProxiedConnection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            if is_sqlite(engine):
                cursor.execute("BEGIN IMMEDIATE")
            yield cursor
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            cursor.close()
    finally:
        connection.close()


@contextmanager
def raw_read_cursor(engine: Engine) -> Iterator[Any]:
    """A DBAPI cursor for single read statements on a pooled connection (on SQLite each
    statement reads its own snapshot)."""
    connection: PoolProxiedConnection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
            connection.rollback()
    finally:
        connection.close()


@contextmanager
def raw_read_transaction(engine: Engine) -> Iterator[Any]:
    """A DBAPI cursor whose statements all read one snapshot (``BEGIN`` on SQLite)."""
    with raw_read_cursor(engine) as cursor:
        if is_sqlite(engine):
            cursor.execute("BEGIN")
        yield cursor
