"""The SQL store on SQLite and on PostgreSQL: the whole conformance suite against each."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from flowtrack.stores.sql.schema import SqlExperiment
from flowtrack.stores.tracking.base import TrackingStore
from flowtrack.stores.tracking.sql import SqlTrackingStore
from flowtrack.testing.logged_models import LoggedModelTests
from flowtrack.testing.tracking import TrackingStoreTests


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file migrated once per session; each test gets a copy (migrations have their
    own tests in test_sql_specific.py)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    SqlTrackingStore(f"sqlite:///{path}", default_artifact_root="/artifacts").close()
    return path


class TestSqliteStore(TrackingStoreTests, LoggedModelTests):
    """The suite on a SQLite file in tmp_path."""

    @pytest.fixture
    def store(self, tmp_path: Path, sqlite_template: Path) -> Iterator[TrackingStore]:
        path = tmp_path / "flowtrack.db"
        shutil.copyfile(sqlite_template, path)
        store = SqlTrackingStore(f"sqlite:///{path}", default_artifact_root="/artifacts")
        yield store
        store.close()


@pytest.fixture(scope="session")
def postgres_store_uri(postgres_database_uri: str) -> str:
    """The session's PostgreSQL database, migrated once."""
    SqlTrackingStore(postgres_database_uri, default_artifact_root="/artifacts").close()
    return postgres_database_uri


@pytest.mark.postgres
class TestPostgresStore(TrackingStoreTests, LoggedModelTests):
    """The suite on PostgreSQL; every table is emptied before each test (the store recreates
    the Default experiment when it opens)."""

    @pytest.fixture
    def store(self, postgres_store_uri: str) -> Iterator[TrackingStore]:
        engine = sa.create_engine(postgres_store_uri)
        with engine.begin() as connection:
            # Every other table cascades from experiments; far faster than TRUNCATE here.
            connection.execute(sa.delete(SqlExperiment))
        engine.dispose()
        store = SqlTrackingStore(postgres_store_uri, default_artifact_root="/artifacts")
        yield store
        store.close()
