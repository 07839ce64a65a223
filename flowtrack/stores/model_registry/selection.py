"""Choosing a registry store by URI scheme (the registry twin of :mod:`flowtrack.stores.registry`).

``memory:`` selects :class:`~flowtrack.stores.model_registry.memory.MemoryRegistryStore`;
``sqlite`` and ``postgresql`` (``postgresql+psycopg``) select the SQL registry store. Built-ins are
lazy ``"module:Class"`` paths, so SQLAlchemy is imported only when a SQL registry is used; third
parties add schemes through the ``flowtrack.registry_stores`` entry-point group::

    [project.entry-points."flowtrack.registry_stores"]
    mystore = "my_package.registry:MyRegistryStore"

Every store accepts version sources under the configured artifact root (or, when none is
configured, the artifact root the tracking store of the same scheme defaults to), so sources
copied from a run's artifact location are allowed. Stores are cached per (URI, artifact root)
for the life of the process, like tracking stores.
"""

from __future__ import annotations

import functools
import os
from importlib.metadata import entry_points
from urllib.parse import urlsplit

from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores._loading import load_store_class
from flowtrack.stores.model_registry.base import RegistryStore
from flowtrack.stores.registry import uri_scheme

__all__ = [
    "REGISTRY_STORE_ENTRY_POINT_GROUP",
    "default_source_root",
    "get_registry_store",
    "resolve_registry_store_class",
]

REGISTRY_STORE_ENTRY_POINT_GROUP = "flowtrack.registry_stores"

_SQL_STORE = "flowtrack.stores.model_registry.sql:SqlRegistryStore"
_POSTGRES_HINT = "pip install 'flowtrack[postgres]'"

#: scheme -> ("module:Class", install hint or None)
_BUILTIN_STORES: dict[str, tuple[str, str | None]] = {
    "memory": ("flowtrack.stores.model_registry.memory:MemoryRegistryStore", None),
    "sqlite": (_SQL_STORE, None),
    "postgresql": (_SQL_STORE, _POSTGRES_HINT),
    "postgresql+psycopg": (_SQL_STORE, _POSTGRES_HINT),
}


def _load(path: str, hint: str | None) -> type[RegistryStore]:
    # mypy refuses an ABC as type[S] (python/mypy#4717); the check is issubclass at run time.
    return load_store_class(path, hint, RegistryStore, "registry")  # type: ignore[type-abstract]


def _plugin_paths() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=REGISTRY_STORE_ENTRY_POINT_GROUP)}


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
    scheme = uri_scheme(uri)
    if scheme in _BUILTIN_STORES:
        return _load(*_BUILTIN_STORES[scheme])
    plugins = _plugin_paths()
    if scheme in plugins:
        return _load(plugins[scheme], None)
    known = ", ".join(sorted({*_BUILTIN_STORES, *plugins}))
    raise InvalidParameterError(
        f"Unsupported registry URI {uri!r}: no registry store handles the scheme {scheme!r}; "
        f"supported schemes: {known} (more through the "
        f"'{REGISTRY_STORE_ENTRY_POINT_GROUP}' entry-point group)"
    )


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
            from flowtrack.stores.tracking.memory import DEFAULT_MEMORY_ARTIFACT_ROOT

            return DEFAULT_MEMORY_ARTIFACT_ROOT
        # The SQL tracking store's default, without importing SQLAlchemy to read its constant.
        artifact_root = "flowtrack-artifacts"
    is_drive = len(artifact_root) > 1 and artifact_root[1] == ":"
    if not urlsplit(artifact_root).scheme or is_drive:
        return os.path.abspath(artifact_root)
    return artifact_root


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
    # One cache key per (URI, root) however the caller spelled the call: lru_cache keys
    # f(uri) and f(uri, None) apart, which would split a memory store in two.
    return _cached_registry_store(uri, artifact_root)


@functools.lru_cache(maxsize=32)
def _cached_registry_store(uri: str, artifact_root: str | None) -> RegistryStore:
    cls = resolve_registry_store_class(uri)
    return cls(uri, allowed_source_roots=(default_source_root(uri, artifact_root),))
