"""copy_model_version, get_model_version_stages and the deprecated `stage` tag argument."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import flowtrack as mlflow
from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.tracking import MlflowClient


@pytest.fixture(params=["memory", "sqlite"])
def client(request: pytest.FixtureRequest, clean_context: None, tmp_path: Path) -> MlflowClient:
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


def test_copy_model_version_keeps_run_tags_and_files(client: MlflowClient, run_id: str) -> None:
    client.create_registered_model("fraud-staging")
    src = client.create_model_version(
        "fraud-staging",
        f"runs:/{run_id}/model",
        run_id,
        tags={"validated": "yes"},
        run_link="http://ui/run",
        description="candidate",
    )
    client.set_registered_model_alias("fraud-staging", "champion", src.version)

    copy = client.copy_model_version("models:/fraud-staging@champion", "fraud-production")
    assert (copy.name, copy.version) == ("fraud-production", 1)
    assert (copy.run_id, copy.tags, copy.run_link, copy.description) == (
        run_id,
        {"validated": "yes"},
        "http://ui/run",
        "candidate",
    )
    assert copy.source == src.source
    assert client.get_model_version_download_uri(
        "fraud-production", 1
    ) == client.get_model_version_download_uri("fraud-staging", 1)
    # The destination exists now: the next copy is its version 2.
    assert client.copy_model_version("models:/fraud-staging/1", "fraud-production").version == 2


def test_copy_model_version_errors(client: MlflowClient, run_id: str) -> None:
    with pytest.raises(InvalidParameterError, match=r"'runs:/.*'models:/' scheme"):
        client.copy_model_version(f"runs:/{run_id}/model", "dst")
    with pytest.raises(NotFoundError, match="'missing'"):
        client.copy_model_version("models:/missing/1", "dst")


def test_get_model_version_stages(client: MlflowClient) -> None:
    assert client.get_model_version_stages("fraud", "1") == [
        "None",
        "Staging",
        "Production",
        "Archived",
    ]


def test_tag_the_latest_version_in_a_stage(client: MlflowClient, run_id: str) -> None:
    client.create_registered_model("fraud")
    for _ in range(3):
        client.create_model_version("fraud", f"runs:/{run_id}/model", run_id)
    client.transition_model_version_stage("fraud", 1, "Production")
    client.transition_model_version_stage("fraud", 2, "Production")

    with pytest.warns(FutureWarning, match="`stage` parameter of the `set_model_version_tag`"):
        client.set_model_version_tag("fraud", key="gate", value=1, stage="production")
    assert [client.get_model_version("fraud", v).tags for v in (1, 2, 3)] == [
        {},
        {"gate": "1"},
        {},
    ]
    with pytest.warns(FutureWarning, match="`delete_model_version_tag`"):
        client.delete_model_version_tag("fraud", key="gate", stage="Production")
    assert client.get_model_version("fraud", 2).tags == {}

    client.set_model_version_tag("fraud", "3", "gate", "x")  # positional, as before
    client.delete_model_version_tag("fraud", "3", "gate")
    assert client.get_model_version("fraud", 3).tags == {}


def test_tag_arguments_are_checked(client: MlflowClient, run_id: str) -> None:
    client.create_registered_model("fraud")
    client.create_model_version("fraud", f"runs:/{run_id}/model", run_id)
    with pytest.raises(InvalidParameterError, match="cannot be set together"):
        client.set_model_version_tag("fraud", "1", "k", "v", stage="Production")
    with pytest.raises(InvalidParameterError, match="version or stage must be set"):
        client.delete_model_version_tag("fraud", key="k")
    with pytest.raises(InvalidParameterError, match="both a key and a value"):
        client.set_model_version_tag("fraud", "1", key="k")
    with (
        pytest.warns(FutureWarning),
        pytest.raises(NotFoundError, match="'fraud' in stage 'Staging'"),
    ):
        client.set_model_version_tag("fraud", key="k", value="v", stage="Staging")
