"""The logged-model tables (MLflow 3): models, their tags, params and metrics, and run links.

A logged model's public id (``m-`` + 32 hex) is its primary key, so the run links and the
registry can name it directly. Model metrics keep the run (``runs.run_uuid``) and dataset they
came from; an empty ``dataset_name`` / ``dataset_digest`` means none (the pair is part of the
uniqueness of a point, and NULLs never collide), NaN is stored as ``0`` with ``is_nan`` as for
run metrics. ``id`` keeps logging order.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import conv

from flowtrack.stores.sql.schema.base import CASCADE, Base, BigIntKey

__all__ = [
    "MODEL_ID_LENGTH",
    "SqlLoggedModel",
    "SqlLoggedModelMetric",
    "SqlLoggedModelParam",
    "SqlLoggedModelTag",
    "SqlRunLoggedModel",
]

#: ``m-`` and 32 hex digits.
MODEL_ID_LENGTH = 34


class SqlLoggedModel(Base):
    """A logged model."""

    __tablename__ = "logged_models"
    __table_args__ = (
        sa.CheckConstraint("lifecycle_stage IN ('active', 'deleted')", name="lifecycle_stage"),
        sa.CheckConstraint(
            "status IN ('UNSPECIFIED', 'PENDING', 'READY', 'FAILED')", name="status"
        ),
        sa.Index(
            "ix_logged_models_experiment_id_creation_timestamp",
            "experiment_id",
            "creation_timestamp",
        ),
    )

    model_id: Mapped[str] = mapped_column(sa.String(MODEL_ID_LENGTH), primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("experiments.experiment_id", ondelete=CASCADE)
    )
    name: Mapped[str] = mapped_column(sa.String(500))
    artifact_location: Mapped[str] = mapped_column(sa.Text)
    creation_timestamp: Mapped[int] = mapped_column(sa.BigInteger)
    last_updated_timestamp: Mapped[int] = mapped_column(sa.BigInteger)
    model_type: Mapped[str | None] = mapped_column(sa.String(500))
    source_run_id: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(20))
    status_message: Mapped[str | None] = mapped_column(sa.Text)
    lifecycle_stage: Mapped[str] = mapped_column(sa.String(20))


class SqlLoggedModelTag(Base):
    """One logged-model tag."""

    __tablename__ = "logged_model_tags"
    __table_args__ = (
        sa.Index("ix_logged_model_tags_key_model_id", "key", "model_id"),
        {"sqlite_with_rowid": False},
    )

    model_id: Mapped[str] = mapped_column(
        sa.ForeignKey("logged_models.model_id", ondelete=CASCADE), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class SqlLoggedModelParam(Base):
    """One logged-model parameter."""

    __tablename__ = "logged_model_params"
    __table_args__ = (
        sa.Index("ix_logged_model_params_key_model_id", "key", "model_id"),
        {"sqlite_with_rowid": False},
    )

    model_id: Mapped[str] = mapped_column(
        sa.ForeignKey("logged_models.model_id", ondelete=CASCADE), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class SqlLoggedModelMetric(Base):
    """One metric point of a logged model, with the run and dataset it came from."""

    __tablename__ = "logged_model_metrics"
    __table_args__ = (
        sa.UniqueConstraint(
            "model_id",
            "key",
            "step",
            "timestamp",
            "run_id",
            "dataset_name",
            "dataset_digest",
            "value",
            "is_nan",
            # Named by hand: the convention's name would pass PostgreSQL's 63 characters.
            name=conv("uq_logged_model_metrics_point"),
        ),
        sa.Index("ix_logged_model_metrics_run_id", "run_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    model_id: Mapped[str] = mapped_column(sa.ForeignKey("logged_models.model_id", ondelete=CASCADE))
    key: Mapped[str] = mapped_column(sa.String(250))
    step: Mapped[int] = mapped_column(sa.BigInteger)
    timestamp: Mapped[int] = mapped_column(sa.BigInteger)
    value: Mapped[float] = mapped_column(sa.Float(precision=53))
    is_nan: Mapped[bool] = mapped_column(sa.Boolean)
    run_id: Mapped[str] = mapped_column(sa.ForeignKey("runs.run_uuid", ondelete=CASCADE))
    dataset_name: Mapped[str] = mapped_column(sa.String(500))
    dataset_digest: Mapped[str] = mapped_column(sa.String(500))


class SqlRunLoggedModel(Base):
    """A logged model a run used (``input``) or produced (``output``, at ``step``)."""

    __tablename__ = "run_logged_models"
    __table_args__ = (
        sa.CheckConstraint("direction IN ('input', 'output')", name="direction"),
        sa.UniqueConstraint("run_id", "direction", "model_id", "step"),
        sa.Index("ix_run_logged_models_model_id", "model_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(BigIntKey, sa.ForeignKey("runs.id", ondelete=CASCADE))
    direction: Mapped[str] = mapped_column(sa.String(6))
    model_id: Mapped[str] = mapped_column(sa.ForeignKey("logged_models.model_id", ondelete=CASCADE))
    step: Mapped[int] = mapped_column(sa.BigInteger)
