"""The SQL tracking store (SQLite and PostgreSQL), its schema and its migrations.

``flowtrack db upgrade URI`` calls :func:`upgrade_database`.
"""

from flowtrack.stores.tracking.sql.migrate import HEAD_REVISION, upgrade_database
from flowtrack.stores.tracking.sql.store import SqlTrackingStore

__all__ = ["HEAD_REVISION", "SqlTrackingStore", "upgrade_database"]
