"""``flowtrack.autolog()``: turn on autologging for every supported library that is installed.

Supported today: scikit-learn (:func:`flowtrack.sklearn.autolog`). A library that is not installed
is skipped (and not imported). As MLflow's ``mlflow.autolog``, each integration gets the
arguments its own ``autolog`` accepts, and options given to an integration's ``autolog``
directly take precedence: ``flowtrack.autolog()`` leaves an integration alone that the user
turned on with ``flowtrack.sklearn.autolog(...)``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["autolog"]

_LOGGER = logging.getLogger("flowtrack")

#: (flavor name, the library's top-level module, the flavor's autolog module).
_INTEGRATIONS = (("sklearn", "sklearn", "flowtrack.sklearn.autolog"),)


def _configured_directly(module: Any) -> bool:
    """Whether the integration is on with options the user gave its own ``autolog``."""
    config = module.current_config()
    return config is not None and not config.globally_configured


def autolog(
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    log_traces: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    disable_for_unsupported_versions: bool = False,
    silent: bool = False,
    extra_tags: Mapping[str, Any] | None = None,
    exclude_flavors: Iterable[str] | None = None,
) -> list[str]:
    """Turn autologging on (or off) for the supported libraries that are installed.

    Args:
        log_input_examples: Save a few training rows with each logged model.
        log_model_signatures: Infer each logged model's signature.
        log_models: Log the fitted models.
        log_datasets: Record the training data as run inputs.
        log_traces: Collect traces, for integrations that trace (none of flowtrack's yet).
        disable: Turn autologging off instead.
        exclusive: Log only into runs that autologging opens itself.
        disable_for_unsupported_versions: Leave libraries off whose installed version is not
            one flowtrack is tested with.
        silent: Report nothing: no warnings or info messages from autologging.
        extra_tags: More tags set on every run autologging opens.
        exclude_flavors: Flavors to leave alone, e.g. ``["sklearn"]``.

    Returns:
        The flavors turned on (or off, with ``disable=True``), e.g. ``["sklearn"]``; a flavor
        the user configured through its own ``autolog`` is left as it is and not listed.

    Example:
        >>> flowtrack.autolog()
        ['sklearn']
    """
    arguments = {
        "log_input_examples": log_input_examples,
        "log_model_signatures": log_model_signatures,
        "log_models": log_models,
        "log_datasets": log_datasets,
        "log_traces": log_traces,
        "disable": disable,
        "exclusive": exclusive,
        "disable_for_unsupported_versions": disable_for_unsupported_versions,
        "silent": silent,
        "extra_tags": extra_tags,
    }
    excluded = set(exclude_flavors or ())
    changed: list[str] = []
    for flavor, library, module_name in _INTEGRATIONS:
        if flavor in excluded or importlib.util.find_spec(library) is None:
            continue
        module = importlib.import_module(module_name)
        if _configured_directly(module):
            continue
        function: Callable[..., None] = module.autolog
        accepted = inspect.signature(function).parameters
        function(**{k: v for k, v in arguments.items() if k in accepted}, _globally_configured=True)
        changed.append(flavor)
    if not silent:
        state = "disabled" if disable else "enabled"
        _LOGGER.info("Autologging %s for: %s", state, ", ".join(changed) or "no installed library")
    return changed
