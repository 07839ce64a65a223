"""End to end: flows/train_register.py on Prefect's test harness and a SQLite store in tmp_path.

Each flow run costs seconds, so the tests share few runs: a first run promoted under a gate
passed as a flow parameter, then (on a fresh store) a promoted run, a worse one rejected by the
default gate file (the flow run fails with the reasons) and the same worse one under a gate file
with ``allow_reject=True`` (the flow run completes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from prefect.client.schemas.objects import State
from prefect.flows import Flow, load_flow_from_entrypoint

import flowtrack
from flowtrack.entities import Run
from flowtrack.models import get_model_info
from flowtrack.registry.gate import PromotionGate
from flowtrack.registry.promotion import DECISION_TAG, EVAL_RUN_TAG

FLOW_FILE = Path(__file__).resolve().parents[2] / "flows" / "train_register.py"
MODEL_NAME = "breast-cancer-classifier"
STEPS = ["ingest", "train", "evaluate", "register"]
#: Over-regularized: f1_score 0.960 on the held-out data against 0.986 for the default C=1.0.
WEAK = {"C": 0.01}

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def train_register(clean_context: None, tmp_path: Path) -> Flow[..., Any]:
    """The flow, loaded from its file as a deployment does, tracking to SQLite in tmp_path."""
    flowtrack.set_tracking_uri(f"sqlite:///{tmp_path / 'flowtrack.db'}")
    return load_flow_from_entrypoint(f"{FLOW_FILE}:train_register")


def _run(flow: Flow[..., Any], **parameters: Any) -> State[Any]:
    return cast("State[Any]", flow(**parameters, return_state=True))


def _flow_run(state: State[Any]) -> Run:
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_id is not None
    return flowtrack.get_run(flow_run_id.hex)


def _steps(parent: Run) -> dict[str, Run]:
    children = flowtrack.search_runs(
        experiment_ids=[parent.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
        output_format="list",
    )
    return {run.data.tags["flowtrack.prefect.task_name"]: run for run in children}


def _contexts(run: Run) -> list[str]:
    return sorted(item.context or "" for item in run.inputs.dataset_inputs)


def test_first_run_is_promoted_and_tracked(train_register: Flow[..., Any]) -> None:
    gate = PromotionGate(rules=["accuracy_score >= 0.95", "f1_score >= 0.95"])

    state = _run(train_register, gate=gate)

    assert state.is_completed(), state.message
    result = state.result()
    assert (result.promoted, result.version) == (True, 1)
    assert result.reasons == [
        f"accuracy_score = {result.metrics['accuracy_score']:g} passes accuracy_score >= 0.95",
        f"f1_score = {result.metrics['f1_score']:g} passes f1_score >= 0.95",
    ]
    assert result.metrics["f1_score"] > 0.98

    parent = _flow_run(state)
    assert parent.info.status == "FINISHED"
    assert flowtrack.get_experiment(parent.info.experiment_id).name == "train-register"
    assert parent.data.metrics["f1_score"] == result.metrics["f1_score"]
    assert parent.data.params["hyperparameters.C"] == "1.0"
    steps = _steps(parent)
    assert sorted(steps) == sorted(STEPS)
    assert {run.info.status for run in steps.values()} == {"FINISHED"}
    assert _contexts(steps["ingest"]) == ["testing", "training"]
    assert _contexts(steps["train"]) == ["training"]
    assert _contexts(steps["evaluate"]) == ["eval"]
    assert steps["evaluate"].data.metrics["f1_score"] == result.metrics["f1_score"]
    assert steps["train"].data.params["hyperparameters.max_iter"] == "200"

    train_run_id = steps["train"].info.run_id
    (logged,) = flowtrack.MlflowClient().search_logged_models(
        [steps["train"].info.experiment_id], filter_string=f"source_run_id = '{train_run_id}'"
    )
    assert result.model_uri == f"models:/{logged.model_id}"
    assert logged.source_run_id == train_run_id
    assert get_model_info(result.model_uri).signature is not None
    client = flowtrack.MlflowClient()
    version = client.get_model_version_by_alias(MODEL_NAME, "champion")
    assert version.version == 1
    assert version.run_id == train_run_id
    assert version.model_id == logged.model_id
    assert version.tags[EVAL_RUN_TAG] == steps["evaluate"].info.run_id
    assert version.tags[DECISION_TAG] == "promoted"


def test_worse_run_is_rejected_against_the_champion(
    train_register: Flow[..., Any], tmp_path: Path
) -> None:
    assert _run(train_register).is_completed()

    rejected = _run(train_register, hyperparameters=WEAK)

    assert rejected.is_failed()
    assert rejected.message is not None
    assert "f1_score = 0.959459 vs champion version 1's 0.986111" in rejected.message
    steps = _steps(_flow_run(rejected))
    assert steps["register"].info.status == "FAILED"
    client = flowtrack.MlflowClient()
    assert client.get_model_version_by_alias(MODEL_NAME, "champion").version == 1
    assert client.get_model_version(MODEL_NAME, 2).tags[DECISION_TAG] == "rejected"

    gate_file = tmp_path / "gate.yaml"
    gate_file.write_text('rules: ["accuracy_score >= 0.99"]\n', encoding="utf-8")
    kept = _run(train_register, hyperparameters=WEAK, gate_file=str(gate_file), allow_reject=True)

    assert kept.is_completed(), kept.message
    result = kept.result()
    assert (result.promoted, result.version) == (False, 3)
    assert result.reasons == ["accuracy_score = 0.947368 fails accuracy_score >= 0.99"]
    assert _flow_run(kept).info.status == "FINISHED"
    assert client.get_model_version_by_alias(MODEL_NAME, "champion").version == 1


@pytest.mark.s3
def test_steps_hand_each_other_s3_uris_when_artifacts_live_on_s3(
    clean_context: None,
    tmp_path: Path,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fsspec
    from sklearn.datasets import load_breast_cancer

    # The source data and every artifact on S3 (moto's server); the store is SQLite.
    source = f"s3://{s3_bucket}/raw/breast_cancer.csv"
    frame = load_breast_cancer(as_frame=True).frame
    with fsspec.open(source, "w") as file:
        frame.to_csv(file, index=False)
    monkeypatch.setenv("FLOWTRACK_ARTIFACT_ROOT", f"s3://{s3_bucket}/artifacts")
    flowtrack.set_tracking_uri(f"sqlite:///{tmp_path / 'flowtrack.db'}")
    flow = load_flow_from_entrypoint(f"{FLOW_FILE}:train_register")

    state = _run(flow, source=source)

    assert state.is_completed(), state.message
    steps = _steps(_flow_run(state))
    ingest = steps["ingest"]
    assert ingest.info.artifact_uri is not None
    assert ingest.info.artifact_uri.startswith(f"s3://{s3_bucket}/artifacts/")
    s3 = fsspec.filesystem("s3")
    assert s3.exists(f"{ingest.info.artifact_uri}/data/train.csv")
    # The trained model is a logged model: its files live under the experiment's models/ folder.
    (logged,) = flowtrack.MlflowClient().search_logged_models(
        [steps["train"].info.experiment_id],
        filter_string=f"source_run_id = '{steps['train'].info.run_id}'",
    )
    assert logged.artifact_location.startswith(f"s3://{s3_bucket}/artifacts/")
    assert s3.exists(f"{logged.artifact_location}/MLmodel")
    [dataset] = [
        item.dataset for item in ingest.inputs.dataset_inputs if item.context == "training"
    ]
    assert source in dataset.source
    assert state.result().promoted
