"""Run context provider plugins: tags contributed by other packages to every fluent run.

A run context provider is any object with ``in_context() -> bool`` and ``tags() -> dict``
(MLflow's ``RunContextProvider`` interface, duck-typed so MLflow's ABC is never imported).
Packages register provider classes under either entry-point group:

- ``flowtrack.run_context_providers`` (ours), or
- ``mlflow.run_context_provider`` (MLflow's), so existing MLflow plugins work unchanged
  (when they import ``mlflow`` themselves, mlflow must be installed for them to load).

For example, in a plugin's ``pyproject.toml``::

    [project.entry-points."flowtrack.run_context_providers"]
    ci = "my_plugin:CIRunContext"

:func:`flowtrack.start_run` merges each provider's tags (when ``in_context()``) over the system
tags and under the user's tags, as MLflow does. A provider that cannot be loaded, or that raises,
is reported as a warning and skipped: a plugin never breaks a run.
"""

from __future__ import annotations

import functools
import logging
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "RUN_CONTEXT_PROVIDER_GROUPS",
    "RunContextProvider",
    "provider_tags",
    "run_context_providers",
]

#: The entry-point groups providers are read from, ours first.
RUN_CONTEXT_PROVIDER_GROUPS = ("flowtrack.run_context_providers", "mlflow.run_context_provider")
_LOGGER = logging.getLogger("flowtrack.tracking")


@runtime_checkable
class RunContextProvider(Protocol):
    """What a run context provider offers (MLflow's ``RunContextProvider``, duck-typed)."""

    def in_context(self) -> bool:
        """Return whether this provider applies to the current process."""
        ...

    def tags(self) -> dict[str, Any]:
        """Return the tags to add to a new run."""
        ...


def _load(entry_point: Any) -> RunContextProvider | None:
    try:
        loaded = entry_point.load()
        provider = loaded() if isinstance(loaded, type) else loaded
    except Exception as exc:  # a broken plugin must not break start_run
        _LOGGER.warning(
            "Skipping run context provider %r (%s) from %r: it failed to load: %s",
            entry_point.name,
            entry_point.value,
            entry_point.group,
            exc,
        )
        return None
    if not isinstance(provider, RunContextProvider):
        _LOGGER.warning(
            "Skipping run context provider %r (%s): it has no in_context() and tags() methods",
            entry_point.name,
            entry_point.value,
        )
        return None
    return provider


@functools.cache
def run_context_providers() -> tuple[RunContextProvider, ...]:
    """Return the installed providers, loaded once per process.

    Returns:
        One instance per entry point of :data:`RUN_CONTEXT_PROVIDER_GROUPS` that loads and has
        the two methods, in group order, then entry-point order.
    """
    found = (entry_points(group=group) for group in RUN_CONTEXT_PROVIDER_GROUPS)
    providers = (_load(entry_point) for group in found for entry_point in group)
    return tuple(provider for provider in providers if provider is not None)


def provider_tags(providers: tuple[RunContextProvider, ...] | None = None) -> dict[str, str]:
    """Collect the tags of the providers that are in context, later providers winning.

    Args:
        providers: The providers to ask; default :func:`run_context_providers`.

    Returns:
        ``{key: str(value)}``; a provider whose ``in_context()`` or ``tags()`` raises, or whose
        tags are not a mapping, is logged as a warning and contributes nothing.
    """
    tags: dict[str, str] = {}
    for provider in run_context_providers() if providers is None else providers:
        try:
            if not provider.in_context():
                continue
            contributed = dict(provider.tags())
        except Exception as exc:  # a broken plugin must not break start_run
            _LOGGER.warning(
                "Ignoring run context provider %s: it raised while resolving tags: %r",
                type(provider).__qualname__,
                exc,
            )
            continue
        tags.update({str(key): str(value) for key, value in contributed.items()})
    return tags
