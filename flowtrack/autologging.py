"""``flowtrack.autolog()``: turn on autologging for every supported library that is installed.

Supported today: scikit-learn (:func:`flowtrack.sklearn.autolog`). A library that is not installed
is skipped (and not imported); the function returns, and logs at INFO, which were turned on.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["autolog"]

_LOGGER = logging.getLogger("flowtrack")

#: (flavor name, the library's top-level module, the flavor's autolog function).
_INTEGRATIONS = (("sklearn", "sklearn", "flowtrack.sklearn.autolog:autolog"),)


def autolog(
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
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
        disable: Turn autologging off instead.
        exclusive: Log only into runs that autologging opens itself.
        silent: Do not report logging failures.
        extra_tags: More tags set on every autologged run.
        exclude_flavors: Flavors to leave alone, e.g. ``["sklearn"]``.

    Returns:
        The flavors turned on (or off, with ``disable=True``), e.g. ``["sklearn"]``.

    Example:
        >>> flowtrack.autolog()
        ['sklearn']
    """
    excluded = set(exclude_flavors or ())
    changed: list[str] = []
    for flavor, library, target in _INTEGRATIONS:
        if flavor in excluded or importlib.util.find_spec(library) is None:
            continue
        module_name, _, function = target.partition(":")
        getattr(importlib.import_module(module_name), function)(
            log_input_examples=log_input_examples,
            log_model_signatures=log_model_signatures,
            log_models=log_models,
            log_datasets=log_datasets,
            disable=disable,
            exclusive=exclusive,
            silent=silent,
            extra_tags=extra_tags,
        )
        changed.append(flavor)
    if not silent:
        state = "disabled" if disable else "enabled"
        _LOGGER.info("Autologging %s for: %s", state, ", ".join(changed) or "no installed library")
    return changed
