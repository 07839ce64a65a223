"""``flowtrack server`` as a real process on a free loopback port, shared by the slow tests."""

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

import httpx
import pytest

__all__ = ["LiveServer", "live_server"]


@dataclass(frozen=True)
class LiveServer:
    """A running server: its URL, its directory, and how long ``/health`` took to answer."""

    url: str
    root: Path
    health_after_s: float


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command() -> list[str]:
    script = Path(sys.executable).with_name("flowtrack")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flowtrack.cli.main"]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``flowtrack server`` over SQLite in a tmp dir, started once per session."""
    root = tmp_path_factory.mktemp("live-server")
    port = _free_port()
    log = root / "server.log"
    args = [
        *_command(),
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlflow.db'}",
        "--default-artifact-root",
        str(root / "mlruns"),
        "--port",
        str(port),
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    with log.open("wb") as sink:
        started = time.monotonic()
        process = subprocess.Popen(
            args, stdout=sink, stderr=subprocess.STDOUT, cwd=root, env=env, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/health", timeout=1).text == "OK":
                    break
            if time.monotonic() - started > 60:
                pytest.fail(f"no /health within 60 s:\n{log.read_text()}")
            time.sleep(0.05)
        yield LiveServer(url, root, time.monotonic() - started)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung server fails the run
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
