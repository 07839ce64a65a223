"""Alembic environment of flowtrack's schema, driven programmatically by ``stores/sql/migrate.py``.

The caller passes an open connection in ``config.attributes["connection"]``; offline (SQL script)
mode is not supported.
"""

from __future__ import annotations

from alembic import context

from flowtrack.stores.sql.schema import Base


def run_migrations_online() -> None:
    """Run the migrations on the connection the caller passed in."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "flowtrack migrations run through flowtrack.stores.sql.upgrade_database(uri) or "
            "'flowtrack db upgrade URI', "
            "not the alembic command line"
        )
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
