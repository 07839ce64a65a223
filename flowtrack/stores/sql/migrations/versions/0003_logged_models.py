"""Logged models (MLflow 3): models, their tags, params and metrics, run links, version model_id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

BigIntKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _model_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["model_id"],
        ["logged_models.model_id"],
        name=f"fk_{table}_model_id_logged_models",
        ondelete="CASCADE",
    )


def _key_value(table: str) -> None:
    op.create_table(
        table,
        sa.Column("model_id", sa.String(34), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _model_key(table),
        sa.PrimaryKeyConstraint("model_id", "key", name=f"pk_{table}"),
        sqlite_with_rowid=False,
    )
    op.create_index(f"ix_{table}_key_model_id", table, ["key", "model_id"])


def upgrade() -> None:
    """Create the logged-model tables; add runs.has_models and
    model_versions.logged_model_id."""
    op.create_table(
        "logged_models",
        sa.Column("model_id", sa.String(34), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("artifact_location", sa.Text(), nullable=False),
        sa.Column("creation_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger(), nullable=False),
        sa.Column("model_type", sa.String(500), nullable=True),
        sa.Column("source_run_id", sa.String(32), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("lifecycle_stage", sa.String(20), nullable=False),
        sa.CheckConstraint(
            "lifecycle_stage IN ('active', 'deleted')",
            name=op.f("ck_logged_models_lifecycle_stage"),
        ),
        sa.CheckConstraint(
            "status IN ('UNSPECIFIED', 'PENDING', 'READY', 'FAILED')",
            name=op.f("ck_logged_models_status"),
        ),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.experiment_id"],
            name="fk_logged_models_experiment_id_experiments",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", name="pk_logged_models"),
    )
    op.create_index(
        "ix_logged_models_experiment_id_creation_timestamp",
        "logged_models",
        ["experiment_id", "creation_timestamp"],
    )
    _key_value("logged_model_tags")
    _key_value("logged_model_params")
    op.create_table(
        "logged_model_metrics",
        sa.Column("id", BigIntKey, autoincrement=True, nullable=False),
        sa.Column("model_id", sa.String(34), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.Column("is_nan", sa.Boolean(), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("dataset_name", sa.String(500), nullable=False),
        sa.Column("dataset_digest", sa.String(500), nullable=False),
        _model_key("logged_model_metrics"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.run_uuid"],
            name="fk_logged_model_metrics_run_id_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_logged_model_metrics"),
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
            name="uq_logged_model_metrics_point",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_logged_model_metrics_run_id", "logged_model_metrics", ["run_id"])
    op.create_table(
        "run_logged_models",
        sa.Column("id", BigIntKey, autoincrement=True, nullable=False),
        sa.Column("run_id", BigIntKey, nullable=False),
        sa.Column("direction", sa.String(6), nullable=False),
        sa.Column("model_id", sa.String(34), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "direction IN ('input', 'output')", name=op.f("ck_run_logged_models_direction")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_run_logged_models_run_id_runs", ondelete="CASCADE"
        ),
        _model_key("run_logged_models"),
        sa.PrimaryKeyConstraint("id", name="pk_run_logged_models"),
        sa.UniqueConstraint(
            "run_id",
            "direction",
            "model_id",
            "step",
            name="uq_run_logged_models_run_id_direction_model_id_step",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_run_logged_models_model_id", "run_logged_models", ["model_id"])
    op.add_column(
        "runs",
        sa.Column("has_models", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "model_versions", sa.Column("logged_model_id", sa.String(34), nullable=True)
    )


def downgrade() -> None:
    """Drop what :func:`upgrade` added."""
    with op.batch_alter_table("model_versions") as batch:
        batch.drop_column("logged_model_id")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("has_models")
    for table in (
        "run_logged_models",
        "logged_model_metrics",
        "logged_model_params",
        "logged_model_tags",
        "logged_models",
    ):
        op.drop_table(table)
