"""Schema migrations: run automatically when a store opens a database, safe across processes.

Fast path: one query compares ``alembic_version`` with :data:`HEAD_REVISION`, so opening an
up-to-date database never imports Alembic. Slow path (new or older database): take a lock, then
let Alembic upgrade to head (a no-op if another process got there first). The lock is an
``fcntl.flock`` on ``<database file>.lock`` for SQLite (none for in-memory databases) and
``pg_advisory_lock`` for PostgreSQL.

``flowtrack db upgrade URI`` calls :func:`upgrade_database`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flowtrack.exceptions import StoreError
from flowtrack.stores.sql.engine import (
    DEFAULT_SQL_POOL_SIZE,
    DEFAULT_SQLITE_BUSY_TIMEOUT,
    create_sql_engine,
    is_sqlite,
    sqlite_database_path,
    write_engine,
)

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "HEAD_REVISION",
    "alembic_config",
    "current_revision",
    "ensure_schema",
    "upgrade_database",
]

#: The newest migration in ``migrations/versions``; a test checks it equals Alembic's head.
HEAD_REVISION = "0003"

#: pg_advisory_lock key serializing flowtrack migrations (any fixed 64-bit number works).
_PG_LOCK_KEY = 0x666C6F77747261


def alembic_config() -> Config:
    """An Alembic configuration for the migrations shipped in this package (no alembic.ini)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    return config


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision, or ``None`` for a database without flowtrack tables."""
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT version_num FROM alembic_version")
            ).scalar_one_or_none()
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        return None


@contextmanager
def _sqlite_file_lock(database: str) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX; SQLite's own locking still applies
        yield
        return
    fd = os.open(f"{database}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _run_alembic(engine: Engine, connection: sa.Connection) -> None:
    from alembic import command
    from alembic.util import CommandError

    config = alembic_config()
    config.attributes["connection"] = connection
    try:
        command.upgrade(config, "head")
    except CommandError as exc:
        raise StoreError(
            f"Cannot migrate the tracking database {engine.url!r} to revision "
            f"{HEAD_REVISION!r}: {exc}. A database written by a newer flowtrack needs that "
            "newer flowtrack"
        ) from exc
    connection.commit()


def _upgrade_locked(engine: Engine) -> None:
    if is_sqlite(engine):
        # The caller holds the file lock; another process may have finished meanwhile.
        if current_revision(engine) != HEAD_REVISION:
            with write_engine(engine).connect() as connection:
                _run_alembic(engine, connection)
        return
    with write_engine(engine).connect() as connection:
        connection.execute(sa.select(sa.func.pg_advisory_lock(_PG_LOCK_KEY)))
        connection.commit()
        try:
            if current_revision(engine) != HEAD_REVISION:
                _run_alembic(engine, connection)
        finally:
            connection.rollback()
            connection.execute(sa.select(sa.func.pg_advisory_unlock(_PG_LOCK_KEY)))
            connection.commit()


def ensure_schema(engine: Engine) -> None:
    """Bring the database behind ``engine`` to :data:`HEAD_REVISION` if it is not there yet.

    Safe when several processes open the same new database at once.

    Raises:
        StoreError: The database has a revision this flowtrack does not know.
    """
    if current_revision(engine) == HEAD_REVISION:
        return
    database = sqlite_database_path(engine.url) if is_sqlite(engine) else None
    if database is None:
        _upgrade_locked(engine)
        return
    with _sqlite_file_lock(database):
        _upgrade_locked(engine)


def upgrade_database(
    uri: str,
    *,
    sqlite_busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT,
    pool_size: int = DEFAULT_SQL_POOL_SIZE,
) -> str:
    """Upgrade the database at ``uri`` to the newest schema; ``flowtrack db upgrade``.

    Args:
        uri: A SQLite or PostgreSQL store URI, e.g. ``sqlite:///flowtrack.db``.
        sqlite_busy_timeout: Seconds a SQLite writer waits for the database lock.
        pool_size: Connections kept by the PostgreSQL pool.

    Returns:
        The schema revision the database is at afterwards.

    Raises:
        InvalidParameterError: The URI is not a SQL store URI.
        StoreError: The database has a revision this flowtrack does not know.

    Example:
        >>> upgrade_database("sqlite://")
        '0002'
    """
    engine = create_sql_engine(uri, sqlite_busy_timeout=sqlite_busy_timeout, pool_size=pool_size)
    try:
        ensure_schema(engine)
        revision = current_revision(engine)
    finally:
        engine.dispose()
    if revision is None:  # pragma: no cover - ensure_schema raises first
        raise StoreError(f"The database {uri!r} has no schema revision after upgrading")
    return revision
