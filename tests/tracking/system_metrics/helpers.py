"""Helpers for the system metrics tests: the sampler threads alive, and a run's metric points."""

from __future__ import annotations

import threading

import flowtrack as mlflow
from flowtrack.entities import Metric

#: The metrics logged on every machine (GPU metrics come on top where NVML sees a GPU).
HOST_METRICS = (
    "cpu_utilization_percentage",
    "system_memory_usage_megabytes",
    "system_memory_usage_percentage",
    "disk_usage_percentage",
    "disk_usage_megabytes",
    "disk_available_megabytes",
    "network_receive_megabytes",
    "network_transmit_megabytes",
)


def sampler_threads() -> list[threading.Thread]:
    """The system metrics threads alive now."""
    return [t for t in threading.enumerate() if t.name.startswith("SystemMetricsMonitor")]


def history(run_id: str, key: str) -> list[Metric]:
    """Every logged point of a metric of a run."""
    return mlflow.MlflowClient().get_metric_history(run_id, key)


def system_keys(run_id: str) -> set[str]:
    """The run's metric names under ``system/``."""
    return {key for key in mlflow.get_run(run_id).data.metrics if key.startswith("system/")}
