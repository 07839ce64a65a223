"""Concurrent writers: processes and threads logging into one database lose nothing."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from flowtrack.entities import Metric, Param, RunTag
from flowtrack.exceptions import AlreadyExistsError
from flowtrack.stores.tracking.sql import SqlTrackingStore

PROCESSES = 8
POINTS = 5000


def _log_points(uri: str, run_id: str, worker: int, barrier: Any, results: Any) -> None:
    """Child process: one log_metric call per point, all children starting together."""
    try:
        store = SqlTrackingStore(uri, default_artifact_root="/artifacts")
        barrier.wait(timeout=300)
        started = time.perf_counter()
        for step in range(POINTS):
            store.log_metric(
                run_id, Metric(key=f"w{worker}", value=float(step), timestamp=worker, step=step)
            )
            if step % 100 == 0:  # a key every process writes to
                shared = Metric(key="shared", value=float(step), timestamp=worker, step=step)
                store.log_metric(run_id, shared)
        store.close()
        results.put((worker, time.perf_counter() - started))
    except BaseException as exc:  # report everything to the parent
        results.put((worker, f"{type(exc).__name__}: {exc}"))


@pytest.mark.slow
def test_processes_logging_into_one_sqlite_file_lose_nothing(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'shared.db'}"
    store = SqlTrackingStore(uri, default_artifact_root="/artifacts")
    run_id = store.create_run("0", "u", 0).info.run_id
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES + 1), context.Queue()
    children = [
        context.Process(target=_log_points, args=(uri, run_id, worker, barrier, results))
        for worker in range(PROCESSES)
    ]
    for child in children:
        child.start()
    barrier.wait(timeout=300)
    started = time.perf_counter()
    outcomes = dict(results.get(timeout=600) for _ in children)
    elapsed = time.perf_counter() - started
    for child in children:
        child.join(timeout=60)
    failures = {w: o for w, o in outcomes.items() if not isinstance(o, float)}
    assert failures == {}
    run = store.get_run(run_id)
    for worker in range(PROCESSES):
        history = store.get_metric_history(run_id, f"w{worker}")
        assert [point.step for point in history] == list(range(POINTS))
        assert run.data.metrics[f"w{worker}"] == POINTS - 1
    assert len(store.get_metric_history(run_id, "shared")) == PROCESSES * POINTS // 100
    store.close()
    print(f"\n{PROCESSES} processes x {POINTS} log_metric calls: {elapsed:.1f} s")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlTrackingStore]:
    """One store shared by the threads of a test."""
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path / 'threads.db'}"
    else:
        uri = request.getfixturevalue("postgres_database_uri")
    opened = SqlTrackingStore(uri, default_artifact_root="/artifacts")
    yield opened
    opened.close()


def test_threads_sharing_a_store_lose_nothing(store: SqlTrackingStore) -> None:
    experiment_id = store.create_experiment(f"threads-{os.urandom(4).hex()}")
    run_id = store.create_run(experiment_id, "u", 0).info.run_id
    threads, points = 8, 100

    def work(worker: int) -> None:
        for step in range(points):
            store.log_metric(run_id, Metric(key="shared", value=step, timestamp=worker, step=step))
        store.log_batch(
            run_id,
            metrics=[Metric(key=f"w{worker}", value=i, timestamp=0, step=i) for i in range(points)],
            params=[Param(key=f"p{worker}", value=str(worker))],
            tags=[RunTag(key="last", value=str(worker))],
        )

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(work, range(threads)))
    run = store.get_run(run_id)
    assert len(store.get_metric_history(run_id, "shared")) == threads * points
    assert run.data.metrics["shared"] == points - 1
    for worker in range(threads):
        assert len(store.get_metric_history(run_id, f"w{worker}")) == points
        assert run.data.params[f"p{worker}"] == str(worker)
    assert run.data.tags["last"] in {str(w) for w in range(threads)}


def test_racing_creates_of_one_experiment_name(store: SqlTrackingStore) -> None:
    name = f"race-{os.urandom(4).hex()}"

    def create(_: int) -> str:
        try:
            return store.create_experiment(name)
        except AlreadyExistsError:
            return "taken"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(create, range(6)))
    created = [o for o in outcomes if o != "taken"]
    assert len(created) == 1
    found = store.get_experiment_by_name(name)
    assert found is not None
    assert found.experiment_id == created[0]
