"""The SQL registry store: the Model Registry in the tracking store's SQLite/PostgreSQL database.

Modules, one per aggregate: ``database`` (engine handle, lookups, rows -> entities),
``models`` (registered models and their tags), ``versions`` (model versions, their tags and
aliases), ``search`` (filters and orderings compiled to SQL) and ``store`` (the class).
"""

from flowtrack.stores.model_registry.sql.store import SqlRegistryStore

__all__ = ["SqlRegistryStore"]
