"""Per-context fluent state: tracking URI resolution, threads and asyncio tasks."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import uuid

import pytest

import flowtrack as mlflow
from flowtrack.exceptions import InvalidParameterError
from flowtrack.settings import DEFAULT_TRACKING_URI

pytestmark = pytest.mark.usefixtures("clean_context")


def memory_uri() -> str:
    return f"memory:{uuid.uuid4().hex}"


def test_tracking_uri_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert mlflow.get_tracking_uri() == DEFAULT_TRACKING_URI
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "memory:from-mlflow")
    assert mlflow.get_tracking_uri() == "memory:from-mlflow"
    monkeypatch.setenv("FLOWTRACK_TRACKING_URI", "memory:from-flowtrack")
    assert mlflow.get_tracking_uri() == "memory:from-flowtrack"  # ours wins


def test_set_tracking_uri_sets_context_and_environment() -> None:
    uri = memory_uri()
    mlflow.set_tracking_uri(uri)
    assert mlflow.get_tracking_uri() == uri
    assert os.environ["FLOWTRACK_TRACKING_URI"] == uri
    seen: list[str] = []
    thread = threading.Thread(target=lambda: seen.append(mlflow.get_tracking_uri()))
    thread.start()
    thread.join()
    assert seen == [uri]  # a new thread has an empty context: it reads the environment
    child = subprocess.run(
        [sys.executable, "-c", "import flowtrack; print(flowtrack.get_tracking_uri())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert child.stdout.strip() == uri


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("./mlruns", "not in a directory of files"),
        ("file:///tmp/mlruns", "not in a directory of files"),
        ("ftp://localhost:21", "no tracking store handles the scheme 'ftp'"),
        ("", "Invalid tracking URI ''"),
    ],
)
def test_set_tracking_uri_rejects_unsupported(uri: str, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        mlflow.set_tracking_uri(uri)
    assert "FLOWTRACK_TRACKING_URI" not in os.environ


def test_client_uses_the_context_uri() -> None:
    uri = memory_uri()
    mlflow.set_tracking_uri(uri)
    assert mlflow.MlflowClient().tracking_uri == uri
    assert mlflow.tracking.MlflowClient("memory:other").tracking_uri == "memory:other"


def test_threads_have_separate_active_runs() -> None:
    mlflow.set_tracking_uri(memory_uri())
    barrier = threading.Barrier(2)
    results: dict[str, tuple[str, str | None]] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with mlflow.start_run(run_name=name) as run:
                barrier.wait(timeout=10)  # both runs are active at the same time
                mlflow.log_param("worker", name)
                active = mlflow.active_run()
                results[name] = (run.info.run_id, active.info.run_id if active else None)
                barrier.wait(timeout=10)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for name, (run_id, active_id) in results.items():
        assert active_id == run_id
        assert mlflow.get_run(run_id).data.params == {"worker": name}
    assert results["a"][0] != results["b"][0]
    assert mlflow.active_run() is None  # the main thread saw none of them


def test_asyncio_tasks_have_separate_active_runs() -> None:
    mlflow.set_tracking_uri(memory_uri())

    async def work(name: str, both_started: asyncio.Barrier) -> tuple[str, str]:
        with mlflow.start_run(run_name=name) as run:
            await both_started.wait()  # the other task's run is active now too
            mlflow.log_param("task", name)
            active = mlflow.active_run()
            assert active is not None
            return run.info.run_id, active.info.run_id

    async def main() -> list[tuple[str, str]]:
        both_started = asyncio.Barrier(2)
        return await asyncio.gather(work("a", both_started), work("b", both_started))

    (a_run, a_active), (b_run, b_active) = asyncio.run(main())
    assert (a_run, b_run) == (a_active, b_active)
    assert a_run != b_run
    assert mlflow.get_run(a_run).data.params == {"task": "a"}
    assert mlflow.get_run(b_run).data.params == {"task": "b"}


def test_active_experiment_is_per_context() -> None:
    mlflow.set_tracking_uri(memory_uri())
    mlflow.set_experiment("main-thread")
    seen: list[str] = []

    def work() -> None:
        with mlflow.start_run() as run:
            seen.append(run.info.experiment_id)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == ["0"]  # the thread did not inherit the main thread's experiment
    with mlflow.start_run() as run:
        pass
    assert run.info.experiment_id != "0"
