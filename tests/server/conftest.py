"""Fixtures for the tracking server: the app through TestClient, over a fresh memory store."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from flowtrack.server.app import create_app

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 behind its TestClient; the lock file has httpx, which works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

API = "/api/2.0/mlflow"


class Api:
    """Calls MLflow's REST API as the client does: GET with query parameters, POST with JSON."""

    def __init__(self, client: TestClient, prefix: str = API) -> None:
        self.client = client
        self.prefix = prefix

    def get(self, path: str, expect: int = 200, **params: Any) -> Any:
        response = self.client.get(f"{self.prefix}/{path}", params=params)
        assert response.status_code == expect, response.text
        return response.json()

    def post(self, path: str, body: Any, expect: int = 200) -> Any:
        response = self.client.post(f"{self.prefix}/{path}", json=body)
        assert response.status_code == expect, response.text
        return response.json()


@pytest.fixture
def client() -> Iterator[TestClient]:
    """The app over a memory store of its own."""
    with TestClient(create_app(f"memory:server-{uuid.uuid4().hex}")) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> Api:
    """MLflow's REST API on the app."""
    return Api(client)


@pytest.fixture
def experiment_id(api: Api) -> str:
    """A new experiment's id."""
    return str(api.post("experiments/create", {"name": "exp"})["experiment_id"])


@pytest.fixture
def run_id(api: Api, experiment_id: str) -> str:
    """A new run's id."""
    run = api.post("runs/create", {"experiment_id": experiment_id, "start_time": 1000})["run"]
    return str(run["info"]["run_id"])
