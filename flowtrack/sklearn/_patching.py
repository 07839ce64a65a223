"""Replace and restore functions of scikit-learn classes and modules, without global state.

Each replacement carries a :class:`Patch` (where it went and what it replaced), so restoring
needs no registry: :func:`revert_class` and :func:`revert_module` look for replacements where
they can be and put back what each one records.

Three places a function can be replaced:

- a class attribute that is a plain function, own or inherited: the replacement is set on the
  class itself (an inherited one is deleted again on revert, so the class inherits as before);
  base classes outside the patched set keep their function;
- an attribute that is scikit-learn's ``available_if`` descriptor (``Pipeline.predict``,
  ``GridSearchCV.score``...): the descriptor's ``fn`` is replaced where the descriptor is
  defined, so ``hasattr(pipeline, "predict_proba")`` keeps answering as before;
- a module attribute (``sklearn.metrics.accuracy_score``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

__all__ = [
    "Patch",
    "is_patched",
    "patch_function",
    "patch_method",
    "revert_class",
    "revert_module",
    "session_of",
    "unpatched",
]

_PATCH_ATTRIBUTE = "__flowtrack_autolog_patch__"

#: Builds the replacement of an original function.
WrapperFactory = Callable[[Callable[..., Any]], Callable[..., Any]]


@dataclass(frozen=True, slots=True)
class Patch:
    """Kept on each replacement: where it was set and what it replaced."""

    owner: Any
    name: str
    original: Callable[..., Any]
    own: bool  # the owner had the original itself (else it inherited it)
    session: Any = None  # what the replacement works with (the autologging session)


def _patch_of(value: Any) -> Patch | None:
    patch = getattr(value, _PATCH_ATTRIBUTE, None)
    return patch if isinstance(patch, Patch) else None


def unpatched(value: Any) -> Any:
    """Return what a replacement replaced, or ``value`` itself if it is no replacement."""
    patch = _patch_of(value)
    return value if patch is None else patch.original


def _install(patch: Patch, make_wrapper: WrapperFactory) -> None:
    wrapper = make_wrapper(patch.original)
    setattr(wrapper, _PATCH_ATTRIBUTE, patch)
    setattr(patch.owner, patch.name, wrapper)


def _is_available_if(value: Any) -> bool:
    return hasattr(value, "check") and inspect.isfunction(unpatched(getattr(value, "fn", None)))


def patch_method(cls: type, name: str, make_wrapper: WrapperFactory, session: Any = None) -> bool:
    """Replace the method ``name`` of ``cls`` (own or inherited) by ``make_wrapper(original)``.

    Returns:
        Whether a method was replaced (False when ``cls`` has none, or its kind is not handled).
    """
    for klass in cls.__mro__:
        if name not in vars(klass):
            continue
        raw = vars(klass)[name]
        if inspect.isfunction(unpatched(raw)):
            _install(Patch(cls, name, unpatched(raw), klass is cls, session), make_wrapper)
            return True
        if _is_available_if(raw):
            if _patch_of(raw.fn) is None:  # one descriptor may serve several patched classes
                _install(Patch(raw, "fn", raw.fn, True, session), make_wrapper)
            return True
        return False
    return False


def patch_function(
    module: ModuleType, name: str, make_wrapper: WrapperFactory, session: Any = None
) -> bool:
    """Replace the function ``module.name`` by ``make_wrapper(original)``.

    Returns:
        Whether it was replaced (False when it is not a function).
    """
    original = unpatched(getattr(module, name, None))
    if not callable(original) or inspect.isclass(original):
        return False
    _install(Patch(module, name, original, True, session), make_wrapper)
    return True


def _revert(patch: Patch) -> None:
    if patch.own:
        setattr(patch.owner, patch.name, patch.original)
    else:
        delattr(patch.owner, patch.name)


def revert_class(cls: type, names: tuple[str, ...]) -> None:
    """Restore the methods ``names`` of ``cls``, also inside ``available_if`` descriptors."""
    for name in names:
        patch = _patch_of(vars(cls).get(name))
        if patch is not None and patch.owner is cls:
            _revert(patch)
        for klass in cls.__mro__:
            raw = vars(klass).get(name)
            fn_patch = _patch_of(getattr(raw, "fn", None)) if raw is not None else None
            if fn_patch is not None:
                _revert(fn_patch)


def revert_module(module: ModuleType) -> None:
    """Restore every replaced function of ``module``."""
    for value in list(vars(module).values()):
        patch = _patch_of(value)
        if patch is not None and patch.owner is module:
            _revert(patch)


def is_patched(cls: type, name: str) -> bool:
    """Return whether the method ``name`` of ``cls`` is replaced right now."""
    return _patch_of(vars(cls).get(name)) is not None


def session_of(cls: type, name: str) -> Any:
    """Return the ``session`` given when ``cls.name`` was replaced (None if it is not)."""
    patch = _patch_of(vars(cls).get(name))
    return None if patch is None else patch.session
