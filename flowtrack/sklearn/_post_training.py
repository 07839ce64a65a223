"""Post-training metrics: metric calls after ``fit`` logged into the run of the fitted model.

After an autologged ``fit``, the model is linked to its run. Its predictions (the objects that
``predict``, ``predict_proba``, ``predict_log_proba`` and ``transform`` return) are linked to the
run and to the name of the dataset they were computed on. A ``sklearn.metrics`` function given
one of those prediction objects, or the model's ``score``, logs its value into that run under
MLflow's key ``{metric_name}[-{call_index}]_{dataset_name}``:

- ``metric_name`` is the function's name (``accuracy_score``), or ``{ModelClass}_score`` for
  ``model.score``;
- ``call_index`` counts the calls of that metric in the run from 2 (``accuracy_score-2_X_test``);
- ``dataset_name`` is the name of the variable the caller passed to ``predict`` / ``score``,
  found in the outermost frame that holds the object (``X_test``); ``unknown_dataset`` when it
  is an expression with no name; a *different* object under an already used name gets an index
  (``X_test-2``).

The run also gets the artifact ``metric_info.json``: ``{metric key: the call that produced it}``,
e.g. ``accuracy_score(y_true=y_test, y_pred=<ndarray>)``.

Objects are followed by identity (``id``), as in MLflow: a copy or a slice of a prediction is not
followed, and an entry is dropped when its object is garbage-collected (so a reused ``id`` never
maps to a stale run). Objects that cannot be weakly referenced (plain lists) are not followed.
"""

from __future__ import annotations

import inspect
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import FrameType
from typing import Any, Generic, TypeVar

__all__ = [
    "METRIC_INFO_ARTIFACT",
    "UNKNOWN_DATASET",
    "ModelRun",
    "PostTrainingMetrics",
    "Prediction",
    "call_command",
    "is_loggable",
    "original_var_name",
]

#: The artifact listing the call behind each post-training metric (MLflow's file name).
METRIC_INFO_ARTIFACT = "metric_info.json"
#: The dataset name of a prediction input that has no variable name (MLflow's fallback).
UNKNOWN_DATASET = "unknown_dataset"
_MAX_STRING_ARGUMENT = 32

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class ModelRun:
    """The run a fitted model was autologged into, with the client that reaches it."""

    client: Any
    run_id: str


@dataclass(frozen=True, slots=True)
class Prediction:
    """Where a prediction object came from: its model's run and its input dataset's name."""

    run: ModelRun
    dataset_name: str


class _IdentityMap(Generic[V]):
    """Values keyed by the identity of live objects; an entry goes with its object."""

    def __init__(self) -> None:
        self._values: dict[int, V] = {}

    def set(self, obj: Any, value: V) -> bool:
        key = id(obj)
        try:
            weakref.finalize(obj, self._values.pop, key, None)
        except TypeError:  # not weakly referenceable: its id could be reused unnoticed
            return False
        self._values[key] = value
        return True

    def get(self, obj: Any) -> V | None:
        return self._values.get(id(obj))


def is_loggable(value: Any) -> bool:
    """Return whether a metric function's result is a number to log (not a bool or an array)."""
    import numpy as np

    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))


def original_var_name(var: Any, fallback: str, frame: FrameType | None) -> str:
    """Return the name of ``var`` in the outermost frame that holds it, from ``frame`` up.

    ``frame`` is the caller of the patched function. A frame that received ``var`` as an
    argument got it from its caller, so the search moves up; the first frame that did not
    receive it names it (``fallback`` when none of its variables is ``var``), as MLflow does.
    """
    if var is None:
        return fallback
    try:
        while frame is not None:
            info = inspect.getargvalues(frame)
            arguments = [info.locals[name] for name in info.args]
            if info.varargs:
                arguments.extend(info.locals[info.varargs])
            if info.keywords:
                arguments.extend(info.locals[info.keywords].values())
            if any(var is argument for argument in arguments):
                frame = frame.f_back
                continue
            for name, value in frame.f_locals.items():
                if value is var:
                    return name
            return fallback
        return fallback
    except Exception:
        return fallback
    finally:
        del frame  # frames reference their locals: do not keep them alive


def call_command(
    function: Callable[..., Any],
    args: Iterable[Any],
    kwargs: Mapping[str, Any],
    frame: FrameType | None,
    owner: Any = None,
) -> str:
    """Render a metric call as ``name(arg=value, ...)``, data arguments by variable name.

    Args:
        function: The metric function (for ``model.score``: the unbound ``score``).
        args: The positional arguments (without ``self``).
        kwargs: The keyword arguments.
        frame: The caller's frame, where variable names are looked up.
        owner: The model whose ``score`` was called, or None for a function.

    Returns:
        E.g. ``accuracy_score(y_true=y_test, y_pred=<ndarray>)``.
    """
    import numpy as np

    def render(value: Any) -> str:
        if value is None or np.isscalar(value):
            if isinstance(value, str) and len(value) > _MAX_STRING_ARGUMENT:
                return repr(value[:_MAX_STRING_ARGUMENT] + "...")
            return repr(value)
        return original_var_name(value, f"<{type(value).__name__}>", frame)

    names = list(inspect.signature(function).parameters)
    if owner is not None:
        names = names[1:]
    name = function.__name__ if owner is None else f"{type(owner).__name__}.{function.__name__}"
    rendered = [f"{key}={render(value)}" for key, value in zip(names, args, strict=False)]
    rendered += [f"{key}={render(value)}" for key, value in kwargs.items()]
    return f"{name}({', '.join(rendered)})"


class PostTrainingMetrics:
    """The links of one autologging session: models to runs, predictions to models.

    One instance lives as long as ``autolog()`` stays on with the same options; the patched
    functions share it. Methods are thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: _IdentityMap[ModelRun] = _IdentityMap()
        self._predictions: _IdentityMap[Prediction] = _IdentityMap()
        # run id -> dataset variable name -> ids of the distinct objects seen under that name
        self._datasets: defaultdict[str, defaultdict[str, list[int]]] = defaultdict(
            lambda: defaultdict(list)
        )
        # run id -> metric name -> [(metric key, call command)], in call order
        self._calls: defaultdict[str, defaultdict[str, list[tuple[str, str]]]] = defaultdict(
            lambda: defaultdict(list)
        )

    def register_model(self, model: Any, run: ModelRun) -> None:
        """Link a model fitted by an autologged ``fit`` to its run."""
        with self._lock:
            self._models.set(model, run)

    def run_of(self, model: Any) -> ModelRun | None:
        """Return the run a model was autologged into, if any."""
        with self._lock:
            return self._models.get(model)

    def dataset_name(self, run: ModelRun, dataset: Any, var_name: str) -> str:
        """Return the name of a prediction input: its variable name, indexed when reused."""
        with self._lock:
            seen = self._datasets[run.run_id][var_name]
            if id(dataset) not in seen:
                seen.append(id(dataset))
            index = seen.index(id(dataset))
        return var_name if index == 0 else f"{var_name}-{index + 1}"

    def register_prediction(self, result: Any, prediction: Prediction) -> None:
        """Link a prediction object to its model's run and input dataset."""
        with self._lock:
            self._predictions.set(result, prediction)

    def prediction_in(self, values: Iterable[Any]) -> Prediction | None:
        """Return the first followed prediction among a metric call's arguments."""
        import numpy as np

        with self._lock:
            for value in values:
                if value is not None and not np.isscalar(value):
                    found = self._predictions.get(value)
                    if found is not None:
                        return found
        return None

    def log(
        self, run: ModelRun, metric_name: str, dataset_name: str, command: str, value: Any
    ) -> str:
        """Log one post-training metric and rewrite the run's ``metric_info.json``.

        Returns:
            The metric key, e.g. ``accuracy_score-2_X_test``.
        """
        with self._lock:
            calls = self._calls[run.run_id][metric_name]
            name = metric_name if not calls else f"{metric_name}-{len(calls) + 1}"
            key = f"{name}_{dataset_name}"
            calls.append((key, command))
            info = dict(
                sorted(item for items in self._calls[run.run_id].values() for item in items)
            )
        run.client.log_metric(run.run_id, key, float(value))
        run.client.log_dict(run.run_id, info, METRIC_INFO_ARTIFACT)
        return key
