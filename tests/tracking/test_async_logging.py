"""AsyncMetricQueue: completeness, order, batching, flush, backpressure, errors, exit hooks."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from flowtrack.entities import Metric, Param, RunTag
from flowtrack.exceptions import (
    InvalidParameterError,
    InvalidStateError,
    StoreError,
)
from flowtrack.stores.tracking.memory import MemoryTrackingStore
from flowtrack.tracking.async_logging import AsyncMetricQueue

REPO_ROOT = Path(__file__).resolve().parents[2]


class RecordingStore(MemoryTrackingStore):
    """The memory store, recording each log_batch call; ``gate`` can hold writes back."""

    def __init__(self) -> None:
        super().__init__("memory:")
        self.calls: list[tuple[str, list[Metric]]] = []
        self.gate = threading.Event()
        self.gate.set()

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        self.gate.wait()
        self.calls.append((run_id, list(metrics)))
        super().log_batch(run_id, metrics, params, tags)


@pytest.fixture
def store() -> RecordingStore:
    return RecordingStore()


@pytest.fixture
def make_queue(store: RecordingStore) -> Iterator[Callable[..., AsyncMetricQueue]]:
    queues: list[AsyncMetricQueue] = []

    def make(**kwargs: float) -> AsyncMetricQueue:
        queue = AsyncMetricQueue(store, **kwargs)  # type: ignore[arg-type]
        queues.append(queue)
        return queue

    yield make
    store.gate.set()
    for queue in queues:
        with contextlib.suppress(StoreError):  # tests that provoke failures check them
            queue.close(timeout=30)


def new_run(store: MemoryTrackingStore) -> str:
    return store.create_run("0", user_id=None, start_time=0).info.run_id


def metric(step: int, key: str = "loss") -> Metric:
    return Metric(key=key, value=step * 0.5, timestamp=1_700_000_000_000 + step, step=step)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


@pytest.mark.slow
def test_100k_metrics_over_several_runs_are_all_stored_in_order(
    store: RecordingStore, make_queue: Callable[..., AsyncMetricQueue]
) -> None:
    runs = [new_run(store) for _ in range(4)]
    queue = make_queue(flush_interval=0.05)
    for step in range(25_000):
        for run_id in runs:
            queue.enqueue(run_id, metric(step))
    queue.flush()

    for run_id in runs:
        history = store.get_metric_history(run_id, "loss")
        assert [m.step for m in history] == list(range(25_000))
        assert [m.value for m in history[:3]] == [0.0, 0.5, 1.0]
        written = [m.step for call_run, batch in store.calls if call_run == run_id for m in batch]
        assert written == list(range(25_000)), "each run's metrics are written in queue order"
    assert all(0 < len(batch) <= 1000 for _, batch in store.calls)


def test_one_write_per_run_when_few_metrics_wait(
    store: RecordingStore, make_queue: Callable[..., AsyncMetricQueue]
) -> None:
    run_a, run_b, run_c = new_run(store), new_run(store), new_run(store)
    queue = make_queue(flush_interval=3600)
    for step in range(20):
        queue.enqueue(run_a, metric(step))
        queue.enqueue(run_b, metric(step))
        if step < 5:
            queue.enqueue(run_c, metric(step))
    queue.flush()

    assert sorted((run_id, len(batch)) for run_id, batch in store.calls) == sorted(
        [(run_a, 20), (run_b, 20), (run_c, 5)]
    )


def test_batches_never_exceed_batch_size(
    store: RecordingStore, make_queue: Callable[..., AsyncMetricQueue]
) -> None:
    run_id = new_run(store)
    store.gate.clear()  # let everything pile up, then watch it being split
    queue = make_queue(flush_interval=3600, batch_size=100)
    for step in range(1050):
        queue.enqueue(run_id, metric(step))
    store.gate.set()
    queue.flush()

    sizes = [len(batch) for _, batch in store.calls]
    assert sum(sizes) == 1050
    assert max(sizes) == 100
    assert len(sizes) <= 13  # 11 full-or-partial batches, plus what was drained early


def test_metrics_are_written_every_flush_interval_without_flush(
    store: RecordingStore, make_queue: Callable[..., AsyncMetricQueue]
) -> None:
    run_id = new_run(store)
    queue = make_queue(flush_interval=0.05)
    for step in range(5):
        queue.enqueue(run_id, metric(step))
    wait_until(lambda: len(store.get_metric_history(run_id, "loss")) == 5)
    assert sum(len(batch) for _, batch in store.calls) == 5


def test_batch_size_metrics_trigger_a_write_before_the_interval(
    store: RecordingStore, make_queue: Callable[..., AsyncMetricQueue]
) -> None:
    run_id = new_run(store)
    queue = make_queue(flush_interval=3600, batch_size=10)
    for step in range(10):
        queue.enqueue(run_id, metric(step))
    wait_until(lambda: len(store.get_metric_history(run_id, "loss")) == 10)


def test_flush_returns_after_everything_queued_before_it_is_written(
    store: RecordingStore, make_queue: Callable[..., AsyncMetricQueue]
) -> None:
    run_a, run_b = new_run(store), new_run(store)
    queue = make_queue(flush_interval=3600)
    for step in range(300):
        queue.enqueue(run_a, metric(step))
        queue.enqueue(run_b, metric(step, key="acc"))
    queue.flush(run_a)
    assert len(store.get_metric_history(run_a, "loss")) == 300
    assert len(store.get_metric_history(run_b, "acc")) == 300
    queue.flush()  # nothing queued: returns at once
    assert len(store.calls) == 2


def test_flush_before_any_enqueue_and_after_close_returns() -> None:
    queue = AsyncMetricQueue(MemoryTrackingStore("memory:"))
    queue.flush()
    queue.close()
    queue.flush()


def test_flush_timeout_raises_store_error_then_a_later_flush_succeeds(
    store: RecordingStore, make_queue: Callable[..., AsyncMetricQueue]
) -> None:
    run_id = new_run(store)
    queue = make_queue(flush_interval=3600)
    store.gate.clear()
    for step in range(3):
        queue.enqueue(run_id, metric(step))
    with pytest.raises(StoreError, match=r"timed out after 0.2 s with \d+ metrics still queued"):
        queue.flush(timeout=0.2)
    store.gate.set()
    queue.flush(timeout=10)
    assert len(store.get_metric_history(run_id, "loss")) == 3


def test_a_full_queue_blocks_enqueue_until_the_writer_catches_up(
    store: RecordingStore, make_queue: Callable[..., AsyncMetricQueue]
) -> None:
    run_id = new_run(store)
    queue = make_queue(flush_interval=0.01, batch_size=5, max_queue_size=5)
    store.gate.clear()
    enqueued: list[int] = []

    def produce() -> None:
        for step in range(50):
            queue.enqueue(run_id, metric(step))
            enqueued.append(step)

    producer = threading.Thread(target=produce)
    producer.start()
    time.sleep(0.5)
    assert producer.is_alive(), "the producer must block while the queue is full"
    # At most one drained batch is held by the gated writer, plus a full queue.
    assert 5 <= len(enqueued) <= 11
    store.gate.set()
    producer.join(timeout=30)
    assert not producer.is_alive()
    queue.flush()
    assert [m.step for m in store.get_metric_history(run_id, "loss")] == list(range(50))


def test_failed_writes_are_logged_at_once_and_raised_by_the_next_flush(
    store: RecordingStore,
    make_queue: Callable[..., AsyncMetricQueue],
    caplog: pytest.LogCaptureFixture,
) -> None:
    doomed, healthy = new_run(store), new_run(store)
    queue = make_queue(flush_interval=3600, batch_size=200)
    for step in range(500):
        queue.enqueue(doomed, metric(step))
        queue.enqueue(healthy, metric(step))
    queue.flush()
    store.delete_run(doomed)
    caplog.set_level(logging.ERROR, logger="flowtrack")
    for step in range(500, 1000):
        queue.enqueue(doomed, metric(step))
        queue.enqueue(healthy, metric(step))

    with pytest.raises(StoreError) as raised:
        queue.flush()
    message = str(raised.value)
    assert f"500 queued metrics of run(s) {doomed} could not be written" in message
    assert "InvalidStateError" in message
    assert isinstance(raised.value.__cause__, InvalidStateError)
    assert any(
        record.name == "flowtrack" and doomed in record.getMessage() for record in caplog.records
    )
    assert len(store.get_metric_history(healthy, "loss")) == 1000
    assert len(store.get_metric_history(doomed, "loss")) == 500
    queue.flush()  # reported once: the next flush is clean


def test_flush_of_one_run_reports_only_that_runs_failures(
    store: RecordingStore, make_queue: Callable[..., AsyncMetricQueue]
) -> None:
    missing, healthy = "0123456789abcdef0123456789abcdef", new_run(store)
    queue = make_queue(flush_interval=3600)
    queue.enqueue(missing, metric(0))
    queue.enqueue(healthy, metric(0))
    queue.flush(healthy)
    with pytest.raises(StoreError, match=f"1 queued metrics of run\\(s\\) {missing}"):
        queue.flush(missing)
    queue.flush()


def test_close_writes_everything_and_rejects_later_metrics(
    store: RecordingStore, make_queue: Callable[..., AsyncMetricQueue]
) -> None:
    run_id = new_run(store)
    queue = make_queue(flush_interval=3600)
    for step in range(10):
        queue.enqueue(run_id, metric(step))
    queue.close()
    assert len(store.get_metric_history(run_id, "loss")) == 10
    with pytest.raises(InvalidStateError, match="closed"):
        queue.enqueue(run_id, metric(10))
    queue.close()


def test_close_raises_failures_not_yet_reported(store: RecordingStore) -> None:
    queue = AsyncMetricQueue(store, flush_interval=3600)
    queue.enqueue("0123456789abcdef0123456789abcdef", metric(0))
    with pytest.raises(StoreError, match="NotFoundError"):
        queue.close()


def test_invalid_metrics_fail_in_the_caller(
    store: RecordingStore, make_queue: Callable[..., AsyncMetricQueue]
) -> None:
    run_id = new_run(store)
    queue = make_queue()
    with pytest.raises(InvalidParameterError, match="Invalid metric name 'bad key!'"):
        queue.enqueue(run_id, Metric(key="bad key!", value=1.0, timestamp=0))
    with pytest.raises(InvalidParameterError, match="Invalid timestamp -1"):
        queue.enqueue(run_id, Metric(key="loss", value=1.0, timestamp=-1))
    with pytest.raises(InvalidParameterError, match="Invalid step"):
        queue.enqueue(run_id, Metric(key="loss", value=1.0, timestamp=0, step=2**63))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"flush_interval": 0}, "Invalid flush_interval 0"),
        ({"batch_size": 1001}, r"Invalid batch_size 1001: it must be in \[1, 1000\]"),
        ({"max_queue_size": 0}, "Invalid max_queue_size 0"),
        ({"shutdown_timeout": -1.0}, "Invalid shutdown_timeout -1.0"),
        ({"shutdown_timeout": 0}, "Invalid shutdown_timeout 0: it must be positive or None"),
    ],
)
def test_settings_are_checked(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        AsyncMetricQueue(MemoryTrackingStore("memory:"), **kwargs)  # type: ignore[arg-type]


def test_exit_hooks_are_installed_on_first_enqueue_and_removed_on_close(
    store: RecordingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered: list[Callable[[], object]] = []
    unregistered: list[Callable[[], object]] = []
    real_register, real_unregister = atexit.register, atexit.unregister

    def register(func: Callable[[], object]) -> Callable[[], object]:
        registered.append(func)
        return real_register(func)

    def unregister(func: Callable[[], object]) -> None:
        unregistered.append(func)
        real_unregister(func)

    monkeypatch.setattr(atexit, "register", register)
    monkeypatch.setattr(atexit, "unregister", unregister)
    previous = signal.getsignal(signal.SIGTERM)
    queue = AsyncMetricQueue(store)
    assert signal.getsignal(signal.SIGTERM) is previous, "nothing is installed before use"
    assert registered == []
    queue.enqueue(new_run(store), metric(0))
    queue.enqueue(new_run(store), metric(1))
    assert len(registered) == 1, "one atexit registration per queue"
    assert signal.getsignal(signal.SIGTERM) is not previous
    queue.close()
    assert unregistered == registered
    assert signal.getsignal(signal.SIGTERM) is previous


def test_a_queue_started_outside_the_main_thread_installs_no_signal_handler(
    store: RecordingStore,
) -> None:
    previous = signal.getsignal(signal.SIGTERM)
    queue = AsyncMetricQueue(store)
    worker = threading.Thread(target=queue.enqueue, args=(new_run(store), metric(0)))
    worker.start()
    worker.join()
    assert signal.getsignal(signal.SIGTERM) is previous
    queue.close()


CHILD_PRELUDE = """
import signal, sys, time
from flowtrack.entities import Metric
from flowtrack.tracking.async_logging import AsyncMetricQueue
"""


def run_child(script: str) -> tuple[int, str]:
    """Run a script that prints "ready ..."; SIGTERM it at once; return (status, output)."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_PRELUDE + textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert child.stdout is not None
    ready = child.stdout.readline()
    assert ready.startswith("ready"), ready + (child.stderr.read() if child.stderr else "")
    child.send_signal(signal.SIGTERM)
    stdout, stderr = child.communicate(timeout=120)
    return child.returncode, ready + stdout + stderr


@pytest.mark.slow
def test_sigterm_writes_every_queued_metric_to_sqlite_then_dies_of_sigterm(
    tmp_path: Path,
) -> None:
    uri = f"sqlite:///{tmp_path / 'runs.db'}"
    status, output = run_child(
        f"""
        from flowtrack.stores.tracking.selection import get_tracking_store
        store = get_tracking_store({uri!r})
        run_id = store.create_run("0", user_id=None, start_time=0).info.run_id
        queue = AsyncMetricQueue(store, flush_interval=30)
        for step in range(20_000):
            queue.enqueue(run_id, Metric(key="loss", value=step, timestamp=step, step=step))
        print("ready", run_id, flush=True)
        time.sleep(120)
        """
    )
    assert status == -signal.SIGTERM, output
    run_id = output.split()[1]

    from flowtrack.stores.tracking.selection import get_tracking_store

    history = get_tracking_store(uri).get_metric_history(run_id, "loss")
    assert [m.step for m in history] == list(range(20_000))


@pytest.mark.slow
def test_sigterm_flushes_before_chaining_to_the_previous_python_handler() -> None:
    status, output = run_child(
        """
        from flowtrack.stores.tracking.memory import MemoryTrackingStore

        class SlowStore(MemoryTrackingStore):
            def log_batch(self, run_id, metrics=(), params=(), tags=()):
                time.sleep(0.05)  # slow writes: most metrics are still queued at SIGTERM
                super().log_batch(run_id, metrics, params, tags)

        store = SlowStore("memory:")
        run_id = store.create_run("0", user_id=None, start_time=0).info.run_id

        def previous_handler(signum, frame):
            stored = len(store.get_metric_history(run_id, "loss"))
            print("stored", stored, flush=True)
            sys.exit(3)

        signal.signal(signal.SIGTERM, previous_handler)
        queue = AsyncMetricQueue(store, flush_interval=30)
        for step in range(20_000):
            queue.enqueue(run_id, Metric(key="loss", value=step, timestamp=step, step=step))
        print("ready", len(store.get_metric_history(run_id, "loss")), flush=True)
        time.sleep(120)
        """
    )
    assert status == 3, output
    written_at_ready = int(output.split()[1])
    assert written_at_ready < 20_000, "the test must catch metrics still queued"
    assert "stored 20000" in output
