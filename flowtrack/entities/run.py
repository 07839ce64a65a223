"""Runs: one execution of training code, with its info, logged data and inputs."""

from __future__ import annotations

from enum import StrEnum

from flowtrack.entities._base import Entity
from flowtrack.entities.dataset import DatasetInput
from flowtrack.entities.experiment import LifecycleStage
from flowtrack.entities.logged_model import LoggedModelInput, LoggedModelOutput

__all__ = ["Run", "RunData", "RunInfo", "RunInputs", "RunOutputs", "RunStatus"]


class RunStatus(StrEnum):
    """A run's status; compares equal to MLflow's status strings."""

    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    @property
    def is_terminated(self) -> bool:
        """True for FINISHED, FAILED and KILLED."""
        return self in (RunStatus.FINISHED, RunStatus.FAILED, RunStatus.KILLED)


class RunInfo(Entity):
    """A run's metadata.

    Attributes:
        run_id: 32 hex characters.
        run_name: A human-readable name.
        experiment_id: The experiment the run belongs to.
        user_id: Who started the run.
        status: RUNNING, SCHEDULED, FINISHED, FAILED or KILLED.
        start_time: Milliseconds since the epoch.
        end_time: Milliseconds since the epoch, once terminated.
        artifact_uri: ``<experiment artifact_location>/<run_id>/artifacts``.
        lifecycle_stage: ``active`` or ``deleted``.
    """

    run_id: str
    run_name: str | None = None
    experiment_id: str
    user_id: str | None = None
    status: RunStatus = RunStatus.RUNNING
    start_time: int | None = None
    end_time: int | None = None
    artifact_uri: str | None = None
    lifecycle_stage: LifecycleStage = LifecycleStage.ACTIVE

    @property
    def run_uuid(self) -> str:
        """MLflow's older name for :attr:`run_id`."""
        return self.run_id


class RunData(Entity):
    """What was logged to a run: latest metric values, params and tags."""

    metrics: dict[str, float] = {}
    params: dict[str, str] = {}
    tags: dict[str, str] = {}


class RunInputs(Entity):
    """What a run consumed: its dataset inputs and the logged models it used."""

    dataset_inputs: list[DatasetInput] = []
    model_inputs: list[LoggedModelInput] = []


class RunOutputs(Entity):
    """What a run produced: the logged models it output, each with its step."""

    model_outputs: list[LoggedModelOutput] = []


class Run(Entity):
    """A run: ``info``, ``data``, ``inputs`` and ``outputs``, as in MLflow 3."""

    info: RunInfo
    data: RunData = RunData()
    inputs: RunInputs = RunInputs()
    outputs: RunOutputs = RunOutputs()
