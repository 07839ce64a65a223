"""Where the fluent API writes: the tracking and registry URIs, and one cached client per pair."""

from __future__ import annotations

import functools
import os

from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores.tracking.selection import resolve_tracking_store_class
from flowtrack.tracking import _registry_uri, _tracking_uri
from flowtrack.tracking.client import FlowtrackClient

__all__ = [
    "client_for_uri",
    "current_client",
    "get_registry_uri",
    "get_tracking_uri",
    "is_tracking_uri_set",
    "set_registry_uri",
    "set_tracking_uri",
]


@functools.lru_cache(maxsize=16)
def client_for_uri(tracking_uri: str, registry_uri: str | None = None) -> FlowtrackClient:
    """Return the fluent API's client for a tracking (and registry) URI, created once per pair.

    One client per URI keeps one metric queue per store and keeps ``Settings`` out of the
    logging hot path (the client reads them once, when it is created).

    Args:
        tracking_uri: The tracking URI.
        registry_uri: The registry URI; ``None`` for the client's default.

    Returns:
        The cached client.
    """
    return FlowtrackClient(tracking_uri, registry_uri)


def current_client() -> FlowtrackClient:
    """Return the cached client for this context's tracking and registry URIs.

    Returns:
        The cached client (see :func:`get_tracking_uri` and :func:`get_registry_uri`).
    """
    return client_for_uri(
        _tracking_uri.current_tracking_uri(), _registry_uri.explicit_registry_uri()
    )


def _checked_uri(kind: str, uri: str | os.PathLike[str], example: str) -> str:
    """``uri`` as text, or an error naming it when it is empty or not text."""
    text = os.fspath(uri)
    if not isinstance(text, str) or not text.strip():
        raise InvalidParameterError(
            f"Invalid {kind} URI {uri!r}: expected a URI such as {example!r}"
        )
    return text


def set_tracking_uri(uri: str | os.PathLike[str]) -> None:
    """Set the tracking URI for this context, its new threads and subprocesses.

    The URI is kept in a context variable (so asyncio tasks and threads may each set their
    own) and also written to ``FLOWTRACK_TRACKING_URI``: threads start with an empty context and
    subprocesses (project runs, worker processes) inherit only the environment, so that is how
    they find the same store. Relative SQLite paths are relative to the working directory.

    Args:
        uri: ``sqlite:///flowtrack.db``, ``postgresql+psycopg://user@host/db``, ``memory:``...

    Raises:
        InvalidParameterError: No tracking store handles the URI. A plain directory (MLflow's
            ``./mlruns``) is refused: flowtrack keeps runs in a database.
        MissingDependencyError: The store needs an extra that is not installed.

    Example:
        >>> flowtrack.set_tracking_uri("sqlite:///mlflow.db")
        >>> flowtrack.get_tracking_uri()
        'sqlite:///mlflow.db'
    """
    text = _checked_uri("tracking", uri, "sqlite:///flowtrack.db")
    resolve_tracking_store_class(text)  # the selection's error names the supported schemes
    _tracking_uri.TRACKING_URI.set(text)
    os.environ[_tracking_uri.TRACKING_URI_ENV_VAR] = text


def get_tracking_uri() -> str:
    """Return the tracking URI the fluent API and new clients use.

    Returns:
        The URI set by :func:`set_tracking_uri` in this context, else ``FLOWTRACK_TRACKING_URI``,
        else ``MLFLOW_TRACKING_URI``, else ``sqlite:///flowtrack.db``.

    Example:
        >>> flowtrack.get_tracking_uri()
        'sqlite:///flowtrack.db'
    """
    return _tracking_uri.current_tracking_uri()


def is_tracking_uri_set() -> bool:
    """Return whether a tracking URI was set (in this context or the environment).

    Returns:
        ``True`` after :func:`set_tracking_uri` in this context, or when
        ``FLOWTRACK_TRACKING_URI`` or ``MLFLOW_TRACKING_URI`` is set; ``False`` when the default
        (``sqlite:///flowtrack.db``) is in use.

    Example:
        >>> flowtrack.set_tracking_uri("memory:")
        >>> flowtrack.is_tracking_uri_set()
        True
    """
    if _tracking_uri.TRACKING_URI.get() is not None:
        return True
    return any(
        os.environ.get(name) for name in (_tracking_uri.TRACKING_URI_ENV_VAR, "MLFLOW_TRACKING_URI")
    )


def set_registry_uri(uri: str | os.PathLike[str]) -> None:
    """Set the model registry URI for this context, its new threads and subprocesses.

    Like :func:`set_tracking_uri`, the URI is kept in a context variable and written to
    ``FLOWTRACK_REGISTRY_URI``; the fluent registry functions and new clients use it.

    Args:
        uri: ``sqlite:///registry.db``, ``postgresql+psycopg://user@host/db``, ``memory:``...

    Raises:
        InvalidParameterError: The URI is empty, or no registry store handles it.
        MissingDependencyError: The store needs an extra that is not installed.

    Example:
        >>> flowtrack.set_registry_uri("sqlite:///registry.db")
        >>> flowtrack.get_registry_uri()
        'sqlite:///registry.db'
    """
    from flowtrack.stores.model_registry.selection import resolve_registry_store_class

    text = _checked_uri("registry", uri, "sqlite:///registry.db")
    resolve_registry_store_class(text)  # the selection's error names the supported schemes
    _registry_uri.REGISTRY_URI.set(text)
    os.environ[_registry_uri.REGISTRY_URI_ENV_VAR] = text


def get_registry_uri() -> str:
    """Return the model registry URI the fluent API and new clients use.

    Returns:
        The URI set by :func:`set_registry_uri` in this context, else ``FLOWTRACK_REGISTRY_URI``,
        else ``MLFLOW_REGISTRY_URI``, else the tracking URI (see :func:`get_tracking_uri`).

    Example:
        >>> flowtrack.get_registry_uri() == flowtrack.get_tracking_uri()
        True
    """
    return _registry_uri.current_registry_uri(_tracking_uri.current_tracking_uri())
