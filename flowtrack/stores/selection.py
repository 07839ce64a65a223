"""Choosing a store by URI scheme: one registry of schemes, reused by every kind of store.

Each kind of store (tracking, model registry, ...) declares one :class:`StoreSchemes`: its
built-in schemes as lazy ``"module:Class"`` paths (so importing flowtrack never imports
SQLAlchemy), an install hint for the schemes that need an extra, and an entry-point group through
which third-party packages add schemes::

    [project.entry-points."flowtrack.tracking_stores"]
    mystore = "my_package.store:MyTrackingStore"

Built-in schemes win over entry points of the same name. Stores are cached per (URI, artifact
root) for the life of the process, so engines and connection pools are created once.

Adding a kind is one declaration in its package's ``selection`` module::

    RUN_LOG_SCHEMES = StoreSchemes(
        kind="run log",
        base=RunLogStore,
        entry_point_group="flowtrack.run_log_stores",
        builtins={"memory": StoreScheme("my_package.memory:MemoryRunLogStore")},
        open_store=lambda cls, uri, root: cls(uri, root),
    )
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError

__all__ = [
    "HTTPX_INSTALL_HINT",
    "HTTP_SCHEMES",
    "POSTGRES_INSTALL_HINT",
    "SQL_SCHEMES",
    "StoreScheme",
    "StoreSchemes",
    "load_store_class",
    "rest_connection_options",
    "sql_connection_options",
    "uri_scheme",
]

S = TypeVar("S")

#: What to install for the PostgreSQL schemes.
POSTGRES_INSTALL_HINT = "pip install 'flowtrack[postgres]'"
#: The schemes the built-in SQL stores handle.
SQL_SCHEMES = frozenset({"sqlite", "postgresql", "postgresql+psycopg"})
#: What to install for the http(s) schemes (httpx is a core dependency; a trimmed env may lack it).
HTTPX_INSTALL_HINT = "pip install httpx"
#: The schemes of a server speaking MLflow's REST API.
HTTP_SCHEMES = frozenset({"http", "https"})
#: Stores kept per kind: one per (URI, artifact root) in use.
_CACHE_SIZE = 32


def uri_scheme(uri: str) -> str:
    """Return the scheme of a store URI, lower-cased.

    Example:
        >>> uri_scheme("SQLite:///x.db")
        'sqlite'
        >>> uri_scheme("./mlruns")
        ''
    """
    head, sep, _ = uri.partition(":")
    return head.lower() if sep else ""


def load_store_class(path: str, hint: str | None, base: type[S], kind: str) -> type[S]:
    """Import ``"module:Class"`` and check it subclasses ``base``.

    Args:
        path: ``"package.module:ClassName"``.
        hint: How to install what the module needs (``"pip install 'flowtrack[postgres]'"``).
        base: The ABC the class must subclass.
        kind: What the store is, for messages (``"tracking"``, ``"registry"``).

    Returns:
        The class.

    Raises:
        MissingDependencyError: The module cannot be imported; the message carries the hint.
        InvalidParameterError: The path does not name a subclass of ``base``.
    """
    module_name, _, class_name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        extra = f": {hint}" if hint else ""
        raise MissingDependencyError(
            f"The {kind} store {path!r} could not be imported ({exc}){extra}"
        ) from exc
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise InvalidParameterError(f"{path!r} is not a {base.__name__} subclass")
    return cls


def sql_connection_options(uri: str) -> dict[str, Any]:
    """The keyword arguments the built-in SQL stores take, read from the settings now.

    Store selection is an edge: the stores themselves never read the environment.

    Args:
        uri: A store URI.

    Returns:
        ``{"sqlite_busy_timeout": ..., "pool_size": ...}`` for the SQL schemes, else ``{}``.
    """
    if uri_scheme(uri) not in SQL_SCHEMES:
        return {}
    from flowtrack.settings import get_settings

    settings = get_settings()
    return {
        "sqlite_busy_timeout": settings.sqlite_busy_timeout,
        "pool_size": settings.sql_pool_size,
    }


def rest_connection_options(uri: str) -> dict[str, Any]:
    """The keyword arguments the built-in REST stores take, read from the settings now.

    Args:
        uri: A store URI.

    Returns:
        ``{"config": HttpConfig(...)}`` (credentials, TLS, timeout, retries) for ``http`` and
        ``https`` URIs, else ``{}``.
    """
    if uri_scheme(uri) not in HTTP_SCHEMES:
        return {}
    from flowtrack.settings import get_settings
    from flowtrack.stores.rest.config import HttpConfig

    settings = get_settings()
    password, token = settings.tracking_password, settings.tracking_token
    config = HttpConfig(
        username=settings.tracking_username,
        password=None if password is None else password.get_secret_value(),
        token=None if token is None else token.get_secret_value(),
        insecure_tls=settings.tracking_insecure_tls,
        server_cert_path=settings.tracking_server_cert_path,
        timeout=settings.http_request_timeout,
        max_retries=settings.http_request_max_retries,
        backoff_factor=settings.http_request_backoff_factor,
    )
    return {"config": config}


@dataclass(frozen=True)
class StoreScheme:
    """A built-in scheme: where its store class is, and what it needs installed.

    Attributes:
        path: ``"package.module:ClassName"``, imported on first use.
        install_hint: How to install the scheme's optional dependency, or ``None``.
    """

    path: str
    install_hint: str | None = None


@dataclass(frozen=True)
class StoreSchemes(Generic[S]):
    """The schemes of one kind of store, and the cached stores opened through them.

    Attributes:
        kind: What the stores are, for messages (``"tracking"``, ``"registry"``).
        base: The ABC every store of this kind subclasses.
        entry_point_group: Where third-party packages register more schemes.
        builtins: Scheme -> built-in store.
        open_store: Creates a store from its class, the URI and the artifact root; the kind's
            selection module passes the settings its stores take here.
        refusals: Scheme -> why URIs with it are refused (e.g. ``""`` for plain paths), said
            instead of the generic "no store handles the scheme".
    """

    kind: str
    base: type[S]
    entry_point_group: str
    builtins: Mapping[str, StoreScheme]
    open_store: Callable[[type[S], str, str | None], S]
    refusals: Mapping[str, str] = field(default_factory=dict)
    _cached: Callable[[str, str | None], S] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cached = functools.lru_cache(maxsize=_CACHE_SIZE)(self._open)
        object.__setattr__(self, "_cached", cached)

    def plugin_paths(self) -> dict[str, str]:
        """Scheme -> ``"module:Class"`` of the stores registered through the entry points."""
        return {ep.name: ep.value for ep in entry_points(group=self.entry_point_group)}

    def known_schemes(self) -> list[str]:
        """Every scheme a store handles, built-in or registered, sorted."""
        return sorted({*self.builtins, *self.plugin_paths()})

    def resolve(self, uri: str) -> type[S]:
        """Return the store class for a URI, from the built-ins or the entry-point group.

        Args:
            uri: The store URI, e.g. ``sqlite:///flowtrack.db`` or ``memory:``.

        Returns:
            The store class (not yet instantiated).

        Raises:
            InvalidParameterError: No store handles the URI's scheme; the message lists the
                schemes.
            MissingDependencyError: The store needs an optional dependency that is not installed.
        """
        scheme = uri_scheme(uri)
        builtin = self.builtins.get(scheme)
        if builtin is not None:
            return self._load(builtin.path, builtin.install_hint)
        plugins = self.plugin_paths()
        if scheme in plugins:
            return self._load(plugins[scheme], None)
        known = ", ".join(sorted({*self.builtins, *plugins}))
        reason = self.refusals.get(scheme)
        if reason is not None:
            raise InvalidParameterError(
                f"Unsupported {self.kind} URI {uri!r}: {reason} (supported schemes: {known})"
            )
        raise InvalidParameterError(
            f"Unsupported {self.kind} URI {uri!r}: no {self.kind} store handles the scheme "
            f"{scheme!r}; supported schemes: {known} (more through the "
            f"'{self.entry_point_group}' entry-point group)"
        )

    def get(self, uri: str, artifact_root: str | None = None) -> S:
        """Return the store for a URI and artifact root, opening it on first use.

        Args:
            uri: The store URI.
            artifact_root: The configured artifact root, or ``None`` for the store's default.

        Returns:
            The same store for the same (URI, root), however the call is spelled.
        """
        # Positional on purpose: lru_cache keys f(uri) and f(uri, None) apart, which would
        # split a memory store in two.
        return self._cached(uri, artifact_root)

    def cache_clear(self) -> None:
        """Forget the opened stores (they stay open for whoever holds them)."""
        self._cached.cache_clear()  # type: ignore[attr-defined]

    def _open(self, uri: str, artifact_root: str | None) -> S:
        return self.open_store(self.resolve(uri), uri, artifact_root)

    def _load(self, path: str, hint: str | None) -> type[S]:
        return load_store_class(path, hint, self.base, self.kind)
