"""Building a ``python_function`` flavor by hand (``add_to_model``) and MLflow's deprecated
``load_pyfunc``."""

from __future__ import annotations

import copy
import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flowtrack.models._trust import PYFUNC_FLAVOR
from flowtrack.models.environment import python_version

if TYPE_CHECKING:
    from flowtrack.models.model import Model
    from flowtrack.pyfunc.pyfunc_model import PyFuncModel

__all__ = ["add_to_model", "load_pyfunc"]


def add_to_model(
    model: Model,
    loader_module: str,
    data: str | None = None,
    code: str | None = None,
    conda_env: str | None = None,
    python_env: str | None = None,
    model_config: Mapping[str, Any] | None = None,
    model_code_path: str | None = None,
    **kwargs: Any,
) -> Model:
    """Add a ``python_function`` flavor to a :class:`~flowtrack.models.Model` (MLflow's keys).

    For flavors written by hand: a model directory whose ``MLmodel`` names a module with
    ``_load_pyfunc(data_path)``.

    Args:
        model: The model to add the flavor to.
        loader_module: The module that loads the model (its ``_load_pyfunc``).
        data: The model data's path inside the model directory.
        code: The directory of code to put on ``sys.path``, inside the model directory.
        conda_env: The conda environment file's path inside the model directory.
        python_env: The ``python_env.yaml`` file's path inside the model directory.
        model_config: Configuration handed to the loader.
        model_code_path: The model-from-code file's path (kept for MLflow's readers).
        **kwargs: More flavor keys (YAML-serializable).

    Returns:
        ``model``, with the flavor.

    Example:
        >>> model = add_to_model(Model(), loader_module="my_pkg.loader", data="weights")
        >>> model.flavors["python_function"]["loader_module"]
        'my_pkg.loader'
    """
    params = copy.deepcopy(kwargs)
    params["loader_module"] = loader_module
    params["python_version"] = python_version()
    if code:
        params["code"] = code
    if data:
        params["data"] = data
    if conda_env or python_env:
        env: dict[str, str] = {}
        if conda_env:
            env["conda"] = conda_env
        if python_env:
            env["virtualenv"] = python_env
        params["env"] = env
    if model_config:
        params["config"] = dict(model_config)
    if model_code_path:
        params["model_code_path"] = model_code_path
    return model.add_flavor(PYFUNC_FLAVOR, **params)


def load_pyfunc(model_uri: str | os.PathLike[str], suppress_warnings: bool = False) -> PyFuncModel:
    """Deprecated alias of :func:`flowtrack.pyfunc.load_model` (a ``FutureWarning``, as MLflow).

    Args:
        model_uri: See :func:`~flowtrack.pyfunc.load_model`.
        suppress_warnings: See :func:`~flowtrack.pyfunc.load_model`.
    """
    from flowtrack.pyfunc.persistence import load_model

    warnings.warn(
        "``flowtrack.pyfunc.load_pyfunc`` is deprecated since 1.0. This method will be removed "
        "in a future release. Use ``flowtrack.pyfunc.load_model`` instead.",
        FutureWarning,
        stacklevel=2,
    )
    return load_model(os.fspath(model_uri), suppress_warnings)
