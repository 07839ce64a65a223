"""Lazy imports of evaluation's optional dependencies, with the extra that installs each."""

from __future__ import annotations

import importlib
from types import ModuleType

from flowtrack.exceptions import MissingDependencyError

__all__ = ["require"]

#: Top-level module -> (the pip name, the flowtrack extra that installs it).
_EXTRAS = {
    "numpy": ("numpy", "sklearn"),
    "pandas": ("pandas", "sklearn"),
    "sklearn": ("scikit-learn", "sklearn"),
    "matplotlib": ("matplotlib", "plots"),
}


def require(module_name: str, purpose: str) -> ModuleType:
    """Import an optional dependency of ``flowtrack.evaluate``.

    Args:
        module_name: A module of numpy, pandas, scikit-learn or matplotlib (``"sklearn.metrics"``).
        purpose: What needs it, for the message (e.g. ``"evaluate's plots"``).

    Returns:
        The module.

    Raises:
        MissingDependencyError: The package is not installed; the message says how to install it.
    """
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        package, extra = _EXTRAS[module_name.partition(".")[0]]
        raise MissingDependencyError(
            f"{purpose} needs {package}, which is not installed: pip install 'flowtrack[{extra}]'"
        ) from exc
