"""The flowtrack command line, run in-process against a SQLite file per test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowtrack.cli.gc import parse_duration_ms
from flowtrack.cli.main import app
from flowtrack.entities import LifecycleStage, Metric, Param
from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.stores.tracking.base import TrackingStore
from flowtrack.stores.tracking.selection import get_tracking_store


@pytest.fixture
def uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/cli.db"


@pytest.fixture
def store(uri: str, tmp_path: Path) -> TrackingStore:
    return get_tracking_store(uri, str(tmp_path / "artifacts"))


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("FLOWTRACK_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    return CliRunner()


def invoke(runner: CliRunner, uri: str, *args: str) -> str:
    result = runner.invoke(app, [*args, "--tracking-uri", uri])
    assert result.exit_code == 0, result.output
    return result.output


def test_experiments_lifecycle(runner: CliRunner, uri: str, store: TrackingStore) -> None:
    out = invoke(runner, uri, "experiments", "create", "-n", "cli-exp")
    experiment = store.get_experiment_by_name("cli-exp")
    assert experiment is not None
    assert f"id {experiment.experiment_id}" in out

    listed = json.loads(invoke(runner, uri, "experiments", "list", "--output", "json"))
    assert {e["name"] for e in listed} == {"Default", "cli-exp"}

    table = invoke(runner, uri, "experiments", "list")
    assert "cli-exp" in table and "Experiments" in table

    invoke(
        runner,
        uri,
        "experiments",
        "rename",
        "-x",
        experiment.experiment_id,
        "--new-name",
        "renamed",
    )
    assert store.get_experiment(experiment.experiment_id).name == "renamed"

    invoke(runner, uri, "experiments", "delete", "-x", experiment.experiment_id)
    assert store.get_experiment(experiment.experiment_id).lifecycle_stage == LifecycleStage.DELETED
    deleted = json.loads(
        invoke(runner, uri, "experiments", "list", "--view", "deleted_only", "-o", "json")
    )
    assert [e["name"] for e in deleted] == ["renamed"]

    invoke(runner, uri, "experiments", "restore", "-x", experiment.experiment_id)
    assert store.get_experiment(experiment.experiment_id).lifecycle_stage == LifecycleStage.ACTIVE


def test_runs_list_filter_order_describe(runner: CliRunner, uri: str, store: TrackingStore) -> None:
    experiment_id = store.create_experiment("runs-exp")
    ids = []
    for i, rmse in enumerate([0.5, 0.2, 0.9]):
        run = store.create_run(experiment_id, "u", 1000 + i, run_name=f"r{i}")
        store.log_batch(
            run.info.run_id,
            metrics=[Metric(key="rmse", value=rmse, timestamp=1, step=0)],
            params=[Param(key="model", value="rf" if i != 1 else "lr")],
        )
        ids.append(run.info.run_id)

    rows = json.loads(
        invoke(
            runner,
            uri,
            "runs", "list", "-x", experiment_id,
            "--filter", "metrics.rmse < 0.8",
            "--order-by", "metrics.rmse ASC",
            "-o", "json",
        )
    )  # fmt: skip
    assert [r["run_id"] for r in rows] == [ids[1], ids[0]]
    assert rows[0]["metrics"] == {"rmse": 0.2}

    table = invoke(runner, uri, "runs", "list", "-x", experiment_id)
    assert "r0" in table and "r2" in table

    described = json.loads(invoke(runner, uri, "runs", "describe", "-r", ids[2], "-o", "json"))
    assert described["info"]["run_id"] == ids[2]
    assert described["data"]["params"] == {"model": "rf"}
    human = invoke(runner, uri, "runs", "describe", "-r", ids[2])
    assert "rmse" in human and "0.9" in human


def test_runs_delete_restore(runner: CliRunner, uri: str, store: TrackingStore) -> None:
    run = store.create_run("0", "u", 1)
    invoke(runner, uri, "runs", "delete", "-r", run.info.run_id)
    assert store.get_run(run.info.run_id).info.lifecycle_stage == LifecycleStage.DELETED
    invoke(runner, uri, "runs", "restore", "-r", run.info.run_id)
    assert store.get_run(run.info.run_id).info.lifecycle_stage == LifecycleStage.ACTIVE


def test_bad_filter_is_a_clear_error(runner: CliRunner, uri: str) -> None:
    result = runner.invoke(
        app, ["runs", "list", "-x", "0", "--filter", "metrics.a >> 1", "--tracking-uri", uri]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidParameterError)
    assert "metrics.a >> 1" in str(result.exception)


def test_gc_purges_deleted_runs_and_artifacts(
    runner: CliRunner, uri: str, store: TrackingStore, tmp_path: Path
) -> None:
    from flowtrack.stores.artifacts.store import get_artifact_store

    keep = store.create_run("0", "u", 1)
    gone = store.create_run("0", "u", 1)
    for run in (keep, gone):
        assert run.info.artifact_uri is not None
        get_artifact_store(run.info.artifact_uri).write_bytes("a.txt", b"data")
    store.delete_run(gone.info.run_id)

    # Deleted just now: not older than a day, so nothing is purged.
    assert "Purged 0 run(s)" in invoke(runner, uri, "gc", "--older-than", "1d")
    assert store.get_run(gone.info.run_id)

    assert "Purged 1 run(s)" in invoke(runner, uri, "gc")
    with pytest.raises(NotFoundError):
        store.get_run(gone.info.run_id)
    assert gone.info.artifact_uri is not None and keep.info.artifact_uri is not None
    assert not get_artifact_store(gone.info.artifact_uri).exists("a.txt")
    assert get_artifact_store(keep.info.artifact_uri).read_bytes("a.txt") == b"data"
    assert store.get_run(keep.info.run_id).info.lifecycle_stage == LifecycleStage.ACTIVE


def test_gc_purges_deleted_experiments(runner: CliRunner, uri: str, store: TrackingStore) -> None:
    experiment_id = store.create_experiment("doomed")
    run = store.create_run(experiment_id, "u", 1)
    store.delete_experiment(experiment_id)
    out = invoke(runner, uri, "gc")
    assert "1 experiment(s)" in out
    with pytest.raises(NotFoundError):
        store.get_experiment(experiment_id)
    with pytest.raises(NotFoundError):
        store.get_run(run.info.run_id)
    assert store.get_experiment_by_name("doomed") is None


def test_gc_refuses_active_run(runner: CliRunner, uri: str, store: TrackingStore) -> None:
    run = store.create_run("0", "u", 1)
    result = runner.invoke(app, ["gc", "--run-ids", run.info.run_id, "--tracking-uri", uri])
    assert result.exit_code != 0
    assert "not deleted" in str(result.exception)
    assert store.get_run(run.info.run_id).info.lifecycle_stage == LifecycleStage.ACTIVE


def test_db_upgrade(runner: CliRunner, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/fresh.db"
    result = runner.invoke(app, ["db", "upgrade", uri])
    assert result.exit_code == 0, result.output
    assert "schema revision" in result.output
    assert (tmp_path / "fresh.db").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30d", 30 * 86_400_000), ("12h", 43_200_000), ("1d2h30m", 95_400_000), ("90s", 90_000)],
)
def test_parse_duration(text: str, expected: int) -> None:
    assert parse_duration_ms(text) == expected


@pytest.mark.parametrize("text", ["", "3 days", "1w", "d", "-1d", "1.5h"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(InvalidParameterError, match="Invalid duration"):
        parse_duration_ms(text)


def test_version_and_help(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("flowtrack ")
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("experiments", "runs", "db", "gc"):
        assert command in result.output
