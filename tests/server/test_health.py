"""``/health``, ``/version`` and MLflow 3's ``server-info``."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from flowtrack.version import __version__


def test_health_and_version(client: TestClient) -> None:
    assert client.get("/health").text == "OK"
    assert client.get("/version").text == __version__


@pytest.mark.parametrize("prefix", ["/api", "/ajax-api"])
def test_server_info_advertises_no_optional_capability(client: TestClient, prefix: str) -> None:
    info = client.get(f"{prefix}/3.0/mlflow/server-info").json()
    assert info["store_type"] is None  # a memory store
    assert info["workspaces_enabled"] is False
    assert info["multipart_uploads_enabled"] is False


def test_server_info_names_a_sql_store(tmp_path: object) -> None:
    from flowtrack.server.app import create_app

    app = create_app(f"sqlite:///{tmp_path}/server-info.db", f"{tmp_path}/artifacts")
    with TestClient(app) as sql_client:
        assert sql_client.get("/api/3.0/mlflow/server-info").json()["store_type"] == "SqlStore"
