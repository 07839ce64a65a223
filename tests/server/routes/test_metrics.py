"""``metrics/get-history``: every point, NaN and infinities round-trip, pages."""

from __future__ import annotations

from tests.server.conftest import Api


def test_history_round_trips_non_finite_values(api: Api, run_id: str) -> None:
    values = ["NaN", "Infinity", "-Infinity", 1.5]
    for step, value in enumerate(values):
        api.post(
            "runs/log-metric",
            {"run_id": run_id, "key": "loss", "value": value, "timestamp": 10 + step, "step": step},
        )
    history = api.get("metrics/get-history", run_id=run_id, metric_key="loss")["metrics"]
    assert [m["value"] for m in history] == values
    assert [m["step"] for m in history] == [0, 1, 2, 3]
    assert [m["timestamp"] for m in history] == [10, 11, 12, 13]
    # The run shows the latest value, written the same way.
    run = api.get("runs/get", run_id=run_id)["run"]
    assert run["data"]["metrics"] == [{"key": "loss", "value": 1.5}]


def test_history_pages_and_run_uuid(api: Api, run_id: str) -> None:
    metrics = [{"key": "m", "value": i, "timestamp": 1, "step": i} for i in range(5)]
    api.post("runs/log-batch", {"run_id": run_id, "metrics": metrics})
    first = api.get("metrics/get-history", run_uuid=run_id, metric_key="m", max_results=3)
    assert [m["step"] for m in first["metrics"]] == [0, 1, 2]
    rest = api.get(
        "metrics/get-history",
        run_uuid=run_id,
        metric_key="m",
        max_results=3,
        page_token=first["next_page_token"],
    )
    assert [m["step"] for m in rest["metrics"]] == [3, 4]
    assert "next_page_token" not in rest


def test_history_errors(api: Api, run_id: str) -> None:
    assert api.get("metrics/get-history", run_id=run_id, metric_key="none") == {}
    error = api.get("metrics/get-history", expect=404, run_id="f" * 32, metric_key="m")
    assert error["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    error = api.get("metrics/get-history", expect=400, metric_key="m")
    assert error["message"] == "Missing value for required parameter 'run_id'"
    error = api.get("metrics/get-history", expect=400, run_id=run_id)
    assert "'metric_key'" in error["message"]
