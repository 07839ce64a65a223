"""Tracking benchmark: the SQLite store in one process, against the targets of issue #2.

Run with ``make bench`` (or ``.venv/bin/python bench/tracking.py [--runs-large 100000]``).
The 100k-run database is built once through the public store API and cached in
``bench/.cache/`` (delete it to rebuild). Figures in brackets are MLflow 3.17 measured on the
same 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"


def _median(fn: Callable[[], float], repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat))


def bench_import(repeat: int = 7) -> tuple[float, float]:
    """Median wall time of `import flowtrack`, and of import + first fluent attribute access."""
    code = (
        "import time; t=time.perf_counter(); import flowtrack; a=time.perf_counter()-t; "
        "flowtrack.log_metric; b=time.perf_counter()-t; print(a, b)"
    )
    subprocess.run([sys.executable, "-m", "compileall", "-q", "flowtrack"], check=True)
    samples = [
        tuple(float(x) for x in subprocess.check_output([sys.executable, "-c", code]).split())
        for _ in range(repeat)
    ]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def populate(store: object, experiment_id: str, n_runs: int) -> None:
    """Create runs with ~3 params, ~3 metrics and a few tags each, through the store API."""
    from flowtrack.entities import Metric, Param, RunTag
    from flowtrack.stores.tracking.base import TrackingStore

    assert isinstance(store, TrackingStore)
    rng = random.Random(42)
    now = int(time.time() * 1000)
    for i in range(n_runs):
        run = store.create_run(experiment_id, "bench", now + i, [RunTag(key="team", value="a")])
        store.log_batch(
            run.info.run_id,
            metrics=[
                Metric(key=f"m{k}", value=rng.random(), timestamp=now, step=0) for k in (1, 2, 3)
            ],
            params=[
                Param(key="p1", value=rng.choice("abc")),
                Param(key="p2", value=str(rng.randint(0, 100))),
                Param(key="p3", value="x"),
            ],
            tags=[RunTag(key="kind", value=rng.choice(["x", "y"]))],
        )
        store.set_terminated(run.info.run_id)


def search_store(n_runs: int) -> tuple[object, str]:
    """Return a store whose experiment 'bench-<n>' holds n_runs runs (cached on disk)."""
    from flowtrack.stores.tracking.selection import get_tracking_store

    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"search_{n_runs}.db"
    store = get_tracking_store(f"sqlite:///{path}", str(CACHE / "artifacts"))
    name = f"bench-{n_runs}"
    experiment = store.get_experiment_by_name(name)
    if experiment is None:
        experiment_id = store.create_experiment(name)
        started = time.perf_counter()
        populate(store, experiment_id, n_runs)
        print(f"  (built {n_runs} runs in {time.perf_counter() - started:.0f} s, cached in {path})")
    else:
        experiment_id = experiment.experiment_id
    return store, experiment_id


def main() -> None:
    """Run every benchmark and print a table of figures against targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs-large", type=int, default=100_000)
    args = parser.parse_args()

    rows: list[tuple[str, str, str, str]] = []

    def report(name: str, value: str, target: str, mlflow: str) -> None:
        rows.append((name, value, target, mlflow))
        print(f"{name:<42} {value:>14}   target {target:<12} [MLflow {mlflow}]", flush=True)

    imp, first_use = bench_import()
    report("import flowtrack", f"{imp * 1000:.1f} ms", "<= 300 ms", "3 s")
    report("import + first fluent use", f"{first_use * 1000:.0f} ms", "-", "-")

    import flowtrack
    from flowtrack.entities import Metric

    with tempfile.TemporaryDirectory() as tmp:
        flowtrack.set_tracking_uri(f"sqlite:///{tmp}/bench.db")
        client = flowtrack.MlflowClient()
        experiment_id = client.create_experiment("bench")

        with flowtrack.start_run(experiment_id=experiment_id):
            for i in range(200):  # warm up
                flowtrack.log_metric("warm", i, step=i)
            n = 3000
            started = time.perf_counter()
            for i in range(n):
                flowtrack.log_metric("sync", i * 0.5, step=i)
            per_call = (time.perf_counter() - started) / n
            report("log_metric (sync, fluent)", f"{per_call * 1e3:.3f} ms", "<= 0.3 ms", "9 ms")

            n = 50_000
            started = time.perf_counter()
            for i in range(n):
                flowtrack.log_metric("async", i * 0.5, step=i, synchronous=False)
            per_call = (time.perf_counter() - started) / n
            flush_started = time.perf_counter()
            flowtrack.flush_async_logging()
            flush = time.perf_counter() - flush_started
            report("log_metric (async enqueue)", f"{per_call * 1e6:.1f} us", "<= 20 us", "-")
            report("  then flush of the 50k queue", f"{flush * 1000:.0f} ms", "-", "-")

        run_id = client.create_run(experiment_id).info.run_id
        now = int(time.time() * 1000)
        batches = [
            [
                Metric(key=f"k{j % 10}", value=float(j), timestamp=now, step=b * 1000 + j)
                for j in range(1000)
            ]
            for b in range(100)
        ]
        started = time.perf_counter()
        for batch in batches:
            client.log_batch(run_id, metrics=batch)
        rate = 100_000 / (time.perf_counter() - started)
        report(
            "log_batch ingest (1000/batch)", f"{rate / 1000:.0f}k metrics/s", ">= 100k/s", "4k/s"
        )

        def create_end() -> float:
            started = time.perf_counter()
            for _ in range(100):
                rid = client.create_run(experiment_id).info.run_id
                client.set_terminated(rid)
            return (time.perf_counter() - started) / 100

        report(
            "create_run + set_terminated",
            f"{_median(create_end, 3) * 1e3:.2f} ms",
            "<= 3 ms",
            "35 ms",
        )

        hist_run = client.create_run(experiment_id).info.run_id
        for b in range(10):
            client.log_batch(
                hist_run,
                metrics=[
                    Metric(key="loss", value=1.0 / (s + 1), timestamp=now + s, step=s)
                    for s in range(b * 1000, (b + 1) * 1000)
                ],
            )

        def history() -> float:
            started = time.perf_counter()
            points = client.get_metric_history(hist_run, "loss")
            assert len(points) == 10_000
            return time.perf_counter() - started

        history()
        report(
            "get_metric_history (10k steps)",
            f"{_median(history, 7) * 1e3:.1f} ms",
            "<= 15 ms",
            "850 ms",
        )

    for n_runs, target, mlflow in (
        (2000, "<= 20 ms", "286 ms"),
        (args.runs_large, "<= 200 ms", "-"),
    ):
        store, exp_id = search_store(n_runs)
        from flowtrack.stores.tracking.base import TrackingStore

        assert isinstance(store, TrackingStore)

        def search(store: TrackingStore = store, exp_id: str = exp_id) -> float:
            started = time.perf_counter()
            page = store.search_runs(
                [exp_id],
                "metrics.m1 > 0.5 and params.p1 = 'a'",
                max_results=100,
                order_by=["metrics.m1 DESC"],
            )
            assert len(page) == 100
            return time.perf_counter() - started

        search()
        report(
            f"search_runs over {n_runs} runs (top 100)",
            f"{_median(search, 7) * 1e3:.1f} ms",
            target,
            mlflow,
        )


if __name__ == "__main__":
    main()
