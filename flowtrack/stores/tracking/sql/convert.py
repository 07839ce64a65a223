"""Rows to entities, cheaply: the store's values are already valid, so skip validation.

:func:`construct` does what pydantic's ``model_construct`` does for a complete set of fields,
without its per-field default handling; measured here it builds 10,000 ``Metric`` records in
~26 ms against ~87 ms for ``model_construct`` and ~37 ms for a ``TypeAdapter`` over dicts.
A test checks the results equal validated entities.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

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
from flowtrack.entities._base import Entity

__all__ = [
    "construct",
    "dataset_input",
    "experiment",
    "logged_model",
    "metric_value",
    "metrics_from_rows",
    "model_input",
    "model_metric",
    "model_output",
    "run",
    "run_info",
]

E = TypeVar("E", bound=Entity)
# The fields each run part sets, shared by every instance built here (nothing mutates them):
# building them once per run instead is a measurable part of get_run.
_RUN_INFO_SET = {
    "run_id",
    "run_name",
    "experiment_id",
    "user_id",
    "status",
    "start_time",
    "end_time",
    "artifact_uri",
    "lifecycle_stage",
}
_DATA_SET = {"metrics", "params", "tags"}
_INPUTS_SET = {"dataset_inputs", "model_inputs"}
_OUTPUTS_SET = {"model_outputs"}
_RUN_SET = {"info", "data", "inputs", "outputs"}


def construct(cls: type[E], fields: dict[str, Any], fields_set: set[str] | None = None) -> E:
    """Build an entity from a dict holding every field, already of the right types."""
    return cls._trusted(fields, fields_set)


def metric_value(value: float, is_nan: bool) -> float:
    """The stored value, with NaN restored from its flag."""
    return math.nan if is_nan else value


def metrics_from_rows(key: str, rows: Iterable[Sequence[Any]]) -> list[Metric]:
    """Metric points from ``(step, timestamp, value)`` rows of one key; NULL values are NaN."""
    fields_set = {"key", "value", "timestamp", "step"}
    trusted = Metric._trusted
    nan = math.nan
    points: list[Metric] = []
    append = points.append
    # Copying a filled-in dict and setting three values is faster than a literal of 8 keys.
    template: dict[str, Any] = {
        "key": key,
        "value": 0.0,
        "timestamp": 0,
        "step": 0,
        "model_id": None,
        "dataset_name": None,
        "dataset_digest": None,
        "run_id": None,
    }
    copy = template.copy
    for step, timestamp, value in rows:
        fields = copy()
        fields["value"] = nan if value is None else float(value)
        fields["timestamp"] = timestamp
        fields["step"] = step
        append(trusted(fields, fields_set))
    return points


def experiment(row: Sequence[Any], tags: dict[str, str]) -> Experiment:
    """An experiment from ``(id, name, artifact_location, stage, created, updated)``."""
    experiment_id, name, location, stage, creation_time, last_update_time = row
    return construct(
        Experiment,
        {
            "experiment_id": str(experiment_id),
            "name": name,
            "artifact_location": location,
            "lifecycle_stage": LifecycleStage(stage),
            "tags": tags,
            "creation_time": creation_time,
            "last_update_time": last_update_time,
        },
    )


def run_info(row: Sequence[Any]) -> RunInfo:
    """Run info from a row of :data:`flowtrack.stores.tracking.sql.runs.RUN_COLUMNS` (minus
    the leading internal id)."""
    (run_uuid, name, experiment_id, user_id, status, start, end, artifact_uri, stage) = row
    return RunInfo._trusted(
        {
            "run_id": run_uuid,
            "run_name": name,
            "experiment_id": str(experiment_id),
            "user_id": user_id,
            "status": RunStatus(status),
            "start_time": start,
            "end_time": end,
            "artifact_uri": artifact_uri,
            "lifecycle_stage": LifecycleStage(stage),
        },
        _RUN_INFO_SET,
    )


def dataset_input(row: Sequence[Any]) -> DatasetInput:
    """A dataset input from ``(name, digest, source_type, source, schema, profile, tags)``."""
    name, digest, source_type, source, schema, profile, tags_json = row
    dataset = construct(
        Dataset,
        {
            "name": name,
            "digest": digest,
            "source_type": source_type,
            "source": source,
            "schema": schema,
            "profile": profile,
        },
    )
    tags = [construct(InputTag, {"key": k, "value": v}) for k, v in json.loads(tags_json)]
    return construct(DatasetInput, {"dataset": dataset, "tags": tags})


def model_metric(row: Sequence[Any]) -> Metric:
    """A logged model's metric point from ``(model_id, key, value, is_nan, timestamp, step,
    run_id, dataset_name, dataset_digest)``; an empty dataset name and digest mean none."""
    model_id, key, value, is_nan, timestamp, step, run_id, dataset_name, dataset_digest = row
    return construct(
        Metric,
        {
            "key": key,
            "value": math.nan if is_nan else float(value),
            "timestamp": timestamp,
            "step": step,
            "model_id": model_id,
            "dataset_name": dataset_name or None,
            "dataset_digest": dataset_digest or None,
            "run_id": run_id,
        },
    )


def logged_model(
    row: Sequence[Any],
    tags: dict[str, str],
    params: dict[str, str],
    metrics: list[Metric] | None,
) -> LoggedModel:
    """A logged model from ``(model_id, experiment_id, name, artifact_location, created,
    updated, model_type, source_run_id, status, status_message)`` and its parts."""
    (model_id, experiment_id, name, location, created, updated, model_type, source, status,
     message) = row  # fmt: skip
    return construct(
        LoggedModel,
        {
            "experiment_id": str(experiment_id),
            "model_id": model_id,
            "name": name,
            "artifact_location": location,
            "creation_timestamp": created,
            "last_updated_timestamp": updated,
            "model_type": model_type,
            "source_run_id": source,
            "status": LoggedModelStatus(status),
            "status_message": message,
            "tags": tags,
            "params": params,
            "metrics": metrics,
        },
    )


def model_input(model_id: str) -> LoggedModelInput:
    """A run's logged-model input."""
    return construct(LoggedModelInput, {"model_id": model_id})


def model_output(model_id: str, step: int) -> LoggedModelOutput:
    """A run's logged-model output."""
    return construct(LoggedModelOutput, {"model_id": model_id, "step": step})


def run(
    info: RunInfo,
    metrics: dict[str, float],
    params: dict[str, str],
    tags: dict[str, str],
    inputs: list[DatasetInput],
    model_inputs: list[LoggedModelInput] | None = None,
    model_outputs: list[LoggedModelOutput] | None = None,
) -> Run:
    """A run from its parts."""
    data = RunData._trusted({"metrics": metrics, "params": params, "tags": tags}, _DATA_SET)
    run_inputs = RunInputs._trusted(
        {"dataset_inputs": inputs, "model_inputs": model_inputs or []}, _INPUTS_SET
    )
    outputs = RunOutputs._trusted({"model_outputs": model_outputs or []}, _OUTPUTS_SET)
    return Run._trusted(
        {"info": info, "data": data, "inputs": run_inputs, "outputs": outputs}, _RUN_SET
    )
