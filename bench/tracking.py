"""Tracking benchmark: flowtrack's SQLite store beside MLflow 3.17's, measured in the same run.

Every figure is measured now: the same operations run once in flowtrack (this interpreter) and,
when the test-only ``.venv-mlflow`` holds MLflow, once in MLflow, each in a fresh process on a
SQLite file in a temporary directory, through the libraries' public APIs (the same names:
``log_metric``, ``MlflowClient.log_batch``, ``search_runs``...). The table shows both and the
ratio MLflow / flowtrack, beside the targets of issue #2.

Run with ``make bench`` (or ``.venv/bin/python bench/tracking.py [--runs-large 100000]``).
The databases searched (2,000 runs, and ``--runs-large`` runs for flowtrack only: MLflow needs
over an hour to create 100,000 runs) are built once through the public API and cached in
``bench/.cache/`` (delete it to rebuild).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
MLFLOW_PYTHON = ROOT / ".venv-mlflow" / "bin" / "python"

#: (key, label, unit, target): the rows of the table, in order.
ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("import", "import", "ms", "<= 300 ms"),
    ("log_metric", "log_metric (sync, fluent)", "ms", "<= 0.3 ms"),
    ("async_enqueue", "log_metric (async enqueue)", "us", "<= 20 us"),
    ("async_flush", "  then flush of the queue (per metric)", "us", "-"),
    ("log_batch", "log_batch ingest (1000/batch)", "k/s", ">= 100k/s"),
    ("create_run", "create_run + set_terminated", "ms", "<= 3 ms"),
    ("history", "get_metric_history (10k steps)", "ms", "<= 15 ms"),
    ("search_2000", "search_runs over 2000 runs (top 100)", "ms", "<= 20 ms"),
    ("search_large", "search_runs over {large} runs (top 100)", "ms", "<= 200 ms"),
)


def _median(fn: Callable[[], float], repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat))


def _per_call(fn: Callable[[int], None], most: int, seconds: float) -> float:
    """Seconds per call of ``fn(i)``: up to ``most`` calls or about ``seconds`` of them."""
    started = time.perf_counter()
    calls = 0
    while calls < most and (calls < 20 or time.perf_counter() - started < seconds):
        fn(calls)
        calls += 1
    return (time.perf_counter() - started) / calls


def import_time(python: str, library: str, repeat: int = 5) -> float:
    """Median wall seconds of ``import <library>`` in a fresh interpreter."""
    code = f"import time; t=time.perf_counter(); import {library}; print(time.perf_counter()-t)"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MLFLOW_DISABLE_TELEMETRY": "true"}
    return statistics.median(
        float(subprocess.check_output([python, "-c", code], env=env)) for _ in range(repeat)
    )


def populate(client: Any, metric_cls: Any, param_cls: Any, tag_cls: Any, n_runs: int) -> str:
    """Create ``n_runs`` runs (3 params, 3 metrics, 2 tags each) in experiment 'bench'."""
    experiment_id: str = client.create_experiment("bench")
    rng = random.Random(42)
    now = int(time.time() * 1000)
    for i in range(n_runs):
        run_id = client.create_run(experiment_id, tags={"team": "a"}).info.run_id
        client.log_batch(
            run_id,
            metrics=[
                metric_cls(key=f"m{k}", value=rng.random(), timestamp=now + i, step=0)
                for k in (1, 2, 3)
            ],
            params=[
                param_cls(key="p1", value=rng.choice("abc")),
                param_cls(key="p2", value=str(rng.randint(0, 100))),
                param_cls(key="p3", value="x"),
            ],
            tags=[tag_cls(key="kind", value=rng.choice(["x", "y"]))],
        )
        client.set_terminated(run_id)
    return experiment_id


def search_time(library: str, n_runs: int) -> float:
    """Median seconds of a filtered, ordered search for the top 100 of ``n_runs`` runs."""
    mlflow = importlib.import_module(library)
    entities = importlib.import_module(f"{library}.entities")
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"{library}_search_{n_runs}.db"
    mlflow.set_tracking_uri(f"sqlite:///{path}")
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name("bench")
    if experiment is None:
        started = time.perf_counter()
        experiment_id = populate(client, entities.Metric, entities.Param, entities.RunTag, n_runs)
        took = time.perf_counter() - started
        print(f"  ({library}: built {n_runs} runs in {took:.0f} s in {path})", file=sys.stderr)
    else:
        experiment_id = experiment.experiment_id

    def search() -> float:
        started = time.perf_counter()
        runs = client.search_runs(
            [experiment_id],
            "metrics.m1 > 0.5 and params.p1 = 'a'",
            max_results=100,
            order_by=["metrics.m1 DESC"],
        )
        assert len(runs) == 100
        return time.perf_counter() - started

    search()
    return _median(search, 7)


def worker(library: str, runs_large: int | None) -> dict[str, float]:
    """Measure every operation in ``library``; return seconds per operation (rates for ingest)."""
    mlflow = importlib.import_module(library)
    metric_cls = importlib.import_module(f"{library}.entities").Metric
    out: dict[str, float] = {}
    home = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # MLflow's default artifact root is ./mlruns
        mlflow.set_tracking_uri(f"sqlite:///{tmp}/bench.db")
        client = mlflow.MlflowClient()
        experiment_id = client.create_experiment("bench")
        with mlflow.start_run(experiment_id=experiment_id):
            for i in range(100):  # warm up
                mlflow.log_metric("warm", i, step=i)
            out["log_metric"] = _per_call(
                lambda i: mlflow.log_metric("sync", i * 0.5, step=i), 3000, 3.0
            )
            n = 20_000
            started = time.perf_counter()
            for i in range(n):
                mlflow.log_metric("async", i * 0.5, step=i, synchronous=False)
            out["async_enqueue"] = (time.perf_counter() - started) / n
            started = time.perf_counter()
            mlflow.flush_async_logging()
            out["async_flush"] = (time.perf_counter() - started) / n

        run_id = client.create_run(experiment_id).info.run_id
        now = int(time.time() * 1000)
        batches = [
            [
                metric_cls(key=f"k{j % 10}", value=float(j), timestamp=now, step=b * 1000 + j)
                for j in range(1000)
            ]
            for b in range(20)
        ]
        started = time.perf_counter()
        for batch in batches:
            client.log_batch(run_id, metrics=batch)
        out["log_batch"] = 20_000 / (time.perf_counter() - started)

        def create_end(_: int) -> None:
            client.set_terminated(client.create_run(experiment_id).info.run_id)

        out["create_run"] = _per_call(create_end, 100, 3.0)

        hist_run = client.create_run(experiment_id).info.run_id
        for b in range(10):
            client.log_batch(
                hist_run,
                metrics=[
                    metric_cls(key="loss", value=1.0 / (s + 1), timestamp=now + s, step=s)
                    for s in range(b * 1000, (b + 1) * 1000)
                ],
            )

        def history() -> float:
            started = time.perf_counter()
            points = client.get_metric_history(hist_run, "loss")
            assert len(points) == 10_000
            return time.perf_counter() - started

        history()
        out["history"] = _median(history, 5)
        os.chdir(home)
    out["search_2000"] = search_time(library, 2000)
    if runs_large is not None:
        out["search_large"] = search_time(library, runs_large)
    return out


def measure(python: str, library: str, runs_large: int | None) -> dict[str, float]:
    """Run :func:`worker` in a fresh ``python``; add the import time."""
    command = [python, __file__, "--worker", library]
    if runs_large is not None:
        command += ["--runs-large", str(runs_large)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MLFLOW_DISABLE_TELEMETRY": "true"}
    output = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if output.returncode != 0:
        raise SystemExit(f"{library} benchmark failed:\n{output.stderr[-4000:]}")
    sys.stderr.write("".join(line + "\n" for line in output.stderr.splitlines() if "built" in line))
    result: dict[str, float] = json.loads(output.stdout.splitlines()[-1])
    result["import"] = import_time(python, library)
    return result


def _show(key: str, seconds: float | None, unit: str) -> str:
    if seconds is None:
        return "-"
    if unit == "k/s":
        return f"{seconds / 1000:.0f}k/s"
    scale = {"ms": 1e3, "us": 1e6}[unit]
    return f"{seconds * scale:.{1 if unit == 'us' or seconds * scale >= 10 else 3}f} {unit}"


def main() -> None:
    """Measure flowtrack, then MLflow when ``.venv-mlflow`` is installed; print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs-large", type=int, default=100_000)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        large = args.runs_large if args.worker == "flowtrack" else None
        print(json.dumps(worker(args.worker, large)))
        return
    ours = measure(sys.executable, "flowtrack", args.runs_large)
    theirs = measure(str(MLFLOW_PYTHON), "mlflow", None) if MLFLOW_PYTHON.exists() else {}
    if not theirs:
        print(f"(MLflow not measured: {MLFLOW_PYTHON} is missing)")
    print(f"{'':<42} {'flowtrack':>12} {'MLflow 3.17':>12} {'MLflow/ours':>12}   target")
    for key, label, unit, target in ROWS:
        label = label.format(large=args.runs_large)
        mine, peer = ours.get(key), theirs.get(key)
        ratio = "-"
        if mine and peer:
            ratio = f"{(mine / peer if unit == 'k/s' else peer / mine):.0f}x"
        print(
            f"{label:<42} {_show(key, mine, unit):>12} {_show(key, peer, unit):>12} "
            f"{ratio:>12}   {target}",
            flush=True,
        )


if __name__ == "__main__":
    main()
