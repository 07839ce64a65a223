"""What only the SQL store has: migrations, dialect set-up, storage details, error paths."""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtrack.entities import Metric, Param, RunTag
from flowtrack.exceptions import InvalidParameterError
from flowtrack.search.parser import parse_run_filter
from flowtrack.stores.sql.engine import normalize_url
from flowtrack.stores.tracking.selection import resolve_tracking_store_class
from flowtrack.stores.tracking.sql import SqlTrackingStore
from flowtrack.stores.tracking.sql.convert import metrics_from_rows

# ---------------------------------------------------------------------- engines and URIs


@pytest.mark.parametrize("uri", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_sqlite(uri: str) -> None:
    store = SqlTrackingStore(uri, default_artifact_root="/a")
    run_id = store.create_run("0", "u", 0).info.run_id
    store.log_metric(run_id, Metric(key="m", value=1.5, timestamp=0))
    assert store.get_run(run_id).data.metrics == {"m": 1.5}
    store.close()


def test_sqlite_connection_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The store takes its settings as arguments; the environment is for the edges to read.
    monkeypatch.setenv("FLOWTRACK_SQLITE_BUSY_TIMEOUT", "99")
    store = SqlTrackingStore(f"sqlite:///{tmp_path / 'x.db'}", sqlite_busy_timeout=7.5)
    engine = store._db.engine
    with engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
        like = connection.exec_driver_sql("SELECT 'A' LIKE 'a', 'a' LIKE 'a'").one()
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 7500,
    }
    assert tuple(like) == (0, 1)  # LIKE is case-sensitive, as on PostgreSQL
    store.close()


def test_uri_normalization() -> None:
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(InvalidParameterError, match="mysql"):
        normalize_url("mysql://u@h/db")
    with pytest.raises(InvalidParameterError, match="not a uri"):
        normalize_url("not a uri")


def test_registry_and_default_artifact_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'x.db'}"
    assert resolve_tracking_store_class(uri) is SqlTrackingStore
    store = SqlTrackingStore(uri)
    assert store.get_experiment("0").artifact_location == f"{tmp_path}/flowtrack-artifacts/0"
    store.close()


def test_writers_wait_for_the_lock_instead_of_failing(tmp_path: Path) -> None:
    """A write transaction begins IMMEDIATE; a second writer waits on the busy timeout."""
    path = tmp_path / "x.db"
    store = SqlTrackingStore(f"sqlite:///{path}", sqlite_busy_timeout=30)
    run_id = store.create_run("0", "u", 0).info.run_id
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, holder.execute, args=("COMMIT",))
    release.start()
    started = time.monotonic()
    store.log_metric(run_id, Metric(key="m", value=1.0, timestamp=0))
    assert time.monotonic() - started >= 0.3
    release.join()
    holder.close()
    assert store.get_run(run_id).data.metrics == {"m": 1.0}
    store.close()


# ---------------------------------------------------------------------- storage and errors


@pytest.fixture
def store(database_uri: str) -> Iterator[SqlTrackingStore]:
    """A store on a new database of each dialect."""
    opened = SqlTrackingStore(database_uri, default_artifact_root="/artifacts")
    yield opened
    opened.close()


def test_nan_and_inf_storage(store: SqlTrackingStore) -> None:
    run_id = store.create_run("0", "u", 0).info.run_id
    values = [math.nan, math.inf, -math.inf, 0.0, -1e308]
    metrics = [Metric(key="m", value=v, timestamp=i, step=i) for i, v in enumerate(values)]
    store.log_batch(run_id, metrics=metrics)
    with store._db.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT value, is_nan FROM metrics ORDER BY step").all()
    assert [(value, bool(is_nan)) for value, is_nan in stored] == [
        (0.0, True),
        (math.inf, False),
        (-math.inf, False),
        (0.0, False),
        (-1e308, False),
    ]
    history = [point.value for point in store.get_metric_history(run_id, "m")]
    assert math.isnan(history[0])
    assert history[1:] == values[1:]
    for i, value in enumerate(values):
        named = store.create_run("0", "u", 10 + i, run_name=f"r{i}").info.run_id
        store.log_metric(named, Metric(key="x", value=value, timestamp=0))
    order = [r.info.run_name for r in store.search_runs(["0"], order_by=["metrics.x DESC"])]
    assert order[:5] == ["r1", "r3", "r4", "r2", "r0"]  # inf first, NaN with the missing last


def test_like_has_no_escape_character(store: SqlTrackingStore) -> None:
    run_id = store.create_run("0", "u", 0).info.run_id
    store.log_batch(
        run_id, params=[Param(key="p", value="a\\xb")], tags=[RunTag(key="t", value="É")]
    )
    assert len(store.search_runs(["0"], "params.p LIKE 'a\\_b'")) == 1
    assert len(store.search_runs(["0"], "params.p LIKE 'a\\\\b'")) == 0
    assert len(store.search_runs(["0"], "tags.t LIKE 'É'")) == 1


def test_bad_filter_error_reaches_the_caller_unchanged(store: SqlTrackingStore) -> None:
    bad = "metrics.acc >> 1"
    with pytest.raises(InvalidParameterError) as expected:
        parse_run_filter(bad)
    with pytest.raises(InvalidParameterError) as raised:
        store.search_runs(["0"], bad)
    assert type(raised.value) is InvalidParameterError
    assert str(raised.value) == str(expected.value)


def test_failed_batch_writes_nothing(store: SqlTrackingStore) -> None:
    run_id = store.create_run("0", "u", 0).info.run_id
    store.log_param(run_id, Param(key="p", value="1"))
    with pytest.raises(InvalidParameterError, match=r"'p'.*'1'.*'2'"):
        store.log_batch(
            run_id,
            metrics=[Metric(key="m", value=1.0, timestamp=0)],
            params=[Param(key="q", value="x"), Param(key="p", value="2")],
            tags=[RunTag(key="t", value="v")],
        )
    data = store.get_run(run_id).data
    assert (data.metrics, data.params, "t" in data.tags) == ({}, {"p": "1"}, False)


def test_fast_entities_equal_validated_ones() -> None:
    built = metrics_from_rows("m", [(3, 10, 1.5), (4, 11, None)])
    assert built[0] == Metric(key="m", value=1.5, timestamp=10, step=3)
    assert hash(built[0]) == hash(Metric(key="m", value=1.5, timestamp=10, step=3))
    assert math.isnan(built[1].value)
    assert built[0].model_dump() == {
        "key": "m",
        "value": 1.5,
        "timestamp": 10,
        "step": 3,
        "model_id": None,
        "dataset_name": None,
        "dataset_digest": None,
        "run_id": None,
    }
    assert built[0].model_dump(exclude_unset=True) == {
        "key": "m",
        "value": 1.5,
        "timestamp": 10,
        "step": 3,
    }


def test_logged_again_point_does_not_become_latest(store: SqlTrackingStore) -> None:
    run_id = store.create_run("0", "u", 0).info.run_id
    store.log_metric(run_id, Metric(key="m", value=1.0, timestamp=5, step=1))
    store.log_metric(run_id, Metric(key="m", value=2.0, timestamp=5, step=1))  # tie: later wins
    store.log_metric(run_id, Metric(key="m", value=1.0, timestamp=5, step=1))  # stored: no-op
    assert store.get_run(run_id).data.metrics == {"m": 2.0}
    tie = [
        Metric(key="m", value=3.0, timestamp=5, step=1),
        Metric(key="m", value=2.0, timestamp=5, step=1),
    ]
    store.log_batch(run_id, metrics=tie)  # 3.0 is new and wins the tie; 2.0 is stored already
    assert store.get_run(run_id).data.metrics == {"m": 3.0}
    assert [p.value for p in store.get_metric_history(run_id, "m")] == [1.0, 2.0, 3.0]


def test_one_batch_sets_a_tag_twice(store: SqlTrackingStore) -> None:
    run_id = store.create_run("0", "u", 0).info.run_id
    tags = [
        RunTag(key="t", value="first"),
        RunTag(key="u", value="x"),
        RunTag(key="t", value="last"),
    ]
    store.log_batch(run_id, tags=tags)
    assert {k: v for k, v in store.get_run(run_id).data.tags.items() if k != "mlflow.runName"} == {
        "t": "last",
        "u": "x",
    }
