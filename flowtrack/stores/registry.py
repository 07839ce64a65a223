"""Choosing a tracking store by URI scheme.

Built-in schemes map to lazy ``"module:Class"`` paths, so importing flowtrack never imports
SQLAlchemy; third-party packages add schemes through the ``flowtrack.tracking_stores``
entry-point group::

    [project.entry-points."flowtrack.tracking_stores"]
    mystore = "my_package.store:MyTrackingStore"

Stores are cached per (URI, artifact root) for the life of the process, so engines and
connection pools are created once.
"""

from __future__ import annotations

import functools
from importlib.metadata import entry_points

from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores._loading import load_store_class
from flowtrack.stores.tracking.base import TrackingStore

__all__ = [
    "TRACKING_STORE_ENTRY_POINT_GROUP",
    "get_tracking_store",
    "resolve_tracking_store_class",
    "uri_scheme",
]

TRACKING_STORE_ENTRY_POINT_GROUP = "flowtrack.tracking_stores"

_SQL_STORE = "flowtrack.stores.tracking.sql:SqlTrackingStore"

#: scheme -> ("module:Class", install hint or None)
_BUILTIN_STORES: dict[str, tuple[str, str | None]] = {
    "memory": ("flowtrack.stores.tracking.memory:MemoryTrackingStore", None),
    "sqlite": (_SQL_STORE, None),
    "postgresql": (_SQL_STORE, "pip install 'flowtrack[postgres]'"),
    "postgresql+psycopg": (_SQL_STORE, "pip install 'flowtrack[postgres]'"),
}


def uri_scheme(uri: str) -> str:
    """Return the scheme of a store URI (``"sqlite"`` for ``sqlite:///x.db``)."""
    head, sep, _ = uri.partition(":")
    return head.lower() if sep else ""


def _load(path: str, hint: str | None) -> type[TrackingStore]:
    # mypy refuses an ABC as type[S] (python/mypy#4717); the check is issubclass at run time.
    return load_store_class(path, hint, TrackingStore, "tracking")  # type: ignore[type-abstract]


def _plugin_paths() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=TRACKING_STORE_ENTRY_POINT_GROUP)}


def resolve_tracking_store_class(uri: str) -> type[TrackingStore]:
    """Return the store class for a URI, from the built-ins or the entry-point group.

    Raises:
        InvalidParameterError: No store handles the URI's scheme; the message lists the schemes.
        MissingDependencyError: The store needs an optional dependency that is not installed.
    """
    scheme = uri_scheme(uri)
    if scheme in _BUILTIN_STORES:
        path, hint = _BUILTIN_STORES[scheme]
        return _load(path, hint)
    plugins = _plugin_paths()
    if scheme in plugins:
        return _load(plugins[scheme], None)
    known = sorted({*_BUILTIN_STORES, *plugins})
    if scheme in ("", "file"):
        raise InvalidParameterError(
            f"Unsupported tracking URI {uri!r}: flowtrack keeps runs in a database, not in a "
            "directory of files; use e.g. 'sqlite:///flowtrack.db' "
            f"(supported schemes: {', '.join(known)})"
        )
    raise InvalidParameterError(
        f"Unsupported tracking URI {uri!r}: no tracking store handles the scheme {scheme!r}; "
        f"supported schemes: {', '.join(known)} (more through the "
        f"'{TRACKING_STORE_ENTRY_POINT_GROUP}' entry-point group)"
    )


def get_tracking_store(uri: str, artifact_root: str | None = None) -> TrackingStore:
    """Return the (cached) tracking store for a URI.

    Args:
        uri: The tracking URI, e.g. ``sqlite:///flowtrack.db`` or ``memory:``.
        artifact_root: The default artifact root for new experiments, or ``None`` for the
            backend's default.
    """
    # One cache key per (URI, root) however the caller spelled the call: lru_cache keys
    # f(uri) and f(uri, None) apart, which would split a memory store in two.
    return _cached_tracking_store(uri, artifact_root)


@functools.lru_cache(maxsize=32)
def _cached_tracking_store(uri: str, artifact_root: str | None) -> TrackingStore:
    cls = resolve_tracking_store_class(uri)
    return cls(uri, default_artifact_root=artifact_root)
