"""The model registry URI set by :func:`flowtrack.set_registry_uri`, per context.

Kept apart from :mod:`flowtrack.tracking.fluent._state` (the fluent run state) and read the same way
as the tracking URI: the value set in this context wins, then ``FLOWTRACK_REGISTRY_URI`` (or
``MLFLOW_REGISTRY_URI``), then the tracking URI itself.
"""

from __future__ import annotations

import os
from contextvars import ContextVar

__all__ = [
    "REGISTRY_URI",
    "REGISTRY_URI_ENV_VAR",
    "current_registry_uri",
    "explicit_registry_uri",
    "reset",
]

#: The environment variable :func:`flowtrack.set_registry_uri` also sets (read by ``Settings``).
REGISTRY_URI_ENV_VAR = "FLOWTRACK_REGISTRY_URI"
_REGISTRY_URI_ENV_VARS = (REGISTRY_URI_ENV_VAR, "MLFLOW_REGISTRY_URI")

#: The registry URI set in this context by ``set_registry_uri``, or ``None``.
REGISTRY_URI: ContextVar[str | None] = ContextVar("flowtrack_registry_uri", default=None)


def explicit_registry_uri() -> str | None:
    """Return the registry URI set in this context or the environment, or ``None``.

    Returns:
        The context's value, else ``FLOWTRACK_REGISTRY_URI``, else ``MLFLOW_REGISTRY_URI``
        (empty values count as unset), else ``None``.
    """
    uri = REGISTRY_URI.get()
    if uri:
        return uri
    return next((os.environ[name] for name in _REGISTRY_URI_ENV_VARS if os.environ.get(name)), None)


def current_registry_uri(tracking_uri: str) -> str:
    """Return the registry URI for this context, defaulting to ``tracking_uri``.

    Args:
        tracking_uri: The tracking URI in use (the registry's default home).

    Returns:
        The registry URI.
    """
    return explicit_registry_uri() or tracking_uri


def reset() -> None:
    """Forget the registry URI set in this context (the environment is left alone)."""
    REGISTRY_URI.set(None)
