""":class:`PyFuncModel`: any loaded model behind one ``predict(data, params=None)``."""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any

from flowtrack.exceptions import FlowtrackError

if TYPE_CHECKING:
    from flowtrack.models.model import Model

__all__ = ["PyFuncModel"]

_LOGGER = logging.getLogger(__name__)


class PyFuncModel:
    """A model loaded by :func:`flowtrack.pyfunc.load_model`, whatever its flavor.

    ``predict`` checks the input (and params) against the model's signature, when it has one,
    before calling the model: columns are converted to the signature's types, missing required
    columns and values that do not fit raise :class:`~flowtrack.exceptions.InvalidParameterError`.

    Args:
        model_meta: The model's ``MLmodel`` content.
        model_impl: The flavor's implementation (an object with ``predict(data[, params])``).
        predict_fn: The name of the implementation's prediction method.
        model_id: The logged model it was loaded from; default the ``MLmodel``'s ``model_id``.
    """

    def __init__(
        self,
        model_meta: Model,
        model_impl: Any,
        predict_fn: str = "predict",
        model_id: str | None = None,
    ) -> None:
        if not hasattr(model_impl, predict_fn):
            raise FlowtrackError(
                f"The loaded model implementation {type(model_impl).__name__} has no "
                f"{predict_fn!r} method"
            )
        self._model_meta = model_meta
        self._model_impl = model_impl
        self._predict_fn = getattr(model_impl, predict_fn)
        self._input_example: Any = None
        self._model_id = model_id if model_id is not None else model_meta.model_id

    @property
    def model_id(self) -> str | None:
        """The logged model's id (``m-...``), or ``None`` for a model that is not one."""
        return self._model_id

    @property
    def metadata(self) -> Model:
        """The model's ``MLmodel`` content (flavors, signature, run id...)."""
        return self._model_meta

    @property
    def input_example(self) -> Any:
        """The input example saved with the model (loaded with it), or ``None``."""
        return self._input_example

    @input_example.setter
    def input_example(self, value: Any) -> None:
        self._input_example = value

    @property
    def loader_module(self) -> str | None:
        """The ``python_function`` flavor's ``loader_module``."""
        conf = self._model_meta.flavors.get("python_function") or {}
        loader = conf.get("loader_module")
        return loader if isinstance(loader, str) else None

    @property
    def model_config(self) -> dict[str, Any]:
        """The model configuration saved with the model (``{}`` if none)."""
        conf = self._model_meta.flavors.get("python_function") or {}
        return dict(conf.get("config") or {})

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Return the model's predictions for ``data``.

        Args:
            data: A ``pandas.DataFrame``, ``numpy.ndarray``, dict of columns or arrays, list...
            params: Inference parameters; checked against (and completed from) the signature's
                params schema. Without a params schema they are ignored with a warning.

        Returns:
            The model's output (for scikit-learn, a numpy array).

        Raises:
            InvalidParameterError: ``data`` or ``params`` does not fit the signature.
        """
        from flowtrack.models.enforce import enforce_params, enforce_schema

        input_schema = self._model_meta.get_input_schema()
        if input_schema is not None:
            data = enforce_schema(data, input_schema)
        params = enforce_params(params, self._model_meta.get_params_schema())
        if "params" in inspect.signature(self._predict_fn).parameters:
            return self._predict_fn(data, params=params)
        if params:
            _LOGGER.warning("Ignoring params %s: this model takes no params", list(params))
        return self._predict_fn(data)

    def unwrap_python_model(self) -> Any:
        """Return the custom :class:`~flowtrack.pyfunc.PythonModel` inside this model.

        Raises:
            FlowtrackError: The model is not a custom Python model.
        """
        python_model = getattr(self._model_impl, "python_model", None)
        if python_model is None:
            raise FlowtrackError(
                f"Cannot unwrap a Python model from a {self.loader_module!r} model: only custom "
                "models saved with python_model= have one (use get_raw_model() for others)"
            )
        return python_model

    def get_raw_model(self) -> Any:
        """Return the flavor's underlying model (e.g. the scikit-learn estimator).

        Raises:
            FlowtrackError: The flavor does not expose one.
        """
        getter = getattr(self._model_impl, "get_raw_model", None)
        if getter is None:
            raise FlowtrackError(
                f"A {self.loader_module!r} model does not expose its raw model; for custom "
                "models use unwrap_python_model()"
            )
        return getter()

    def __repr__(self) -> str:
        meta = self._model_meta
        return (
            f"PyFuncModel(loader_module={self.loader_module!r}, run_id={meta.run_id!r}, "
            f"artifact_path={meta.artifact_path!r})"
        )
