"""The scoring app through Starlette's TestClient, over small real model objects."""

from __future__ import annotations

import io
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from flowtrack.exceptions import InvalidParameterError
from flowtrack.serving.app import ServableModel, ServingOptions, build_app
from flowtrack.version import __version__

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 behind its TestClient; the lock file has httpx, which works.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

JSON = {"Content-Type": "application/json"}


class SumModel:
    """Scores ``a + b`` per row, times ``params["scale"]``; checks its two columns like a
    signature would."""

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        scale = (params or {}).get("scale", 1)
        if isinstance(data, dict):
            data = pd.DataFrame(data)
        if isinstance(data, pd.DataFrame):
            for column in ("a", "b"):
                if column not in data.columns:
                    raise InvalidParameterError(f"Model is missing input column {column!r}")
                if not pd.api.types.is_numeric_dtype(data[column]):
                    raise InvalidParameterError(f"Column {column!r} must be numeric")
            return (data["a"] + data["b"]).to_numpy() * scale
        return np.asarray(data).sum(axis=1) * scale


class BrokenModel:
    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        raise RuntimeError("secret internals /srv/model.py")


class FrameModel:
    """Returns a frame with a missing value and a numpy scalar column."""

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return pd.DataFrame({"label": ["x", "y"], "score": [0.5, np.nan]})


class UnencodableModel:
    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return [object()]


class SlowModel:
    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        time.sleep(2)
        return [1]


@pytest.fixture
def client() -> TestClient:
    return TestClient(build_app(SumModel()))


def test_ping_health_and_version(client: TestClient) -> None:
    ping = client.get("/ping")
    assert ping.status_code == 200
    assert ping.text.strip() == ""
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    version = client.get("/version")
    assert version.status_code == 200
    assert version.text == __version__


def test_the_model_and_options_live_in_app_state() -> None:
    model = SumModel()
    app = build_app(model, timeout=5, max_request_bytes=100)
    assert app.state.model is model
    assert app.state.options == ServingOptions(timeout=5, max_request_bytes=100)
    assert isinstance(model, ServableModel)


@pytest.mark.parametrize(
    "body",
    [
        {"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2], [3, 4]]}},
        {"dataframe_records": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]},
        {"instances": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]},
        {"instances": [[1, 2], [3, 4]]},
        {"inputs": [[1, 2], [3, 4]]},
        {"inputs": {"a": [1, 3], "b": [2, 4]}},
    ],
)
def test_every_json_format_scores(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post("/invocations", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"predictions": [3, 7]}


def test_params_reach_predict(client: TestClient) -> None:
    body = {"inputs": [[1, 2]], "params": {"scale": 10}}
    assert client.post("/invocations", json=body).json() == {"predictions": [30]}


def test_csv_scores(client: TestClient) -> None:
    response = client.post(
        "/invocations", content=b"a,b\n1,2\n3,4\n", headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 200
    assert response.json() == {"predictions": [3, 7]}


def test_parquet_scores(client: TestClient) -> None:
    buffer = io.BytesIO()
    pd.DataFrame({"a": [1, 3], "b": [2, 4]}).to_parquet(buffer)
    response = client.post(
        "/invocations",
        content=buffer.getvalue(),
        headers={"Content-Type": "application/vnd.apache.parquet"},
    )
    assert response.status_code == 200
    assert response.json() == {"predictions": [3, 7]}


def test_frames_with_nan_become_records_with_null() -> None:
    client = TestClient(build_app(FrameModel()))
    response = client.post("/invocations", json={"inputs": [1]})
    assert response.json() == {
        "predictions": [{"label": "x", "score": 0.5}, {"label": "y", "score": None}]
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"data": [[1, 2]]}', "Unknown key(s) 'data'"),
        (b'{"inputs": [[1, 2]], "instances": [[1, 2]]}', "exactly one of the keys"),
        (b"[[1, 2]]", "received a JSON array"),
    ],
)
def test_bad_payloads_are_400_bad_request(client: TestClient, body: bytes, message: str) -> None:
    response = client.post("/invocations", content=body, headers=JSON)
    assert response.status_code == 400
    error = response.json()
    assert error["error_code"] == "BAD_REQUEST"
    assert message in error["message"]
    assert "stack_trace" not in error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"dataframe_split": {"columns": ["a", "c"], "data": [[1, 2]]}}, "column 'b'"),
        ({"dataframe_records": [{"a": 1, "b": "two"}]}, "Column 'b' must be numeric"),
    ],
)
def test_signature_errors_from_predict_are_400_invalid_parameter(
    client: TestClient, body: dict[str, Any], message: str
) -> None:
    response = client.post("/invocations", json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["error_code"] == "INVALID_PARAMETER_VALUE"
    assert message in error["message"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "text/csv; charset=latin-1"]
)
def test_wrong_content_type_is_415(client: TestClient, content_type: str) -> None:
    response = client.post(
        "/invocations", content=b"a,b\n1,2\n", headers={"Content-Type": content_type}
    )
    assert response.status_code == 415
    assert response.json()["error_code"] == "BAD_REQUEST"


def test_missing_content_type_is_415(client: TestClient) -> None:
    response = client.post("/invocations", content=b'{"inputs": [[1, 2]]}')
    assert response.status_code == 415
    assert "no Content-Type" in response.json()["message"]


def test_unexpected_predict_errors_are_500_without_stack_trace() -> None:
    client = TestClient(build_app(BrokenModel()))
    response = client.post("/invocations", json={"inputs": [[1]]})
    assert response.status_code == 500
    error = response.json()
    assert error["error_code"] == "INTERNAL_ERROR"
    assert "RuntimeError" in error["message"]
    assert "stack_trace" not in error
    assert "Traceback" not in response.text


def test_stack_traces_are_returned_only_when_asked_for() -> None:
    client = TestClient(build_app(BrokenModel(), include_stack_trace=True))
    error = client.post("/invocations", json={"inputs": [[1]]}).json()
    assert "Traceback" in error["stack_trace"]
    assert "secret internals" in error["stack_trace"]


def test_unencodable_predictions_are_500() -> None:
    client = TestClient(build_app(UnencodableModel()))
    response = client.post("/invocations", json={"inputs": [[1]]})
    assert response.status_code == 500
    assert "cannot be encoded as JSON" in response.json()["message"]


def test_bodies_over_the_limit_are_413() -> None:
    client = TestClient(build_app(SumModel(), max_request_bytes=64))
    small = client.post("/invocations", json={"inputs": [[1, 2]]})
    assert small.status_code == 200
    big = {"inputs": [[1, 2]] * 50}
    response = client.post("/invocations", json=big)
    assert response.status_code == 413
    error = response.json()
    assert error["error_code"] == "RESOURCE_LIMIT_EXCEEDED"
    assert "64 bytes" in error["message"]


def test_chunked_bodies_over_the_limit_are_413() -> None:
    client = TestClient(build_app(SumModel(), max_request_bytes=64))
    chunks = (b'{"inputs": [' + b"[1, 2]," * 20, b"[1, 2]]}")  # no Content-Length header
    response = client.post("/invocations", content=iter(chunks), headers=JSON)
    assert response.status_code == 413


def test_invalid_content_length_is_400(client: TestClient) -> None:
    response = client.post("/invocations", content=b"{}", headers={**JSON, "Content-Length": "abc"})
    assert response.status_code == 400


def test_slow_predictions_time_out_with_503() -> None:
    client = TestClient(build_app(SlowModel(), timeout=0.2))
    started = time.perf_counter()
    response = client.post("/invocations", json={"inputs": [[1]]})
    assert time.perf_counter() - started < 1.5
    assert response.status_code == 503
    assert response.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"


def test_unknown_endpoints_and_methods_get_error_json(client: TestClient) -> None:
    missing = client.get("/predict")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    wrong_method = client.get("/invocations")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error_code"] == "BAD_REQUEST"
    assert wrong_method.headers["allow"] == "POST"


def test_build_app_rejects_objects_without_predict_and_bad_limits() -> None:
    with pytest.raises(InvalidParameterError, match=r"'str'.*predict"):
        build_app("not a model")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="Invalid timeout 0"):
        build_app(SumModel(), timeout=0)
    with pytest.raises(InvalidParameterError, match="Invalid max_request_bytes -1"):
        build_app(SumModel(), max_request_bytes=-1)
