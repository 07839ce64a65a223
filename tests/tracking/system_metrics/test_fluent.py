"""System metrics through the fluent API: start_run(log_system_metrics=...), the switches,
nested and resumed runs, and the thread's life ending with the run."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

import flowtrack as mlflow
from flowtrack.entities import RunStatus
from flowtrack.exceptions import InvalidStateError
from tests.tracking.system_metrics.helpers import (
    HOST_METRICS,
    history,
    sampler_threads,
    system_keys,
)

pytestmark = pytest.mark.usefixtures("tracking_uri")

FAST = 0.1  # the smallest sampling interval the settings allow


def test_three_second_run_sampled_every_second_logs_every_host_metric() -> None:
    mlflow.set_system_metrics_sampling_interval(1)
    mlflow.set_system_metrics_samples_before_logging(1)
    with mlflow.start_run(log_system_metrics=True) as run:
        time.sleep(3)

    run_id = run.info.run_id
    for name in HOST_METRICS:
        points = history(run_id, f"system/{name}")
        assert len(points) >= 2, name
        assert [point.step for point in points] == list(range(len(points))), name
        assert all(point.value >= 0 for point in points), name
    for name in ("cpu_utilization_percentage", "system_memory_usage_percentage"):
        assert all(0 <= point.value <= 100 for point in history(run_id, f"system/{name}"))
    assert history(run_id, "system/disk_usage_megabytes")[0].value > 0
    assert sampler_threads() == []


def test_a_run_shorter_than_the_interval_gets_one_point_and_ends_at_once() -> None:
    with mlflow.start_run(log_system_metrics=True) as run:  # default interval: 10 s
        time.sleep(0.2)
        started = time.monotonic()
    assert time.monotonic() - started < 5  # end_run did not wait for the interval

    for name in HOST_METRICS:
        assert [point.step for point in history(run.info.run_id, f"system/{name}")] == [0]


def test_not_logged_by_default_nor_when_disabled() -> None:
    with mlflow.start_run() as default_run:
        assert sampler_threads() == []
    mlflow.enable_system_metrics_logging()
    mlflow.disable_system_metrics_logging()
    with mlflow.start_run() as disabled_run:
        assert sampler_threads() == []

    assert system_keys(default_run.info.run_id) == set()
    assert system_keys(disabled_run.info.run_id) == set()


def test_enable_applies_to_later_runs_which_may_opt_out() -> None:
    mlflow.set_system_metrics_sampling_interval(FAST)
    with mlflow.start_run() as before:
        pass
    mlflow.enable_system_metrics_logging()
    with mlflow.start_run() as enabled:
        assert len(sampler_threads()) == 1
        time.sleep(3 * FAST)
    with mlflow.start_run(log_system_metrics=False) as opted_out:
        assert sampler_threads() == []

    assert system_keys(before.info.run_id) == set()
    assert {f"system/{name}" for name in HOST_METRICS} <= system_keys(enabled.info.run_id)
    assert system_keys(opted_out.info.run_id) == set()


def test_mlflow_variables_are_honoured_and_ours_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING", "true")
    monkeypatch.setenv("MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL", str(FAST))
    monkeypatch.setenv("MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING", "2")
    with mlflow.start_run() as enabled:
        time.sleep(10 * FAST)
    monkeypatch.setenv("FLOWTRACK_ENABLE_SYSTEM_METRICS_LOGGING", "false")
    with mlflow.start_run() as disabled:
        assert sampler_threads() == []

    # 0.1 s samples, averaged by two: several steps in one second (10 s / 1 would give one).
    assert len(history(enabled.info.run_id, "system/cpu_utilization_percentage")) >= 3
    assert system_keys(disabled.info.run_id) == set()


def test_only_the_runs_that_asked_are_monitored() -> None:
    mlflow.set_system_metrics_sampling_interval(FAST)
    with mlflow.start_run(log_system_metrics=True) as parent:
        with mlflow.start_run(nested=True) as child:
            assert len(sampler_threads()) == 1
            time.sleep(2 * FAST)
        with mlflow.start_run(nested=True, log_system_metrics=True) as monitored_child:
            assert len(sampler_threads()) == 2
            time.sleep(2 * FAST)
        assert len(sampler_threads()) == 1

    assert "system/cpu_utilization_percentage" in system_keys(parent.info.run_id)
    assert system_keys(child.info.run_id) == set()
    assert "system/cpu_utilization_percentage" in system_keys(monitored_child.info.run_id)
    assert sampler_threads() == []


def test_end_run_stops_the_thread_and_the_logging() -> None:
    mlflow.set_system_metrics_sampling_interval(FAST)
    run = mlflow.start_run(log_system_metrics=True)
    time.sleep(3 * FAST)
    mlflow.end_run()
    assert sampler_threads() == []
    logged = len(history(run.info.run_id, "system/cpu_utilization_percentage"))
    time.sleep(3 * FAST)

    assert len(history(run.info.run_id, "system/cpu_utilization_percentage")) == logged
    assert mlflow.get_run(run.info.run_id).info.status == RunStatus.FINISHED


def train_until_it_diverges() -> None:
    with mlflow.start_run(log_system_metrics=True):
        time.sleep(2 * FAST)
        raise ValueError("diverged")


def test_a_failing_block_stops_the_thread_and_keeps_the_metrics() -> None:
    mlflow.set_system_metrics_sampling_interval(FAST)
    with pytest.raises(ValueError, match="diverged"):
        train_until_it_diverges()
    run = mlflow.last_active_run()

    assert run is not None and run.info.status == RunStatus.FAILED
    assert "system/cpu_utilization_percentage" in run.data.metrics
    assert sampler_threads() == []


def test_a_resumed_run_continues_the_steps() -> None:
    mlflow.set_system_metrics_sampling_interval(FAST)
    with mlflow.start_run(log_system_metrics=True) as run:
        time.sleep(3 * FAST)
    first = [point.step for point in history(run.info.run_id, "system/disk_usage_percentage")]
    with mlflow.start_run(run_id=run.info.run_id, log_system_metrics=True):
        time.sleep(3 * FAST)

    steps = [point.step for point in history(run.info.run_id, "system/disk_usage_percentage")]
    assert steps[: len(first)] == first
    assert steps == list(range(len(steps))) and len(steps) > len(first)


def test_node_id_goes_into_the_names() -> None:
    mlflow.set_system_metrics_node_id("node_0")
    with mlflow.start_run(log_system_metrics=True) as run:
        pass

    keys = system_keys(run.info.run_id)
    assert "system/node_0/cpu_utilization_percentage" in keys
    assert all(key.startswith("system/node_0/") for key in keys)


def test_a_failing_store_write_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    mlflow.set_system_metrics_sampling_interval(FAST)
    run = mlflow.start_run(log_system_metrics=True)
    mlflow.MlflowClient().delete_run(run.info.run_id)  # the run stops accepting metrics
    with caplog.at_level(logging.WARNING):
        time.sleep(3 * FAST)
        assert sampler_threads() == []  # it stopped by itself
    with pytest.raises(InvalidStateError, match="deleted"):
        mlflow.end_run()  # a deleted run cannot be ended: the thread did not hide that

    assert any("Stopped logging system metrics" in r.getMessage() for r in caplog.records)


def test_without_psutil_start_run_names_the_extra(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['psutil'] = None  # psutil made unimportable\n"
        "import flowtrack as mlflow\n"
        "from flowtrack.exceptions import MissingDependencyError\n"
        "mlflow.set_tracking_uri('memory:')\n"
        "try:\n"
        "    mlflow.start_run(log_system_metrics=True)\n"
        "except MissingDependencyError as exc:\n"
        "    print(exc)\n"
        "assert mlflow.active_run() is None and len(mlflow.search_runs()) == 0\n"
        "mlflow.enable_system_metrics_logging()\n"
        "try:\n"
        "    mlflow.start_run()\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
        "with mlflow.start_run(log_system_metrics=False):\n"
        "    mlflow.log_metric('loss', 0.5)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    lines = result.stdout.splitlines()

    assert lines[-1] == "ok"
    assert len(lines) == 3
    for message in lines[:2]:
        assert "psutil" in message
        assert "pip install 'flowtrack[system-metrics]'" in message
