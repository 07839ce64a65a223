"""Starting the server: refusals before binding, artifact roots, worker hand-off."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from flowtrack.exceptions import InvalidParameterError
from flowtrack.server.run import (
    ENV_ARTIFACT_ROOT,
    ENV_BACKEND_STORE_URI,
    describe_uri,
    resolve_artifact_root,
    worker_app,
)


def test_workers_over_sqlite_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flowtrack.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["server", "--backend-store-uri", f"sqlite:///{tmp_path}/x.db", "--workers", "2"])
    assert exit_info.value.code == 1
    assert "--workers 2 needs a store several processes can share" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()  # refused before the store was opened


def test_artifact_root_and_uri_description(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_artifact_root("./mlruns") == str(tmp_path / "mlruns")
    assert resolve_artifact_root("s3://bucket/root") == "s3://bucket/root"
    assert resolve_artifact_root("file:///data/x") == "file:///data/x"
    masked = describe_uri("postgresql+psycopg://ann:secret@db:5432/mlflow")
    assert masked == "postgresql+psycopg://ann:***@db:5432/mlflow"


def test_worker_app_reads_the_hand_off(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match=ENV_BACKEND_STORE_URI):
        worker_app({})
    app = worker_app(
        {
            ENV_BACKEND_STORE_URI: f"sqlite:///{tmp_path}/w.db",
            ENV_ARTIFACT_ROOT: str(tmp_path / "art"),
        }
    )
    with TestClient(app) as client:
        experiment = client.get("/api/2.0/mlflow/experiments/get?experiment_id=0").json()
    assert experiment["experiment"]["artifact_location"] == f"{tmp_path}/art/0"
