"""The Model Registry's entities: registered models and their numbered versions.

A registered model is a unique name with tags, aliases and a description; each
:class:`ModelVersion` points at a model's artifacts (its ``source``) and sits in one stage of
:class:`ModelVersionStage`. Versions are numbered from 1 per model and never reused.
"""

from __future__ import annotations

from enum import StrEnum

from flowtrack.entities._base import Entity
from flowtrack.exceptions import InvalidParameterError

__all__ = ["ModelVersion", "ModelVersionStage", "ModelVersionStatus", "RegisteredModel"]


class ModelVersionStage(StrEnum):
    """A version's deployment stage, spelled as MLflow spells it (``"None"``, ``"Staging"``...)."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"

    @classmethod
    def parse(cls, stage: object) -> ModelVersionStage:
        """Return the stage a string names, ignoring case (``"production"`` -> PRODUCTION).

        Args:
            stage: A stage name in any casing, or a :class:`ModelVersionStage`.

        Returns:
            The canonical stage.

        Raises:
            InvalidParameterError: ``stage`` names no stage.

        Example:
            >>> ModelVersionStage.parse("staging")
            <ModelVersionStage.STAGING: 'Staging'>
        """
        if isinstance(stage, str):
            for member in cls:
                if member.value.lower() == stage.lower():
                    return member
        allowed = ", ".join(repr(member.value) for member in cls)
        raise InvalidParameterError(
            f"Invalid model version stage {stage!r}: use one of {allowed} (any casing)"
        )


class ModelVersionStatus(StrEnum):
    """Whether a version's registration finished (MLflow's names)."""

    PENDING_REGISTRATION = "PENDING_REGISTRATION"
    FAILED_REGISTRATION = "FAILED_REGISTRATION"
    READY = "READY"


class ModelVersion(Entity):
    """One numbered version of a registered model.

    Attributes:
        name: The registered model's name.
        version: The version number, from 1 (MLflow's Python entity exposes it as a number;
            stores also accept its string form, as MLflow's REST API sends it).
        creation_timestamp: Milliseconds since the epoch.
        last_updated_timestamp: Milliseconds since the epoch.
        description: Free text, or ``None``.
        user_id: Who registered the version, or ``None``.
        current_stage: The version's stage.
        source: Where the model's artifacts are (``runs:/<run_id>/<path>`` or a URI under one
            of the store's allowed roots).
        run_id: The run that produced the model, or ``None``.
        run_link: A link to that run, or ``None``.
        status: The registration status.
        status_message: Details on the status, or ``None``.
        tags: The version's tags.
        aliases: The aliases that point at this version, sorted.
        model_id: The logged model (``m-...``) registered as this version, or ``None``.
    """

    name: str
    version: int
    creation_timestamp: int
    last_updated_timestamp: int
    description: str | None = None
    user_id: str | None = None
    current_stage: ModelVersionStage = ModelVersionStage.NONE
    source: str
    run_id: str | None = None
    run_link: str | None = None
    status: ModelVersionStatus = ModelVersionStatus.READY
    status_message: str | None = None
    tags: dict[str, str] = {}
    aliases: list[str] = []
    model_id: str | None = None


class RegisteredModel(Entity):
    """A named model in the registry.

    Attributes:
        name: The unique, case-sensitive name.
        creation_timestamp: Milliseconds since the epoch.
        last_updated_timestamp: Milliseconds since the epoch.
        description: Free text, or ``None``.
        tags: The model's tags.
        aliases: Alias -> the version number it points at.
        latest_versions: The newest version in each stage that has one, ordered by stage
            (``None``, ``Staging``, ``Production``, ``Archived``).
    """

    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    description: str | None = None
    tags: dict[str, str] = {}
    aliases: dict[str, int] = {}
    latest_versions: list[ModelVersion] = []
