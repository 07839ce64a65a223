"""The replacements autologging installs: training, inference, scoring and metric functions.

- ``fit`` / ``fit_transform`` / ``fit_predict``: log the fit into the active run, or into a run
  opened and closed around it (tagged ``mlflow.autologging`` and ``extra_tags``); with
  ``exclusive``, not into a run the user started. A fit inside another autologged fit (a
  Pipeline's steps, a search's candidates) or inside ``cross_val_score`` and its kin (as in
  MLflow) is not logged.
- ``predict`` / ``predict_proba`` / ``predict_log_proba`` / ``transform``, ``score`` and the
  ``sklearn.metrics`` functions: post-training metrics (:mod:`flowtrack.sklearn._post_training`).

"Inside" is tracked per context (:class:`~contextvars.ContextVar`), so concurrent fits in other
threads or tasks log on their own. A replacement never raises into user code because of logging:
the original's result (or exception) is what the caller gets.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import FrameType
from typing import Any

from flowtrack.sklearn._autolog_config import AutologConfig, quiet, report
from flowtrack.sklearn._autolog_logging import (
    FitData,
    fit_data,
    log_post_training,
    log_pre_training,
)
from flowtrack.sklearn._post_training import (
    UNKNOWN_DATASET,
    ModelRun,
    PostTrainingMetrics,
    Prediction,
    call_command,
    is_loggable,
    original_var_name,
)

__all__ = [
    "Session",
    "fit_hook",
    "metric_hook",
    "predict_hook",
    "score_hook",
    "suspend_hook",
]

#: True while an autologged fit runs, or autologging is suspended, in this context.
_IN_SESSION: ContextVar[bool] = ContextVar("flowtrack_sklearn_autolog_session", default=False)
#: True while a fit, score, prediction or metric call runs: its inner calls are not followed.
_METRICS_PAUSED: ContextVar[bool] = ContextVar("flowtrack_sklearn_metrics_paused", default=False)


@dataclass(frozen=True, slots=True)
class Session:
    """One ``autolog()`` call's options and the post-training links its replacements share."""

    config: AutologConfig
    metrics: PostTrainingMetrics


@contextmanager
def _set(var: ContextVar[bool]) -> Iterator[None]:
    token = var.set(True)
    try:
        yield
    finally:
        var.reset(token)


def _exclusive_skip(config: AutologConfig) -> bool:
    """MLflow's ``exclusive``: leave runs the user started alone."""
    from flowtrack.tracking.fluent.runs import active_run

    return config.exclusive and active_run() is not None


def _first_argument(original: Callable[..., Any], args: tuple[Any, ...], kwargs: Any) -> Any:
    if args:
        return args[0]
    names = list(inspect.signature(original).parameters)
    return kwargs.get(names[1]) if len(names) > 1 else None


def _fit_and_log(
    session: Session, original: Callable[..., Any], estimator: Any, args: Any, kwargs: Any
) -> tuple[Any, ModelRun]:
    from flowtrack.tracking.fluent.runs import run_target

    client, run_id = run_target(None)
    config = session.config
    with quiet(config):
        try:
            data = fit_data(original, args, kwargs)
        except Exception as exc:  # an unusual fit signature: log what needs no data
            _warn(config, "read the arguments of fit", exc)
            data = FitData(None, None, None, None)
        dataset = log_pre_training(client, run_id, estimator, data, config)
    result = original(estimator, *args, **kwargs)
    with quiet(config):
        log_post_training(client, run_id, estimator, data, dataset, config)
    return result, ModelRun(client, run_id)


def _managed_run_tags(config: AutologConfig) -> dict[str, str]:
    from flowtrack.tracking.context_tags import MLFLOW_AUTOLOGGING

    return {MLFLOW_AUTOLOGGING: "sklearn", **dict(config.extra_tags)}


def fit_hook(session: Session) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return the factory of autologged ``fit`` / ``fit_transform`` / ``fit_predict``."""

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
            from flowtrack.tracking.fluent.runs import active_run, start_run

            config = session.config
            if _IN_SESSION.get() or _exclusive_skip(config):
                return original(self, *args, **kwargs)
            follow = config.log_post_training_metrics and not _METRICS_PAUSED.get()
            with _set(_IN_SESSION), _set(_METRICS_PAUSED):
                if active_run() is not None:
                    result, run = _fit_and_log(session, original, self, args, kwargs)
                else:  # the run ends FINISHED, or FAILED if fit raises
                    with start_run(tags=_managed_run_tags(config)) as managed:
                        report(
                            config,
                            logging.INFO,
                            "Created flowtrack autologging run with ID '%s', which will track "
                            "hyperparameters, performance metrics, model artifacts, and lineage "
                            "information for the current sklearn workflow",
                            managed.info.run_id,
                        )
                        result, run = _fit_and_log(session, original, self, args, kwargs)
            if follow:
                session.metrics.register_model(self, run)
            return result

        return fit

    return make


def _dataset_name(session: Session, run: ModelRun, dataset: Any, caller: FrameType | None) -> str:
    name = original_var_name(dataset, UNKNOWN_DATASET, caller)
    return session.metrics.dataset_name(run, dataset, name)


def _log_eval_dataset(run: ModelRun, dataset: Any) -> None:
    from flowtrack.data import from_numpy, from_pandas
    from flowtrack.entities import DATASET_CONTEXT_TAG, DatasetInput, InputTag

    if hasattr(dataset, "iloc") and hasattr(dataset, "columns"):
        entity = from_pandas(dataset).to_entity()
    elif hasattr(dataset, "shape") and hasattr(dataset, "dtype"):
        entity = from_numpy(dataset).to_entity()
    else:
        return
    tag = InputTag(key=DATASET_CONTEXT_TAG, value="eval")
    run.client.log_inputs(run.run_id, [DatasetInput(dataset=entity, tags=[tag])])


def _followed_run(session: Session, model: Any) -> ModelRun | None:
    if _IN_SESSION.get() or _METRICS_PAUSED.get() or _exclusive_skip(session.config):
        return None
    return session.metrics.run_of(model)


def _warn(config: AutologConfig, what: str, exc: Exception) -> None:
    report(
        config,
        logging.WARNING,
        "flowtrack autologging could not %s: %s: %s",
        what,
        type(exc).__name__,
        exc,
    )


def predict_hook(session: Session) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return the factory of ``predict`` and kin that link their results to the model's run."""

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def predict(self: Any, *args: Any, **kwargs: Any) -> Any:
            run = _followed_run(session, self)
            if run is None:
                return original(self, *args, **kwargs)
            with _set(_METRICS_PAUSED):
                result = original(self, *args, **kwargs)
            caller = inspect.currentframe()
            try:
                with quiet(session.config):
                    dataset = _first_argument(original, args, kwargs)
                    name = _dataset_name(session, run, dataset, caller.f_back if caller else None)
                    session.metrics.register_prediction(result, Prediction(run, name))
                    if session.config.log_datasets:
                        _log_eval_dataset(run, dataset)
            except Exception as exc:
                _warn(session.config, "follow a prediction", exc)
            finally:
                del caller
            return result

        return predict

    return make


def score_hook(session: Session) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return the factory of ``score`` that logs ``{ModelClass}_score_{dataset}``."""

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def score(self: Any, *args: Any, **kwargs: Any) -> Any:
            run = _followed_run(session, self)
            if run is None:
                return original(self, *args, **kwargs)
            with _set(_METRICS_PAUSED):
                value = original(self, *args, **kwargs)
            caller = inspect.currentframe()
            try:
                if is_loggable(value):
                    with quiet(session.config):
                        frame = caller.f_back if caller else None
                        dataset = _first_argument(original, args, kwargs)
                        name = _dataset_name(session, run, dataset, frame)
                        command = call_command(original, args, kwargs, frame, owner=self)
                        metric = f"{type(self).__name__}_score"
                        session.metrics.log(run, metric, name, command, value)
            except Exception as exc:
                _warn(session.config, "log a post-training score", exc)
            finally:
                del caller
            return value

        return score

    return make


def metric_hook(session: Session) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return the factory of ``sklearn.metrics`` functions that log calls on predictions."""

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def metric(*args: Any, **kwargs: Any) -> Any:
            if _IN_SESSION.get() or _METRICS_PAUSED.get() or _exclusive_skip(session.config):
                return original(*args, **kwargs)
            with _set(_METRICS_PAUSED):
                value = original(*args, **kwargs)
            caller = inspect.currentframe()
            try:
                prediction = session.metrics.prediction_in([*args, *kwargs.values()])
                if prediction is not None and is_loggable(value):
                    with quiet(session.config):
                        frame = caller.f_back if caller else None
                        command = call_command(original, args, kwargs, frame)
                        name = prediction.dataset_name
                        session.metrics.log(prediction.run, original.__name__, name, command, value)
            except Exception as exc:
                _warn(session.config, "log a post-training metric", exc)
            finally:
                del caller
            return value

        return metric

    return make


def suspend_hook(original: Callable[..., Any]) -> Callable[..., Any]:
    """Return ``original`` with autologging suspended while it runs (``cross_val_score``...)."""

    @functools.wraps(original)
    def suspended(*args: Any, **kwargs: Any) -> Any:
        with _set(_IN_SESSION):
            return original(*args, **kwargs)

    return suspended
