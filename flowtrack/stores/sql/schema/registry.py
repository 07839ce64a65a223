"""The Model Registry tables: registered models, their versions, tags and aliases.

Registered models have an integer surrogate key, so a rename touches one row; versions, tags and
aliases reference it and are deleted with it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from flowtrack.stores.sql.schema.base import CASCADE, Base, BigIntKey

__all__ = [
    "SqlModelVersion",
    "SqlModelVersionTag",
    "SqlRegisteredModel",
    "SqlRegisteredModelAlias",
    "SqlRegisteredModelTag",
]


class SqlRegisteredModel(Base):
    """A registered model; ``name_key`` (SHA-256 hex of the NFKC-casefold name) is unique, so
    names differing only by case or Unicode compatibility form collide.

    ``next_version`` is the number the next version gets; it is incremented inside the write
    transaction that inserts the version and never goes down.
    """

    __tablename__ = "registered_models"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(256), unique=True)
    name_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    creation_timestamp: Mapped[int] = mapped_column(sa.BigInteger)
    last_updated_timestamp: Mapped[int] = mapped_column(sa.BigInteger)
    description: Mapped[str | None] = mapped_column(sa.Text)
    next_version: Mapped[int] = mapped_column(sa.Integer)


class SqlRegisteredModelTag(Base):
    """One registered model tag."""

    __tablename__ = "registered_model_tags"
    __table_args__ = {"sqlite_with_rowid": False}

    model_id: Mapped[int] = mapped_column(
        BigIntKey, sa.ForeignKey("registered_models.id", ondelete=CASCADE), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class SqlModelVersion(Base):
    """One version of a registered model."""

    __tablename__ = "model_versions"
    __table_args__ = (
        sa.CheckConstraint(
            "current_stage IN ('None', 'Staging', 'Production', 'Archived')", name="current_stage"
        ),
        sa.Index("ix_model_versions_run_id", "run_id"),
        {"sqlite_with_rowid": False},
    )

    model_id: Mapped[int] = mapped_column(
        BigIntKey, sa.ForeignKey("registered_models.id", ondelete=CASCADE), primary_key=True
    )
    version: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    creation_timestamp: Mapped[int] = mapped_column(sa.BigInteger)
    last_updated_timestamp: Mapped[int] = mapped_column(sa.BigInteger)
    description: Mapped[str | None] = mapped_column(sa.Text)
    user_id: Mapped[str | None] = mapped_column(sa.Text)
    current_stage: Mapped[str] = mapped_column(sa.String(20))
    source: Mapped[str] = mapped_column(sa.Text)
    run_id: Mapped[str | None] = mapped_column(sa.String(256))
    run_link: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(32))
    status_message: Mapped[str | None] = mapped_column(sa.Text)
    #: The logged model (``m-...``) registered as this version, if any (``model_id`` is taken
    #: by the registered model's key).
    logged_model_id: Mapped[str | None] = mapped_column(sa.String(34))


class SqlModelVersionTag(Base):
    """One model version tag; deleted with its version."""

    __tablename__ = "model_version_tags"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["model_id", "version"],
            ["model_versions.model_id", "model_versions.version"],
            ondelete=CASCADE,
        ),
        {"sqlite_with_rowid": False},
    )

    model_id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(250), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class SqlRegisteredModelAlias(Base):
    """An alias of a registered model; deleted with the version it points at."""

    __tablename__ = "registered_model_aliases"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["model_id", "version"],
            ["model_versions.model_id", "model_versions.version"],
            ondelete=CASCADE,
        ),
        {"sqlite_with_rowid": False},
    )

    model_id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    alias: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer)
