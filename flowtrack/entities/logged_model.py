"""Logged models: MLflow 3's model entity, a model in an experiment with its own id and metadata.

A logged model (``m-`` + 32 hex digits) lives in an experiment, has a status (``PENDING`` while
its files are being written, then ``READY`` or ``FAILED``), tags, params and the metrics logged
against it (each point remembers the run and, optionally, the dataset it was computed on). Runs
link to models as outputs (``Run.outputs.model_outputs``, with the step the model was logged at)
and inputs (``Run.inputs.model_inputs``).
"""

from __future__ import annotations

from enum import StrEnum

from flowtrack.entities._base import Entity
from flowtrack.entities.metric import Metric

__all__ = [
    "LoggedModel",
    "LoggedModelInput",
    "LoggedModelOutput",
    "LoggedModelParameter",
    "LoggedModelStatus",
    "LoggedModelTag",
]


class LoggedModelStatus(StrEnum):
    """A logged model's upload status, spelled as MLflow spells it."""

    UNSPECIFIED = "UNSPECIFIED"
    PENDING = "PENDING"
    READY = "READY"
    FAILED = "FAILED"

    @staticmethod
    def is_finalized(status: object) -> bool:
        """Whether ``status`` is final (``READY`` or ``FAILED``): no further update follows.

        Example:
            >>> LoggedModelStatus.is_finalized("READY"), LoggedModelStatus.is_finalized("PENDING")
            (True, False)
        """
        return status in (LoggedModelStatus.READY, LoggedModelStatus.FAILED)


class LoggedModelTag(Entity):
    """A key/value tag on a logged model; tags may be overwritten."""

    key: str
    value: str


class LoggedModelParameter(Entity):
    """A key/value parameter of a logged model (its hyperparameters, say)."""

    key: str
    value: str


class LoggedModelInput(Entity):
    """A logged model a run consumed (``Run.inputs.model_inputs``)."""

    model_id: str


class LoggedModelOutput(Entity):
    """A logged model a run produced, at a training step (``Run.outputs.model_outputs``)."""

    model_id: str
    step: int = 0


class LoggedModel(Entity):
    """A model logged to an experiment.

    Attributes:
        experiment_id: The experiment it belongs to.
        model_id: ``m-`` followed by 32 lowercase hex digits.
        name: A human-readable name (generated when not given).
        artifact_location: ``<experiment artifact_location>/models/<model_id>/artifacts``.
        creation_timestamp: Milliseconds since the epoch.
        last_updated_timestamp: Milliseconds since the epoch.
        model_type: A free-form kind (``"agent"``, ``"classifier"``...), or ``None``.
        source_run_id: The run that produced it, or ``None``.
        status: ``PENDING`` until finalized ``READY`` or ``FAILED``.
        status_message: Details on the status (why it failed), or ``None``.
        tags: The model's tags.
        params: The model's parameters.
        metrics: Every metric point logged against the model (with ``run_id``,
            ``dataset_name`` and ``dataset_digest``), or ``None`` when there is none.
    """

    experiment_id: str
    model_id: str
    name: str
    artifact_location: str
    creation_timestamp: int
    last_updated_timestamp: int
    model_type: str | None = None
    source_run_id: str | None = None
    status: LoggedModelStatus = LoggedModelStatus.PENDING
    status_message: str | None = None
    tags: dict[str, str] = {}
    params: dict[str, str] = {}
    metrics: list[Metric] | None = None

    @property
    def model_uri(self) -> str:
        """``models:/<model_id>``: the URI that loads this model."""
        return f"models:/{self.model_id}"
