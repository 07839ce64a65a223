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
    LoggedModel,
    LoggedModelOutput,
    LoggedModelStatus,
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
        (
            Metric,
            {
                "key": "loss",
                "value": 0.25,
                "timestamp": 10,
                "step": 3,
                "model_id": "m-" + "a" * 32,
                "dataset_name": "val",
                "dataset_digest": "d1",
                "run_id": "b" * 32,
            },
        ),
        (
            LoggedModel,
            {
                "experiment_id": "1",
                "model_id": "m-" + "a" * 32,
                "name": "forest",
                "artifact_location": "/a/1/models/m/artifacts",
                "creation_timestamp": 1,
                "last_updated_timestamp": 2,
                "model_type": None,
                "source_run_id": "b" * 32,
                "status": LoggedModelStatus.READY,
                "status_message": None,
                "tags": {"k": "v"},
                "params": {"p": "1"},
                "metrics": None,
            },
        ),
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


def test_logged_model_status_uri_and_run_links() -> None:
    assert LoggedModelStatus.is_finalized("READY") and LoggedModelStatus.is_finalized("FAILED")
    assert not LoggedModelStatus.is_finalized(LoggedModelStatus.PENDING)
    model = LoggedModel(
        experiment_id="0",
        model_id="m-" + "c" * 32,
        name="n",
        artifact_location="/x",
        creation_timestamp=1,
        last_updated_timestamp=1,
    )
    assert model.model_uri == "models:/m-" + "c" * 32
    assert model.status is LoggedModelStatus.PENDING and model.metrics is None
    run = Run(info=RunInfo(run_id="r1", experiment_id="0"))
    assert run.outputs.model_outputs == [] and run.inputs.model_inputs == []
    assert LoggedModelOutput(model_id=model.model_id).step == 0


def test_metric_dataset_name_and_digest_go_together() -> None:
    with pytest.raises(pydantic.ValidationError, match=r"'val'.*None.*both or neither"):
        Metric(key="acc", value=1.0, timestamp=0, dataset_name="val")
    metric = Metric(key="acc", value=1.0, timestamp=0, dataset_name="val", dataset_digest="d")
    assert (metric.model_id, metric.run_id) == (None, None)
