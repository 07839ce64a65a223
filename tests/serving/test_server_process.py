"""``flowtrack models serve`` as a real subprocess on a free loopback port, driven over HTTP."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from flowtrack.exceptions import InvalidParameterError
from flowtrack.serving.server import ENV_MODEL_URI, serve, worker_app

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@pytest.fixture(scope="module")
def iris_frame() -> pd.DataFrame:
    from sklearn.datasets import load_iris

    return pd.DataFrame(load_iris().data, columns=COLUMNS)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, iris_frame: pd.DataFrame) -> Path:
    """A LogisticRegression on iris, saved with flowtrack.sklearn.save_model and a signature."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import flowtrack.sklearn
    from flowtrack.models import infer_signature

    model = LogisticRegression(max_iter=500).fit(iris_frame, load_iris().target)
    path = tmp_path_factory.mktemp("serve") / "iris"
    signature = infer_signature(iris_frame, model.predict(iris_frame))
    flowtrack.sklearn.save_model(model, str(path), signature=signature)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def flowtrack_command() -> list[str]:
    script = Path(sys.executable).with_name("flowtrack")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flowtrack.cli.main"]


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_server(model_dir: Path, log: Path, *extra: str, ready_within: float = 120) -> Server:
    port = free_port()
    args = [*flowtrack_command(), "models", "serve", "-m", str(model_dir), "-p", str(port), *extra]
    with log.open("wb") as sink:
        # Its own process group, so a failed test can also end uvicorn's worker processes.
        process = subprocess.Popen(
            args, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/ping", timeout=1).status_code == 200:
                return Server(url, process, log)
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    kill_group(process)
    pytest.fail(f"the server did not answer /ping within {ready_within} s:\n{log.read_text()}")


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server and the worker processes it spawned (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def stop_server(server: Server) -> None:
    """SIGTERM the server; it must shut down gracefully (uvicorn then re-raises the signal)."""
    server.process.terminate()
    try:
        code = server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:  # pragma: no cover - a hung server fails the test
        kill_group(server.process)
        raise
    log = server.log.read_text()
    assert code in (0, -signal.SIGTERM), log
    assert "Application shutdown complete" in log, log


@pytest.fixture(scope="module")
def server(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("serve-log") / "server.log"
    running = start_server(model_dir, log)
    try:
        yield running
    finally:
        stop_server(running)


def in_process_predictions(model_dir: Path, frame: pd.DataFrame) -> list[Any]:
    import flowtrack.pyfunc

    predictions = flowtrack.pyfunc.load_model(str(model_dir)).predict(frame)
    return np.asarray(predictions).tolist()


def payloads(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The same rows in every JSON input format MLflow's scoring server accepts."""
    return {
        "dataframe_split": {"dataframe_split": frame.to_dict(orient="split")},
        "dataframe_records": {"dataframe_records": frame.to_dict(orient="records")},
        "instances": {"instances": frame.to_dict(orient="records")},
        "inputs": {"inputs": frame.to_dict(orient="list")},
    }


@pytest.mark.slow
def test_served_predictions_match_in_process(
    server: Server, model_dir: Path, iris_frame: pd.DataFrame
) -> None:
    frame = iris_frame.sample(20, random_state=0)
    expected = in_process_predictions(model_dir, frame)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/version").status_code == 200
        for name, body in payloads(frame).items():
            response = client.post("/invocations", json=body)
            assert response.status_code == 200, (name, response.text)
            assert response.json() == {"predictions": expected}, name
        csv = client.post(
            "/invocations",
            content=frame.to_csv(index=False).encode(),
            headers={"Content-Type": "text/csv"},
        )
        assert csv.status_code == 200, csv.text
        assert csv.json() == {"predictions": expected}


@pytest.mark.slow
def test_served_errors_are_400_and_415(server: Server, iris_frame: pd.DataFrame) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        bad_json = client.post(
            "/invocations", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert bad_json.status_code == 400
        assert bad_json.json()["error_code"] == "BAD_REQUEST"
        wrong_columns = client.post(
            "/invocations",
            json={"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, 2.0]]}},
        )
        assert wrong_columns.status_code == 400
        error = wrong_columns.json()
        assert error["error_code"] == "INVALID_PARAMETER_VALUE"
        assert "sepal_length" in error["message"]
        wrong_type = client.post(
            "/invocations",
            json={"dataframe_records": [dict.fromkeys(COLUMNS, "not a number")]},
        )
        assert wrong_type.status_code == 400, wrong_type.text
        assert "stack_trace" not in wrong_type.json()
        plain = client.post("/invocations", content=b"1,2", headers={"Content-Type": "text/plain"})
        assert plain.status_code == 415


@pytest.mark.slow
def test_served_with_two_workers(model_dir: Path, tmp_path: Path, iris_frame: pd.DataFrame) -> None:
    log = tmp_path / "workers.log"
    # Each worker imports scikit-learn and loads the model: allow for a busy 2-core machine.
    running = start_server(model_dir, log, "--workers", "2", "--no-access-log", ready_within=240)
    try:
        frame = iris_frame.head(3)
        response = httpx.post(
            f"{running.url}/invocations",
            json={"dataframe_split": frame.to_dict(orient="split")},
            timeout=30,
        )
        assert response.json() == {"predictions": in_process_predictions(model_dir, frame)}
    finally:
        stop_server(running)
    assert running.log.read_text().count("Started server process") == 2


def test_worker_app_loads_the_model_from_the_environment(
    model_dir: Path, iris_frame: pd.DataFrame
) -> None:
    app = worker_app({ENV_MODEL_URI: str(model_dir), "FLOWTRACK_SERVING_TIMEOUT": "5.0"})
    assert app.state.options.timeout == 5.0
    frame = iris_frame.head(2)
    assert np.asarray(app.state.model.predict(frame)).tolist() == in_process_predictions(
        model_dir, frame
    )
    with pytest.raises(InvalidParameterError, match=ENV_MODEL_URI):
        worker_app({})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workers": 0}, "Invalid workers 0"),
        ({"port": 70000}, "Invalid port 70000"),
        ({"timeout": -1.0}, "Invalid timeout -1.0"),
        ({"max_request_bytes": 0}, "Invalid max_request_bytes 0"),
    ],
)
def test_serve_validates_arguments_before_loading(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        serve(os.devnull, **kwargs)
