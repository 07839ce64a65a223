"""Small helpers shared by the flow and task decorators."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

from flowtrack._private.clock import now_ms
from flowtrack.entities import Run

if TYPE_CHECKING:
    from prefect.client.schemas.objects import State

__all__ = [
    "BodyTracker",
    "bound_parameters",
    "duration_s",
    "error_text",
    "hooks_as_lists",
    "signed_like",
    "state_name",
    "with_hook",
    "wrap",
]

_MAX_ERROR_LENGTH = 1000

P = ParamSpec("P")
R = TypeVar("R")


class BodyTracker(Protocol):
    """The run around one execution of a flow's or task's body."""

    def running(self) -> AbstractContextManager[None]:
        """Make the run active while the body runs; record an error it raises."""

    def returned(self, result: Any) -> None:
        """Record what the body returned."""


def wrap(fn: Callable[P, R], tracker: type[Any]) -> Callable[P, R]:
    """The function Prefect runs for ``fn``: ``fn`` inside the run of its flow or task run.

    ``tracker.begin(fn, args, kwargs)`` (looked up at each call) opens the run of the current
    Prefect flow or task run and returns a :class:`BodyTracker`, or ``None`` outside one: ``fn``
    then runs untracked. Sync and async functions get a wrapper of their own kind, with
    ``fn``'s name, docstring and signature, so Prefect sees the user's parameters.
    """
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            body: BodyTracker | None = tracker.begin(fn, args, kwargs)
            if body is None:
                return await fn(*args, **kwargs)
            with body.running():
                result = await fn(*args, **kwargs)
            body.returned(result)
            return result

        signed_like(run_async, fn)
        return run_async  # type: ignore[return-value]  # async fn: R is the coroutine

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        body: BodyTracker | None = tracker.begin(fn, args, kwargs)
        if body is None:
            return fn(*args, **kwargs)
        with body.running():
            result = fn(*args, **kwargs)
        body.returned(result)
        return result

    signed_like(run, fn)
    return run


def error_text(error: BaseException | str | None) -> str:
    """An error as ``Type: message`` (a string as is), cut to fit a tag."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return text[:_MAX_ERROR_LENGTH]


def duration_s(run: Run) -> float:
    """Seconds from the run's start until now."""
    started = run.info.start_time
    return 0.0 if started is None else max(0.0, (now_ms() - started) / 1000)


def state_name(state: State[Any]) -> str:
    """A Prefect state's name (``Cached``, ``TimedOut``...), else its type (``FAILED``)."""
    return state.name or state.type.value


def bound_parameters(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The call's arguments by parameter name, defaults included."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):  # Prefect already bound them; be lenient
        return dict(kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def hooks_as_lists(options: dict[str, Any], kinds: Iterable[str]) -> dict[str, Any]:
    """Accept one hook where Prefect wants a list: ``options[kind]`` as a list, in place."""
    for kind in kinds:
        if callable(options.get(kind)):
            options[kind] = [options[kind]]
    return options


def with_hook(hook: Any, hooks: Iterable[Any] | None) -> list[Any]:
    """``hooks`` (``None`` for none) with ``hook`` first, exactly once."""
    return [hook, *(item for item in hooks or () if item is not hook)]


def signed_like(wrapper: Callable[..., Any], fn: Callable[..., Any]) -> None:
    """Give ``wrapper`` the signature of ``fn`` with its annotations evaluated.

    ``functools.wraps`` copies annotations as written; under ``from __future__ import
    annotations`` they are strings, which Prefect resolves against the *wrapper's* module when it
    validates flow parameters (and fails on the user's types). Evaluated in ``fn``'s own module
    they are real types. Annotations that cannot be evaluated yet stay as they are.
    """
    try:
        wrapper.__signature__ = inspect.signature(fn, eval_str=True)  # type: ignore[attr-defined]
    except (NameError, AttributeError, SyntaxError, TypeError):
        return
