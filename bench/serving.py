"""Scoring-server benchmark: requests per second of ``flowtrack models serve`` on loopback.

A LogisticRegression on iris is saved with ``flowtrack.sklearn.save_model`` and served by a real
``flowtrack models serve`` subprocess on a free 127.0.0.1 port. One httpx client with keep-alive
sends ``dataframe_split`` requests of 1 and of 100 rows, one at a time, for at most ``--requests``
requests or ``--seconds`` seconds per size. Next to it, in the same process: the loaded
``PyFuncModel.predict`` (signature enforcement included) and the baseline of plain
``pickle.load`` + ``predict`` on the same DataFrames.

Run with ``.venv/bin/python bench/serving.py [--requests 2000] [--seconds 20] [--access-log]``.
Client and server share the machine's 2 cores, so the figures are a floor for a real client.
"""

from __future__ import annotations

import argparse
import json
import pickle
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
SIZES = (1, 100)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _train(workdir: Path) -> tuple[Any, Any, Path, Path]:
    """Fit the model; save it with flowtrack and as a plain pickle. Returns model, data, paths."""
    import pandas as pd
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import flowtrack.sklearn
    from flowtrack.models import infer_signature

    iris = load_iris()
    frame = pd.DataFrame(iris.data, columns=COLUMNS)
    model = LogisticRegression(max_iter=500).fit(frame, iris.target)
    model_dir = workdir / "iris"
    flowtrack.sklearn.save_model(
        model, str(model_dir), signature=infer_signature(frame, model.predict(frame))
    )
    pickle_path = workdir / "model.pkl"
    pickle_path.write_bytes(pickle.dumps(model))
    return model, frame, model_dir, pickle_path


def _rows(frame: Any, n: int) -> Any:
    return frame.sample(n, replace=n > len(frame), random_state=n).reset_index(drop=True)


def _timed_loop(call: Callable[[], object], max_calls: int, max_seconds: float) -> list[float]:
    """Call repeatedly; return each call's latency in seconds."""
    latencies: list[float] = []
    deadline = time.perf_counter() + max_seconds
    while len(latencies) < max_calls and time.perf_counter() < deadline:
        started = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - started)
    return latencies


def _start_server(
    model_dir: Path, log: Path, access_log: bool
) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = _free_port()
    script = Path(sys.executable).with_name("flowtrack")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "flowtrack.cli.main"]
    command += ["models", "serve", "-m", str(model_dir), "-p", str(port), "--log-level", "warning"]
    command.append("--access-log" if access_log else "--no-access-log")
    with log.open("wb") as sink:  # a file, not a pipe: a full pipe would stall the server
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/ping", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("server did not answer /ping within 60 s")


def _summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "calls": len(ordered),
        "per_s": len(ordered) / sum(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="most requests per size")
    parser.add_argument("--seconds", type=float, default=20.0, help="most seconds per size")
    parser.add_argument("--access-log", action="store_true", help="serve with access logging")
    args = parser.parse_args()

    import httpx

    import flowtrack.pyfunc

    with tempfile.TemporaryDirectory() as tmp:
        _, frame, model_dir, pickle_path = _train(Path(tmp))
        pyfunc_model = flowtrack.pyfunc.load_model(str(model_dir))
        with pickle_path.open("rb") as f:
            plain = pickle.load(f)  # the baseline: what a hand-rolled server would do
        process, url = _start_server(model_dir, Path(tmp) / "server.log", args.access_log)
        results: list[tuple[int, dict[str, float], dict[str, float], dict[str, float]]] = []
        try:
            with httpx.Client(base_url=url, timeout=30) as client:
                # The floor: one HTTP round trip with this client, no scoring.
                ping = _summary(_timed_loop(lambda: client.get("/ping"), args.requests, 5))
                for size in SIZES:
                    data = _rows(frame, size)
                    body = json.dumps({"dataframe_split": data.to_dict(orient="split")}).encode()
                    headers = {"Content-Type": "application/json"}
                    expected = plain.predict(data).tolist()
                    answer = client.post("/invocations", content=body, headers=headers).json()
                    assert answer == {"predictions": expected}, answer

                    def request(body: bytes = body, headers: dict[str, str] = headers) -> None:
                        response = client.post("/invocations", content=body, headers=headers)
                        response.raise_for_status()

                    for _ in range(20):  # warm up connections and code paths
                        request()
                    served = _summary(_timed_loop(request, args.requests, args.seconds))
                    in_process = _summary(
                        _timed_loop(lambda d=data: pyfunc_model.predict(d), args.requests, 5)
                    )
                    baseline = _summary(
                        _timed_loop(lambda d=data: plain.predict(d), args.requests, 5)
                    )
                    results.append((size, served, in_process, baseline))
        finally:
            process.terminate()
            process.wait(timeout=20)

    print(
        f"Scoring server, LogisticRegression on iris, 1 keep-alive client on loopback "
        f"(access log {'on' if args.access_log else 'off'})"
    )
    print(
        f"{'rows/req':>8} {'requests':>8} {'server req/s':>12} {'rows/s':>9} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'pyfunc calls/s':>14} {'pickle calls/s':>14}"
    )
    print(
        f"{'ping':>8} {ping['calls']:>8.0f} {ping['per_s']:>12.0f} {'':>9} "
        f"{ping['p50_ms']:>7.2f} {ping['p99_ms']:>7.2f}"
    )
    for size, served, in_process, baseline in results:
        print(
            f"{size:>8} {served['calls']:>8.0f} {served['per_s']:>12.0f} "
            f"{served['per_s'] * size:>9.0f} {served['p50_ms']:>7.2f} {served['p99_ms']:>7.2f} "
            f"{in_process['per_s']:>14.0f} {baseline['per_s']:>14.0f}"
        )


if __name__ == "__main__":
    main()
