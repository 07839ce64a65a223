"""The REST store's HTTP behaviour: retries, error classes, auth, wire format (httpx.MockTransport),
and flowtrack's client and fluent API over http:// against a real MLflow 3.17 server."""

from __future__ import annotations

import base64
import json
import math

import httpx
import pytest

import flowtrack as mlflow
from flowtrack.entities import Metric
from flowtrack.exceptions import (
    InvalidParameterError,
    NotFoundError,
    StoreError,
    UnauthenticatedError,
)
from flowtrack.stores.rest.config import HttpConfig
from flowtrack.stores.rest.session import RestSession
from flowtrack.stores.tracking.rest import RestTrackingStore
from flowtrack.tracking.client import FlowtrackClient
from tests.stores.tracking.conftest import MlflowServer

RUN_ID = "0123456789abcdef0123456789abcdef"
EXPERIMENT = {"experiment_id": "0", "name": "Default", "artifact_location": "/a/0"}


def store_over(
    handler: httpx.MockTransport, config: HttpConfig | None = None
) -> tuple[RestTrackingStore, list[float]]:
    waits: list[float] = []
    session = RestSession("http://server", config, transport=handler, sleep=waits.append)
    return RestTrackingStore("http://server", session=session), waits


def test_transient_failures_are_retried_with_backoff() -> None:
    answers = iter([503, 503, 200])
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        status = next(answers)
        return httpx.Response(status, json={"experiment": EXPERIMENT} if status == 200 else {})

    store, waits = store_over(httpx.MockTransport(handle), HttpConfig(backoff_factor=0.5))
    assert store.get_experiment("0").name == "Default"
    assert seen == ["/api/2.0/mlflow/experiments/get"] * 3
    assert waits == [0.5, 1.0]


def test_retries_are_bounded_and_connect_errors_retried() -> None:
    calls = 0

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("refused", request=request)

    store, waits = store_over(httpx.MockTransport(handle), HttpConfig(max_retries=2))
    with pytest.raises(StoreError, match=r"after 3 attempts"):
        store.get_experiment("0")
    assert calls == 3
    assert len(waits) == 2


def test_client_errors_are_not_retried_and_become_exception_classes() -> None:
    calls = 0

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        code = (
            "RESOURCE_DOES_NOT_EXIST" if "runs" in request.url.path else "INVALID_PARAMETER_VALUE"
        )
        return httpx.Response(
            404 if code == "RESOURCE_DOES_NOT_EXIST" else 400,
            json={"error_code": code, "message": f"{code} here"},
        )

    store, waits = store_over(httpx.MockTransport(handle))
    with pytest.raises(NotFoundError, match="RESOURCE_DOES_NOT_EXIST here"):
        store.get_run(RUN_ID)
    with pytest.raises(InvalidParameterError, match="INVALID_PARAMETER_VALUE here"):
        store.create_experiment("x")
    assert (calls, waits) == (2, [])


def test_non_json_error_maps_by_status() -> None:
    store, _ = store_over(httpx.MockTransport(lambda r: httpx.Response(401, text="<html>")))
    with pytest.raises(UnauthenticatedError, match="HTTP 401"):
        store.get_experiment("0")


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            HttpConfig(username="ann", password="pw"),
            "Basic " + base64.b64encode(b"ann:pw").decode(),
        ),
        (HttpConfig(token="t0k"), "Bearer t0k"),
        (HttpConfig(), None),
    ],
)
def test_auth_headers(config: HttpConfig, expected: str | None) -> None:
    headers: list[str | None] = []

    def handle(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers.get("Authorization"))
        return httpx.Response(200, json={"experiment": EXPERIMENT})

    store, _ = store_over(httpx.MockTransport(handle), config)
    store.get_experiment("0")
    assert headers == [expected]


def test_get_sends_query_parameters_and_log_batch_one_json_body() -> None:
    requests: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={})

    store, _ = store_over(httpx.MockTransport(handle))
    store.get_metric_history(RUN_ID, "loss", max_results=5)
    values = [math.nan, math.inf, -math.inf] + [float(i) for i in range(997)]
    metrics = [Metric(key="m", value=v, timestamp=1, step=i) for i, v in enumerate(values)]
    store.log_batch(RUN_ID, metrics=metrics)
    history, batch = requests
    assert history.method == "GET"
    assert dict(history.url.params) == {
        "run_id": RUN_ID,
        "run_uuid": RUN_ID,
        "metric_key": "loss",
        "max_results": "5",
    }
    body = json.loads(batch.content)
    assert batch.method == "POST"
    assert len(body["metrics"]) == 1000
    assert [m["value"] for m in body["metrics"][:4]] == ["NaN", "Infinity", "-Infinity", 0.0]


def test_selection_hands_settings_to_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    from flowtrack.stores.selection import rest_connection_options

    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "secret")
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "true")
    monkeypatch.setenv("FLOWTRACK_HTTP_REQUEST_MAX_RETRIES", "2")
    config = rest_connection_options("https://tracking.example")["config"]
    assert (config.token, config.insecure_tls, config.max_retries) == ("secret", True, 2)
    assert "secret" not in repr(config)
    assert rest_connection_options("sqlite:///x.db") == {}


def test_unknown_run_is_not_found(mlflow_server: MlflowServer) -> None:
    store = RestTrackingStore(mlflow_server.url)
    with pytest.raises(NotFoundError, match=RUN_ID):
        store.get_run(RUN_ID)
    store.close()


def test_client_splits_a_large_batch(mlflow_server: MlflowServer) -> None:
    client = FlowtrackClient(mlflow_server.url)
    run_id = client.create_run("0").info.run_id
    metrics = [Metric(key="loss", value=i / 10, timestamp=1, step=i) for i in range(1500)]
    # One store call holds at most 1000 metrics; the client sends two log-batch requests.
    client.log_batch(run_id, metrics=metrics)
    history = client.get_metric_history(run_id, "loss")
    assert [m.step for m in history] == list(range(1500))


@pytest.mark.usefixtures("clean_context")
def test_fluent_api_over_http(mlflow_server: MlflowServer) -> None:
    mlflow.set_tracking_uri(mlflow_server.url)
    mlflow.set_experiment("rest-fluent")
    with mlflow.start_run(run_name="parent") as parent:
        mlflow.log_params({"lr": 0.1, "depth": 3})
        with mlflow.start_run(run_name="child", nested=True) as child:
            mlflow.log_metrics({"loss": 0.5, "nan": math.nan}, step=2)
            mlflow.set_tags({"team": "ml"})
    run = mlflow.get_run(child.info.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == {}
    assert run.data.metrics["loss"] == 0.5
    assert math.isnan(run.data.metrics["nan"])
    assert run.data.tags["team"] == "ml"
    assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert mlflow.get_run(parent.info.run_id).data.params == {"lr": "0.1", "depth": "3"}
    found = mlflow.search_runs(
        filter_string="tags.team = 'ml'", output_format="list", search_all_experiments=True
    )
    assert [r.info.run_id for r in found] == [child.info.run_id]


def test_proxied_artifact_uris_are_refused_clearly() -> None:
    from flowtrack.stores.artifacts.store import get_artifact_store

    with pytest.raises(InvalidParameterError, match=r"artifact proxy.*issue 10"):
        get_artifact_store("mlflow-artifacts:/0/abc/artifacts").list_artifacts()
