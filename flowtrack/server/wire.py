"""MLflow's JSON shapes on the wire: proto JSON of experiments, runs and metrics.

MLflow's server writes protobuf messages as JSON with snake_case names, int64 fields as JSON
numbers, unset fields and empty lists left out, and non-finite doubles as the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``. The models here reproduce that: every optional field
defaults to ``None`` and :func:`wire_response` drops ``None``; ``ser_json_inf_nan="strings"``
writes non-finite floats as MLflow does. Enums are read by name (``"FINISHED"``) or number, as
protobuf's JSON parser reads them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from starlette.responses import Response

from flowtrack.entities import (
    DatasetInput,
    Experiment,
    Metric,
    Run,
    RunInfo,
    RunStatus,
    ViewType,
)

__all__ = [
    "RUN_STATUS_NUMBERS",
    "DatasetInputJson",
    "ExperimentJson",
    "KeyValue",
    "MetricJson",
    "RunInfoJson",
    "RunJson",
    "RunStatusField",
    "ViewTypeField",
    "WireModel",
    "key_values",
    "runs_json",
    "wire_response",
]

#: MLflow's proto numbers of run statuses.
RUN_STATUS_NUMBERS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}


def _view_type(value: Any) -> Any:
    if isinstance(value, str):
        if value in ViewType.__members__:
            return ViewType[value]
        if value.isdigit():
            return int(value)
    return value


def _run_status(value: Any) -> Any:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return RUN_STATUS_NUMBERS.get(value, value)
    return value


#: ``ACTIVE_ONLY``, ``DELETED_ONLY``, ``ALL`` or 1, 2, 3.
ViewTypeField = Annotated[ViewType, BeforeValidator(_view_type)]
#: ``RUNNING``, ``SCHEDULED``, ``FINISHED``, ``FAILED``, ``KILLED`` or 1 to 5.
RunStatusField = Annotated[RunStatus, BeforeValidator(_run_status)]


class WireModel(BaseModel):
    """A response message: frozen, non-finite floats written as MLflow's strings."""

    model_config = ConfigDict(frozen=True, ser_json_inf_nan="strings")


def wire_response(message: WireModel | None = None) -> Response:
    """Answer with a message as MLflow's proto JSON (``{}`` for an empty response)."""
    body = b"{}" if message is None else message.model_dump_json(exclude_none=True).encode()
    return Response(body, media_type="application/json")


class KeyValue(WireModel):
    """A param or tag: ``{"key", "value"}``."""

    key: str
    value: str


def key_values(items: Mapping[str, str]) -> list[KeyValue] | None:
    """Return ``{"key", "value"}`` records of a mapping, or ``None`` (omitted) when empty."""
    return [KeyValue(key=k, value=v) for k, v in items.items()] or None


class ExperimentJson(WireModel):
    """MLflow's ``Experiment`` message."""

    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str
    last_update_time: int | None = None
    creation_time: int | None = None
    tags: list[KeyValue] | None = None

    @classmethod
    def of(cls, experiment: Experiment) -> ExperimentJson:
        """Convert an entity."""
        return cls(
            experiment_id=experiment.experiment_id,
            name=experiment.name,
            artifact_location=experiment.artifact_location,
            lifecycle_stage=experiment.lifecycle_stage.value,
            last_update_time=experiment.last_update_time,
            creation_time=experiment.creation_time,
            tags=key_values(experiment.tags),
        )


class MetricJson(WireModel):
    """MLflow's ``Metric`` message."""

    key: str
    value: float
    timestamp: int | None = None
    step: int | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None
    model_id: str | None = None
    run_id: str | None = None

    @classmethod
    def of(cls, metric: Metric) -> MetricJson:
        """Convert an entity."""
        return cls(**metric.model_dump())


class RunInfoJson(WireModel):
    """MLflow's ``RunInfo`` message, with the id under ``run_id`` and ``run_uuid``."""

    run_id: str
    run_uuid: str
    run_name: str | None = None
    experiment_id: str
    user_id: str | None = None
    status: str
    start_time: int | None = None
    end_time: int | None = None
    artifact_uri: str | None = None
    lifecycle_stage: str

    @classmethod
    def of(cls, info: RunInfo) -> RunInfoJson:
        """Convert an entity."""
        return cls(
            run_id=info.run_id,
            run_uuid=info.run_id,
            run_name=info.run_name,
            experiment_id=info.experiment_id,
            user_id=info.user_id,
            status=info.status.value,
            start_time=info.start_time,
            end_time=info.end_time,
            artifact_uri=info.artifact_uri,
            lifecycle_stage=info.lifecycle_stage.value,
        )


class RunDataJson(WireModel):
    """MLflow's ``RunData``: the latest value of each metric, params and tags."""

    metrics: list[MetricJson] | None = None
    params: list[KeyValue] | None = None
    tags: list[KeyValue] | None = None


class DatasetInputJson(WireModel):
    """MLflow's ``DatasetInput``: a dataset and its input tags."""

    tags: list[KeyValue] | None = None
    dataset: dict[str, str]

    @classmethod
    def of(cls, item: DatasetInput) -> DatasetInputJson:
        """Convert an entity."""
        dataset = {k: v for k, v in item.dataset.model_dump().items() if v is not None}
        tags = [KeyValue(key=t.key, value=t.value) for t in item.tags] or None
        return cls(tags=tags, dataset=dataset)


class RunInputsJson(WireModel):
    """MLflow's ``RunInputs``."""

    dataset_inputs: list[DatasetInputJson] | None = None
    model_inputs: list[dict[str, str]] | None = None


class RunOutputsJson(WireModel):
    """MLflow's ``RunOutputs``."""

    model_outputs: list[dict[str, str | int]] | None = None


class RunJson(WireModel):
    """MLflow's ``Run`` message."""

    info: RunInfoJson
    data: RunDataJson
    inputs: RunInputsJson
    outputs: RunOutputsJson

    @classmethod
    def of(cls, run: Run) -> RunJson:
        """Convert an entity.

        The store keeps the latest value of each metric on the run (what ``run.data.metrics``
        is); its step and timestamp are read with ``metrics/get-history``.
        """
        metrics = [MetricJson(key=k, value=v) for k, v in run.data.metrics.items()] or None
        return cls(
            info=RunInfoJson.of(run.info),
            data=RunDataJson(
                metrics=metrics,
                params=key_values(run.data.params),
                tags=key_values(run.data.tags),
            ),
            inputs=RunInputsJson(
                dataset_inputs=[DatasetInputJson.of(d) for d in run.inputs.dataset_inputs] or None,
                model_inputs=[{"model_id": m.model_id} for m in run.inputs.model_inputs] or None,
            ),
            outputs=RunOutputsJson(
                model_outputs=[m.model_dump() for m in run.outputs.model_outputs] or None
            ),
        )


def runs_json(runs: Sequence[Run]) -> list[RunJson] | None:
    """Convert runs, ``None`` (omitted) when there are none."""
    return [RunJson.of(run) for run in runs] or None
