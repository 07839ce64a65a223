"""The sampler thread and its monitors: averaging, steps, failures, and the GPU monitor over a
fake device reader (no GPU on the test machines)."""

from __future__ import annotations

import itertools
import logging
import sys
import time
import types

import pytest

import flowtrack as mlflow
from flowtrack.tracking.system_metrics import MetricsMonitor, SystemMetricsMonitor
from flowtrack.tracking.system_metrics.gpu import GPUMonitor, open_nvml_reader
from flowtrack.tracking.system_metrics.monitor import default_monitors
from tests.tracking.system_metrics.helpers import history, sampler_threads

pytestmark = pytest.mark.usefixtures("tracking_uri")


class Counter(MetricsMonitor):
    """Samples 1, 2, 3, ... of a metric ``count``."""

    def __init__(self) -> None:
        super().__init__()
        self._next = itertools.count(1)

    def collect_metrics(self) -> None:
        self.add_sample("count", next(self._next))


class Unplugged(MetricsMonitor):
    """A sensor that always fails."""

    def collect_metrics(self) -> None:
        raise OSError("sensor unplugged")


class FakeGpus:
    """Two GPUs: 40 % / 80 % of 8 GB used, 50 % / 70 % busy, 100 W / 150 W of 250 W."""

    def __init__(self, power_fails_on: int | None = None) -> None:
        self.power_fails_on = power_fails_on

    def device_count(self) -> int:
        return 2

    def memory_bytes(self, index: int) -> tuple[float, float]:
        return (0.4, 0.8)[index] * 8e9, 8e9

    def utilization_percentage(self, index: int) -> float:
        return (50.0, 70.0)[index]

    def power_milliwatts(self, index: int) -> tuple[float, float]:
        if index == self.power_fails_on:
            raise RuntimeError("NVML_ERROR_NOT_SUPPORTED")
        return (100_000.0, 150_000.0)[index], 250_000.0


def run_monitor(monitors: list[MetricsMonitor], seconds: float, **options: object) -> str:
    """Monitor a new run with ``monitors`` for ``seconds``; return its id."""
    run = mlflow.start_run()
    monitor = SystemMetricsMonitor(
        mlflow.MlflowClient(),
        run.info.run_id,
        sampling_interval=0.1,
        monitors=monitors,
        **options,  # type: ignore[arg-type]
    )
    monitor.start()
    time.sleep(seconds)
    monitor.finish()
    mlflow.end_run()
    assert sampler_threads() == []
    return run.info.run_id


def test_samples_are_averaged_per_logging_interval() -> None:
    run_id = run_monitor([Counter()], 1.0, samples_before_logging=2)

    points = history(run_id, "system/count")
    full = [point for point in points if point.value != int(point.value)]  # means of two
    assert [point.step for point in points] == list(range(len(points)))
    assert [point.value for point in full[:3]] == [1.5, 3.5, 5.5]


def test_a_failing_monitor_is_one_warning_and_the_others_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="flowtrack.tracking.system_metrics"):
        run_id = run_monitor([Unplugged(), Counter()], 0.5)

    warnings = [r.getMessage() for r in caplog.records if "sensor unplugged" in r.getMessage()]
    assert len(warnings) == 1
    assert "Unplugged" in warnings[0]
    assert len(history(run_id, "system/count")) >= 2
    assert mlflow.get_run(run_id).info.status == "FINISHED"


def test_gpu_metrics_have_mlflow_names_and_units() -> None:
    monitor = GPUMonitor(FakeGpus())
    monitor.collect_metrics()
    monitor.collect_metrics()

    assert monitor.aggregate_metrics() == {
        "gpu_0_memory_usage_percentage": 40.0,
        "gpu_0_memory_usage_megabytes": 3200.0,
        "gpu_0_utilization_percentage": 50.0,
        "gpu_0_power_usage_watts": 100.0,
        "gpu_0_power_usage_percentage": 40.0,
        "gpu_1_memory_usage_percentage": 80.0,
        "gpu_1_memory_usage_megabytes": 6400.0,
        "gpu_1_utilization_percentage": 70.0,
        "gpu_1_power_usage_watts": 150.0,
        "gpu_1_power_usage_percentage": 60.0,
    }


def test_gpu_metrics_are_logged_under_system(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="flowtrack.tracking.system_metrics"):
        run_id = run_monitor([GPUMonitor(FakeGpus(power_fails_on=1))], 0.5)

    keys = {key for key in mlflow.get_run(run_id).data.metrics if key.startswith("system/gpu")}
    assert "system/gpu_0_power_usage_watts" in keys
    assert "system/gpu_1_utilization_percentage" in keys
    assert not {"system/gpu_1_power_usage_watts", "system/gpu_1_power_usage_percentage"} & keys
    power = [r for r in caplog.records if "power of GPU 1" in r.getMessage()]
    assert len(power) == 1  # reported once, not at every sample


def test_no_gpu_monitor_without_nvml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # not installed
    assert open_nvml_reader() is None
    assert not any(isinstance(monitor, GPUMonitor) for monitor in default_monitors())


def test_no_gpu_monitor_when_nvml_finds_no_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    class NVMLError(Exception):
        pass

    def no_driver() -> None:
        raise NVMLError("Driver Not Loaded")

    # A stand-in for the third-party library, as NVML behaves on a machine without a GPU.
    monkeypatch.setitem(sys.modules, "pynvml", types.SimpleNamespace(nvmlInit=no_driver))
    assert open_nvml_reader() is None
