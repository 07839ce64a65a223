"""The model under evaluation: a model URI, a ``PyFuncModel``, a fitted estimator or a callable.

Each becomes a :class:`Predictor`: a ``predict`` function and, when the model (or the estimator a
pyfunc model wraps) has ``predict_proba``, a probability function with the classes of its columns.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError
from flowtrack.models.evaluation._optional import require

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["Predictor", "check_env_manager", "model_outputs", "resolve_model"]

_logger = logging.getLogger(__name__)

#: MLflow's environment managers; flowtrack scores in the current environment only.
_ENV_MANAGERS = ("local", "virtualenv", "conda", "uv")

#: How to reach the estimator inside a pyfunc model, most specific first (MLflow's names).
_UNWRAP_METHODS = ("get_raw_model", "unwrap_python_model")


@dataclass(frozen=True)
class Predictor:
    """How to get predictions (and class probabilities) from the evaluated model.

    Attributes:
        predict: Takes the features, returns the predictions.
        predict_proba: Takes the features, returns ``(rows, classes)`` probabilities; or ``None``.
        classes: The label of each probability column (the estimator's ``classes_``), or
            ``None`` when unknown (then the columns are taken to be the sorted labels).
        description: What the model is, for messages.
        model_uuid: The ``model_uuid`` of the model's MLmodel metadata (a pyfunc model), or
            ``None``.
        model_id: The logged model (``m-...``) a pyfunc model was loaded from, or ``None``.
    """

    predict: Callable[[Any], Any]
    predict_proba: Callable[[Any], Any] | None
    classes: Any
    description: str
    model_uuid: str | None = None
    model_id: str | None = None


def check_env_manager(env_manager: Any) -> None:
    """Accept ``evaluate``'s ``env_manager`` when it is ``"local"``.

    Raises:
        InvalidParameterError: Not one of MLflow's managers, or one that restores the model's
            environment (``virtualenv``, ``conda``, ``uv``): flowtrack scores the model in the
            current Python environment.
    """
    if env_manager == "local":
        return
    if env_manager not in _ENV_MANAGERS:
        raise InvalidParameterError(
            f"Invalid env_manager {env_manager!r}: must be one of {list(_ENV_MANAGERS)}, and "
            "flowtrack supports only 'local'"
        )
    raise InvalidParameterError(
        f"env_manager={env_manager!r} is not supported: flowtrack evaluates the model in the "
        "current Python environment; the supported value is 'local' (install the model's "
        "requirements, e.g. from flowtrack.pyfunc.get_model_dependencies, and pass "
        "env_manager='local')"
    )


def _takes_params(predict: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(predict).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False
    return "params" in parameters or any(
        parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters.values()
    )


def _with_params(predictor: Predictor, inference_params: Mapping[str, Any] | None) -> Predictor:
    """Bind ``inference_params`` as the ``params`` of every ``predict`` call."""
    if inference_params is None:
        return predictor
    if not isinstance(inference_params, Mapping):
        raise InvalidParameterError(
            f"Invalid inference_params {inference_params!r}: pass a dict of parameter names "
            "to values"
        )
    if not _takes_params(predictor.predict):
        raise InvalidParameterError(
            f"inference_params were given but {predictor.description}'s predict takes no "
            "params argument; pass a pyfunc model (its predict(data, params=...)) or a model "
            "whose predict accepts params"
        )
    params = dict(inference_params)
    predict: Callable[..., Any] = predictor.predict

    def predict_with_params(features: Any) -> Any:
        return predict(features, params=params)

    return replace(predictor, predict=predict_with_params)


def _load_uri(model_uri: str, model_config: Any) -> Any:
    import importlib

    load_model = getattr(importlib.import_module("flowtrack.pyfunc"), "load_model", None)
    if load_model is None:
        raise MissingDependencyError(
            f"Cannot load model {model_uri!r}: this flowtrack has no flowtrack.pyfunc.load_model; "
            "pass the loaded model, a fitted estimator or a callable instead"
        )
    if model_config is None:
        return load_model(model_uri)
    return load_model(model_uri, model_config=model_config)


def _inner_estimator(model: Any) -> Any:
    """Return the estimator a pyfunc model wraps, when it can be reached; else ``None``."""
    for name in _UNWRAP_METHODS:
        method = getattr(model, name, None)
        if not callable(method):
            continue
        try:
            inner = method()
        except Exception:  # MLflow's unwrap raises for models of other flavors
            continue
        if inner is not None and inner is not model:
            return inner
    return getattr(model, "_model_impl", None)


def _probability_source(model: Any) -> Any:
    if callable(getattr(model, "predict_proba", None)):
        return model
    inner = _inner_estimator(model)
    for candidate in (inner, getattr(inner, "sklearn_model", None)):
        if candidate is not None and callable(getattr(candidate, "predict_proba", None)):
            return candidate
    return None


def _from_object(model: Any, description: str) -> Predictor:
    source = _probability_source(model)
    if source is None:
        _logger.info(
            "evaluate: %s has no predict_proba; metrics and plots that need class "
            "probabilities are skipped",
            description,
        )
        return Predictor(
            model.predict, None, None, description, _model_uuid(model), _model_id(model)
        )
    classes = getattr(source, "classes_", None)
    return Predictor(
        model.predict,
        source.predict_proba,
        classes,
        description,
        _model_uuid(model),
        _model_id(model),
    )


def _model_id(model: Any) -> str | None:
    """The logged model (``m-...``) a pyfunc model was loaded from; ``None`` for other models."""
    model_id = getattr(model, "model_id", None)
    return model_id if isinstance(model_id, str) else None


def _model_uuid(model: Any) -> str | None:
    """The ``model_uuid`` of a pyfunc model's MLmodel metadata; ``None`` for other models."""
    from flowtrack.models.model import Model

    metadata = getattr(model, "metadata", None)
    if not isinstance(metadata, Model):
        return None
    return metadata.model_uuid


def resolve_model(
    model: Any, model_config: Any, inference_params: Mapping[str, Any] | None = None
) -> Predictor | None:
    """Turn ``evaluate``'s ``model`` argument into a :class:`Predictor`.

    Args:
        model: ``None`` (static predictions), a model URI, a ``PyFuncModel``, an object with
            ``predict`` (a fitted estimator), or a callable taking the features.
        model_config: Options for loading a model URI; only allowed with a URI.
        inference_params: Passed to every ``predict`` call as ``params``.

    Returns:
        The predictor, or ``None`` when ``model`` is ``None``.

    Raises:
        InvalidParameterError: An unsupported model, ``model_config`` without a model URI, or
            ``inference_params`` for a model (or no model) that cannot take them.
        MissingDependencyError: A model URI, but ``flowtrack.pyfunc`` cannot load models.
    """
    predictor = _resolve(model, model_config)
    if predictor is None:
        if inference_params is not None:
            raise InvalidParameterError(
                "inference_params were given but there is no model to pass them to (model=None "
                "evaluates the predictions column of data)"
            )
        return None
    return _with_params(predictor, inference_params)


def _resolve(model: Any, model_config: Any) -> Predictor | None:
    if model_config is not None and not isinstance(model, str):
        raise InvalidParameterError(
            f"model_config applies when loading a model URI, but model is a "
            f"{type(model).__name__}; load the model with that configuration yourself, or pass "
            "its URI"
        )
    if model is None:
        return None
    if isinstance(model, str):
        return _from_object(_load_uri(model, model_config), f"model {model!r}")
    if callable(getattr(model, "predict", None)):
        return _from_object(model, f"model {type(model).__name__}")
    if callable(model):
        name = getattr(model, "__name__", type(model).__name__)
        return Predictor(model, None, None, f"function {name}")
    raise InvalidParameterError(
        f"Invalid model of type {type(model).__name__}: pass a model URI, a PyFuncModel, a "
        "fitted estimator with predict(), a callable taking the features, or None to evaluate "
        "the predictions column of data"
    )


def model_outputs(output: Any, column: str | None, rows: int, description: str) -> npt.NDArray[Any]:
    """Return a model's predictions as a 1-D array of ``rows`` values.

    Args:
        output: What ``predict`` returned: an array, list, Series or DataFrame.
        column: The output column to use when the model returns several (``predictions``).
        rows: The number of rows the model was given.
        description: What the model is, for messages.

    Raises:
        InvalidParameterError: Several columns and none chosen, or the wrong number of values.
    """
    numpy = require("numpy", "evaluate")
    columns = getattr(output, "columns", None)
    if columns is not None:  # a DataFrame
        names = list(columns)
        if column is not None and column in names:
            output = output[column]
        elif len(names) == 1:
            output = output[names[0]]
        else:
            raise InvalidParameterError(
                f"{description} returned {len(names)} columns {names}; pass predictions=<column> "
                "to choose the one holding the predictions"
            )
    if output is None or numpy.ndim(output) == 0:
        raise InvalidParameterError(
            f"{description} returned {output!r}; it must return one prediction per row"
        )
    array: npt.NDArray[Any] = numpy.asarray(output)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.ravel()
    if array.ndim != 1:
        raise InvalidParameterError(
            f"{description} returned an array of shape {array.shape}; it must return one "
            "prediction per row"
        )
    if len(array) != rows:
        raise InvalidParameterError(
            f"Length mismatch: data has {rows} rows but {description} returned "
            f"{len(array)} predictions"
        )
    return array
