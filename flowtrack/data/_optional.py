"""Lazy imports of the optional numpy and pandas, with an actionable error when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from flowtrack.exceptions import MissingDependencyError

__all__ = ["require"]


def require(module_name: str, purpose: str) -> ModuleType:
    """Import an optional dependency of ``flowtrack.data``.

    Args:
        module_name: ``"numpy"`` or ``"pandas"``.
        purpose: What needs it, for the message (e.g. ``"from_pandas"``).

    Raises:
        MissingDependencyError: The module is not installed; the message says how to install it.
    """
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs {module_name}, which is not installed: "
            "pip install 'flowtrack[pandas]'"
        ) from exc
