"""The tracking URI of this context, held in a :class:`contextvars.ContextVar`.

:func:`flowtrack.set_tracking_uri` sets it per context (so asyncio tasks and threads may each set
their own); when none is set, :func:`current_tracking_uri` falls back to the settings
(environment variables). New clients read it here. The fluent API's run stack and active
experiment are a layer above, in :mod:`flowtrack.tracking.fluent._state`.
"""

from __future__ import annotations

import functools
import os
from contextvars import ContextVar

__all__ = ["TRACKING_URI", "TRACKING_URI_ENV_VAR", "current_tracking_uri"]

#: The environment variable :func:`flowtrack.set_tracking_uri` also sets (read by ``Settings``).
TRACKING_URI_ENV_VAR = "FLOWTRACK_TRACKING_URI"
# Every variable Settings.tracking_uri reads; their values key the cache of the default URI.
_TRACKING_URI_ENV_VARS = (TRACKING_URI_ENV_VAR, "MLFLOW_TRACKING_URI")

#: The tracking URI set in this context by ``set_tracking_uri``, or ``None``.
TRACKING_URI: ContextVar[str | None] = ContextVar("flowtrack_tracking_uri", default=None)


@functools.lru_cache(maxsize=8)
def _settings_tracking_uri(*env_values: str | None) -> str:
    # Building Settings reads and validates the whole environment (~1.5 ms); cache the answer
    # for each combination of the tracking-URI variables so lookups stay cheap.
    from flowtrack.settings import get_settings

    del env_values  # only the cache key
    return get_settings().tracking_uri


def current_tracking_uri() -> str:
    """Return the tracking URI for this context.

    Returns:
        The URI set by ``set_tracking_uri`` in this context, else ``Settings().tracking_uri``
        (``FLOWTRACK_TRACKING_URI``, then ``MLFLOW_TRACKING_URI``, default
        ``sqlite:///flowtrack.db``).
    """
    uri = TRACKING_URI.get()
    if uri is not None:
        return uri
    environ = os.environ
    return _settings_tracking_uri(*(environ.get(name) for name in _TRACKING_URI_ENV_VARS))
