"""The pure parts of a tracked flow run's Prefect artifacts (``flowtrack.tasks.artifacts``)."""

from __future__ import annotations

import pytest

import flowtrack
from flowtrack.entities import Run, RunStatus
from flowtrack.tasks.artifacts import artifact_key, redact_uri, run_markdown, steps_table
from flowtrack.tasks.identity import ATTEMPTS_METRIC, DURATION_METRIC, TASK_NAME_TAG
from flowtrack.tracking.client import FlowtrackClient


@pytest.fixture
def client(tracking_uri: str) -> FlowtrackClient:
    """A client of a fresh in-memory store."""
    return flowtrack.MlflowClient()


def _run(
    client: FlowtrackClient,
    name: str,
    metrics: dict[str, float],
    *,
    task: str | None = None,
    status: RunStatus = RunStatus.FINISHED,
) -> Run:
    tags = {TASK_NAME_TAG: task} if task is not None else {}
    run_id = client.create_run("0", tags=tags, run_name=name).info.run_id
    for key, value in metrics.items():
        client.log_metric(run_id, key, value)
    if status is not RunStatus.RUNNING:
        client.set_terminated(run_id, status)
    return client.get_run(run_id)


# -------------------------------------------------------------------------------- artifact_key


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("flowtrack", "Train_Register", "steps"), "flowtrack-train-register-steps"),
        (("flowtrack", "my flow", "run"), "flowtrack-my-flow-run"),
        (("flowtrack", "a--b__c  d", "link"), "flowtrack-a-b-c-d-link"),
        (("flowtrack", "", "steps"), "flowtrack-steps"),
        (("--Edge--", "Case!"), "edge-case"),
        (("flowtrack", "ünïcode", "run"), "flowtrack-n-code-run"),
        (("flowtrack", "v2.1", "run"), "flowtrack-v2-1-run"),
    ],
)
def test_artifact_key_is_lowercase_letters_digits_and_single_dashes(
    parts: tuple[str, ...], expected: str
) -> None:
    key = artifact_key(*parts)
    assert key == expected
    assert "--" not in key
    assert not key.startswith("-")
    assert not key.endswith("-")


# ---------------------------------------------------------------------------------- redact_uri


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "postgresql+psycopg://alice:s3cret@db.example.com:5432/flowtrack",
            "postgresql+psycopg://alice:***@db.example.com:5432/flowtrack",
        ),
        ("https://bob:pw@tracking.example.com/api", "https://bob:***@tracking.example.com/api"),
        ("redis://:pw@cache:6379/0", "redis://***@cache:6379/0"),
        ("https://u:p@h/x?y=1#frag", "https://u:***@h/x?y=1#frag"),
        ("postgresql://u:p%40ss@h/db", "postgresql://u:***@h/db"),
    ],
)
def test_redact_uri_hides_the_password(uri: str, expected: str) -> None:
    redacted = redact_uri(uri)
    assert redacted == expected


@pytest.mark.parametrize(
    "uri",
    [
        "memory:abc",
        "sqlite:////tmp/mlruns.db",
        "http://127.0.0.1:5000",
        "postgresql://alice@db:5432/flowtrack",
        "file:///tmp/artifacts",
        "s3://bucket/prefix",
        "",
    ],
)
def test_redact_uri_leaves_uris_without_password_unchanged(uri: str) -> None:
    assert redact_uri(uri) == uri


def test_redact_uri_keeps_ipv6_brackets() -> None:
    assert redact_uri("postgresql://u:p@[::1]:5432/db") == "postgresql://u:***@[::1]:5432/db"


def test_redact_uri_keeps_the_host_as_written() -> None:
    assert redact_uri("https://u:p@MyHost.Example:8443/x") == "https://u:***@MyHost.Example:8443/x"


# --------------------------------------------------------------------------------- steps_table


def test_steps_table_has_a_row_per_step_with_the_union_of_metrics(
    client: FlowtrackClient,
) -> None:
    train = _run(
        client,
        "train-abc",
        {"rmse": 3.0, "r2": 0.8, ATTEMPTS_METRIC: 2.0, DURATION_METRIC: 1.5},
        task="train",
    )
    evaluate = _run(
        client, "evaluate-def", {"accuracy": 0.9}, task="evaluate", status=RunStatus.FAILED
    )
    subflow = _run(client, "sub-ghi", {}, status=RunStatus.RUNNING)

    rows = steps_table([train, evaluate, subflow])

    assert rows == [
        {
            "step": "train-abc",
            "task": "train",
            "status": "FINISHED",
            "attempts": 2.0,
            "duration_s": 1.5,
            "accuracy": None,
            "r2": 0.8,
            "rmse": 3.0,
        },
        {
            "step": "evaluate-def",
            "task": "evaluate",
            "status": "FAILED",
            "attempts": None,
            "duration_s": None,
            "accuracy": 0.9,
            "r2": None,
            "rmse": None,
        },
        {
            "step": "sub-ghi",
            "task": "subflow",
            "status": "RUNNING",
            "attempts": None,
            "duration_s": None,
            "accuracy": None,
            "r2": None,
            "rmse": None,
        },
    ]
    assert all(list(row) == list(rows[0]) for row in rows)  # same columns, same order


def test_steps_table_of_no_steps_is_empty() -> None:
    assert steps_table([]) == []


# -------------------------------------------------------------------------------- run_markdown


def test_run_markdown_names_the_run_and_how_to_browse_it(client: FlowtrackClient) -> None:
    run = _run(
        client,
        "pipeline-xyz",
        {"rmse": 0.125, ATTEMPTS_METRIC: 1.0, DURATION_METRIC: 9.0},
    )
    uri = "postgresql+psycopg://alice:s3cret@db:5432/flowtrack"

    text = run_markdown(run, "Default", uri)

    assert text.startswith("# flowtrack run `pipeline-xyz`")
    assert f"`{run.info.run_id}`" in text
    assert "| experiment | Default (id 0) |" in text
    assert "| status | FINISHED |" in text
    assert "`postgresql+psycopg://alice:***@db:5432/flowtrack`" in text
    assert "s3cret" not in text
    assert f"`{run.info.artifact_uri}`" in text
    assert "| rmse | 0.125 |" in text
    assert ATTEMPTS_METRIC not in text
    assert DURATION_METRIC not in text
    assert f"flowtrack runs describe {run.info.run_id}" in text
    assert "flowtrack runs list --experiment-id 0" in text


def test_run_markdown_without_metrics(client: FlowtrackClient, tracking_uri: str) -> None:
    run = _run(client, "empty", {}, status=RunStatus.KILLED)
    text = run_markdown(run, "Default", tracking_uri)
    assert f"| tracking URI | `{tracking_uri}` |" in text
    assert "| status | KILLED |" in text
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table) == 7  # header, separator and five rows: no metric rows
