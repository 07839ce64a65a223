"""Entities: frozen, strict, and the trusted fast constructor equals validation."""

from __future__ import annotations

import math

import pydantic
import pytest

from flowtrack.entities import (
    Dataset,
    DatasetInput,
    Experiment,
    InputTag,
    LifecycleStage,
    Metric,
    Run,
    RunInfo,
    RunStatus,
    ViewType,
)


def test_entities_are_frozen_and_forbid_extra_fields() -> None:
    metric = Metric(key="loss", value=0.5, timestamp=1, step=2)
    with pytest.raises(pydantic.ValidationError):
        metric.value = 1.0  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        Metric(key="loss", value=0.5, timestamp=1, unknown=3)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("cls", "fields"),
    [
        (Metric, {"key": "loss", "value": 0.25, "timestamp": 10, "step": 3}),
        (
            Experiment,
            {
                "experiment_id": "1",
                "name": "e",
                "artifact_location": "/a/1",
                "lifecycle_stage": LifecycleStage.ACTIVE,
                "tags": {"k": "v"},
                "creation_time": 1,
                "last_update_time": 2,
            },
        ),
        (
            RunInfo,
            {
                "run_id": "a" * 32,
                "run_name": "r",
                "experiment_id": "0",
                "user_id": "u",
                "status": RunStatus.FINISHED,
                "start_time": 1,
                "end_time": 2,
                "artifact_uri": "/a/0/x/artifacts",
                "lifecycle_stage": LifecycleStage.ACTIVE,
            },
        ),
    ],
)
def test_trusted_constructor_equals_validation(cls: type[pydantic.BaseModel], fields: dict) -> None:
    trusted = cls._trusted(dict(fields))  # type: ignore[attr-defined]
    validated = cls(**fields)
    assert trusted == validated
    assert repr(trusted) == repr(validated)
    assert trusted.model_dump() == validated.model_dump()
    assert trusted.model_fields_set == validated.model_fields_set


def test_nan_metric_round_trips_through_json() -> None:
    metric = Metric(key="m", value=math.nan, timestamp=1)
    assert math.isnan(Metric.model_validate_json(metric.model_dump_json()).value)


def test_run_status_compares_to_mlflow_strings() -> None:
    assert RunStatus.FINISHED == "FINISHED"
    assert RunStatus.KILLED.is_terminated and not RunStatus.RUNNING.is_terminated
    assert ViewType.ALL.stages() == (LifecycleStage.ACTIVE, LifecycleStage.DELETED)


def test_run_defaults_and_dataset_context() -> None:
    run = Run(info=RunInfo(run_id="r1", experiment_id="0"))
    assert run.data.metrics == {} and run.inputs.dataset_inputs == []
    assert run.info.run_uuid == "r1"
    dataset = Dataset(name="d", digest="abc", source_type="local", source="{}", schema="{}")
    assert dataset.schema == "{}"
    entry = DatasetInput(dataset=dataset, tags=[InputTag(key="mlflow.data.context", value="eval")])
    assert entry.context == "eval"
    assert DatasetInput(dataset=dataset).context is None
