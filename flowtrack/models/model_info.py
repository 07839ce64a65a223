"""``ModelInfo``: what ``log_model`` returns and ``get_model_info`` reads (MLflow's ``ModelInfo``).

It lives beside :class:`~flowtrack.models.model.Model` (importable from
``flowtrack.models.model`` too, MLflow's path) and holds the ``MLmodel`` fields plus, for an MLflow
3 logged model, the :class:`~flowtrack.entities.LoggedModel` it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowtrack.entities import LoggedModel, Metric
    from flowtrack.models.signature import ModelSignature

__all__ = ["ModelInfo"]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What :func:`flowtrack.pyfunc.log_model` and friends return: the logged model's metadata.

    The logged-model fields (``model_id``, ``name``, ``params``, ``tags``, ``metrics``,
    ``creation_timestamp``) come from ``logged_model`` and are ``None`` without one, as in MLflow.

    Attributes:
        artifact_path: Where the model's files are: the logged model's artifact location (MLflow
            3), or the model's path under the run's artifact root (models logged the old way).
        flavors: ``{flavor name: flavor configuration}`` from ``MLmodel``.
        model_uri: Where to load it from: ``models:/<model_id>`` for a logged model.
        model_uuid: The model's unique id (the ``model_id`` for a logged model).
        run_id: The run the model was logged to (``None`` for a model only saved).
        saved_input_example_info: How the input example was stored, or ``None``.
        signature: The model's :class:`~flowtrack.models.signature.ModelSignature`, or ``None``.
        utc_time_created: When the model was saved (UTC), MLflow's string format.
        flowtrack_version: The flowtrack version that saved it (``None``: saved by MLflow).
        mlflow_version: The MLflow version that saved it (``None``: not saved by MLflow).
        metadata: User metadata from ``MLmodel``, or ``None``.
        registered_model_version: The registered version when the model was logged with
            ``registered_model_name``, else ``None``.
        env_vars: Environment variables the model needs at inference, or ``None``.
        logged_model: The :class:`~flowtrack.entities.LoggedModel` as it was when the model was
            logged (or read), or ``None``.
    """

    artifact_path: str | None
    flavors: dict[str, Any]
    model_uri: str
    model_uuid: str | None
    run_id: str | None
    saved_input_example_info: dict[str, Any] | None
    signature: ModelSignature | None
    utc_time_created: str
    flowtrack_version: str | None
    mlflow_version: str | None
    metadata: dict[str, Any] | None
    registered_model_version: int | None = None
    env_vars: list[str] | None = None
    logged_model: LoggedModel | None = None

    @property
    def model_id(self) -> str | None:
        """The logged model's id (``m-...``), or ``None``."""
        return self.logged_model.model_id if self.logged_model is not None else None

    @property
    def name(self) -> str | None:
        """The logged model's name, or ``None``."""
        return self.logged_model.name if self.logged_model is not None else None

    @property
    def params(self) -> dict[str, str] | None:
        """The logged model's params, or ``None``."""
        return self.logged_model.params if self.logged_model is not None else None

    @property
    def tags(self) -> dict[str, str] | None:
        """The logged model's tags, or ``None``."""
        return self.logged_model.tags if self.logged_model is not None else None

    @property
    def metrics(self) -> list[Metric] | None:
        """The logged model's metrics, or ``None``."""
        return self.logged_model.metrics if self.logged_model is not None else None

    @property
    def creation_timestamp(self) -> int | None:
        """When the logged model was created (milliseconds since the epoch), or ``None``."""
        return self.logged_model.creation_timestamp if self.logged_model is not None else None
