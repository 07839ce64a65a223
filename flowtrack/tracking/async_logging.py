"""Asynchronous metric logging: queue a metric in microseconds, write batches on a thread.

:class:`AsyncMetricQueue` is the fast path behind ``log_metric(..., synchronous=False)``.
``enqueue`` appends to a bounded in-memory queue and returns; a daemon writer thread groups the
queued metrics by run and writes them with ``TrackingStore.log_batch`` (at most ``batch_size``
per call), waking every ``flush_interval`` seconds or as soon as ``batch_size`` metrics wait.

Guarantees:

- Order: one writer writes each run's metrics in the order they were queued.
- Backpressure: when ``max_queue_size`` metrics wait, ``enqueue`` blocks until the writer
  catches up; nothing is dropped.
- Errors are never lost: a failed write is logged on the ``flowtrack`` logger when it happens and
  raised as :class:`~flowtrack.exceptions.StoreError` by the next :meth:`~AsyncMetricQueue.flush`.
- Shutdown: queued metrics are written at interpreter exit (``atexit``) and on SIGTERM, after
  which the previous SIGTERM handler runs (or the process dies of SIGTERM as it would have).

The SIGTERM path touches no lock the interrupted main thread could hold: the queue is a
``deque`` (atomic appends), the writer is woken through a ``queue.SimpleQueue`` (whose ``put``
is reentrant, documented as safe in signal handlers), and failures are recorded in a ``deque``.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import signal
import threading
import time
import weakref
from collections import deque
from types import FrameType
from typing import Any

from flowtrack._private.validation import (
    MAX_BATCH_METRICS,
    validate_key,
    validate_step,
    validate_timestamp,
)
from flowtrack.entities import Metric
from flowtrack.exceptions import (
    FlowtrackError,
    InvalidParameterError,
    InvalidStateError,
    NotFoundError,
    StoreError,
)
from flowtrack.stores.tracking.base import TrackingStore

__all__ = ["AsyncMetricQueue"]

_LOGGER = logging.getLogger("flowtrack")

#: Seconds a producer blocked by backpressure waits before re-checking the queue.
_SPACE_POLL_SECONDS = 0.05
#: How many distinct valid metric names a queue remembers, to skip re-validating them.
_MAX_CACHED_KEYS = 10_000
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
#: Seconds between checks that the writer thread is still alive while waiting for it.
_WAIT_POLL_SECONDS = 0.1


#: A queued item: (run_id, metric), or ("", event) for a flush barrier, an event set once
#: everything queued before it has been written.
_Item = tuple[str, Metric | threading.Event]


class _SigtermHandler:
    """Writes a queue's metrics on SIGTERM, then hands the signal to the previous handler.

    It holds the queue weakly, so an installed handler never keeps a queue alive; a closed
    queue's handler stays inactive if it cannot be uninstalled (another handler was installed on
    top of it and chains to it).
    """

    def __init__(self, owner: AsyncMetricQueue, previous: Any) -> None:
        self._owner = weakref.ref(owner)
        self.previous = previous
        self.active = True

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        owner = self._owner() if self.active else None
        if owner is not None:
            owner._flush_on_signal()
        previous = self.previous
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            # SIG_DFL, or a handler not installed from Python: die of SIGTERM as intended.
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)


class AsyncMetricQueue:
    """A bounded queue of metrics written to a tracking store in batches by a daemon thread.

    Args:
        store: Where the metrics go.
        flush_interval: Seconds between batched writes when fewer than ``batch_size`` wait.
        batch_size: Most metrics per ``log_batch`` call and the count that triggers an early
            write; 1 to 1000.
        max_queue_size: Most metrics queued at once; ``enqueue`` blocks beyond it.
        shutdown_timeout: Most seconds the writes at exit or on SIGTERM may take before the
            remaining metrics are given up (and logged); ``None`` waits as long as it takes.

    Raises:
        InvalidParameterError: A setting is out of range.

    Example:
        >>> from flowtrack.stores.tracking.selection import get_tracking_store
        >>> store = get_tracking_store("memory:")
        >>> run = store.create_run("0", user_id=None, start_time=None)
        >>> with AsyncMetricQueue(store) as metrics:
        ...     for step in range(3):
        ...         metrics.enqueue(run.info.run_id, Metric(key="loss", value=1 / (step + 1),
        ...                                                 timestamp=0, step=step))
        ...     metrics.flush()
        >>> len(store.get_metric_history(run.info.run_id, "loss"))
        3
    """

    def __init__(
        self,
        store: TrackingStore,
        *,
        flush_interval: float = 0.1,
        batch_size: int = 1000,
        max_queue_size: int = 100_000,
        shutdown_timeout: float | None = 30.0,
    ) -> None:
        checks = (
            ("flush_interval", flush_interval, 0 < flush_interval <= 3600, "in (0, 3600] seconds"),
            ("batch_size", batch_size, 1 <= batch_size <= MAX_BATCH_METRICS, "in [1, 1000]"),
            ("max_queue_size", max_queue_size, max_queue_size >= 1, "at least 1"),
            (
                "shutdown_timeout",
                shutdown_timeout,
                shutdown_timeout is None or shutdown_timeout > 0,
                "positive or None",
            ),
        )
        for name, value, valid, allowed in checks:
            if not valid:
                raise InvalidParameterError(f"Invalid {name} {value!r}: it must be {allowed}")
        self._store = store
        self._flush_interval = flush_interval
        self._batch_size = batch_size
        self._max_queue_size = max_queue_size
        self._shutdown_timeout = shutdown_timeout
        self._items: deque[_Item] = deque()
        self._valid_keys: set[str] = set()
        self._failures: deque[tuple[str, int, Exception]] = deque()
        self._wakeups: queue.SimpleQueue[None] = queue.SimpleQueue()
        self._space: queue.SimpleQueue[None] = queue.SimpleQueue()
        self._wake_pending = False
        self._running = False  # True between the first enqueue and close()
        self._closed = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._sigterm_handler: _SigtermHandler | None = None
        self._lifecycle_lock = threading.Lock()
        self._failures_lock = threading.Lock()

    # ------------------------------------------------------------------ producer side

    def enqueue(self, run_id: str, metric: Metric) -> None:
        """Queue a metric to be written to a run; returns at once unless the queue is full.

        The metric's name, step and timestamp are checked here, so a bad metric fails in the
        caller instead of spoiling a batch. The first call starts the writer thread.

        Args:
            run_id: The run to log to.
            metric: The metric point.

        Raises:
            InvalidParameterError: The metric's name, step or timestamp is invalid.
            InvalidStateError: The queue is closed.
            StoreError: The queue is full and the writer thread is no longer running.
        """
        key = metric.key
        if key not in self._valid_keys:
            validate_key("metric", key)
            if len(self._valid_keys) < _MAX_CACHED_KEYS:
                self._valid_keys.add(key)
        # Metric's fields are ints already; only the ranges need checking (cheaply).
        if not (_INT64_MIN <= metric.step <= _INT64_MAX and 0 <= metric.timestamp <= _INT64_MAX):
            validate_step(key, metric.step)
            validate_timestamp(key, metric.timestamp)
        if not self._running:
            self._start()
        items = self._items
        if len(items) >= self._max_queue_size:
            self._wait_for_space()
        items.append((run_id, metric))
        if len(items) >= self._batch_size and not self._wake_pending:
            self._wake_pending = True
            self._wakeups.put(None)

    def flush(self, run_id: str | None = None, timeout: float | None = None) -> None:
        """Wait until every metric queued before this call is written, then report failures.

        Args:
            run_id: Report only the failures of this run's metrics (all metrics queued before
                the call are written either way); ``None`` reports every run's.
            timeout: Most seconds to wait; ``None`` waits as long as it takes.

        Raises:
            StoreError: Writes failed since the last flush (the message says how many metrics
                of which runs and why; the first error is chained), the timeout passed, or the
                writer thread died.
        """
        if self._thread is not None and not self._closed:
            barrier = threading.Event()
            self._items.append(("", barrier))
            self._wake()
            self._await(barrier, timeout)
        self._raise_failures(run_id)

    def close(self, timeout: float | None = None) -> None:
        """Write everything queued, stop the writer thread and remove the exit hooks.

        Closing twice is harmless; ``enqueue`` after ``close`` raises.

        Args:
            timeout: Most seconds to wait for the writer; ``None`` waits as long as it takes.

        Raises:
            StoreError: Writes failed since the last flush, or the timeout passed.
        """
        with self._lifecycle_lock:
            if self._closed:
                return
            self._closed = True
            self._running = False
            thread = self._thread
        try:
            if thread is not None:
                self._stopping = True
                self._wake()
                thread.join(timeout)
                if thread.is_alive():
                    raise StoreError(
                        f"Closing the metric queue timed out after {timeout} s with "
                        f"{self._queued()} metrics still queued"
                    )
                self._drain()  # metrics queued by other threads while the writer stopped
            self._raise_failures(None)
        finally:
            self._remove_exit_hooks()

    def __enter__(self) -> AsyncMetricQueue:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start(self) -> None:
        with self._lifecycle_lock:
            if self._closed:
                raise InvalidStateError(
                    "The async metric queue is closed; create a new AsyncMetricQueue to log "
                    "more metrics asynchronously"
                )
            if self._thread is None:
                thread = threading.Thread(
                    target=self._run, name="flowtrack-async-metrics", daemon=True
                )
                thread.start()
                self._thread = thread
                self._install_exit_hooks()
            self._running = True

    def _wake(self) -> None:
        self._wake_pending = True
        self._wakeups.put(None)

    def _wait_for_space(self) -> None:
        """Block (backpressure) until the writer has taken metrics off a full queue."""
        while len(self._items) >= self._max_queue_size:
            thread = self._thread
            if thread is None or not thread.is_alive():
                raise StoreError(
                    f"The metric queue is full ({len(self._items)} metrics) and its writer "
                    "thread is not running; the queued metrics cannot be written"
                )
            self._wake()
            with contextlib.suppress(queue.Empty):
                self._space.get(timeout=_SPACE_POLL_SECONDS)

    def _queued(self) -> int:
        return sum(1 for _, payload in list(self._items) if isinstance(payload, Metric))

    def _await(self, barrier: threading.Event, timeout: float | None) -> None:
        """Wait for a barrier; raise StoreError on timeout or if the writer died."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = _WAIT_POLL_SECONDS
            if deadline is not None:
                wait = min(wait, max(0.0, deadline - time.monotonic()))
            if barrier.wait(wait):
                return
            thread = self._thread
            if thread is None or not thread.is_alive():
                if self._closed:
                    return  # close() writes what the stopped writer left behind
                raise StoreError(
                    f"The metric writer thread stopped unexpectedly; {self._queued()} queued "
                    "metrics were not written"
                )
            if deadline is not None and time.monotonic() >= deadline:
                raise StoreError(
                    f"Flushing queued metrics timed out after {timeout} s with "
                    f"{self._queued()} metrics still queued"
                )

    def _raise_failures(self, run_id: str | None) -> None:
        with self._failures_lock:
            taken: list[tuple[str, int, Exception]] = []
            kept: list[tuple[str, int, Exception]] = []
            while self._failures:
                failure = self._failures.popleft()
                (taken if run_id is None or failure[0] == run_id else kept).append(failure)
            self._failures.extend(kept)
        if not taken:
            return
        count = sum(n for _, n, _ in taken)
        runs = sorted({failed_run for failed_run, _, _ in taken})
        reasons: list[str] = []
        for _, _, exc in taken:
            reason = f"{type(exc).__name__}: {exc}"
            if reason not in reasons:
                reasons.append(reason)
        more = f" (and {len(reasons) - 3} more errors)" if len(reasons) > 3 else ""
        raise StoreError(
            f"{count} queued metrics of run(s) {', '.join(runs)} could not be written: "
            f"{'; '.join(reasons[:3])}{more}"
        ) from taken[0][2]

    # ------------------------------------------------------------------ writer side

    def _run(self) -> None:
        while True:
            with contextlib.suppress(queue.Empty):
                self._wakeups.get(timeout=self._flush_interval)
            while True:  # one write round answers every wake-up sent so far
                try:
                    self._wakeups.get_nowait()
                except queue.Empty:
                    break
            self._wake_pending = False
            stopping = self._stopping
            try:
                self._drain()
            except Exception:  # pragma: no cover - a bug here must not kill the writer
                _LOGGER.exception("flowtrack's metric writer failed unexpectedly")
            if stopping and not self._items:
                return

    def _drain(self) -> None:
        """Take everything queued and write it, releasing barriers in queue order."""
        items = self._items
        taken = [items.popleft() for _ in range(len(items))]
        if not taken:
            return
        if self._space.empty():
            self._space.put(None)  # let a producer blocked by backpressure go on
        pending: dict[str, list[Metric]] = {}
        for run_id, payload in taken:
            if isinstance(payload, threading.Event):
                self._write(pending)
                pending = {}
                payload.set()
            else:
                run_metrics = pending.get(run_id)
                if run_metrics is None:
                    pending[run_id] = run_metrics = []
                run_metrics.append(payload)
        self._write(pending)

    def _write(self, pending: dict[str, list[Metric]]) -> None:
        size = self._batch_size
        for run_id, metrics in pending.items():
            failed = 0
            error: Exception | None = None
            for start in range(0, len(metrics), size):
                chunk = metrics[start : start + size]
                # Once the run is gone or deleted, its remaining chunks fail the same way.
                if not isinstance(error, NotFoundError | InvalidStateError):
                    try:
                        self._store.log_batch(run_id, metrics=chunk)
                        continue
                    except Exception as exc:
                        error = exc
                assert error is not None
                failed += len(chunk)
                self._failures.append((run_id, len(chunk), error))
            if error is not None:
                expected = isinstance(error, FlowtrackError)
                _LOGGER.error(
                    "flowtrack could not write %d queued metrics of run %s: %s: %s",
                    failed,
                    run_id,
                    type(error).__name__,
                    error,
                    exc_info=None if expected else error,
                )

    # ------------------------------------------------------------------ exit hooks

    def _install_exit_hooks(self) -> None:
        atexit.register(self._close_at_exit)
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be installed from the main thread
        try:
            handler = _SigtermHandler(self, signal.getsignal(signal.SIGTERM))
            signal.signal(signal.SIGTERM, handler)
        except (ValueError, OSError) as exc:  # pragma: no cover - e.g. embedded interpreters
            _LOGGER.debug("flowtrack could not install its SIGTERM handler: %s", exc)
            return
        self._sigterm_handler = handler

    def _remove_exit_hooks(self) -> None:
        atexit.unregister(self._close_at_exit)
        handler = self._sigterm_handler
        if handler is None:
            return
        handler.active = False
        self._sigterm_handler = None
        previous = handler.previous
        in_main_thread = threading.current_thread() is threading.main_thread()
        if in_main_thread and signal.getsignal(signal.SIGTERM) is handler:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)

    def _close_at_exit(self) -> None:
        try:
            self.close(timeout=self._shutdown_timeout)
        except StoreError as exc:
            _LOGGER.error("flowtrack lost queued metrics at exit: %s", exc)

    def _flush_on_signal(self) -> None:
        """Write what is queued, from a signal handler: no lock the main thread may hold."""
        thread = self._thread
        if thread is None:
            return
        if self._closed:  # close() is writing the rest (e.g. at exit): let it finish
            thread.join(self._shutdown_timeout)
            return
        barrier = threading.Event()
        self._items.append(("", barrier))
        self._wakeups.put(None)
        try:
            self._await(barrier, self._shutdown_timeout)
        except StoreError as exc:
            _LOGGER.error("flowtrack lost queued metrics on SIGTERM: %s", exc)
