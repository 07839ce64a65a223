"""Lazy imports of optional dependencies, with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from flowtrack.exceptions import MissingDependencyError

__all__ = ["require"]

#: Top-level module -> (the pip name, the flowtrack extra that installs it).
_EXTRAS = {
    "numpy": ("numpy", "pandas"),
    "pandas": ("pandas", "pandas"),
    "sklearn": ("scikit-learn", "sklearn"),
    "matplotlib": ("matplotlib", "plots"),
    "psutil": ("psutil", "system-metrics"),
}


def require(module_name: str, purpose: str, *, extra: str | None = None) -> ModuleType:
    """Import an optional dependency, or say how to install it.

    Args:
        module_name: A module of numpy, pandas, scikit-learn, matplotlib or psutil
            (``"sklearn.metrics"``).
        purpose: What needs it, for the message (e.g. ``"from_pandas"``).
        extra: The flowtrack extra to suggest, when not the module's usual one.

    Returns:
        The module.

    Raises:
        MissingDependencyError: The package is not installed; the message says how to install it.
    """
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        package, usual_extra = _EXTRAS[module_name.partition(".")[0]]
        raise MissingDependencyError(
            f"{purpose} needs {package}, which is not installed: "
            f"pip install 'flowtrack[{extra or usual_extra}]'"
        ) from exc
