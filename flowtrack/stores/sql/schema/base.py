"""The declarative base every flowtrack table shares: one MetaData, one naming convention."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

__all__ = ["CASCADE", "Base", "BigIntKey"]

#: BIGINT on PostgreSQL, INTEGER on SQLite (where only INTEGER PRIMARY KEY aliases the rowid).
BigIntKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: ``ondelete`` of foreign keys whose rows go with their owner.
CASCADE = "CASCADE"


class Base(DeclarativeBase):
    """Declarative base of every flowtrack table (tracking and Model Registry)."""

    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
