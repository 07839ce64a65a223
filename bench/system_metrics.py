"""System metrics benchmark: what the sampler thread costs a training loop's logging.

A loop of synchronous ``log_metric`` calls to a SQLite store (~``--seconds`` long) is timed in a
run without system metrics, with ``log_system_metrics=True`` at MLflow's default interval (10 s)
and at a 1 s interval. The three configurations are interleaved (rotated each round), each
measurement in a fresh interpreter; the overhead is the medians' difference, and the median of
each round's ratio to the run without system metrics ("paired"). The target is < 1 %. The CPU
time the sampler thread itself used during the loop, as a share of the loop's wall time, is what
sampling takes from the training process; unlike wall-time differences it does not drift with
the machine's load.
``end_run`` (which waits for the thread's last sample and write) is timed apart, and so is one
sampling step (sample every monitor, write one ``log_batch``): on a loaded machine that figure
divided by the interval is a steadier bound of the overhead than wall-time differences. When
``.venv-mlflow`` holds MLflow, the same loop is measured for MLflow in the same run, as a peer.

Run with ``make bench`` or ``.venv/bin/python bench/system_metrics.py [--repeat 7]``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MLFLOW_PYTHON = ROOT / ".venv-mlflow" / "bin" / "python"
#: Configuration name -> sampling interval (None: no system metrics).
CONFIGS: dict[str, float | None] = {"off": None, "default (10 s)": 10.0, "1 s": 1.0}


def _sampler_cpu_seconds() -> float:
    """CPU seconds used so far by the system-metrics thread (flowtrack's or MLflow's), or 0."""
    import threading

    import psutil

    ids = {
        thread.native_id
        for thread in threading.enumerate()
        if thread.name.startswith("SystemMetricsMonitor")
    }
    return sum(t.user_time + t.system_time for t in psutil.Process().threads() if t.id in ids)


def worker(library: str, calls: int, interval: float | None) -> None:
    """Time ``calls`` log_metric calls in one run; print the timings as JSON.

    ``loop`` and ``end`` are wall seconds of the loop and of ``end_run``; ``sampler_cpu`` is the
    CPU the sampler thread used during the loop (what it takes from the training process,
    independent of how loaded the machine is).
    """
    mlflow = importlib.import_module(library)
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        mlflow.set_tracking_uri(f"sqlite:///{tmp}/bench.db")
        mlflow.set_experiment("bench")
        with mlflow.start_run():  # warm up: schema, caches, first writes
            for i in range(50):
                mlflow.log_metric("warm", i, step=i)
        if interval is not None:
            mlflow.set_system_metrics_sampling_interval(interval)
        mlflow.start_run(log_system_metrics=interval is not None)
        cpu_before = _sampler_cpu_seconds()
        started = time.perf_counter()
        for i in range(calls):
            mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
        loop = time.perf_counter() - started
        sampler_cpu = _sampler_cpu_seconds() - cpu_before
        started = time.perf_counter()
        mlflow.end_run()
        end = time.perf_counter() - started
    print(json.dumps({"loop": loop, "end": end, "sampler_cpu": sampler_cpu}))


def measure(
    python: Path | str, library: str, calls: int, interval: float | None
) -> dict[str, float]:
    """Run one :func:`worker` in a fresh interpreter; return its timings."""
    command = [str(python), __file__, "--worker", library, "--calls", str(calls)]
    if interval is not None:
        command += ["--interval", str(interval)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    result: dict[str, float] = json.loads(output.splitlines()[-1])
    return result


def bench(python: Path | str, library: str, seconds: float, repeat: int) -> None:
    """Calibrate the loop to ~``seconds``, then measure every configuration, interleaved."""
    probe = 300
    per_call = measure(python, library, probe, None)["loop"] / probe
    calls = max(probe, int(seconds / per_call))
    names = list(CONFIGS)
    loops: dict[str, list[float]] = {name: [] for name in names}
    ends: dict[str, list[float]] = {name: [] for name in names}
    cpu_shares: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeat):
        # Interleaved, and rotated each round so no configuration always runs first.
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            timing = measure(python, library, calls, CONFIGS[name])
            loops[name].append(timing["loop"])
            ends[name].append(timing["end"])
            cpu_shares[name].append(timing["sampler_cpu"] / timing["loop"] * 100)
    baseline = statistics.median(loops["off"])
    print(f"{library}: {calls} log_metric calls per run, median of {repeat} interleaved runs")
    for name in names:
        loop = statistics.median(loops[name])
        overhead = (loop - baseline) / baseline * 100
        # The same round's runs share the machine's load: their ratio is steadier.
        ratios = [a / b for a, b in zip(loops[name], loops["off"], strict=True)]
        paired = (statistics.median(ratios) - 1) * 100
        spread = f"{min(loops[name]):.2f}-{max(loops[name]):.2f} s"
        print(
            f"  system metrics {name:<15} loop {loop:6.3f} s ({spread})  overhead "
            f"{overhead:+6.2f} % (paired {paired:+6.2f} %)  sampler CPU "
            f"{statistics.median(cpu_shares[name]):5.3f} % of the loop's wall time  "
            f"end_run {statistics.median(ends[name]) * 1000:5.1f} ms",
            flush=True,
        )


def step_cost(repeat: int = 200) -> tuple[float, float]:
    """Median wall and CPU time of one sampling step (all monitors, one log_batch to SQLite)."""
    import flowtrack
    from flowtrack.tracking.system_metrics import SystemMetricsMonitor, default_monitors

    with tempfile.TemporaryDirectory() as tmp:
        flowtrack.set_tracking_uri(f"sqlite:///{tmp}/bench.db")
        with flowtrack.start_run() as run:
            monitors = default_monitors()
            # The thread's own step, driven here without the thread to time it.
            sampler = SystemMetricsMonitor(flowtrack.MlflowClient(), run.info.run_id)
            walls, cpus = [], []
            for step in range(repeat):
                wall, cpu = time.perf_counter(), time.thread_time()
                sampler._sample(monitors)
                sampler._publish(monitors, step)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.thread_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    """Measure flowtrack, then MLflow when ``.venv-mlflow`` is installed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each loop")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--interval", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.calls, args.interval)
        return
    print("System metrics overhead on a synchronous log_metric loop (target < 1 %)")
    wall, cpu = step_cost()
    print(
        f"flowtrack: one sampling step {wall * 1000:.2f} ms wall, {cpu * 1000:.2f} ms CPU: "
        f"{cpu / 10 * 100:.3f} % of a core at 10 s, {cpu / 1 * 100:.2f} % at 1 s",
        flush=True,
    )
    bench(sys.executable, "flowtrack", args.seconds, args.repeat)
    if MLFLOW_PYTHON.exists():
        bench(MLFLOW_PYTHON, "mlflow", args.seconds, args.repeat)
    else:
        print(f"mlflow: not measured ({MLFLOW_PYTHON} is missing)")


if __name__ == "__main__":
    main()
