"""Concurrent registrations: processes registering versions of one model at once get the
numbers 1..N, each exactly once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from flowtrack.stores.model_registry.sql import SqlRegistryStore

PROCESSES = 4
VERSIONS = 25


def _register(uri: str, worker: int, barrier: Any, results: Any) -> None:
    """Child process: register VERSIONS versions of model "m", all children starting together."""
    try:
        store = SqlRegistryStore(uri)
        barrier.wait(timeout=120)
        numbers = [
            store.create_model_version("m", f"runs:/{worker:032x}/m{i}").version
            for i in range(VERSIONS)
        ]
        store.close()
        results.put((worker, numbers))
    except BaseException as exc:  # report everything to the parent
        results.put((worker, f"{type(exc).__name__}: {exc}"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A SQLite file in tmp_path, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.db'}"
    uri: str = request.getfixturevalue("postgres_database_uri")
    return uri


def test_processes_registering_at_once_number_versions_1_to_n(database_uri: str) -> None:
    store = SqlRegistryStore(database_uri)
    if store.registered_model_exists("m"):
        store.delete_registered_model("m")  # PostgreSQL's database lives for the session
    store.create_registered_model("m")
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    children = [
        context.Process(target=_register, args=(database_uri, worker, barrier, results))
        for worker in range(PROCESSES)
    ]
    for child in children:
        child.start()
    outcomes = dict(results.get(timeout=240) for _ in children)
    for child in children:
        child.join(timeout=60)
    failures = {w: o for w, o in outcomes.items() if not isinstance(o, list)}
    assert failures == {}
    total = PROCESSES * VERSIONS
    claimed = sorted(n for numbers in outcomes.values() for n in numbers)
    assert claimed == list(range(1, total + 1))
    for numbers in outcomes.values():
        assert numbers == sorted(numbers)  # each process sees its own numbers increase
    stored = store.search_model_versions("name = 'm'", max_results=1000)
    assert sorted(v.version for v in stored) == list(range(1, total + 1))
    assert store.get_registered_model("m").latest_versions[0].version == total
    assert store.create_model_version("m", "runs:/0123abcd/next").version == total + 1
    store.close()
