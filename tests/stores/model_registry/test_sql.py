"""The SQL registry store on SQLite and on PostgreSQL: the whole conformance suite against each,
in a database the tracking store shares."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from flowtrack.exceptions import AlreadyExistsError
from flowtrack.stores.model_registry.base import RegistryStore
from flowtrack.stores.model_registry.sql import SqlRegistryStore
from flowtrack.stores.sql.schema import SqlRegisteredModel
from flowtrack.stores.tracking.sql import SqlTrackingStore
from flowtrack.testing.registry import RegistryStoreTests

ROOTS = ["s3://bucket/models"]


@pytest.fixture(scope="session")
def registry_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file migrated once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("registry-template") / "template.db"
    SqlRegistryStore(f"sqlite:///{path}").close()
    return path


class TestSqliteRegistryStore(RegistryStoreTests):
    """The suite on a SQLite file in tmp_path."""

    @pytest.fixture
    def store(self, tmp_path: Path, registry_sqlite_template: Path) -> Iterator[RegistryStore]:
        path = tmp_path / "flowtrack.db"
        shutil.copyfile(registry_sqlite_template, path)
        store = SqlRegistryStore(f"sqlite:///{path}", allowed_source_roots=ROOTS)
        yield store
        store.close()


@pytest.fixture(scope="session")
def registry_postgres_uri(postgres_database_uri: str) -> str:
    """The session's PostgreSQL database, migrated once."""
    SqlRegistryStore(postgres_database_uri).close()
    return postgres_database_uri


@pytest.mark.postgres
class TestPostgresRegistryStore(RegistryStoreTests):
    """The suite on PostgreSQL; every registry table is emptied before each test."""

    @pytest.fixture
    def store(self, registry_postgres_uri: str) -> Iterator[RegistryStore]:
        engine = sa.create_engine(registry_postgres_uri)
        with engine.begin() as connection:
            # Versions, tags and aliases cascade from registered_models.
            connection.execute(sa.delete(SqlRegisteredModel))
        engine.dispose()
        store = SqlRegistryStore(registry_postgres_uri, allowed_source_roots=ROOTS)
        yield store
        store.close()


def test_registry_and_tracking_share_one_database(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'shared.db'}"
    tracking = SqlTrackingStore(uri, default_artifact_root="/artifacts")
    run_id = tracking.create_run("0", "ann", 0).info.run_id
    registry = SqlRegistryStore(uri, allowed_source_roots=["/artifacts"])
    registry.create_registered_model("m")
    version = registry.create_model_version("m", f"runs:/{run_id}/model", run_id=run_id)
    assert version.run_id == run_id
    assert registry.create_model_version("m", "/artifacts/0/model").version == 2
    registry.close()
    tracking.close()
    reopened = SqlRegistryStore(uri)
    assert [v.version for v in reopened.search_model_versions(f"run_id = '{run_id}'")] == [1]
    reopened.close()


@pytest.mark.parametrize(
    "dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_names_whose_collision_key_is_long_are_stored(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # NFKC turns U+FDFA into 18 characters: the key of this valid name has 4,608.
    name = "\ufdfa" * 256
    if dialect == "sqlite":
        uri = f"sqlite:///{tmp_path / 'long.db'}"
    else:
        uri = request.getfixturevalue("registry_postgres_uri")
    store = SqlRegistryStore(uri)
    try:
        assert store.create_registered_model(name).name == name
        with pytest.raises(AlreadyExistsError, match="already exists"):
            store.create_registered_model(name)
        store.delete_registered_model(name)
    finally:
        store.close()
