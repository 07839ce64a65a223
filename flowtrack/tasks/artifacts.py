"""Prefect artifacts of a tracked flow run: its steps' metrics, and where its flowtrack run is.

They show up on the flow run's page in Prefect's UI, so someone looking at Prefect sees what was
measured and where to find the rest without opening flowtrack.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

from flowtrack.entities import Run
from flowtrack.tasks.identity import (
    ATTEMPTS_METRIC,
    DURATION_METRIC,
    FLOW_RUN_ID_TAG,
    TASK_NAME_TAG,
)
from flowtrack.tracking.context_tags import MLFLOW_PARENT_RUN_ID

if TYPE_CHECKING:
    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["artifact_key", "create_flow_artifacts", "redact_uri", "run_markdown", "steps_table"]

_MAX_STEPS = 1000


def artifact_key(*parts: str) -> str:
    """A Prefect artifact key (lowercase letters, digits and dashes) made of ``parts``.

    Example:
        >>> artifact_key("flowtrack", "Train_Register", "steps")
        'flowtrack-train-register-steps'
    """
    text = "-".join(parts).lower()
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]+", "-", text)).strip("-")


def redact_uri(uri: str) -> str:
    """``uri`` without its password (``postgresql://user:***@host/db``)."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    host = parts.netloc.rpartition("@")[2]  # as written: case, IPv6 brackets, port
    netloc = f"{parts.username}:***@{host}" if parts.username else f"***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def steps_table(steps: list[Run]) -> list[dict[str, Any]]:
    """One row per step run: name, task, status, attempts, duration and its metrics."""
    rows: list[dict[str, Any]] = []
    metric_keys = sorted(
        {key for run in steps for key in run.data.metrics} - {ATTEMPTS_METRIC, DURATION_METRIC}
    )
    for run in steps:
        metrics = run.data.metrics
        row: dict[str, Any] = {
            "step": run.info.run_name,
            "task": run.data.tags.get(TASK_NAME_TAG, "subflow"),
            "status": run.info.status.value,
            "attempts": metrics.get(ATTEMPTS_METRIC),
            "duration_s": metrics.get(DURATION_METRIC),
        }
        row.update({key: metrics.get(key) for key in metric_keys})
        rows.append(row)
    return rows


def run_markdown(run: Run, experiment_name: str, tracking_uri: str) -> str:
    """A note naming the flowtrack run of a flow run and how to look at it."""
    info = run.info
    metrics = {
        key: value
        for key, value in sorted(run.data.metrics.items())
        if key not in (ATTEMPTS_METRIC, DURATION_METRIC)
    }
    lines = [
        f"# flowtrack run `{info.run_name}`",
        "",
        "| | |",
        "|---|---|",
        f"| run id | `{info.run_id}` |",
        f"| experiment | {experiment_name} (id {info.experiment_id}) |",
        f"| status | {info.status.value} |",
        f"| tracking URI | `{redact_uri(tracking_uri)}` |",
        f"| artifacts | `{redact_uri(info.artifact_uri or '')}` |",
    ]
    lines += [f"| {key} | {value:g} |" for key, value in metrics.items()]
    lines += [
        "",
        "Browse it with:",
        "",
        "```",
        f"flowtrack runs describe {info.run_id}",
        f"flowtrack runs list --experiment-id {info.experiment_id}",
        "```",
    ]
    return "\n".join(lines)


def create_flow_artifacts(client: FlowtrackClient, run: Run, flow_name: str) -> None:
    """Create the Prefect artifacts of a finished flow run: its steps table and its run note.

    Args:
        client: The client the run lives in.
        run: The flow's run, ended.
        flow_name: The flow's name (part of the artifact keys, so each flow's latest shows in
            Prefect's artifact catalog).
    """
    from prefect.artifacts import LinkArtifact, MarkdownArtifact, TableArtifact

    flow_run_id = UUID(run.data.tags[FLOW_RUN_ID_TAG])
    steps = list(
        client.search_runs(
            [run.info.experiment_id],
            f"tags.`{MLFLOW_PARENT_RUN_ID}` = '{run.info.run_id}'",
            max_results=_MAX_STEPS,
            order_by=["attributes.start_time ASC"],
        )
    )
    experiment = client.get_experiment(run.info.experiment_id)
    tracking_uri = client.tracking_uri
    artifacts: list[Any] = [
        TableArtifact(
            key=artifact_key("flowtrack", flow_name, "steps"),
            table=steps_table(steps),
            description=f"flowtrack: metrics of each step of run {run.info.run_id}",
            flow_run_id=flow_run_id,
        ),
        MarkdownArtifact(
            key=artifact_key("flowtrack", flow_name, "run"),
            markdown=run_markdown(run, experiment.name, tracking_uri),
            description=f"flowtrack: the run of this flow run ({run.info.run_id})",
            flow_run_id=flow_run_id,
        ),
    ]
    if tracking_uri.startswith(("http://", "https://")):
        server = redact_uri(tracking_uri).rstrip("/")
        artifacts.append(
            LinkArtifact(
                key=artifact_key("flowtrack", flow_name, "link"),
                link=f"{server}/#/experiments/{run.info.experiment_id}/runs/{run.info.run_id}",
                link_text=f"flowtrack run {run.info.run_name}",
                flow_run_id=flow_run_id,
            )
        )
    with warnings.catch_warnings():
        # Prefect warns when an artifact is created outside a run context; state hooks run
        # just outside it, and the artifact names its flow run explicitly.
        warnings.filterwarnings("ignore", "Artifact creation outside", FutureWarning)
        for artifact in artifacts:
            artifact.create(_sync=True)  # also when called from an async flow's hooks
