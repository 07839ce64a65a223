"""The SQL tracking store (SQLite and PostgreSQL): its queries, one module per aggregate.

The engine, schema and migrations it shares with the SQL registry store are in
:mod:`flowtrack.stores.sql`.
"""

from flowtrack.stores.tracking.sql.store import SqlTrackingStore

__all__ = ["SqlTrackingStore"]
