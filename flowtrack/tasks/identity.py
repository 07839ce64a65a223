"""How Prefect runs map to flowtrack runs: run ids, tags, and where a run's code comes from.

A flowtrack run's id is its Prefect run's id as 32 hex digits. Prefect ships flow-run and task-run
ids to every worker (threads, processes, Dask), so any process can name a task's run and its
parent without sharing memory with the process that started the flow.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

from flowtrack.tracking.context_tags import (
    MLFLOW_GIT_COMMIT,
    MLFLOW_SOURCE_NAME,
    MLFLOW_SOURCE_TYPE,
    MLFLOW_USER,
    git_commit,
    user_name,
)

__all__ = [
    "ATTEMPTS_METRIC",
    "ATTEMPT_ERROR_TAG",
    "CACHED_FROM_TAG",
    "CACHE_HIT_TAG",
    "CACHE_KEY_TAG",
    "DEPLOYMENT_TAG",
    "DURATION_METRIC",
    "ERROR_TAG",
    "FLOW_NAME_TAG",
    "FLOW_RUN_ID_TAG",
    "STATE_TAG",
    "TASK_NAME_TAG",
    "TASK_RUN_ID_TAG",
    "UI_URL_TAG",
    "deployment_name",
    "run_id_for",
    "source_tags",
    "ui_url",
]

FLOW_RUN_ID_TAG = "flowtrack.prefect.flow_run_id"
TASK_RUN_ID_TAG = "flowtrack.prefect.task_run_id"
FLOW_NAME_TAG = "flowtrack.prefect.flow_name"
TASK_NAME_TAG = "flowtrack.prefect.task_name"
DEPLOYMENT_TAG = "flowtrack.prefect.deployment"
UI_URL_TAG = "flowtrack.prefect.ui_url"
#: Prefect's final state name: Completed, Cached, Failed, TimedOut, Crashed, Cancelled...
STATE_TAG = "flowtrack.prefect.state"
#: The final error message of a failed run.
ERROR_TAG = "flowtrack.prefect.error"
#: The error of one failed attempt, formatted with the attempt number (1-based).
ATTEMPT_ERROR_TAG = "flowtrack.prefect.attempt_{attempt}.error"
#: On a run whose result Prefect persisted under a cache key: that key.
CACHE_KEY_TAG = "flowtrack.prefect.cache_key"
#: On a cache hit's run: the cache key it hit.
CACHE_HIT_TAG = "flowtrack.prefect.cache_hit"
#: On a cache hit's run: the id of the run that produced the cached result.
CACHED_FROM_TAG = "flowtrack.prefect.cached_from"
#: How many times Prefect ran the flow or task (1 + retries used).
ATTEMPTS_METRIC = "prefect.attempts"
#: Wall-clock seconds from the run's start to its end.
DURATION_METRIC = "prefect.duration_s"

_SOURCE_TYPE = "JOB"  # MLflow's source type for orchestrated runs


def run_id_for(prefect_run_id: UUID | str) -> str:
    """Return the flowtrack run id of a Prefect flow run or task run.

    Args:
        prefect_run_id: The Prefect run's id.

    Returns:
        The id as 32 lowercase hex digits.

    Example:
        >>> run_id_for(UUID("0194f1c2-a3b4-4c5d-8e6f-708192a3b4c5"))
        '0194f1c2a3b44c5d8e6f708192a3b4c5'
    """
    return (prefect_run_id if isinstance(prefect_run_id, UUID) else UUID(prefect_run_id)).hex


def ui_url(kind: Literal["flow-run", "task-run"], prefect_run_id: UUID) -> str | None:
    """Return the Prefect UI page of a run, when runs go to a Prefect server.

    Args:
        kind: ``"flow-run"`` or ``"task-run"``.
        prefect_run_id: The Prefect run's id.

    Returns:
        ``<PREFECT_UI_URL>/runs/<kind>/<id>``, or ``None`` with the ephemeral API (no server,
        no UI to link to).
    """
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if not settings.api.url or not settings.ui_url:
        return None
    return f"{settings.ui_url.rstrip('/')}/runs/{kind}/{prefect_run_id}"


def deployment_name(deployment_id: UUID | None) -> str | None:
    """Return the name of the deployment a flow run belongs to (one API call), if any."""
    if deployment_id is None:
        return None
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_deployment(deployment_id).name


@functools.lru_cache(maxsize=256)
def _source_tags(path: str | None) -> tuple[tuple[str, str], ...]:
    tags = {MLFLOW_SOURCE_TYPE: _SOURCE_TYPE}
    if path is not None:
        tags[MLFLOW_SOURCE_NAME] = path
        commit = git_commit(str(Path(path).parent))
        if commit is not None:
            tags[MLFLOW_GIT_COMMIT] = commit
    return tuple(tags.items())


def source_tags(fn: Callable[..., Any]) -> dict[str, str]:
    """Return the MLflow system tags of a run executing ``fn``.

    The source is the file defining the user's function (not the process's entry script, which
    for a Prefect worker is Prefect's own), and the git commit is that file's work tree's.

    Args:
        fn: The user's flow or task function.

    Returns:
        ``mlflow.user``, ``mlflow.source.type`` (``JOB``), ``mlflow.source.name`` and, in a git
        work tree, ``mlflow.source.git.commit``.
    """
    try:
        path = inspect.getsourcefile(inspect.unwrap(fn))
    except TypeError:  # builtins and C functions have no source file
        path = None
    return {MLFLOW_USER: user_name(), **dict(_source_tags(path))}
