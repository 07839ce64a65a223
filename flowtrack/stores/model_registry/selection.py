"""Choosing a registry store by URI scheme (:data:`REGISTRY_SCHEMES`).

``memory:`` selects :class:`~flowtrack.stores.model_registry.memory.MemoryRegistryStore`;
``sqlite`` and ``postgresql`` (``postgresql+psycopg``) select the SQL registry store. Third parties
add schemes through the ``flowtrack.registry_stores`` entry-point group (see
:mod:`flowtrack.stores.selection`)::

    [project.entry-points."flowtrack.registry_stores"]
    mystore = "my_package.registry:MyRegistryStore"

Every store accepts version sources under the configured artifact root (or, when none is
configured, the artifact root the tracking store of the same scheme defaults to), so sources
copied from a run's artifact location are allowed. Stores are cached per (URI, artifact root)
for the life of the process, like tracking stores.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from flowtrack.stores.model_registry.base import RegistryStore
from flowtrack.stores.selection import (
    POSTGRES_INSTALL_HINT,
    StoreScheme,
    StoreSchemes,
    sql_connection_options,
    uri_scheme,
)
from flowtrack.stores.tracking.base import DEFAULT_ARTIFACT_DIRECTORY, DEFAULT_MEMORY_ARTIFACT_ROOT

__all__ = [
    "REGISTRY_SCHEMES",
    "REGISTRY_STORE_ENTRY_POINT_GROUP",
    "default_source_root",
    "get_registry_store",
    "resolve_registry_store_class",
]

REGISTRY_STORE_ENTRY_POINT_GROUP = "flowtrack.registry_stores"

_SQL_STORE = "flowtrack.stores.model_registry.sql:SqlRegistryStore"


def default_source_root(uri: str, artifact_root: str | None) -> str:
    """Return the root version sources may live under for a registry URI.

    Args:
        uri: The registry URI.
        artifact_root: The configured artifact root (``Settings().artifact_root``), or ``None``.

    Returns:
        ``artifact_root`` (a relative local path made absolute), else the default root of the
        tracking store with the same scheme: ``memory://flowtrack-artifacts`` for ``memory:``,
        ``./flowtrack-artifacts`` made absolute otherwise.
    """
    if artifact_root is None:
        if uri_scheme(uri) == "memory":
            return DEFAULT_MEMORY_ARTIFACT_ROOT
        artifact_root = DEFAULT_ARTIFACT_DIRECTORY
    is_drive = len(artifact_root) > 1 and artifact_root[1] == ":"
    if not urlsplit(artifact_root).scheme or is_drive:
        return os.path.abspath(artifact_root)
    return artifact_root


def _open_registry_store(
    cls: type[RegistryStore], uri: str, artifact_root: str | None
) -> RegistryStore:
    return cls(
        uri,
        allowed_source_roots=(default_source_root(uri, artifact_root),),
        **sql_connection_options(uri),
    )


REGISTRY_SCHEMES: StoreSchemes[RegistryStore] = StoreSchemes(
    kind="registry",
    # mypy refuses an ABC as type[S] (python/mypy#4717); the check is issubclass at run time.
    base=RegistryStore,  # type: ignore[type-abstract]
    entry_point_group=REGISTRY_STORE_ENTRY_POINT_GROUP,
    builtins={
        "memory": StoreScheme("flowtrack.stores.model_registry.memory:MemoryRegistryStore"),
        "sqlite": StoreScheme(_SQL_STORE),
        "postgresql": StoreScheme(_SQL_STORE, POSTGRES_INSTALL_HINT),
        "postgresql+psycopg": StoreScheme(_SQL_STORE, POSTGRES_INSTALL_HINT),
    },
    open_store=_open_registry_store,
)


def resolve_registry_store_class(uri: str) -> type[RegistryStore]:
    """Return the registry store class for a URI, from the built-ins or the entry-point group.

    Args:
        uri: The registry URI, e.g. ``sqlite:///flowtrack.db`` or ``memory:``.

    Returns:
        The store class (not yet instantiated).

    Raises:
        InvalidParameterError: No store handles the URI's scheme; the message lists the schemes.
        MissingDependencyError: The store needs an optional dependency that is not installed.
    """
    return REGISTRY_SCHEMES.resolve(uri)


def get_registry_store(uri: str, artifact_root: str | None = None) -> RegistryStore:
    """Return the (cached) registry store for a URI.

    Args:
        uri: The registry URI, e.g. ``sqlite:///flowtrack.db`` or ``memory:``.
        artifact_root: The configured artifact root, or ``None`` for the backend's default;
            sources under it are accepted (see :func:`default_source_root`).

    Returns:
        The store, created on the first call for this (URI, root).

    Raises:
        InvalidParameterError: No store handles the URI.
        MissingDependencyError: The store needs an optional dependency that is not installed.

    Example:
        >>> get_registry_store("memory:demo").create_registered_model("fraud").name
        'fraud'
    """
    return REGISTRY_SCHEMES.get(uri, artifact_root)
