"""Lazy imports of evaluation's optional dependencies: evaluation needs scikit-learn, so a
missing numpy or pandas points at the ``sklearn`` extra, which installs all three."""

from __future__ import annotations

from types import ModuleType

from flowtrack._private import optional

__all__ = ["require"]


def require(module_name: str, purpose: str) -> ModuleType:
    """Import an optional dependency of ``flowtrack.evaluate`` (see
    :func:`flowtrack._private.optional.require`)."""
    needs_sklearn_extra = module_name.partition(".")[0] in ("numpy", "pandas")
    return optional.require(module_name, purpose, extra="sklearn" if needs_sklearn_extra else None)
