"""Choosing a tracking store by URI scheme (:data:`TRACKING_SCHEMES`).

``memory:`` selects :class:`~flowtrack.stores.tracking.memory.MemoryTrackingStore`; ``sqlite`` and
``postgresql`` (``postgresql+psycopg``) select the SQL tracking store; ``http`` and ``https`` the
REST store over a server speaking MLflow's REST API (:mod:`flowtrack.stores.tracking.rest`).
Third parties add schemes through the ``flowtrack.tracking_stores`` entry-point group (see
:mod:`flowtrack.stores.selection`).

This is an edge: the SQL and REST stores' connection settings are read here from
:class:`~flowtrack.settings.Settings`, once per store opened, and passed to the store.
"""

from __future__ import annotations

from flowtrack.stores.selection import (
    HTTPX_INSTALL_HINT,
    POSTGRES_INSTALL_HINT,
    StoreScheme,
    StoreSchemes,
    rest_connection_options,
    sql_connection_options,
    uri_scheme,
)
from flowtrack.stores.tracking.base import TrackingStore

__all__ = [
    "TRACKING_SCHEMES",
    "TRACKING_STORE_ENTRY_POINT_GROUP",
    "get_tracking_store",
    "resolve_tracking_store_class",
    "uri_scheme",
]

TRACKING_STORE_ENTRY_POINT_GROUP = "flowtrack.tracking_stores"

_SQL_STORE = "flowtrack.stores.tracking.sql:SqlTrackingStore"
_REST_STORE = "flowtrack.stores.tracking.rest:RestTrackingStore"


def _open_tracking_store(
    cls: type[TrackingStore], uri: str, artifact_root: str | None
) -> TrackingStore:
    options = {**sql_connection_options(uri), **rest_connection_options(uri)}
    return cls(uri, artifact_root, **options)


TRACKING_SCHEMES: StoreSchemes[TrackingStore] = StoreSchemes(
    kind="tracking",
    # mypy refuses an ABC as type[S] (python/mypy#4717); the check is issubclass at run time.
    base=TrackingStore,  # type: ignore[type-abstract]
    entry_point_group=TRACKING_STORE_ENTRY_POINT_GROUP,
    builtins={
        "memory": StoreScheme("flowtrack.stores.tracking.memory:MemoryTrackingStore"),
        "sqlite": StoreScheme(_SQL_STORE),
        "postgresql": StoreScheme(_SQL_STORE, POSTGRES_INSTALL_HINT),
        "postgresql+psycopg": StoreScheme(_SQL_STORE, POSTGRES_INSTALL_HINT),
        "http": StoreScheme(_REST_STORE, HTTPX_INSTALL_HINT),
        "https": StoreScheme(_REST_STORE, HTTPX_INSTALL_HINT),
    },
    open_store=_open_tracking_store,
    refusals=dict.fromkeys(
        ("", "file"),
        "flowtrack keeps runs in a database, not in a directory of files; use e.g. "
        "'sqlite:///flowtrack.db'",
    ),
)


def resolve_tracking_store_class(uri: str) -> type[TrackingStore]:
    """Return the tracking store class for a URI, from the built-ins or the entry-point group.

    Args:
        uri: The tracking URI, e.g. ``sqlite:///flowtrack.db`` or ``memory:``.

    Returns:
        The store class (not yet instantiated).

    Raises:
        InvalidParameterError: No store handles the URI's scheme; the message lists the schemes.
        MissingDependencyError: The store needs an optional dependency that is not installed.
    """
    return TRACKING_SCHEMES.resolve(uri)


def get_tracking_store(uri: str, artifact_root: str | None = None) -> TrackingStore:
    """Return the (cached) tracking store for a URI.

    Args:
        uri: The tracking URI, e.g. ``sqlite:///flowtrack.db`` or ``memory:``.
        artifact_root: The default artifact root for new experiments, or ``None`` for the
            backend's default.

    Returns:
        The store, opened on the first call for this (URI, root).

    Raises:
        InvalidParameterError: No store handles the URI.
        MissingDependencyError: The store needs an optional dependency that is not installed.

    Example:
        >>> get_tracking_store("memory:doc").get_experiment("0").name
        'Default'
    """
    return TRACKING_SCHEMES.get(uri, artifact_root)
