"""From a local model directory to a :class:`~flowtrack.pyfunc.PyFuncModel`.

``loader_module`` names in ``MLmodel`` are mapped to flowtrack's implementations
(:data:`~flowtrack.models._trust.KNOWN_LOADER_MODULES`); any other module is imported and its
``_load_pyfunc(data_path[, model_config])`` called only with ``trust_model=True``, as MLflow does.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

from flowtrack.exceptions import NotFoundError
from flowtrack.models._trust import (
    KNOWN_LOADER_MODULES,
    PYFUNC_FLAVOR,
    check_loader_module,
    check_model_paths,
    confined_path,
)
from flowtrack.models.model import Model
from flowtrack.pyfunc.pyfunc_model import PyFuncModel

__all__ = ["add_code_to_path", "load_local_pyfunc", "warn_environment_mismatches"]

_LOGGER = logging.getLogger("flowtrack.pyfunc")


def add_code_to_path(model_dir: str, conf: Mapping[str, Any], trust_model: bool) -> None:
    """Put the flavor's ``code`` directory (if any) first on ``sys.path``, as MLflow does."""
    code = conf.get("code")
    if code is None:
        return
    code_dir = os.path.abspath(confined_path(model_dir, code, "code", trust_model))
    if code_dir not in sys.path:
        sys.path.insert(0, code_dir)


def warn_environment_mismatches(model_dir: str, conf: Mapping[str, Any]) -> None:
    """Log a warning for each pinned requirement or Python version that differs from here."""
    from flowtrack.models.environment import REQUIREMENTS_FILE_NAME, python_version
    from flowtrack.models.requirements import canonical_name, installed_version

    saved_python = conf.get("python_version")
    if (
        isinstance(saved_python, str)
        and saved_python.split(".")[:2] != (python_version().split(".")[:2])
    ):
        _LOGGER.warning(
            "This model was saved with Python %s, but Python %s is running: it may not load "
            "or predict correctly",
            saved_python,
            python_version(),
        )
    path = os.path.join(model_dir, REQUIREMENTS_FILE_NAME)
    if not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for line in lines:
        name, sep, version = line.partition("==")
        package = canonical_name(name) if sep else None
        if package is None:
            continue
        installed = installed_version(package)
        if installed is not None and installed != version.strip():
            _LOGGER.warning(
                "This model requires %s, but %s %s is installed", line, package, installed
            )


def load_local_pyfunc(
    model_dir: str,
    model_config: Mapping[str, Any] | None = None,
    trust_model: bool = False,
    suppress_warnings: bool = False,
) -> PyFuncModel:
    """Load a local model directory as a :class:`PyFuncModel`. **Runs the model's code.**

    Raises:
        NotFoundError: The model has no ``python_function`` flavor.
        PermissionDeniedError: See :mod:`flowtrack.models._trust` (unknown loader module,
            paths out of the model directory) when ``trust_model`` is false.
    """
    meta = Model.load(model_dir)
    conf = meta.flavors.get(PYFUNC_FLAVOR)
    if conf is None:
        raise NotFoundError(
            f"The model in {model_dir!r} has no {PYFUNC_FLAVOR!r} flavor (it has "
            f"{sorted(meta.flavors)}): it cannot be loaded with flowtrack.pyfunc.load_model"
        )
    module_name = check_loader_module(conf.get("loader_module"), trust_model)
    check_model_paths(model_dir, meta.flavors, trust_model)
    if not suppress_warnings:
        warn_environment_mismatches(model_dir, conf)
    add_code_to_path(model_dir, conf, trust_model)
    data = conf.get("data")
    data_path = confined_path(model_dir, data, "data", trust_model) if data else model_dir
    module = importlib.import_module(module_name)
    if module_name in KNOWN_LOADER_MODULES.values():
        impl = module._load_pyfunc(data_path, model_config, trust_model=trust_model)
    elif model_config:
        impl = module._load_pyfunc(data_path, model_config)
    else:
        impl = module._load_pyfunc(data_path)
    predict_fn = conf.get("predict_fn", "predict")
    model = PyFuncModel(meta, impl, predict_fn if isinstance(predict_fn, str) else "predict")
    try:
        model.input_example = meta.load_input_example(model_dir)
    except Exception as exc:  # a broken example must not stop the model from loading (MLflow)
        _LOGGER.warning("Could not load the model's input example: %s: %s", type(exc).__name__, exc)
    return model
