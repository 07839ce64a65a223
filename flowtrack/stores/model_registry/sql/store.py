"""The SQL registry store: SQLite and PostgreSQL, in the same database as the tracking store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flowtrack.entities import ModelVersion, PagedList, RegisteredModel
from flowtrack.stores.model_registry.base import SEARCH_MAX_RESULTS_DEFAULT, RegistryStore
from flowtrack.stores.model_registry.sql import registered_models, versions
from flowtrack.stores.model_registry.sql.database import RegistryDatabase
from flowtrack.stores.model_registry.validation import validate_source
from flowtrack.stores.sql.engine import (
    DEFAULT_SQL_POOL_SIZE,
    DEFAULT_SQLITE_BUSY_TIMEOUT,
    create_sql_engine,
)
from flowtrack.stores.sql.migrate import ensure_schema

__all__ = ["SqlRegistryStore"]


class SqlRegistryStore(RegistryStore):
    """A registry store in a SQL database, migrated to the newest schema when opened.

    The registry's tables share the tracking store's database and migrations, so one
    ``sqlite:///flowtrack.db`` (or PostgreSQL database) holds runs and registered models.
    Version numbers are claimed inside the write transaction that inserts the version, so
    processes registering versions of one model at once get 1, 2, 3... with no gap or twin.

    Args:
        store_uri: ``sqlite:///path.db``, ``sqlite://`` (in memory), ``postgresql://...`` or
            ``postgresql+psycopg://...``.
        allowed_source_roots: Roots version sources may live under (besides ``runs:/``).
        sqlite_busy_timeout: Seconds a SQLite writer waits for the lock.
        pool_size: PostgreSQL connections to keep.

    Raises:
        InvalidParameterError: The URI is not a SQL store URI, or a root is invalid.
        StoreError: The database has a schema revision this flowtrack does not know.

    Example:
        >>> store = SqlRegistryStore("sqlite://")
        >>> store.create_registered_model("fraud").name
        'fraud'
        >>> store.create_model_version("fraud", "runs:/0123abcd/model").version
        1
        >>> store.close()
    """

    def __init__(
        self,
        store_uri: str,
        allowed_source_roots: Sequence[str] = (),
        *,
        sqlite_busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT,
        pool_size: int = DEFAULT_SQL_POOL_SIZE,
    ) -> None:
        super().__init__(store_uri, allowed_source_roots)
        engine = create_sql_engine(
            store_uri, sqlite_busy_timeout=sqlite_busy_timeout, pool_size=pool_size
        )
        try:
            ensure_schema(engine)
        except BaseException:
            engine.dispose()
            raise
        self._db = RegistryDatabase(engine)

    def close(self) -> None:
        """Close every pooled connection."""
        self._db.engine.dispose()

    # ------------------------------------------------------------------ registered models

    def create_registered_model(
        self,
        name: str,
        tags: Mapping[str, str] | None = None,
        description: str | None = None,
    ) -> RegisteredModel:
        """See :meth:`RegistryStore.create_registered_model`."""
        return registered_models.create_registered_model(self._db, name, tags, description)

    def get_registered_model(self, name: str) -> RegisteredModel:
        """See :meth:`RegistryStore.get_registered_model`."""
        return registered_models.get_registered_model(self._db, name)

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        """See :meth:`RegistryStore.update_registered_model`."""
        return registered_models.update_registered_model(self._db, name, description)

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """See :meth:`RegistryStore.rename_registered_model`."""
        return registered_models.rename_registered_model(self._db, name, new_name)

    def delete_registered_model(self, name: str) -> None:
        """See :meth:`RegistryStore.delete_registered_model`."""
        registered_models.delete_registered_model(self._db, name)

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """See :meth:`RegistryStore.search_registered_models`."""
        return registered_models.search_registered_models(
            self._db, filter_string, max_results, order_by, page_token
        )

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """See :meth:`RegistryStore.set_registered_model_tag`."""
        registered_models.set_registered_model_tag(self._db, name, key, value)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """See :meth:`RegistryStore.delete_registered_model_tag`."""
        registered_models.delete_registered_model_tag(self._db, name, key)

    # ------------------------------------------------------------------ model versions

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        user_id: str | None = None,
        model_id: str | None = None,
    ) -> ModelVersion:
        """See :meth:`RegistryStore.create_model_version`."""
        validate_source(source, self._source_roots, run_id, model_id)
        return versions.create_model_version(
            self._db, name, source, run_id, tags, run_link, description, user_id, model_id
        )

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        """See :meth:`RegistryStore.get_model_version`."""
        return versions.get_model_version(self._db, name, version)

    def update_model_version(
        self, name: str, version: int | str, description: str | None
    ) -> ModelVersion:
        """See :meth:`RegistryStore.update_model_version`."""
        return versions.update_model_version(self._db, name, version, description)

    def delete_model_version(self, name: str, version: int | str) -> None:
        """See :meth:`RegistryStore.delete_model_version`."""
        versions.delete_model_version(self._db, name, version)

    def transition_model_version_stage(
        self,
        name: str,
        version: int | str,
        stage: str,
        archive_existing_versions: bool = False,
    ) -> ModelVersion:
        """See :meth:`RegistryStore.transition_model_version_stage`."""
        return versions.transition_model_version_stage(
            self._db, name, version, stage, archive_existing_versions
        )

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        """See :meth:`RegistryStore.search_model_versions`."""
        return versions.search_model_versions(
            self._db, filter_string, max_results, order_by, page_token
        )

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: str) -> None:
        """See :meth:`RegistryStore.set_model_version_tag`."""
        versions.set_model_version_tag(self._db, name, version, key, value)

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        """See :meth:`RegistryStore.delete_model_version_tag`."""
        versions.delete_model_version_tag(self._db, name, version, key)

    # ------------------------------------------------------------------ aliases

    def set_registered_model_alias(self, name: str, alias: str, version: int | str) -> None:
        """See :meth:`RegistryStore.set_registered_model_alias`."""
        versions.set_registered_model_alias(self._db, name, alias, version)

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        """See :meth:`RegistryStore.delete_registered_model_alias`."""
        versions.delete_registered_model_alias(self._db, name, alias)
