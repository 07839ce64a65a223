"""Every place flowtrack relies on Prefect behaviour that is not public API, in one module.

The decorators subclass Prefect's public :class:`~prefect.Task` and :class:`~prefect.Flow` and
use their public constructors, hooks and options. Four things have no public way; each is one
function here, and ``tests/tasks/test_prefect_compat.py`` checks the Prefect behaviour it relies
on, so a Prefect release that changes it fails that test by name instead of breaking tracking:

- :func:`as_subclass`: ``Task.with_options`` / ``Flow.with_options`` build a plain ``Task`` /
  ``Flow`` (not ``type(self)``); the copy is re-classed to the tracked subclass.
- :func:`set_flow_entrypoint`: a flow's entrypoint is the private ``Flow._entrypoint``.
- :func:`task_key_for`: the ``task_key`` Prefect derives (in a private function) from the
  function it is given, applied to the user's function instead of flowtrack's wrapper.
- :func:`result_storage_key`: the storage key of a persisted result, read from the fields of
  Prefect's internal result record.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from prefect import Flow, Task
from prefect.utilities.hashing import hash_objects

if TYPE_CHECKING:
    from prefect.client.schemas.objects import State

__all__ = [
    "as_subclass",
    "entrypoint_of",
    "result_storage_key",
    "set_flow_entrypoint",
    "task_key_for",
]

T = TypeVar("T")


def as_subclass(copy: Any, cls: type[T]) -> T:
    """Make the plain ``Task``/``Flow`` that Prefect's ``with_options`` built an instance of
    ``cls``, a subclass of it that adds no slots.

    Prefect's ``with_options`` calls ``Task(...)``/``Flow(...)`` with every option resolved
    (some from private attributes such as ``_user_cache_policy``); rebuilding through ``cls``
    would mean copying that list. The copy already holds every attribute the subclass needs
    but its own, which the caller then sets.

    Args:
        copy: What ``super().with_options(...)`` returned.
        cls: The tracked subclass (``TrackedTask``, ``TrackedFlow``).

    Returns:
        ``copy``, now an instance of ``cls``.

    Raises:
        TypeError: ``copy`` is not a plain ``Task``/``Flow`` that ``cls`` derives from:
            Prefect's ``with_options`` changed.
    """
    if type(copy) not in (Task, Flow) or not issubclass(cls, type(copy)):
        raise TypeError(
            f"Prefect's with_options returned a {type(copy).__qualname__}, expected a plain "
            "prefect.Task or prefect.Flow: this Prefect release changed with_options; "
            "flowtrack.tasks._prefect_compat.as_subclass needs updating"
        )
    copy.__class__ = cls
    result: T = copy
    return result


def entrypoint_of(fn: Callable[..., Any]) -> str:
    """Prefect's entrypoint rule (``module:qualname``; the file for a script) for ``fn``.

    Prefect applies it to the function it is given, which for a tracked flow is flowtrack's
    wrapper: for a flow defined in a script that names the wrapper's file.
    """
    module = fn.__module__
    if module and (module == "__main__" or module.startswith("__prefect_loader_")):
        module_file = inspect.getfile(fn)
        module = module_file if module_file != "__main__" else module
    return f"{module}:{getattr(fn, '__qualname__', fn.__name__)}"


def set_flow_entrypoint(flow: Flow[Any, Any], fn: Callable[..., Any]) -> None:
    """Make ``fn``, the user's function, the entrypoint of ``flow`` (``flow.serve``/deploy).

    ``Flow.__init__`` takes no entrypoint argument; Prefect keeps it in ``_entrypoint``, copies
    it in ``with_options`` and reads it when a flow loaded from storage is deployed.
    """
    flow._entrypoint = entrypoint_of(fn)


def task_key_for(fn: Callable[..., Any]) -> str:
    """The ``task_key`` Prefect would give a task of ``fn`` (``<qualname>-<code hash>``).

    Prefect derives it from the code object of the function it is given, which for every
    tracked task would be the same wrapper's.
    """
    return f"{fn.__qualname__.split('.')[-1]}-{(hash_objects(fn.__code__) or 'unknown')[:8]}"


def result_storage_key(state: State[Any]) -> str | None:
    """The key Prefect stored a completed state's result under, if it stored one.

    A persisted result is a ``ResultRecord`` (a Prefect-internal class); its key is read by
    field names (``state.data.metadata.storage_key``), not by importing the class.
    """
    metadata = getattr(state.data, "metadata", None)
    key = getattr(metadata, "storage_key", None)
    return key if isinstance(key, str) else None
