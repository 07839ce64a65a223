"""Alembic migrations of flowtrack's schema (tracking and Model Registry), run by
``flowtrack/stores/sql/migrate.py``."""
