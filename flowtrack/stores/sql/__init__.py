"""SQL plumbing every SQL store shares: SQLite and PostgreSQL, one database, one schema.

- :mod:`.engine`: engines per dialect (SQLite pragmas and write locking, the psycopg pool) and
  raw DBAPI transactions for hot paths;
- :mod:`.bulk`: many rows in one statement per dialect;
- :mod:`.conditions`: string comparisons and orderings that behave alike on both dialects;
- :mod:`.schema`: the typed ORM, one module per aggregate (tracking, registry), one MetaData;
- :mod:`.migrate` and ``migrations/``: the Alembic migrations shipped in the package, applied
  when a store opens a database (``flowtrack db upgrade URI`` calls :func:`upgrade_database`).

The stores' queries live with their stores (``stores/tracking/sql``, ``stores/model_registry/sql``).
"""

from flowtrack.stores.sql.migrate import HEAD_REVISION, upgrade_database

__all__ = ["HEAD_REVISION", "upgrade_database"]
