"""flowtrack's entities: frozen pydantic records with MLflow's names and fields."""

from flowtrack.entities.dataset import DATASET_CONTEXT_TAG, Dataset, DatasetInput, InputTag
from flowtrack.entities.experiment import Experiment, ExperimentTag, LifecycleStage, ViewType
from flowtrack.entities.file_info import FileInfo
from flowtrack.entities.logged_model import (
    LoggedModel,
    LoggedModelInput,
    LoggedModelOutput,
    LoggedModelParameter,
    LoggedModelStatus,
    LoggedModelTag,
)
from flowtrack.entities.metric import Metric, Param, RunTag
from flowtrack.entities.paging import PagedList
from flowtrack.entities.registry import (
    ModelVersion,
    ModelVersionStage,
    ModelVersionStatus,
    RegisteredModel,
)
from flowtrack.entities.run import Run, RunData, RunInfo, RunInputs, RunOutputs, RunStatus

__all__ = [
    "DATASET_CONTEXT_TAG",
    "Dataset",
    "DatasetInput",
    "Experiment",
    "ExperimentTag",
    "FileInfo",
    "InputTag",
    "LifecycleStage",
    "LoggedModel",
    "LoggedModelInput",
    "LoggedModelOutput",
    "LoggedModelParameter",
    "LoggedModelStatus",
    "LoggedModelTag",
    "Metric",
    "ModelVersion",
    "ModelVersionStage",
    "ModelVersionStatus",
    "PagedList",
    "Param",
    "RegisteredModel",
    "Run",
    "RunData",
    "RunInfo",
    "RunInputs",
    "RunOutputs",
    "RunStatus",
    "RunTag",
    "ViewType",
]
