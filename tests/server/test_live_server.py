"""The real ``flowtrack server`` process, and the real MLflow 3.17 client logging to it."""

from __future__ import annotations

import math

import httpx
import pytest

from tests.models.interop.conftest import MlflowPython, mlflow_python, mlflow_python_path
from tests.server.live import LiveServer, live_server

__all__ = ["live_server", "mlflow_python", "mlflow_python_path"]

pytestmark = pytest.mark.slow


def test_health_answers_within_3_seconds_of_start(live_server: LiveServer) -> None:
    assert live_server.health_after_s < 3.0
    response = httpx.get(f"{live_server.url}/api/2.0/mlflow/nowhere")
    assert response.status_code == 404
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"


MLFLOW_SESSION = """
import math
import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

mlflow.set_tracking_uri(args["url"])
experiment = mlflow.set_experiment("interop")
client = MlflowClient()
with mlflow.start_run(run_name="parent") as parent:
    mlflow.log_param("alpha", 0.5)
    mlflow.log_params({"depth": 3, "kind": "tree"})
    for step, value in enumerate([1.0, 0.5, float("nan"), float("inf")]):
        mlflow.log_metric("loss", value, step=step)
    mlflow.log_metrics({"acc": 0.9, "f1": 0.8}, step=7)
    mlflow.set_tag("stage", "dev")
    children = []
    for score in (0.3, 0.1, 0.2):
        with mlflow.start_run(nested=True) as child:
            mlflow.log_metric("score", score)
            children.append(child.info.run_id)
    client.log_batch(
        parent.info.run_id,
        metrics=[Metric("batch", 2.0, 123, 4)],
        params=[Param("batched", "yes")],
        tags=[RunTag("from", "batch")],
    )
run = client.get_run(parent.info.run_id)
nested = mlflow.search_runs(
    experiment_ids=[experiment.experiment_id],
    filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}' and metrics.score < 0.25",
    order_by=["metrics.score ASC"],
    output_format="list",
)
history = client.get_metric_history(parent.info.run_id, "loss")
client.delete_run(children[0])
deleted_stage = client.get_run(children[0]).info.lifecycle_stage
client.restore_run(children[0])
restored_stage = client.get_run(children[0]).info.lifecycle_stage
other = client.create_experiment("to-delete")
client.delete_experiment(other)
deleted_experiment = client.get_experiment(other).lifecycle_stage
client.restore_experiment(other)
result = {
    "status": run.info.status,
    "params": run.data.params,
    "metrics": {k: repr(v) for k, v in run.data.metrics.items()},
    "tags": {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")},
    "parent_children": children,
    "nested": [r.info.run_id for r in nested],
    "history": [(m.step, repr(m.value)) for m in history],
    "deleted_stage": deleted_stage,
    "restored_stage": restored_stage,
    "deleted_experiment": deleted_experiment,
    "restored_experiment": client.get_experiment(other).lifecycle_stage,
    "by_name": mlflow.get_experiment_by_name("interop").experiment_id,
    "missing": mlflow.get_experiment_by_name("no-such-experiment") is None,
    "artifact_uri": run.info.artifact_uri,
}
"""


def test_real_mlflow_client_logs_to_flowtrack_server(
    live_server: LiveServer, mlflow_python: MlflowPython
) -> None:
    result = mlflow_python.json(MLFLOW_SESSION, {"url": live_server.url})
    assert result["status"] == "FINISHED"
    assert result["params"] == {
        "alpha": "0.5",
        "depth": "3",
        "kind": "tree",
        "batched": "yes",
    }
    assert result["metrics"] == {
        "loss": "inf",
        "acc": "0.9",
        "f1": "0.8",
        "batch": "2.0",
    }
    assert result["tags"] == {"stage": "dev", "from": "batch"}
    children = result["parent_children"]
    assert result["nested"] == [children[1], children[2]]  # score 0.1, then 0.2
    assert result["history"] == [[0, "1.0"], [1, "0.5"], [2, "nan"], [3, "inf"]]
    assert math.isnan(float(result["history"][2][1]))
    assert (result["deleted_stage"], result["restored_stage"]) == ("deleted", "active")
    assert result["deleted_experiment"] == "deleted"
    assert result["restored_experiment"] == "active"
    assert result["missing"] is True
    # Artifacts go under the server's (absolute) default artifact root.
    assert result["artifact_uri"].startswith(str(live_server.root / "mlruns"))
