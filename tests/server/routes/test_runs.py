"""Run routes through the app: lifecycle, logging, search, inputs."""

from __future__ import annotations

from tests.server.conftest import Api


def test_create_get_update(api: Api, experiment_id: str) -> None:
    created = api.post(
        "runs/create",
        {
            "experiment_id": experiment_id,
            "user_id": "ann",
            "run_name": "first",
            "start_time": 1234,
            "tags": [{"key": "t", "value": "1"}],
        },
    )["run"]
    info = created["info"]
    assert info["run_id"] == info["run_uuid"] and len(info["run_id"]) == 32
    assert (info["run_name"], info["user_id"], info["status"]) == ("first", "ann", "RUNNING")
    assert info["start_time"] == 1234 and "end_time" not in info
    assert info["artifact_uri"].endswith(f"/{info['run_id']}/artifacts")
    tags = {t["key"]: t["value"] for t in created["data"]["tags"]}
    assert tags == {"t": "1", "mlflow.runName": "first"}
    assert api.get("runs/get", run_id=info["run_id"])["run"] == created
    assert api.get("runs/get", run_uuid=info["run_id"])["run"] == created
    # Status by name or by MLflow's number (3 = FINISHED), as protobuf's JSON parser reads it.
    updated = api.post(
        "runs/update",
        {"run_id": info["run_id"], "status": "FAILED", "end_time": 2000, "run_name": "x"},
    )["run_info"]
    assert (updated["status"], updated["end_time"], updated["run_name"]) == ("FAILED", 2000, "x")
    updated = api.post("runs/update", {"run_uuid": info["run_id"], "status": 3})["run_info"]
    assert updated["status"] == "FINISHED"


def test_unknown_and_bad_runs(api: Api, experiment_id: str) -> None:
    error = api.get("runs/get", expect=404, run_id="0" * 32)
    assert error["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    error = api.post("runs/create", {"experiment_id": "424242"}, expect=404)
    assert error["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    error = api.post("runs/update", {"run_id": "0" * 32, "status": "DONE"}, expect=400)
    assert "'DONE'" in error["message"]
    error = api.post("runs/log-parameter", {"key": "p", "value": "1"}, expect=400)
    assert error["message"] == "Missing value for required parameter 'run_id'"


def test_log_param_metric_tag_and_delete_tag(api: Api, run_id: str) -> None:
    api.post("runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.1"})
    api.post("runs/log-metric", {"run_uuid": run_id, "key": "acc", "value": 0.9, "timestamp": 5})
    api.post("runs/set-tag", {"run_id": run_id, "key": "stage", "value": "dev"})
    data = api.get("runs/get", run_id=run_id)["run"]["data"]
    assert data["params"] == [{"key": "lr", "value": "0.1"}]
    assert data["metrics"] == [{"key": "acc", "value": 0.9}]
    assert {"key": "stage", "value": "dev"} in data["tags"]
    api.post("runs/delete-tag", {"run_id": run_id, "key": "stage"})
    tags = api.get("runs/get", run_id=run_id)["run"]["data"]["tags"]
    assert all(t["key"] != "stage" for t in tags)
    # A param changed to another value is the client's error, named in the message.
    error = api.post(
        "runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "9"}, expect=400
    )
    assert error["error_code"] == "INVALID_PARAMETER_VALUE" and "'9'" in error["message"]


def test_log_batch(api: Api, run_id: str) -> None:
    body = {
        "run_id": run_id,
        "metrics": [
            {"key": "m", "value": "NaN", "timestamp": 1, "step": 0},
            {"key": "m", "value": 2.0, "timestamp": 2, "step": 1},
        ],
        "params": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}],
        "tags": [{"key": "t", "value": "x"}],
    }
    assert api.post("runs/log-batch", body) == {}
    data = api.get("runs/get", run_id=run_id)["run"]["data"]
    assert data["metrics"] == [{"key": "m", "value": 2.0}]
    assert sorted(p["key"] for p in data["params"]) == ["a", "b"]
    bad = {"run_id": run_id, "metrics": [{"key": "m", "value": "lots", "timestamp": 1}]}
    error = api.post("runs/log-batch", bad, expect=400)
    assert "metrics[0].value" in error["message"]
    half = {"key": "m", "value": 1, "timestamp": 1, "dataset_name": "d"}
    error = api.post("runs/log-batch", {"run_id": run_id, "metrics": [half]}, expect=400)
    assert "dataset_digest" in error["message"]


def test_delete_restore_and_deleted_run_refuses_writes(api: Api, run_id: str) -> None:
    api.post("runs/delete", {"run_id": run_id})
    assert api.get("runs/get", run_id=run_id)["run"]["info"]["lifecycle_stage"] == "deleted"
    error = api.post("runs/set-tag", {"run_id": run_id, "key": "k", "value": "v"}, expect=400)
    assert error["error_code"] == "INVALID_STATE"
    api.post("runs/restore", {"run_id": run_id})
    assert api.get("runs/get", run_id=run_id)["run"]["info"]["lifecycle_stage"] == "active"


def test_search_runs(api: Api, experiment_id: str) -> None:
    ids = []
    for i, loss in enumerate([0.5, 0.1, 0.3]):
        run = api.post("runs/create", {"experiment_id": experiment_id, "start_time": i})["run"]
        run_id = run["info"]["run_id"]
        ids.append(run_id)
        api.post(
            "runs/log-metric", {"run_id": run_id, "key": "loss", "value": loss, "timestamp": 1}
        )
    found = api.post(
        "runs/search",
        {
            "experiment_ids": [experiment_id],
            "filter": "metrics.loss < 0.4",
            "order_by": ["metrics.loss ASC"],
        },
    )["runs"]
    assert [r["info"]["run_id"] for r in found] == [ids[1], ids[2]]
    api.post("runs/delete", {"run_id": ids[0]})
    deleted = api.post(
        "runs/search", {"experiment_ids": [experiment_id], "run_view_type": "DELETED_ONLY"}
    )["runs"]
    assert [r["info"]["run_id"] for r in deleted] == [ids[0]]
    page = api.post("runs/search", {"experiment_ids": [experiment_id], "max_results": 1})
    assert len(page["runs"]) == 1 and page["next_page_token"]
    error = api.post(
        "runs/search", {"experiment_ids": [experiment_id], "filter": "x <"}, expect=400
    )
    assert error["error_code"] == "INVALID_PARAMETER_VALUE"


def test_log_inputs(api: Api, run_id: str) -> None:
    dataset = {"name": "iris", "digest": "abc", "source_type": "local", "source": '{"uri": "x"}'}
    body = {
        "run_id": run_id,
        "datasets": [
            {"dataset": dataset, "tags": [{"key": "mlflow.data.context", "value": "train"}]}
        ],
    }
    assert api.post("runs/log-inputs", body) == {}
    inputs = api.get("runs/get", run_id=run_id)["run"]["inputs"]
    assert inputs["dataset_inputs"] == [
        {"dataset": dataset, "tags": [{"key": "mlflow.data.context", "value": "train"}]}
    ]
    error = api.post(
        "runs/log-inputs", {"run_id": run_id, "models": [{"model_id": "m-" + "0" * 32}]}, expect=404
    )
    assert error["error_code"] == "RESOURCE_DOES_NOT_EXIST"
