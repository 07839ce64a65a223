"""The SQL registry store: the Model Registry in the tracking store's SQLite/PostgreSQL database.

Modules, one per aggregate: ``database`` (engine handle, lookups, rows -> entities),
``registered_models`` (queries on registered models and their tags), ``versions`` (queries on
model versions, their tags and aliases), ``search`` (filters and orderings compiled to SQL) and
``store`` (the class). The engine, schema and migrations are in :mod:`flowtrack.stores.sql`.
"""

from flowtrack.stores.model_registry.sql.store import SqlRegistryStore

__all__ = ["SqlRegistryStore"]
