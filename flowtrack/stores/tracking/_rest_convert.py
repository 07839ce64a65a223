"""Entities to and from MLflow's REST JSON (the proto3 JSON mapping of ``service.proto``).

Empty proto fields are left out of answers, so every reader takes ``.get`` with a default;
non-finite floats travel as the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flowtrack.entities import (
    Dataset,
    DatasetInput,
    Experiment,
    InputTag,
    LifecycleStage,
    LoggedModel,
    LoggedModelInput,
    LoggedModelOutput,
    LoggedModelStatus,
    Metric,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunOutputs,
    RunStatus,
)

__all__ = [
    "LOGGED_MODEL_STATUS_TO_JSON",
    "dataset_input_to_json",
    "experiment_from_json",
    "float_to_json",
    "logged_model_from_json",
    "metric_from_json",
    "metric_to_json",
    "pairs",
    "run_from_json",
    "run_info_from_json",
]

#: flowtrack's logged-model statuses as MLflow's proto enum spells them.
LOGGED_MODEL_STATUS_TO_JSON = {
    LoggedModelStatus.UNSPECIFIED: "LOGGED_MODEL_STATUS_UNSPECIFIED",
    LoggedModelStatus.PENDING: "LOGGED_MODEL_PENDING",
    LoggedModelStatus.READY: "LOGGED_MODEL_READY",
    LoggedModelStatus.FAILED: "LOGGED_MODEL_UPLOAD_FAILED",
}
_LOGGED_MODEL_STATUS_FROM_JSON = {v: k for k, v in LOGGED_MODEL_STATUS_TO_JSON.items()}
Json = Mapping[str, Any]


def float_to_json(value: float) -> float | str:
    """A float for a JSON body: NaN and +/-inf as MLflow's strings (JSON has no such numbers)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def pairs(items: Mapping[str, str]) -> list[dict[str, str]]:
    """``{"k": "v"}`` as MLflow's repeated ``{"key", "value"}`` messages."""
    return [{"key": key, "value": value} for key, value in items.items()]


def _tags(entries: Any) -> dict[str, str]:
    return {entry["key"]: entry.get("value", "") for entry in entries or ()}


def metric_to_json(metric: Metric) -> dict[str, Any]:
    """A metric point as a JSON message (optional fields only when set)."""
    body: dict[str, Any] = {
        "key": metric.key,
        "value": float_to_json(metric.value),
        "timestamp": metric.timestamp,
        "step": metric.step,
    }
    for name in ("model_id", "dataset_name", "dataset_digest", "run_id"):
        value = getattr(metric, name)
        if value is not None:
            body[name] = value
    return body


def metric_from_json(body: Json) -> Metric:
    """A metric point from a JSON message."""
    return Metric(
        key=body["key"],
        value=float(body.get("value", 0.0)),
        timestamp=int(body.get("timestamp", 0)),
        step=int(body.get("step", 0)),
        model_id=body.get("model_id") or None,
        dataset_name=body.get("dataset_name") or None,
        dataset_digest=body.get("dataset_digest") or None,
        run_id=body.get("run_id") or None,
    )


def experiment_from_json(body: Json) -> Experiment:
    """An experiment from MLflow's ``Experiment`` message."""
    return Experiment(
        experiment_id=str(body["experiment_id"]),
        name=body.get("name", ""),
        artifact_location=body.get("artifact_location", ""),
        lifecycle_stage=LifecycleStage(body.get("lifecycle_stage", "active")),
        tags=_tags(body.get("tags")),
        creation_time=_optional_int(body.get("creation_time")),
        last_update_time=_optional_int(body.get("last_update_time")),
    )


def run_info_from_json(body: Json) -> RunInfo:
    """A run's info from MLflow's ``RunInfo`` message (``run_id`` or the older ``run_uuid``)."""
    return RunInfo(
        run_id=body.get("run_id") or body["run_uuid"],
        run_name=body.get("run_name") or None,
        experiment_id=str(body["experiment_id"]),
        user_id=body.get("user_id") or None,
        status=RunStatus(body.get("status", "RUNNING")),
        start_time=_optional_int(body.get("start_time")),
        end_time=_optional_int(body.get("end_time")),
        artifact_uri=body.get("artifact_uri") or None,
        lifecycle_stage=LifecycleStage(body.get("lifecycle_stage", "active")),
    )


def run_from_json(body: Json) -> Run:
    """A run from MLflow's ``Run`` message: info, data, inputs and outputs."""
    data = body.get("data", {})
    inputs = body.get("inputs", {})
    outputs = body.get("outputs", {})
    return Run(
        info=run_info_from_json(body["info"]),
        data=RunData(
            metrics={m["key"]: float(m.get("value", 0.0)) for m in data.get("metrics", ())},
            params=_tags(data.get("params")),
            tags=_tags(data.get("tags")),
        ),
        inputs=RunInputs(
            dataset_inputs=[_dataset_input(d) for d in inputs.get("dataset_inputs", ())],
            model_inputs=[
                LoggedModelInput(model_id=m["model_id"]) for m in inputs.get("model_inputs", ())
            ],
        ),
        outputs=RunOutputs(
            model_outputs=[
                LoggedModelOutput(model_id=m["model_id"], step=int(m.get("step", 0)))
                for m in outputs.get("model_outputs", ())
            ]
        ),
    )


def _dataset_input(body: Json) -> DatasetInput:
    dataset = body["dataset"]
    return DatasetInput(
        dataset=Dataset(
            name=dataset["name"],
            digest=dataset["digest"],
            source_type=dataset.get("source_type", ""),
            source=dataset.get("source", ""),
            schema=dataset.get("schema") or None,
            profile=dataset.get("profile") or None,
        ),
        tags=[InputTag(key=t["key"], value=t.get("value", "")) for t in body.get("tags", ())],
    )


def dataset_input_to_json(dataset_input: DatasetInput) -> dict[str, Any]:
    """A dataset input as MLflow's ``DatasetInput`` message."""
    dataset = dataset_input.dataset.model_dump(exclude_none=True)
    return {
        "tags": [{"key": t.key, "value": t.value} for t in dataset_input.tags],
        "dataset": dataset,
    }


def logged_model_from_json(body: Json) -> LoggedModel:
    """A logged model from MLflow's ``LoggedModel`` message (``info`` and ``data``)."""
    info = body["info"]
    data = body.get("data", {})
    metrics = [metric_from_json(m) for m in data.get("metrics", ())]
    status = info.get("status", "LOGGED_MODEL_STATUS_UNSPECIFIED")
    return LoggedModel(
        experiment_id=str(info["experiment_id"]),
        model_id=info["model_id"],
        name=info.get("name", ""),
        artifact_location=info.get("artifact_uri", ""),
        creation_timestamp=int(info.get("creation_timestamp_ms", 0)),
        last_updated_timestamp=int(info.get("last_updated_timestamp_ms", 0)),
        model_type=info.get("model_type") or None,
        source_run_id=info.get("source_run_id") or None,
        status=_LOGGED_MODEL_STATUS_FROM_JSON.get(status, LoggedModelStatus.UNSPECIFIED),
        status_message=info.get("status_message") or None,
        tags=_tags(info.get("tags")),
        params=_tags(data.get("params")),
        metrics=metrics or None,
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)
