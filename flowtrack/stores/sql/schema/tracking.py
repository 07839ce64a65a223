"""The tracking tables: experiments, runs, metrics, params, tags and dataset inputs.

Runs have an integer surrogate key (``runs.id``) that every per-run table references, so the
metric history and the key/value tables stay narrow; the public id is ``runs.run_uuid``.
NaN metric values are stored as ``0`` with ``is_nan`` set (SQLite cannot hold NaN); +/-inf are
stored as themselves on both dialects.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flowtrack.stores.sql.schema.base import CASCADE, Base, BigIntKey

__all__ = [
    "SqlDataset",
    "SqlExperiment",
    "SqlExperimentTag",
    "SqlLatestMetric",
    "SqlMetric",
    "SqlParam",
    "SqlRun",
    "SqlRunInput",
    "SqlRunTag",
]


class SqlExperiment(Base):
    """An experiment; ids are integers in the database and digit strings outside."""

    __tablename__ = "experiments"
    __table_args__ = (
        sa.CheckConstraint("lifecycle_stage IN ('active', 'deleted')", name="lifecycle_stage"),
        {"sqlite_autoincrement": True},
    )

    experiment_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(500), unique=True)
    artifact_location: Mapped[str] = mapped_column(sa.Text)
    lifecycle_stage: Mapped[str] = mapped_column(sa.String(20))
    creation_time: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_update_time: Mapped[int | None] = mapped_column(sa.BigInteger)

    tags: Mapped[list[SqlExperimentTag]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class SqlExperimentTag(Base):
    """One experiment tag."""

    __tablename__ = "experiment_tags"
    # Clustered by the primary key on SQLite, so per-run reads are range scans.
    __table_args__ = {"sqlite_with_rowid": False}

    experiment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("experiments.experiment_id", ondelete=CASCADE), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class SqlRun(Base):
    """A run's metadata."""

    __tablename__ = "runs"
    __table_args__ = (
        sa.CheckConstraint("lifecycle_stage IN ('active', 'deleted')", name="lifecycle_stage"),
        sa.Index("ix_runs_experiment_id_start_time", "experiment_id", "start_time"),
        sa.Index("ix_runs_lifecycle_stage_deleted_time", "lifecycle_stage", "deleted_time"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    run_uuid: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str | None] = mapped_column(sa.Text)
    experiment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("experiments.experiment_id", ondelete=CASCADE)
    )
    user_id: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20))
    start_time: Mapped[int | None] = mapped_column(sa.BigInteger)
    end_time: Mapped[int | None] = mapped_column(sa.BigInteger)
    artifact_uri: Mapped[str | None] = mapped_column(sa.Text)
    lifecycle_stage: Mapped[str] = mapped_column(sa.String(20))
    deleted_time: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: Deleted by deleting its experiment, so restoring the experiment restores it.
    deleted_by_experiment: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    #: Whether the run has logged-model inputs or outputs: reading a run without any costs no
    #: extra query.
    has_models: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())

    tags: Mapped[list[SqlRunTag]] = relationship(lazy="raise", passive_deletes=True)
    params: Mapped[list[SqlParam]] = relationship(lazy="raise", passive_deletes=True)


class SqlMetric(Base):
    """One metric point; identical points are stored once (the primary key is the point)."""

    __tablename__ = "metrics"
    # Clustered by the primary key on SQLite, so per-run reads are range scans.
    __table_args__ = {"sqlite_with_rowid": False}

    run_id: Mapped[int] = mapped_column(
        BigIntKey, sa.ForeignKey("runs.id", ondelete=CASCADE), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    step: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    timestamp: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    value: Mapped[float] = mapped_column(sa.Float(precision=53), primary_key=True)
    is_nan: Mapped[bool] = mapped_column(sa.Boolean, primary_key=True)


class SqlLatestMetric(Base):
    """The latest point of each metric of a run: greatest (step, timestamp), later wins ties."""

    __tablename__ = "latest_metrics"
    __table_args__ = (
        sa.Index("ix_latest_metrics_key_is_nan_value", "key", "is_nan", "value", "run_id"),
        {"sqlite_with_rowid": False},
    )

    run_id: Mapped[int] = mapped_column(
        BigIntKey, sa.ForeignKey("runs.id", ondelete=CASCADE), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    step: Mapped[int] = mapped_column(sa.BigInteger)
    timestamp: Mapped[int] = mapped_column(sa.BigInteger)
    value: Mapped[float] = mapped_column(sa.Float(precision=53))
    is_nan: Mapped[bool] = mapped_column(sa.Boolean)


class SqlParam(Base):
    """One run parameter (immutable once logged)."""

    __tablename__ = "params"
    __table_args__ = (
        sa.Index("ix_params_key_run_id", "key", "run_id"),
        {"sqlite_with_rowid": False},
    )

    run_id: Mapped[int] = mapped_column(
        BigIntKey, sa.ForeignKey("runs.id", ondelete=CASCADE), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class SqlRunTag(Base):
    """One run tag."""

    __tablename__ = "tags"
    __table_args__ = (sa.Index("ix_tags_key_run_id", "key", "run_id"), {"sqlite_with_rowid": False})

    run_id: Mapped[int] = mapped_column(
        BigIntKey, sa.ForeignKey("runs.id", ondelete=CASCADE), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class SqlDataset(Base):
    """A dataset, stored once per experiment and (name, digest)."""

    __tablename__ = "datasets"
    __table_args__ = (
        sa.UniqueConstraint("experiment_id", "name", "digest"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    experiment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("experiments.experiment_id", ondelete=CASCADE)
    )
    name: Mapped[str] = mapped_column(sa.String(500))
    digest: Mapped[str] = mapped_column(sa.String(500))
    source_type: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.Text)
    schema: Mapped[str | None] = mapped_column(sa.Text)
    profile: Mapped[str | None] = mapped_column(sa.Text)


class SqlRunInput(Base):
    """A dataset a run used, once per context; ``tags`` is the input tags as a JSON list."""

    __tablename__ = "run_inputs"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "dataset_id", "context"),
        sa.Index("ix_run_inputs_dataset_id", "dataset_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(BigIntKey, sa.ForeignKey("runs.id", ondelete=CASCADE))
    dataset_id: Mapped[int] = mapped_column(
        BigIntKey, sa.ForeignKey("datasets.id", ondelete=CASCADE)
    )
    context: Mapped[str] = mapped_column(sa.String(250))
    tags: Mapped[str] = mapped_column(sa.Text)
