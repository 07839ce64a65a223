"""Loading a store class from a lazy ``"module:Class"`` path (built-ins and entry points)."""

from __future__ import annotations

import importlib
from typing import TypeVar

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError

__all__ = ["load_store_class"]

S = TypeVar("S")


def load_store_class(path: str, hint: str | None, base: type[S], kind: str) -> type[S]:
    """Import ``"module:Class"`` and check it subclasses ``base``.

    Args:
        path: ``"package.module:ClassName"``.
        hint: How to install what the module needs (``"pip install 'flowtrack[postgres]'"``).
        base: The ABC the class must subclass.
        kind: What the store is, for messages (``"tracking"``, ``"registry"``).

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
