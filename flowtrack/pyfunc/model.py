"""Custom Python models: :class:`PythonModel`, its :class:`PythonModelContext`, and their loader.

A custom model is a :class:`PythonModel` subclass instance serialized with cloudpickle into
``python_model.pkl``, plus the files named in ``artifacts`` copied under ``artifacts/``. The
``python_function`` flavor uses MLflow's keys and loader module (``mlflow.pyfunc.model``), so
MLflow loads these models where flowtrack is installed (the pickle refers to
:class:`flowtrack.pyfunc.PythonModel`, which has everything MLflow's wrapper calls:
``load_context(context=...)``, ``predict`` and ``predict_type_hints``).

**Loading runs code.** ``python_model.pkl`` is a cloudpickle file: unpickling it runs whatever its
author put in it. Load only models from people you trust.

This module is also the loader (``_load_pyfunc``) flowtrack uses for ``mlflow.pyfunc.model``, so
it loads MLflow's custom models too: the pickle's references to MLflow's ``PythonModel`` base
classes are mapped to flowtrack's.
"""

from __future__ import annotations

import inspect
import logging
import os
import pickle
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError

__all__ = [
    "CONFIG_KEY_ARTIFACTS",
    "CONFIG_KEY_CLOUDPICKLE_VERSION",
    "CONFIG_KEY_PYTHON_MODEL",
    "PythonModel",
    "PythonModelContext",
    "PythonModelWrapper",
    "load_python_model",
]

_LOGGER = logging.getLogger(__name__)

CONFIG_KEY_PYTHON_MODEL = "python_model"
CONFIG_KEY_ARTIFACTS = "artifacts"
CONFIG_KEY_CLOUDPICKLE_VERSION = "cloudpickle_version"
CONFIG_KEY_MODEL_CONFIG = "config"

# MLflow's classes a pickled MLflow custom model refers to -> flowtrack's equivalents.
_MLFLOW_CLASSES = MappingProxyType(
    {
        ("mlflow.pyfunc.model", "PythonModel"): "PythonModel",
        ("mlflow.pyfunc", "PythonModel"): "PythonModel",
        ("mlflow.pyfunc.model", "PythonModelContext"): "PythonModelContext",
        ("mlflow.pyfunc", "PythonModelContext"): "PythonModelContext",
        ("mlflow.pyfunc.model", "_FunctionPythonModel"): "_FunctionPythonModel",
    }
)


class _TypeHints(NamedTuple):
    # The shape of MLflow's ``_TypeHints``: its pyfunc wrapper reads ``.input`` to convert input.
    input: Any = None
    output: Any = None


def _predict_takes_context(predict: Callable[..., Any]) -> bool:
    # MLflow's rule: a parameter named "context", or two besides self and params (ctx, input).
    names = [
        name for name in inspect.signature(predict).parameters if name not in ("self", "params")
    ]
    return "context" in names or len(names) == 2


class PythonModelContext:
    """What a :class:`PythonModel` gets at load time and on every ``predict``.

    Args:
        artifacts: ``{name: absolute local path}`` of the artifacts saved with the model.
        model_config: The model configuration given at save time (or overridden at load time).
    """

    def __init__(
        self, artifacts: Mapping[str, str], model_config: Mapping[str, Any] | None
    ) -> None:
        self._artifacts = dict(artifacts)
        self._model_config = dict(model_config) if model_config is not None else None

    @property
    def artifacts(self) -> dict[str, str]:
        """``{name: absolute local path}`` of the model's artifacts."""
        return self._artifacts

    @property
    def model_config(self) -> dict[str, Any] | None:
        """The model configuration (``{key: value}``), or ``None``."""
        return self._model_config


class PythonModel:
    """Base class of custom models: subclass it and implement :meth:`predict`.

    Instances are serialized with cloudpickle, so their attributes are saved with them, and
    loading one runs code (unpickling). Keep large files in ``artifacts`` and open them in
    :meth:`load_context`.

    Example:
        >>> class AddN(flowtrack.pyfunc.PythonModel):
        ...     def __init__(self, n):
        ...         self.n = n
        ...
        ...     def predict(self, context, model_input, params=None):
        ...         return model_input + self.n
        >>> flowtrack.pyfunc.save_model("add_n_model", python_model=AddN(5))
    """

    def load_context(self, context: PythonModelContext) -> None:
        """Prepare the model after loading (open artifacts...); the default does nothing.

        Args:
            context: The model's artifacts and configuration.
        """

    def predict(
        self, context: PythonModelContext, model_input: Any, params: dict[str, Any] | None = None
    ) -> Any:
        """Return predictions for ``model_input``; subclasses must implement it.

        Args:
            context: The model's artifacts and configuration (may be left out of an override's
                signature: ``def predict(self, model_input, params=None)``).
            model_input: The input, after signature enforcement (a ``pandas.DataFrame`` for a
                column signature).
            params: Inference parameters, after signature enforcement.

        Raises:
            NotImplementedError: Always, in this base class.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement predict(self, context, model_input, params=None)"
        )

    @property
    def predict_type_hints(self) -> _TypeHints:
        """The type annotation of ``predict``'s input (MLflow's loader reads it), else ``None``."""
        import typing

        predict = self.predict
        try:
            hints = typing.get_type_hints(predict)
            names = list(inspect.signature(predict).parameters)
        except Exception:  # unresolvable annotations: behave as unannotated
            return _TypeHints()
        index = 1 if _predict_takes_context(predict) else 0
        if len(names) <= index:
            return _TypeHints()
        return _TypeHints(input=hints.get(names[index]), output=hints.get("return"))


class _FunctionPythonModel(PythonModel):
    """A plain function ``f(model_input)`` saved as a custom model."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func

    def predict(  # type: ignore[override]  # no context: MLflow's function-model form
        self, model_input: Any, params: dict[str, Any] | None = None
    ) -> Any:
        """Return ``func(model_input)`` (function models take no params)."""
        return self.func(model_input)


class PythonModelWrapper:
    """The object ``PyFuncModel`` calls for a custom model: passes the context and params."""

    def __init__(self, python_model: Any, context: PythonModelContext) -> None:
        self.python_model = python_model
        self.context = context

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        """Call the model's ``predict`` with the context (if it takes one) and the params."""
        predict = self.python_model.predict
        parameters = inspect.signature(predict).parameters
        kwargs = {"params": params} if "params" in parameters else {}
        if params and not kwargs:
            _LOGGER.warning(
                "Ignoring params %s: %s.predict takes no params",
                list(params),
                type(self.python_model).__name__,
            )
        if _predict_takes_context(predict):
            return predict(self.context, model_input, **kwargs)
        return predict(model_input, **kwargs)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        mapped = _MLFLOW_CLASSES.get((module, name))
        if mapped is not None:
            return globals()[mapped]
        try:
            return super().find_class(module, name)
        except ModuleNotFoundError as exc:
            if module.split(".")[0] == "mlflow":
                raise MissingDependencyError(
                    f"This model's pickle refers to {module}.{name}, which only MLflow provides: "
                    "load it where mlflow is installed (pip install mlflow)"
                ) from exc
            raise


def load_python_model(path: str) -> Any:
    """Unpickle a cloudpickled custom model. **This runs code from the file.**"""
    import cloudpickle  # noqa: F401  # registers the reducers cloudpickle's pickles use

    with open(path, "rb") as f:
        return _Unpickler(f).load()


def _load_pyfunc(
    model_path: str, model_config: Mapping[str, Any] | None = None, *, trust_model: bool = False
) -> Any:
    """Load a custom model directory (the ``mlflow.pyfunc.model`` loader). Runs pickled code.

    The caller (``flowtrack.pyfunc.load_model``) has checked the paths ``MLmodel`` names;
    ``trust_model`` is accepted for the common loader interface and changes nothing here.
    """
    del trust_model
    import cloudpickle

    from flowtrack.models._trust import PYFUNC_FLAVOR
    from flowtrack.models.model import Model

    conf = Model.load(model_path).flavors.get(PYFUNC_FLAVOR, {})
    saved_version = conf.get(CONFIG_KEY_CLOUDPICKLE_VERSION)
    if saved_version is not None and saved_version != cloudpickle.__version__:
        _LOGGER.warning(
            "This model was saved with cloudpickle %s, but cloudpickle %s is installed: "
            "loading it may fail",
            saved_version,
            cloudpickle.__version__,
        )
    subpath = conf.get(CONFIG_KEY_PYTHON_MODEL)
    if not isinstance(subpath, str):
        raise InvalidParameterError(
            f"Invalid MLmodel in {model_path!r}: the python_function flavor names no "
            f"{CONFIG_KEY_PYTHON_MODEL!r} file (models from code are not supported)"
        )
    python_model = load_python_model(os.path.join(model_path, subpath))
    artifacts = {
        name: os.path.abspath(os.path.join(model_path, info["path"]))
        for name, info in (conf.get(CONFIG_KEY_ARTIFACTS) or {}).items()
    }
    config = model_config if model_config is not None else conf.get(CONFIG_KEY_MODEL_CONFIG)
    context = PythonModelContext(artifacts=artifacts, model_config=config)
    python_model.load_context(context=context)
    return PythonModelWrapper(python_model, context)
