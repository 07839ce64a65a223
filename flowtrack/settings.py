"""flowtrack's settings: one pydantic-settings class, read at the edges and passed down.

Every field reads the ``FLOWTRACK_<NAME>`` environment variable; the tracking and registry URIs
and the default experiment also honour MLflow's variables (``MLFLOW_TRACKING_URI``, ...) when
ours is unset, so existing MLflow set-ups keep working.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_TRACKING_URI", "Settings", "get_settings"]

#: The embedded default: a SQLite file in the working directory.
DEFAULT_TRACKING_URI = "sqlite:///flowtrack.db"


class Settings(BaseSettings):
    """flowtrack's configuration.

    Example:
        >>> Settings(tracking_uri="memory:").tracking_uri
        'memory:'
    """

    model_config = SettingsConfigDict(
        env_prefix="FLOWTRACK_", extra="ignore", frozen=True, populate_by_name=True
    )

    tracking_uri: str = Field(
        default=DEFAULT_TRACKING_URI,
        min_length=1,
        validation_alias=AliasChoices(
            "tracking_uri", "FLOWTRACK_TRACKING_URI", "MLFLOW_TRACKING_URI"
        ),
        description="Where runs are stored: sqlite:///path.db, postgresql+psycopg://..., memory:.",
    )
    registry_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "registry_uri", "FLOWTRACK_REGISTRY_URI", "MLFLOW_REGISTRY_URI"
        ),
        description="Where the model registry lives; default: the tracking URI.",
    )
    artifact_root: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "artifact_root", "FLOWTRACK_ARTIFACT_ROOT", "MLFLOW_DEFAULT_ARTIFACT_ROOT"
        ),
        description=(
            "Root URI for new experiments' artifacts: a local path or any fsspec URL "
            "(file://, memory://, s3://...). Default: ./flowtrack-artifacts for SQL stores, "
            "memory://flowtrack-artifacts for the memory store."
        ),
    )
    experiment_name: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "experiment_name", "FLOWTRACK_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_NAME"
        ),
        description="The experiment runs go to when none is set in code.",
    )
    experiment_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "experiment_id", "FLOWTRACK_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_ID"
        ),
        description="The experiment id runs go to when none is set in code (wins over the name).",
    )
    active_model_id: str | None = Field(
        default=None,
        min_length=1,
        validation_alias=AliasChoices(
            "active_model_id",
            "FLOWTRACK_ACTIVE_MODEL_ID",
            "MLFLOW_ACTIVE_MODEL_ID",
            "_MLFLOW_ACTIVE_MODEL_ID",
        ),
        description=(
            "The logged model (m-...) metrics are linked to when no set_active_model() is in "
            "effect; read once per thread or task context."
        ),
    )
    async_logging: bool = Field(
        default=False,
        validation_alias=AliasChoices(
            "async_logging", "FLOWTRACK_ASYNC_LOGGING", "MLFLOW_ENABLE_ASYNC_LOGGING"
        ),
        description="Make log_metric queue metrics and write them in batches by default.",
    )
    async_flush_interval: float = Field(
        default=0.1,
        gt=0,
        le=60,
        description="Seconds between batched writes of queued metrics.",
    )
    async_batch_size: int = Field(
        default=1000, ge=1, le=1000, description="Most metrics written in one batch."
    )
    async_queue_size: int = Field(
        default=100_000,
        ge=1000,
        le=10_000_000,
        description="Most metrics queued at once; log_metric blocks when the queue is full.",
    )
    sqlite_busy_timeout: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Seconds a SQLite writer waits for the database lock before failing.",
    )
    sql_pool_size: int = Field(
        default=5, ge=1, le=100, description="Connections kept per SQL store (not SQLite)."
    )
    strict_tracking: bool = Field(
        default=False,
        description=(
            "Make tracking errors inside @tracked_flow/@tracked_task fail the task or flow run; "
            "by default they are logged as warnings and the pipeline goes on. Read when the "
            "decorator is applied (its strict= argument wins)."
        ),
    )


def get_settings() -> Settings:
    """Read the settings from the environment now (cheap; call at the edges, not in loops)."""
    return Settings()
