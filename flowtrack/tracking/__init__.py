"""Tracking: the client, the fluent API and their helpers.

``from flowtrack.tracking import MlflowClient`` works as in MLflow. Names are imported on first
access (PEP 562), so importing a helper such as :mod:`flowtrack.tracking.payloads` does not load
the client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowtrack.tracking.client import FlowtrackClient, MlflowClient
    from flowtrack.tracking.fluent.config import get_tracking_uri, set_tracking_uri

__all__ = ["FlowtrackClient", "MlflowClient", "get_tracking_uri", "set_tracking_uri"]

_LAZY = {
    "FlowtrackClient": "flowtrack.tracking.client",
    "MlflowClient": "flowtrack.tracking.client",
    "get_tracking_uri": "flowtrack.tracking.fluent.config",
    "set_tracking_uri": "flowtrack.tracking.fluent.config",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
