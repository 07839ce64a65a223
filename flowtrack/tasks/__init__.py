"""Prefect-native tracking: ``@tracked_flow`` and ``@tracked_task``.

Every run of a tracked flow is a flowtrack run, and every run of a tracked task a run nested
under its caller's, recording parameters, result metrics, attempts, duration, status and the
Prefect ids that link the two systems; inside them the fluent API (``flowtrack.log_metric``,
``flowtrack.sklearn.log_model``...) logs into the current task's or flow's run::

    from flowtrack.tasks import tracked_flow, tracked_task

    @tracked_task(retries=2)
    def train(alpha: float) -> dict[str, float]:
        ...
        return {"rmse": rmse}

    @tracked_flow
    def pipeline(alpha: float = 0.5) -> None:
        train(alpha)

Importing this package imports Prefect; ``import flowtrack`` alone does not.
"""

from flowtrack.tasks.caching import find_cached_run, skip_if_ran_policy
from flowtrack.tasks.flow import TrackedFlow, tracked_flow
from flowtrack.tasks.promotion import promote
from flowtrack.tasks.task import TrackedTask, tracked_task

__all__ = [
    "TrackedFlow",
    "TrackedTask",
    "find_cached_run",
    "promote",
    "skip_if_ran_policy",
    "tracked_flow",
    "tracked_task",
]
