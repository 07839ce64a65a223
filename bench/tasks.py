"""Prefect benchmark: the overhead of ``@tracked_task`` over a plain ``prefect.task``.

Run with ``make bench`` (or ``.venv/bin/python bench/tasks.py [--repeat 7] [--profile]``).

Each flow calls 50 trivial tasks (``step(i) -> {"value": i}``): a plain ``@flow`` with plain
``@task``s against a ``@tracked_flow`` with ``@tracked_task``s (tracking URI on a SQLite file in
a temporary directory, so every task run writes its params, result metric, attempts, duration
and tags there). Flows run alternately, after one warm-up of each, each timed run after a few
seconds of quiet (``--settle``: Prefect's server digests the previous run's events meanwhile,
which otherwise swings a run's time 2-5x on a 2-core machine). Overhead per task =
(median tracked - median plain) / 50; it includes the flow's own fixed tracking cost (its run,
the sweep of open runs, the Prefect artifacts), which the empty-flow row measures on its own.
The "(of min)" column takes the fastest runs instead: on a shared machine, the runs least
disturbed by other load.

Prefect runs on its default local path, the ephemeral API: no ``PREFECT_API_URL``, so the first
flow run starts Prefect's API server in a subprocess on a SQLite database. That database, results
and logs go to a temporary ``PREFECT_HOME``; analytics are off, the start-up timeout is raised to
180 s (a loaded 2-core machine needs 20-40 s) and Prefect's console logging is set to WARNING so
the output stays readable (tracking errors are warnings and still show).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

N_TASKS = 50
TARGET_MS = 5.0


def _configure_environment(home: str) -> None:
    """Set Prefect's and flowtrack's environment; must run before Prefect is imported."""
    os.environ["PREFECT_HOME"] = home
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "180"
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    os.environ.pop("PREFECT_API_URL", None)
    os.environ["FLOWTRACK_ARTIFACT_ROOT"] = str(Path(home) / "flowtrack-artifacts")


def step(i: int) -> dict[str, float]:
    """The task body: trivial, with one parameter and one numeric result."""
    return {"value": float(i)}


def build_flows() -> dict[str, Callable[[], Any]]:
    """Return the flows to time, by name: plain and tracked, sequential, submitted and empty."""
    from prefect import flow, task

    from flowtrack.tasks import tracked_flow, tracked_task

    plain_step = task(name="step")(step)
    tracked_step = tracked_task(step, name="step")

    @flow(name="bench-plain")
    def plain_sequential() -> None:
        for i in range(N_TASKS):
            plain_step(i)

    @tracked_flow(name="bench-tracked")
    def tracked_sequential() -> None:
        for i in range(N_TASKS):
            tracked_step(i)

    @flow(name="bench-plain-submit")
    def plain_submit() -> None:
        futures = [plain_step.submit(i) for i in range(N_TASKS)]
        for future in futures:
            future.result()

    @tracked_flow(name="bench-tracked-submit")
    def tracked_submit() -> None:
        futures = [tracked_step.submit(i) for i in range(N_TASKS)]
        for future in futures:
            future.result()

    @flow(name="bench-plain-empty")
    def plain_empty() -> None:
        pass

    @tracked_flow(name="bench-tracked-empty")
    def tracked_empty() -> None:
        pass

    return {
        "plain": plain_sequential,
        "tracked": tracked_sequential,
        "plain-submit": plain_submit,
        "tracked-submit": tracked_submit,
        "plain-empty": plain_empty,
        "tracked-empty": tracked_empty,
    }


def time_pairs(
    plain: Callable[[], Any], tracked: Callable[[], Any], repeat: int, settle: float
) -> tuple[list[float], list[float]]:
    """Time ``repeat`` runs of each flow, alternating plain and tracked, after one warm-up each.

    Each timed run starts ``settle`` seconds after the previous one: Prefect's API server works
    through a flow run's events after the run returns, and a run started meanwhile competes
    with it for the CPU (on 2 cores that swings a run's time 2-5x).
    """
    plain()
    tracked()
    plain_times: list[float] = []
    tracked_times: list[float] = []
    for _ in range(repeat):
        for fn, times in ((plain, plain_times), (tracked, tracked_times)):
            time.sleep(settle)
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return plain_times, tracked_times


def _range_ms(times: list[float], per: int) -> str:
    return f"{min(times) / per * 1e3:.1f}-{max(times) / per * 1e3:.1f}"


def own_time_per_task(flow_fn: Callable[[], Any], repeat: int) -> list[float]:
    """flowtrack's own time per task run (opening and closing its run), in ms, per flow run.

    Timed inside the task runs, so it excludes the Prefect API's latency, which on a loaded
    machine swings a flow's wall-clock time by 2-5x between identical runs.
    """
    from flowtrack.tasks import task as task_module

    attempt = task_module._Attempt
    begin, returned = attempt.__dict__["begin"], attempt.__dict__["returned"]
    spent = [0.0]

    def timed(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started

        return call

    per_run: list[float] = []
    attempt.begin = classmethod(timed(begin.__func__))  # type: ignore[assignment,method-assign]
    attempt.returned = timed(returned)  # type: ignore[method-assign]
    try:
        for _ in range(repeat):
            spent[0] = 0.0
            flow_fn()
            per_run.append(spent[0] / N_TASKS * 1e3)
    finally:
        attempt.begin = begin  # type: ignore[method-assign]
        attempt.returned = returned  # type: ignore[method-assign]
    return per_run


def profile_tracked(flow_fn: Callable[[], Any]) -> None:
    """Profile one tracked flow run: flowtrack's functions by cumulative time, store calls."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    flow_fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"\ncProfile of one tracked flow of {N_TASKS} tasks, flowtrack frames by cumulative time")
    stats.sort_stats("cumulative").print_stats(r"[/\\]flowtrack[/\\]", 30)
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    raw = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table untyped
    store_calls = {
        name: calls
        for (path, _, name), (_, calls, _, _, _) in raw.items()
        if path.replace("\\", "/").endswith("stores/tracking/sql/store.py")
        and not name.startswith("_")
    }
    total = sum(store_calls.values())
    print(f"SQL store calls: {total} in the flow run, {total / N_TASKS:.1f} per task")
    for name, calls in sorted(store_calls.items(), key=lambda item: -item[1]):
        print(f"  {name:<24} {calls:>5}")


def main() -> None:
    """Time plain against tracked flows and print a table of per-task figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each flow")
    parser.add_argument("--profile", action="store_true", help="also profile one tracked flow")
    parser.add_argument(
        "--settle", type=float, default=3.0, help="seconds of quiet before each timed run"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="flowtrack-bench-tasks-") as tmp:
        _configure_environment(tmp)
        import flowtrack

        flowtrack.set_tracking_uri(f"sqlite:///{tmp}/bench.db")
        flows = build_flows()

        started = time.perf_counter()
        flows["plain-empty"]()  # the first flow run starts Prefect's ephemeral API
        print(f"Prefect ephemeral API started in {time.perf_counter() - started:.1f} s")
        print(
            f"{N_TASKS} trivial tasks per flow, {args.repeat} runs each after a warm-up, "
            "plain and tracked alternating: medians [min-max]"
        )
        header = (
            f"{'ms':<26} {'plain':>18} {'tracked':>18} {'overhead':>9} {'(of min)':>9}   target"
        )
        print(header)
        print("-" * len(header))

        results: dict[str, tuple[list[float], list[float]]] = {}
        for label, kind in (
            ("sequential, per task", ""),
            (".submit + result, per task", "-submit"),
            ("empty flow, per flow", "-empty"),
        ):
            plain, tracked = time_pairs(
                flows[f"plain{kind}"], flows[f"tracked{kind}"], args.repeat, args.settle
            )
            results[kind] = (plain, tracked)
            per = 1 if kind == "-empty" else N_TASKS
            overhead = (statistics.median(tracked) - statistics.median(plain)) / per * 1e3
            # Minima are the runs least disturbed by other load on the machine.
            overhead_of_min = (min(tracked) - min(plain)) / per * 1e3
            target = "-" if kind else f"<= {TARGET_MS:g} per task"
            print(
                f"{label:<26} "
                f"{statistics.median(plain) / per * 1e3:>6.1f} [{_range_ms(plain, per):>9}] "
                f"{statistics.median(tracked) / per * 1e3:>6.1f} [{_range_ms(tracked, per):>9}] "
                f"{overhead:>9.2f} {overhead_of_min:>9.2f}   {target}",
                flush=True,
            )

        def overhead_s(kind: str) -> float:
            plain, tracked = results[kind]
            return statistics.median(tracked) - statistics.median(plain)

        marginal = (overhead_s("") - overhead_s("-empty")) / N_TASKS * 1e3
        print(f"sequential overhead per task without the flow's fixed cost: {marginal:.2f} ms")
        headline = overhead_s("") / N_TASKS * 1e3
        of_min = (min(results[""][1]) - min(results[""][0])) / N_TASKS * 1e3
        own = own_time_per_task(flows["tracked"], args.repeat)
        print(
            f"flowtrack's own time per task run (open + close its run, timed inside the runs): "
            f"{statistics.median(own):.2f} ms median [{min(own):.2f}-{max(own):.2f}]"
        )
        for name, value in (
            ("wall clock, medians", headline),
            ("wall clock, fastest runs", of_min),
            ("own time, median", statistics.median(own)),
        ):
            verdict = "within" if value <= TARGET_MS else "OVER"
            print(
                f"@tracked_task overhead ({name}): {value:.2f} ms/task, {verdict} the "
                f"{TARGET_MS:g} ms target"
            )

        if args.profile:
            profile_tracked(flows["tracked"])
        # Hand Prefect's API the events still queued, so its server has them before it stops.
        from prefect.events.worker import EventsWorker

        EventsWorker.drain_all()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
