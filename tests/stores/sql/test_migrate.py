"""Migrations: one chain for the whole schema, applied when a store opens a database.

Existing databases must keep upgrading: the revision ids and their order are fixed, and a
database written at an older revision reaches head with its rows intact.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flowtrack.exceptions import StoreError
from flowtrack.stores.model_registry.sql import SqlRegistryStore
from flowtrack.stores.sql import HEAD_REVISION, upgrade_database
from flowtrack.stores.sql.engine import create_sql_engine, write_engine
from flowtrack.stores.sql.migrate import alembic_config, current_revision
from flowtrack.stores.sql.schema import Base
from flowtrack.stores.tracking.sql import SqlTrackingStore


def _upgrade_to(uri: str, revision: str) -> None:
    """Bring a new database to ``revision`` exactly, as an older flowtrack would have left it."""
    from alembic import command

    engine = create_sql_engine(uri, sqlite_busy_timeout=5, pool_size=1)
    try:
        with write_engine(engine).connect() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
        assert current_revision(engine) == revision
    finally:
        engine.dispose()


def test_the_revision_chain_is_kept() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    chain = [(r.revision, r.down_revision) for r in reversed(list(script.walk_revisions()))]
    assert chain == [("0001", None), ("0002", "0001"), ("0003", "0002")]


def test_head_constant_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION


def test_new_database_reaches_head_and_matches_the_orm(database_uri: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    assert upgrade_database(database_uri) == HEAD_REVISION
    engine = create_sql_engine(database_uri, sqlite_busy_timeout=5, pool_size=1)
    try:
        assert current_revision(engine) == HEAD_REVISION
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
    assert upgrade_database(database_uri) == HEAD_REVISION  # idempotent


def test_up_to_date_database_opens_without_importing_alembic(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'x.db'}"
    SqlTrackingStore(uri).close()
    code = (
        "import sys\n"
        "from flowtrack.stores.tracking.sql import SqlTrackingStore\n"
        f"SqlTrackingStore({uri!r}).close()\n"
        "assert not any(m.startswith('alembic') for m in sys.modules), 'alembic imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_unknown_revision_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    SqlTrackingStore(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="9999"):
        SqlTrackingStore(f"sqlite:///{path}")


def _open_store(uri: str, barrier: Any, results: Any) -> None:
    """Child process: open the store the moment every sibling is ready."""
    try:
        barrier.wait(timeout=120)
        SqlTrackingStore(uri, default_artifact_root="/artifacts").close()
        results.put("ok")
    except BaseException as exc:  # report everything to the parent
        results.put(f"{type(exc).__name__}: {exc}")


def test_processes_opening_a_new_database_at_once_all_succeed(database_uri: str) -> None:
    processes = 6
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes), context.Queue()
    children = [
        context.Process(target=_open_store, args=(database_uri, barrier, results))
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=240) for _ in children]
    for child in children:
        child.join(timeout=60)
    assert outcomes == ["ok"] * processes
    store = SqlTrackingStore(database_uri, default_artifact_root="/artifacts")
    assert [e.experiment_id for e in store.search_experiments()] == ["0"]
    assert current_revision(store._db.engine) == HEAD_REVISION
    store.close()


def test_a_database_at_the_previous_revision_upgrades_with_its_rows(database_uri: str) -> None:
    _upgrade_to(database_uri, "0001")
    engine = sa.create_engine(database_uri)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
            "creation_time, last_update_time) VALUES (7, 'old', '/artifacts/7', 'active', 1, 1)"
        )
        connection.exec_driver_sql(
            "INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, "
            "artifact_uri, lifecycle_stage) VALUES ('0123456789abcdef0123456789abcdef', 'r', 7, "
            "'ann', 'FINISHED', 5, '/artifacts/7/r/artifacts', 'active')"
        )
    engine.dispose()

    assert upgrade_database(database_uri) == HEAD_REVISION
    tracking = SqlTrackingStore(database_uri, default_artifact_root="/artifacts")
    run = tracking.get_run("0123456789abcdef0123456789abcdef")
    assert (run.info.experiment_id, run.info.run_name, run.info.user_id) == ("7", "r", "ann")
    assert tracking.get_experiment("7").name == "old"
    tracking.close()
    registry = SqlRegistryStore(database_uri, allowed_source_roots=["/artifacts"])
    registry.create_registered_model("m")
    version = registry.create_model_version("m", "runs:/0123456789abcdef0123456789abcdef/model")
    assert version.version == 1
    registry.close()


def test_a_tracking_database_from_before_the_registry_is_upgraded(tmp_path: Path) -> None:
    from alembic import command

    uri = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_sql_engine(uri, sqlite_busy_timeout=5, pool_size=1)
    with write_engine(engine).connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.commit()
    assert current_revision(engine) == "0001"
    tracking = SqlTrackingStore(uri, default_artifact_root="/artifacts")  # upgrades to head
    experiment_id = tracking.create_experiment("kept")
    tracking.close()
    registry = SqlRegistryStore(uri)
    assert current_revision(engine) == HEAD_REVISION
    registry.create_registered_model("m")
    registry.close()
    engine.dispose()
    reopened = SqlTrackingStore(uri, default_artifact_root="/artifacts")
    assert reopened.get_experiment(experiment_id).name == "kept"
    reopened.close()
