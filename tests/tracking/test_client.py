"""FlowtrackClient (MlflowClient) against the memory store and a SQLite file."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import flowtrack
from flowtrack.entities import DatasetInput, Metric, Param, RunStatus, RunTag, ViewType
from flowtrack.entities.dataset import Dataset
from flowtrack.exceptions import (
    AlreadyExistsError,
    InvalidParameterError,
    NotFoundError,
    StoreError,
)
from flowtrack.tracking import FlowtrackClient, MlflowClient


@pytest.fixture(params=["memory", "sqlite"])
def client(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FlowtrackClient:
    monkeypatch.chdir(tmp_path)
    for name in ("FLOWTRACK_ASYNC_LOGGING", "MLFLOW_ENABLE_ASYNC_LOGGING"):
        monkeypatch.delenv(name, raising=False)
    if request.param == "memory":
        return FlowtrackClient(f"memory:{uuid.uuid4().hex}")
    return FlowtrackClient(f"sqlite:///{tmp_path}/t.db")


def test_aliases_and_tracking_uri(client: FlowtrackClient) -> None:
    assert MlflowClient is FlowtrackClient
    assert flowtrack.MlflowClient is FlowtrackClient
    assert client.tracking_uri in repr(client)


def test_plain_directory_uri_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match="not in a directory of files"):
        FlowtrackClient("./mlruns")


def test_experiment_lifecycle(client: FlowtrackClient) -> None:
    experiment_id = client.create_experiment("fraud", tags={"team": "risk"})
    assert client.get_experiment(experiment_id).tags == {"team": "risk"}
    client.set_experiment_tag(experiment_id, "stage", 2)
    client.delete_experiment_tag(experiment_id, "team")
    assert client.get_experiment(experiment_id).tags == {"stage": "2"}
    client.rename_experiment(experiment_id, "fraud-v2")
    assert client.get_experiment_by_name("fraud") is None
    assert client.get_experiment_by_name("fraud-v2").experiment_id == experiment_id  # type: ignore[union-attr]
    client.delete_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "deleted"
    client.restore_experiment(experiment_id)
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"
    with pytest.raises(AlreadyExistsError):
        client.create_experiment("fraud-v2")
    with pytest.raises(InvalidParameterError, match="Invalid experiment id 'abc'"):
        client.get_experiment("abc")


def test_search_experiments_pages(client: FlowtrackClient) -> None:
    for index in range(3):
        client.create_experiment(f"e{index}")
    first = client.search_experiments(max_results=2, order_by=["name ASC"])
    assert [e.name for e in first] == ["Default", "e0"]
    assert first.token is not None
    rest = client.search_experiments(max_results=2, order_by=["name ASC"], page_token=first.token)
    assert [e.name for e in rest] == ["e1", "e2"]
    assert len(client.search_experiments(view_type=3)) == 4
    with pytest.raises(InvalidParameterError, match="Invalid view type 7"):
        client.search_experiments(view_type=7)


def test_run_lifecycle(client: FlowtrackClient) -> None:
    run = client.create_run("0", start_time=1000, tags={"mlflow.user": "ada", "k": 1}, run_name="r")
    run_id = run.info.run_id
    assert (run.info.user_id, run.info.run_name, run.info.start_time) == ("ada", "r", 1000)
    assert run.data.tags["k"] == "1"
    client.update_run(run_id, name="renamed")
    assert client.get_run(run_id).info.run_name == "renamed"
    with pytest.raises(InvalidParameterError, match="'DONE'"):
        client.update_run(run_id, status="DONE")
    with pytest.raises(InvalidParameterError, match=r"'RUNNING'.*FINISHED, FAILED, KILLED"):
        client.set_terminated(run_id, "RUNNING")
    client.set_terminated(run_id, end_time=2000)
    info = client.get_run(run_id).info
    assert (info.status, info.end_time) == (RunStatus.FINISHED, 2000)
    client.delete_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"
    client.restore_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "active"
    with pytest.raises(NotFoundError):
        client.get_run(uuid.uuid4().hex)


def test_logging(client: FlowtrackClient) -> None:
    run_id = client.create_run("0").info.run_id
    assert client.log_param(run_id, "alpha", 0.5) == 0.5
    client.log_metric(run_id, "loss", 0.5, timestamp=10, step=1)
    client.log_metric(run_id, "loss", 0.25, timestamp=20, step=2)
    client.set_tag(run_id, "developer", "ada")
    client.set_tag(run_id, "gone", "x")
    client.delete_tag(run_id, "gone")
    data = client.get_run(run_id).data
    assert data.params == {"alpha": "0.5"}
    assert data.metrics == {"loss": 0.25}
    assert data.tags["developer"] == "ada"
    assert "gone" not in data.tags
    points = client.get_metric_history(run_id, "loss")
    assert [(p.step, p.value, p.timestamp) for p in points] == [(1, 0.5, 10), (2, 0.25, 20)]


def test_log_batch_splits_large_batches(client: FlowtrackClient) -> None:
    run_id = client.create_run("0").info.run_id
    metrics = [Metric(key=f"m{i % 7}", value=float(i), timestamp=i, step=i) for i in range(2500)]
    params = {f"p{i}": i for i in range(150)}
    tags = [RunTag(key=f"t{i}", value=str(i)) for i in range(230)]
    client.log_batch(run_id, metrics=metrics, params=params, tags=tags)
    client.log_batch(run_id, params=[Param(key="extra", value="1")])
    data = client.get_run(run_id).data
    assert len(data.params) == 151
    assert sum(key.startswith("t") for key in data.tags) == 230
    assert sum(len(client.get_metric_history(run_id, f"m{k}")) for k in range(7)) == 2500


def test_metric_history_pages(client: FlowtrackClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from flowtrack.tracking import client as client_module

    monkeypatch.setattr(client_module, "_HISTORY_PAGE_SIZE", 2)
    run_id = client.create_run("0").info.run_id
    for step in range(5):
        client.log_metric(run_id, "loss", float(step), step=step)
    assert [m.step for m in client.get_metric_history(run_id, "loss")] == [0, 1, 2, 3, 4]


def test_async_metrics_flush_on_terminate(client: FlowtrackClient) -> None:
    run_id = client.create_run("0").info.run_id
    for step in range(20):
        client.log_metric(run_id, "loss", float(step), step=step, synchronous=False)
    client.log_batch(run_id, metrics=[Metric(key="b", value=1.0, timestamp=0)], synchronous=False)
    client.set_terminated(run_id)
    assert len(client.get_metric_history(run_id, "loss")) == 20
    assert client.get_run(run_id).data.metrics["b"] == 1.0


def test_async_failures_surface_on_flush(client: FlowtrackClient) -> None:
    missing = uuid.uuid4().hex
    client.log_metric(missing, "loss", 1.0, synchronous=False)
    with pytest.raises(StoreError, match=missing):
        client.flush_async_logging()
    client.flush_async_logging()  # reported once


def test_search_runs_pages(client: FlowtrackClient) -> None:
    experiment_id = client.create_experiment("search")
    run_ids = []
    for index in range(3):
        run_id = client.create_run(experiment_id, start_time=index).info.run_id
        client.log_metric(run_id, "score", float(index))
        run_ids.append(run_id)
    first = client.search_runs(experiment_id, max_results=2, order_by=["metrics.score DESC"])
    assert [r.info.run_id for r in first] == run_ids[:0:-1]
    rest = client.search_runs(
        [experiment_id], max_results=2, order_by=["metrics.score DESC"], page_token=first.token
    )
    assert [r.info.run_id for r in rest] == run_ids[:1]
    assert rest.token is None
    client.delete_run(run_ids[0])
    deleted = client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == run_ids[:1]
    assert len(client.search_runs([experiment_id], "metrics.score >= 1")) == 2


def test_log_inputs(client: FlowtrackClient) -> None:
    run_id = client.create_run("0").info.run_id
    dataset = Dataset(name="wine", digest="d1", source_type="local", source='{"uri": "x"}')
    client.log_inputs(run_id, [DatasetInput(dataset=dataset)])
    client.log_inputs(run_id, [])
    inputs = client.get_run(run_id).inputs.dataset_inputs
    assert [(i.dataset.name, i.dataset.digest) for i in inputs] == [("wine", "d1")]


def test_artifacts(client: FlowtrackClient, tmp_path: Path) -> None:
    run_id = client.create_run("0").info.run_id
    (tmp_path / "summary.txt").write_text("ok")
    client.log_artifact(run_id, tmp_path / "summary.txt", "docs")
    client.log_text(run_id, "hello", "notes/hello.txt")
    client.log_dict(run_id, {"a": 1}, "config.json")
    assert [f.path for f in client.list_artifacts(run_id)] == ["config.json", "docs", "notes"]
    local = Path(client.download_artifacts(run_id, "notes/hello.txt", str(tmp_path)))
    assert local.read_text() == "hello"
    assert [f.path for f in client.list_artifacts(run_id, "docs")] == ["docs/summary.txt"]
