"""Tracked tasks that run in worker processes (importable there by module path)."""

from __future__ import annotations

import os

import flowtrack
from flowtrack.tasks import tracked_task


@tracked_task
def square(x: int) -> dict[str, int]:
    """Square ``x`` and log the worker's process id with the fluent API."""
    flowtrack.log_metric("pid", os.getpid())
    return {"square": x * x}


@tracked_task
def dies_midway(x: int) -> None:
    """Log a metric, then kill the worker process before the task can end its run."""
    flowtrack.log_metric("before_death", x)
    os._exit(3)
