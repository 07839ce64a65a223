"""flowtrack's settings: one pydantic-settings class, read at the edges and passed down.

Every field reads the ``FLOWTRACK_<NAME>`` environment variable; the tracking and registry URIs,
the default experiment, async logging and system metrics also honour MLflow's variables
(``MLFLOW_TRACKING_URI``, ``MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL``, ...) when ours is unset,
so existing MLflow set-ups keep working.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "DEFAULT_TRACKING_URI",
    "SAMPLES_BEFORE_LOGGING_RANGE",
    "SAMPLING_INTERVAL_RANGE",
    "SYSTEM_METRICS_NODE_ID_PATTERN",
    "Settings",
    "environment_names",
    "get_settings",
]

#: The embedded default: a SQLite file in the working directory.
DEFAULT_TRACKING_URI = "sqlite:///flowtrack.db"

#: Bounds of the system metrics settings, shared with flowtrack.system_metrics' setters.
SAMPLING_INTERVAL_RANGE = (0.1, 86_400.0)
SAMPLES_BEFORE_LOGGING_RANGE = (1, 100_000)
#: A node id becomes part of metric names: letters, digits, '_', '-', '.' and ' '.
SYSTEM_METRICS_NODE_ID_PATTERN = r"^[A-Za-z0-9_\-. ]{1,100}$"


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
    enable_system_metrics_logging: bool = Field(
        default=False,
        validation_alias=AliasChoices(
            "enable_system_metrics_logging",
            "FLOWTRACK_ENABLE_SYSTEM_METRICS_LOGGING",
            "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING",
        ),
        description=(
            "Log system metrics (CPU, memory, disk, network, NVIDIA GPUs) for runs whose "
            "start_run leaves log_system_metrics unset; needs flowtrack[system-metrics]."
        ),
    )
    system_metrics_sampling_interval: float = Field(
        default=10.0,
        ge=SAMPLING_INTERVAL_RANGE[0],
        le=SAMPLING_INTERVAL_RANGE[1],
        validation_alias=AliasChoices(
            "system_metrics_sampling_interval",
            "FLOWTRACK_SYSTEM_METRICS_SAMPLING_INTERVAL",
            "MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL",
        ),
        description="Seconds between two samples of the system metrics.",
    )
    system_metrics_samples_before_logging: int = Field(
        default=1,
        ge=SAMPLES_BEFORE_LOGGING_RANGE[0],
        le=SAMPLES_BEFORE_LOGGING_RANGE[1],
        validation_alias=AliasChoices(
            "system_metrics_samples_before_logging",
            "FLOWTRACK_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING",
            "MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING",
        ),
        description="Samples averaged into one logged point of each system metric.",
    )
    system_metrics_node_id: str | None = Field(
        default=None,
        pattern=SYSTEM_METRICS_NODE_ID_PATTERN,
        validation_alias=AliasChoices(
            "system_metrics_node_id",
            "FLOWTRACK_SYSTEM_METRICS_NODE_ID",
            "MLFLOW_SYSTEM_METRICS_NODE_ID",
        ),
        description=(
            "This machine's name in multi-node training: system metrics are then logged as "
            "system/<node_id>/<metric>. Letters, digits, '_', '-', '.' and ' '."
        ),
    )
    tracking_username: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "tracking_username", "FLOWTRACK_TRACKING_USERNAME", "MLFLOW_TRACKING_USERNAME"
        ),
        description="HTTP Basic user for an http(s):// tracking server (with the password).",
    )
    tracking_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "tracking_password", "FLOWTRACK_TRACKING_PASSWORD", "MLFLOW_TRACKING_PASSWORD"
        ),
        description="HTTP Basic password for an http(s):// tracking server.",
    )
    tracking_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "tracking_token", "FLOWTRACK_TRACKING_TOKEN", "MLFLOW_TRACKING_TOKEN"
        ),
        description="Bearer token for an http(s):// tracking server (used without a username).",
    )
    tracking_insecure_tls: bool = Field(
        default=False,
        validation_alias=AliasChoices(
            "tracking_insecure_tls",
            "FLOWTRACK_TRACKING_INSECURE_TLS",
            "MLFLOW_TRACKING_INSECURE_TLS",
        ),
        description="Skip TLS certificate verification of an https:// tracking server.",
    )
    tracking_server_cert_path: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "tracking_server_cert_path",
            "FLOWTRACK_TRACKING_SERVER_CERT_PATH",
            "MLFLOW_TRACKING_SERVER_CERT_PATH",
        ),
        description="CA bundle that verifies an https:// tracking server's certificate.",
    )
    http_request_timeout: float = Field(
        default=120.0,
        gt=0,
        le=3600,
        validation_alias=AliasChoices(
            "http_request_timeout", "FLOWTRACK_HTTP_REQUEST_TIMEOUT", "MLFLOW_HTTP_REQUEST_TIMEOUT"
        ),
        description="Seconds one request to a tracking server may take.",
    )
    http_request_max_retries: int = Field(
        default=5,
        ge=0,
        le=20,
        validation_alias=AliasChoices(
            "http_request_max_retries",
            "FLOWTRACK_HTTP_REQUEST_MAX_RETRIES",
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
        ),
        description="Retries of a transient failure (connect error, 429, 502, 503, 504).",
    )
    http_request_backoff_factor: float = Field(
        default=0.5,
        ge=0,
        le=60,
        validation_alias=AliasChoices(
            "http_request_backoff_factor",
            "FLOWTRACK_HTTP_REQUEST_BACKOFF_FACTOR",
            "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR",
        ),
        description="Seconds before the first retry; each next wait doubles (30 s at most).",
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


def environment_names(field: str) -> tuple[str, ...]:
    """Return the environment variables a setting reads, ours first.

    For a cheap "is it configured at all?" test on a hot path (``start_run`` checks that no
    system metrics variable is set before paying for a full :func:`get_settings`).

    Args:
        field: A field of :class:`Settings`, e.g. ``"enable_system_metrics_logging"``.

    Returns:
        The variable names, e.g. ``("FLOWTRACK_ENABLE_SYSTEM_METRICS_LOGGING",
        "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING")``.
    """
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return tuple(name for name in alias.choices if isinstance(name, str) and name.isupper())
    return (f"FLOWTRACK_{field.upper()}",)
