"""``skip_if_ran``: reuse a tracked task's earlier result, and know which run produced it.

The cache key combines the task's inputs, its source and the git commit of the file defining it
(never the inputs alone: two tasks called with the same inputs would share a result). Prefect
persists the result under that key; flowtrack tags the producing run with the key, so a later
hit's run can name the run it reuses (:func:`find_cached_run`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect.cache_policies import INPUTS, TASK_SOURCE, CachePolicy
from prefect.utilities.hashing import hash_objects

from flowtrack.entities import Run
from flowtrack.tasks.identity import CACHE_KEY_TAG
from flowtrack.tracking.context_tags import git_commit

if TYPE_CHECKING:
    from prefect import Task
    from prefect.context import TaskRunContext

    from flowtrack.tracking.client import FlowtrackClient

__all__ = [
    "GitCommit",
    "find_cached_run",
    "persists_results",
    "skip_if_ran_policy",
]


@dataclass
class GitCommit(CachePolicy):
    """A cache-key part: the git commit of the work tree holding the task's source file.

    Outside a git work tree it contributes nothing (the key is then inputs + source).
    """

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any] | None,
        flow_parameters: dict[str, Any] | None,
        **kwargs: Any,
    ) -> str | None:
        """Hash the commit checked out where the task's function is defined."""
        try:
            path = inspect.getsourcefile(inspect.unwrap(task_ctx.task.fn))
        except TypeError:
            return None
        commit = git_commit(str(Path(path).parent)) if path else None
        return hash_objects(commit) if commit else None


def skip_if_ran_policy() -> CachePolicy:
    """The cache policy of ``@tracked_task(skip_if_ran=True)``: inputs + task source + commit."""
    return INPUTS + TASK_SOURCE + GitCommit()


def persists_results(task: Task[Any, Any]) -> bool:
    """Whether Prefect persists this task's results (so later runs can hit its cache)."""
    if task.persist_result is not None:
        return bool(task.persist_result)
    from prefect.settings import get_current_settings

    return bool(get_current_settings().results.persist_by_default)


def find_cached_run(
    cache_key: str,
    experiment_ids: list[str] | None = None,
    *,
    client: FlowtrackClient | None = None,
) -> Run | None:
    """Return the most recent finished run that produced the result stored under a cache key.

    Args:
        cache_key: Prefect's storage key of the result (the ``flowtrack.prefect.cache_hit`` tag
            of a hit's run names it).
        experiment_ids: Where to look; default every active experiment.
        client: The client to use; default one on the current tracking URI.

    Returns:
        The producing run, or ``None`` when no tracked run produced it.

    Example:
        >>> hit = client.get_run(run_id)
        >>> find_cached_run(hit.data.tags["flowtrack.prefect.cache_hit"]).info.run_id
        '0194f1c2a3b44c5d8e6f708192a3b4c5'
    """
    if client is None:
        from flowtrack.tracking.client import FlowtrackClient

        client = FlowtrackClient()
    if experiment_ids is None:  # every page: one holds at most 1000 experiments
        from flowtrack.entities import ViewType
        from flowtrack.tracking._paging import collect_pages

        search = client.search_experiments
        experiments = collect_pages(
            lambda size, token: search(ViewType.ACTIVE_ONLY, size, page_token=token), None, 1000
        )
        experiment_ids = [experiment.experiment_id for experiment in experiments]
    if not experiment_ids:
        return None
    quoted = cache_key.replace("'", "''")  # the filter grammar escapes a quote by doubling it
    found = client.search_runs(
        experiment_ids,
        f"tags.`{CACHE_KEY_TAG}` = '{quoted}' AND attributes.status = 'FINISHED'",
        max_results=1,
        order_by=["attributes.start_time DESC"],
    )
    return found[0] if found else None
