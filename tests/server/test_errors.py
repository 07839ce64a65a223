"""Every failure answers MLflow's JSON error body; a client's mistake is never a 5xx."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.server.conftest import API


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nothing-here"),
        ("GET", f"{API}/experiments/no-such-route"),
        ("POST", "/api/2.0/mlflow/registered-models/create"),
        ("GET", "/api/9.9/mlflow/runs/get"),
    ],
)
def test_unknown_route_is_json_endpoint_not_found(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    assert path in response.json()["message"]


def test_wrong_method_is_json(client: TestClient) -> None:
    response = client.get(f"{API}/runs/log-batch")
    assert response.status_code == 405
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "Malformed JSON request body"),
        (b"[1, 2]", "Input should be a valid dictionary"),
        (b"{}", "Missing value for required parameter 'name'"),
        (b'{"name": 5}', "Invalid value 5 for parameter 'name'"),
        (b'{"name": "x", "tags": [{"key": "k"}]}', "'tags[0].value'"),
    ],
)
def test_malformed_requests_are_400(client: TestClient, body: bytes, message: str) -> None:
    response = client.post(
        f"{API}/experiments/create", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert message in response.json()["message"]


def test_text_plain_body_is_refused(client: TestClient) -> None:
    response = client.post(
        f"{API}/experiments/create",
        content=b'{"name": "x"}',
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_store_errors_keep_their_class_status(client: TestClient) -> None:
    client.post(f"{API}/experiments/create", json={"name": "twice"})
    response = client.post(f"{API}/experiments/create", json={"name": "twice"})
    assert response.status_code == 400
    assert response.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    assert "twice" in response.json()["message"]
    response = client.post(f"{API}/experiments/delete", json={"experiment_id": "0"})
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_STATE"
