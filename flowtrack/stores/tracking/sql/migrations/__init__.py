"""Alembic migrations of the tracking schema, run by ``sql/migrate.py``."""
