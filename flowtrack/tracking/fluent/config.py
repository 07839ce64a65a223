"""Where the fluent API writes: the tracking URI, and one cached client per URI."""

from __future__ import annotations

import functools
import os

from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores.tracking.selection import resolve_tracking_store_class
from flowtrack.tracking import _context
from flowtrack.tracking.client import FlowtrackClient

__all__ = ["client_for_uri", "current_client", "get_tracking_uri", "set_tracking_uri"]


@functools.lru_cache(maxsize=16)
def client_for_uri(tracking_uri: str) -> FlowtrackClient:
    """Return the fluent API's client for a tracking URI, created once per URI.

    One client per URI keeps one metric queue per store and keeps ``Settings`` out of the
    logging hot path (the client reads them once, when it is created).

    Args:
        tracking_uri: The tracking URI.

    Returns:
        The cached client.
    """
    return FlowtrackClient(tracking_uri)


def current_client() -> FlowtrackClient:
    """Return the cached client for this context's tracking URI (see :func:`get_tracking_uri`).

    Returns:
        The cached client.
    """
    return client_for_uri(_context.current_tracking_uri())


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
    text = os.fspath(uri)
    if not isinstance(text, str) or not text.strip():
        raise InvalidParameterError(
            f"Invalid tracking URI {uri!r}: expected a URI such as 'sqlite:///flowtrack.db'"
        )
    resolve_tracking_store_class(text)  # the error names the supported schemes
    _context.TRACKING_URI.set(text)
    os.environ[_context.TRACKING_URI_ENV_VAR] = text


def get_tracking_uri() -> str:
    """Return the tracking URI the fluent API and new clients use.

    Returns:
        The URI set by :func:`set_tracking_uri` in this context, else ``FLOWTRACK_TRACKING_URI``,
        else ``MLFLOW_TRACKING_URI``, else ``sqlite:///flowtrack.db``.

    Example:
        >>> flowtrack.get_tracking_uri()
        'sqlite:///flowtrack.db'
    """
    return _context.current_tracking_uri()
