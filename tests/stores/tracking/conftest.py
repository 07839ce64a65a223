"""A real MLflow 3.17 tracking server (from the test-only ``.venv-mlflow``) on loopback."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

_REPO = Path(__file__).resolve().parents[3]
_MLFLOW = _REPO / ".venv-mlflow" / "bin" / "mlflow"
_START_TIMEOUT = 120.0
#: The tracking tables MLflow's server writes; emptied between tests (the Default experiment
#: "0" is kept and reset).
_TRACKING_TABLES = (
    "latest_metrics",
    "metrics",
    "params",
    "tags",
    "input_tags",
    "inputs",
    "datasets",
    "logged_model_metrics",
    "logged_model_params",
    "logged_model_tags",
    "logged_models",
    "entity_associations",
    "experiment_tags",
    "runs",
)


@dataclass(frozen=True)
class MlflowServer:
    """A running MLflow server: its URL, its SQLite database and its artifact root."""

    url: str
    database: Path
    artifact_root: Path

    def reset(self) -> None:
        """Empty the tracking tables behind the server's back (it caches none of them)."""
        connection = sqlite3.connect(self.database, timeout=30)
        try:
            with connection:
                connection.execute("PRAGMA foreign_keys = OFF")
                for table in _TRACKING_TABLES:
                    connection.execute(f"DELETE FROM {table}")
                connection.execute("DELETE FROM experiments WHERE experiment_id != 0")
                connection.execute(
                    "UPDATE experiments SET lifecycle_stage = 'active', name = 'Default' "
                    "WHERE experiment_id = 0"
                )
        finally:
            connection.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """MLflow 3.17's ``mlflow server`` over SQLite, one worker, stopped at the session's end."""
    if not _MLFLOW.exists():
        pytest.skip(f"MLflow's test-only environment is missing: {_MLFLOW}")
    root = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    database = root / "mlflow.db"
    artifacts = root / "artifacts"
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    for name in ("MLFLOW_TRACKING_URI", "PYTHONPATH"):
        env.pop(name, None)
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [
            str(_MLFLOW),
            "server",
            "--backend-store-uri",
            f"sqlite:///{database}",
            "--default-artifact-root",
            str(artifacts),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=root,
        # Its own process group: the server's worker processes are stopped with it.
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"mlflow server exited: {(root / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"mlflow server not healthy after {_START_TIMEOUT:.0f} s")
            time.sleep(0.5)
        yield MlflowServer(url=url, database=database, artifact_root=artifacts)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
