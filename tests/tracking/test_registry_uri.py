"""set_registry_uri / get_registry_uri, is_tracking_uri_set and the fluent registry functions."""

from __future__ import annotations

import contextvars
import os
import threading
import uuid

import pytest

import flowtrack as mlflow
from flowtrack.exceptions import InvalidParameterError, NotFoundError


def test_registry_uri_defaults_to_the_tracking_uri(tracking_uri: str) -> None:
    assert mlflow.get_registry_uri() == tracking_uri


def test_set_registry_uri_moves_the_fluent_registry(tracking_uri: str) -> None:
    registry = f"memory:registry-{uuid.uuid4().hex}"
    mlflow.set_registry_uri(registry)
    assert mlflow.get_registry_uri() == registry
    assert os.environ["FLOWTRACK_REGISTRY_URI"] == registry  # for subprocesses and new clients
    assert mlflow.get_tracking_uri() == tracking_uri

    with mlflow.start_run() as run:
        pass
    mlflow.register_model(f"runs:/{run.info.run_id}/model", "fraud")
    assert [m.name for m in mlflow.search_registered_models()] == ["fraud"]
    assert [
        m.name for m in mlflow.MlflowClient(registry_uri=registry).search_registered_models()
    ] == ["fraud"]
    tracking_registry = mlflow.MlflowClient(tracking_uri, registry_uri=tracking_uri)
    assert tracking_registry.search_registered_models() == []


def test_registry_uri_is_per_context(tracking_uri: str) -> None:
    seen: list[str] = []
    mlflow.set_registry_uri("memory:outer")

    def inner() -> None:
        mlflow.set_registry_uri("memory:inner")
        seen.append(mlflow.get_registry_uri())

    contextvars.copy_context().run(inner)
    assert seen == ["memory:inner"]
    assert mlflow.get_registry_uri() == "memory:outer"
    thread = threading.Thread(target=lambda: seen.append(mlflow.get_registry_uri()))
    thread.start()
    thread.join()
    assert seen[-1] == "memory:inner"  # a new thread reads the environment, set last by inner


def test_set_registry_uri_refuses_unknown_schemes(tracking_uri: str) -> None:
    with pytest.raises(InvalidParameterError, match="scheme 'mongodb'"):
        mlflow.set_registry_uri("mongodb://host/db")
    with pytest.raises(InvalidParameterError, match="Invalid registry URI ''"):
        mlflow.set_registry_uri("")


def test_is_tracking_uri_set(clean_context: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert mlflow.is_tracking_uri_set() is False
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "memory:from-env")
    assert mlflow.is_tracking_uri_set() is True
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri("memory:set")
    assert mlflow.is_tracking_uri_set() is True


def test_fluent_search_and_tag_of_model_versions(tracking_uri: str) -> None:
    with mlflow.start_run() as run:
        pass
    uri = f"runs:/{run.info.run_id}/model"
    for name in ("fraud", "churn"):
        mlflow.register_model(uri, name)
    mlflow.register_model(uri, "fraud")

    assert [m.name for m in mlflow.search_registered_models()] == ["churn", "fraud"]
    assert [m.name for m in mlflow.search_registered_models(filter_string="name = 'fraud'")] == [
        "fraud"
    ]
    assert len(mlflow.search_registered_models(max_results=1)) == 1
    versions = mlflow.search_model_versions(
        filter_string="name = 'fraud'", order_by=["version_number DESC"]
    )
    assert [v.version for v in versions] == [2, 1]

    mlflow.set_model_version_tag("fraud", "1", "validated", True)
    (tagged,) = mlflow.search_model_versions(filter_string="tags.validated = 'True'")
    assert (tagged.name, tagged.version) == ("fraud", 1)
    with pytest.raises(InvalidParameterError, match=r"needs key, value"):
        mlflow.set_model_version_tag("fraud", "1")
    with pytest.raises(NotFoundError):
        mlflow.set_model_version_tag("fraud", "9", "k", "v")
