"""The client's Model Registry methods and ``register_model``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import flowtrack as mlflow
from flowtrack.entities import ModelVersionStage
from flowtrack.exceptions import (
    AlreadyExistsError,
    InvalidParameterError,
    NotFoundError,
)
from flowtrack.tracking import MlflowClient


@pytest.fixture(params=["memory", "sqlite"])
def client(request: pytest.FixtureRequest, clean_context: None, tmp_path: Path) -> MlflowClient:
    """A client whose tracking store and registry are a fresh memory store, or one SQLite file."""
    if request.param == "memory":
        mlflow.set_tracking_uri(f"memory:{os.urandom(8).hex()}")
    else:
        mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'flowtrack.db'}")
    return MlflowClient()


@pytest.fixture
def run_id(client: MlflowClient) -> str:
    with mlflow.start_run() as run:
        mlflow.log_text("weights", "model/MLmodel")
    return run.info.run_id


def test_registered_model_lifecycle(client: MlflowClient) -> None:
    created = client.create_registered_model(
        "fraud", tags={"team": "risk", "n": 3}, description="v"
    )
    assert (created.name, created.tags, created.description) == (
        "fraud",
        {"team": "risk", "n": "3"},
        "v",
    )
    assert client.update_registered_model("fraud", description="new").description == "new"
    client.set_registered_model_tag("fraud", "owner", 7)
    client.delete_registered_model_tag("fraud", "team")
    assert client.get_registered_model("fraud").tags == {"n": "3", "owner": "7"}
    client.create_registered_model("churn")
    assert [m.name for m in client.search_registered_models()] == ["churn", "fraud"]
    assert [m.name for m in client.search_registered_models("name LIKE 'fr%'")] == ["fraud"]
    page = client.search_registered_models(max_results=1)
    assert [m.name for m in page] == ["churn"] and page.token
    assert client.rename_registered_model("fraud", "fraud-v2").name == "fraud-v2"
    client.delete_registered_model("fraud-v2")
    with pytest.raises(NotFoundError, match="'fraud-v2'"):
        client.get_registered_model("fraud-v2")
    with pytest.raises(AlreadyExistsError, match="'churn'"):
        client.create_registered_model("churn")


def test_versions_keep_runs_sources_and_resolve_them_for_download(
    client: MlflowClient, run_id: str
) -> None:
    client.create_registered_model("fraud")
    source = f"runs:/{run_id}/model"
    v1 = client.create_model_version("fraud", source, run_id, tags={"k": 1}, description="d")
    assert (v1.version, v1.source, v1.run_id, v1.tags) == (1, source, run_id, {"k": "1"})
    artifact_uri = client.get_run(run_id).info.artifact_uri
    assert artifact_uri is not None
    download = client.get_model_version_download_uri("fraud", "1")
    assert download == f"{artifact_uri.rstrip('/')}/model"
    # A source under the artifact root is accepted (the store's allowed source root).
    v2 = client.create_model_version("fraud", download)
    assert client.get_model_version_download_uri("fraud", v2.version) == download
    assert client.update_model_version("fraud", 2, description="x").description == "x"
    client.set_model_version_tag("fraud", 2, "validated", True)
    client.delete_model_version_tag("fraud", 1, "k")
    assert client.get_model_version("fraud", 2).tags == {"validated": "True"}
    assert client.get_model_version("fraud", 1).tags == {}
    found = client.search_model_versions("name = 'fraud'")
    assert [v.version for v in found] == [2, 1]
    client.delete_model_version("fraud", 1)
    assert [v.version for v in client.search_model_versions()] == [2]
    with pytest.raises(NotFoundError, match="Model version 1 of registered model 'fraud'"):
        client.get_model_version("fraud", 1)


def test_stages_and_latest_versions(client: MlflowClient, run_id: str) -> None:
    client.create_registered_model("fraud")
    for _ in range(3):
        client.create_model_version("fraud", f"runs:/{run_id}/model", run_id)
    client.transition_model_version_stage("fraud", 1, "production")
    moved = client.transition_model_version_stage("fraud", 2, "Production", True)
    assert moved.current_stage is ModelVersionStage.PRODUCTION
    assert client.get_model_version("fraud", 1).current_stage is ModelVersionStage.ARCHIVED
    latest = client.get_latest_versions("fraud", stages=["PRODUCTION"])
    assert [v.version for v in latest] == [2]
    assert {v.version for v in client.get_latest_versions("fraud")} == {1, 2, 3}
    with pytest.raises(InvalidParameterError, match="'Prod'"):
        client.transition_model_version_stage("fraud", 3, "Prod")


def test_aliases_move_and_disappear(client: MlflowClient, run_id: str) -> None:
    client.create_registered_model("fraud")
    for _ in range(2):
        client.create_model_version("fraud", f"runs:/{run_id}/model", run_id)
    client.set_registered_model_alias("fraud", "champion", 1)
    assert client.get_model_version_by_alias("fraud", "champion").version == 1
    client.set_registered_model_alias("fraud", "champion", "2")
    assert client.get_model_version_by_alias("fraud", "champion").version == 2
    assert client.get_registered_model("fraud").aliases == {"champion": 2}
    client.delete_registered_model_alias("fraud", "champion")
    with pytest.raises(NotFoundError, match="'champion'"):
        client.get_model_version_by_alias("fraud", "champion")
    with pytest.raises(InvalidParameterError, match="'latest'"):
        client.set_registered_model_alias("fraud", "latest", 1)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("file:///etc/passwd", "'file:///etc/passwd'.*not under an allowed source root"),
        ("relative/model", "'relative/model'.*relative paths"),
        ("runs:/0123456789abcdef/../x", "'runs:/0123456789abcdef/../x'"),
    ],
)
def test_refused_sources_are_named(client: MlflowClient, source: str, message: str) -> None:
    client.create_registered_model("fraud")
    with pytest.raises(InvalidParameterError, match=message):
        client.create_model_version("fraud", source)


def test_register_model_creates_the_model_then_adds_versions(
    client: MlflowClient, run_id: str
) -> None:
    uri = f"runs:/{run_id}/model"
    first = mlflow.register_model(uri, "fraud", tags={"stage": "dev"})
    second = mlflow.register_model(uri, "fraud")
    assert (first.version, second.version) == (1, 2)
    assert (first.source, first.run_id, first.tags) == (uri, run_id, {"stage": "dev"})
    copied = mlflow.register_model("models:/fraud/1", "fraud-copy")
    assert (copied.source, copied.run_id) == (uri, run_id)
    with pytest.raises(AlreadyExistsError, match=r"'Fraud'.*'fraud'"):
        mlflow.register_model(uri, "Fraud")
    with pytest.raises(InvalidParameterError, match="Invalid model URI 42"):
        mlflow.register_model(42, "fraud")  # type: ignore[arg-type]


def test_registry_uri_may_differ_from_the_tracking_uri(tracking_uri: str) -> None:
    client = MlflowClient(registry_uri="memory:elsewhere-" + os.urandom(4).hex())
    client.create_registered_model("fraud")
    assert [m.name for m in MlflowClient().search_registered_models()] == []


def test_registry_uri_from_the_environment(
    clean_context: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", "memory:registry-from-env")
    client = MlflowClient("memory:tracking-elsewhere")
    assert client._registry_uri == "memory:registry-from-env"
    monkeypatch.setenv("FLOWTRACK_REGISTRY_URI", "memory:ours")
    assert MlflowClient("memory:tracking-elsewhere")._registry_uri == "memory:ours"
    assert (
        MlflowClient("memory:t", registry_uri="memory:explicit")._registry_uri == "memory:explicit"
    )
