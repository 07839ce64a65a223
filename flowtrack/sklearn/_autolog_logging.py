"""What scikit-learn autologging records for one ``fit``: params, tags, metrics, model, dataset.

Metric names and arguments follow MLflow's ``mlflow.sklearn.utils`` so dashboards built on MLflow
runs keep working: ``training_score``; for classifiers ``training_accuracy_score``,
``training_precision_score``, ``training_recall_score``, ``training_f1_score`` (weighted
averages), and with ``predict_proba`` ``training_log_loss`` and ``training_roc_auc`` (weighted,
one-vs-one for multiclass); for regressors ``training_mean_squared_error``,
``training_root_mean_squared_error``, ``training_mean_absolute_error``, ``training_r2_score``.
"""

from __future__ import annotations

import inspect
import logging
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flowtrack.entities.tags import MLFLOW_AUTOLOGGING

__all__ = [
    "INPUT_EXAMPLE_ROWS",
    "AutologConfig",
    "fit_arguments",
    "log_post_training",
    "log_pre_training",
]

_LOGGER = logging.getLogger("flowtrack.sklearn")

#: Rows of the training data kept as the input example (and used for the signature).
INPUT_EXAMPLE_ROWS = 5
_MAX_PARAM_LENGTH = 6000
_PARAMS_PER_BATCH = 100  # the tracking stores' limit per log_batch


@dataclass(frozen=True, slots=True)
class AutologConfig:
    """The options of one ``flowtrack.sklearn.autolog(...)`` call."""

    log_models: bool = True
    log_input_examples: bool = False
    log_model_signatures: bool = True
    log_datasets: bool = True
    silent: bool = False
    exclusive: bool = False
    serialization_format: str | None = None
    extra_tags: tuple[tuple[str, str], ...] = ()


def _safely(config: AutologConfig, what: str, estimator: Any, action: Callable[[], None]) -> None:
    # Autologging must never break the user's training: report and carry on.
    try:
        action()
    except Exception as exc:
        if not config.silent:
            _LOGGER.warning(
                "flowtrack autologging could not log the %s of %s: %s: %s",
                what,
                type(estimator).__name__,
                type(exc).__name__,
                exc,
            )


def fit_arguments(fit: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    """Return ``(X, y, sample_weight)`` of a ``fit`` call (``y``, ``sample_weight``: or None)."""
    names = list(inspect.signature(fit).parameters)[1:]  # without self
    bound = dict(zip(names, args, strict=False)) | dict(kwargs)
    x_name, y_name = [*names, "X", "y"][:2]
    return bound.get(x_name), bound.get(y_name), bound.get("sample_weight")


def _is_search(estimator: Any) -> bool:
    return hasattr(estimator, "param_grid") or hasattr(estimator, "param_distributions")


def _params(estimator: Any) -> dict[str, str]:
    params = estimator.get_params(deep=not _is_search(estimator))
    return {str(key): str(value)[:_MAX_PARAM_LENGTH] for key, value in params.items()}


def log_pre_training(estimator: Any, config: AutologConfig) -> None:
    """Log the estimator's params and the estimator tags before ``fit`` runs."""
    import flowtrack

    tags = {
        "estimator_name": type(estimator).__name__,
        "estimator_class": f"{type(estimator).__module__}.{type(estimator).__name__}",
        MLFLOW_AUTOLOGGING: "sklearn",
        **dict(config.extra_tags),
    }

    def log_params() -> None:
        items = sorted(_params(estimator).items())
        for start in range(0, len(items), _PARAMS_PER_BATCH):
            flowtrack.log_params(dict(items[start : start + _PARAMS_PER_BATCH]))

    _safely(config, "params", estimator, log_params)
    _safely(config, "tags", estimator, lambda: flowtrack.set_tags(tags))


def _metric(
    name: str, function: Callable[..., Any], sample_weight: Any, **arguments: Any
) -> tuple[str, float] | None:
    if sample_weight is not None:
        arguments["sample_weight"] = sample_weight
    try:
        with warnings.catch_warnings():
            # e.g. UndefinedMetricWarning on a class never predicted: the value is still logged
            warnings.simplefilter("ignore")
            value = float(function(**arguments))
    except Exception as exc:
        _LOGGER.debug("Skipping the metric %s: %s", name, exc)
        return None
    return name, value


def training_metrics(estimator: Any, X: Any, y: Any, sample_weight: Any) -> dict[str, float]:
    """Return MLflow's ``training_*`` metrics of a fitted estimator on its training data."""
    from sklearn import metrics
    from sklearn.base import is_classifier, is_regressor

    found: list[tuple[str, float] | None] = []
    if hasattr(estimator, "score"):
        score_params = inspect.signature(estimator.score).parameters
        weight = sample_weight if "sample_weight" in score_params else None
        found.append(_metric("training_score", estimator.score, weight, X=X, y=y))
    if is_classifier(estimator):
        y_pred = estimator.predict(X)
        for name, fn in (
            ("precision_score", metrics.precision_score),
            ("recall_score", metrics.recall_score),
            ("f1_score", metrics.f1_score),
        ):
            found.append(
                _metric(
                    f"training_{name}",
                    fn,
                    sample_weight,
                    y_true=y,
                    y_pred=y_pred,
                    average="weighted",
                )
            )
        found.append(
            _metric(
                "training_accuracy_score",
                metrics.accuracy_score,
                sample_weight,
                y_true=y,
                y_pred=y_pred,
            )
        )
        if hasattr(estimator, "predict_proba"):
            proba = estimator.predict_proba(X)
            found.append(
                _metric(
                    "training_log_loss", metrics.log_loss, sample_weight, y_true=y, y_pred=proba
                )
            )
            score = proba[:, 1] if proba.shape[1] == 2 else proba
            found.append(
                _metric(
                    "training_roc_auc",
                    metrics.roc_auc_score,
                    sample_weight,
                    y_true=y,
                    y_score=score,
                    average="weighted",
                    multi_class="ovo",
                )
            )
    elif is_regressor(estimator):
        y_pred = estimator.predict(X)
        mse = _metric(
            "training_mean_squared_error",
            metrics.mean_squared_error,
            sample_weight,
            y_true=y,
            y_pred=y_pred,
        )
        found.append(mse)
        if mse is not None:
            found.append(("training_root_mean_squared_error", math.sqrt(mse[1])))
        found.append(
            _metric(
                "training_mean_absolute_error",
                metrics.mean_absolute_error,
                sample_weight,
                y_true=y,
                y_pred=y_pred,
            )
        )
        found.append(
            _metric("training_r2_score", metrics.r2_score, sample_weight, y_true=y, y_pred=y_pred)
        )
    return dict(item for item in found if item is not None)


def _head(X: Any) -> Any:
    if hasattr(X, "iloc"):
        return X.iloc[:INPUT_EXAMPLE_ROWS]
    if hasattr(X, "shape") and hasattr(X, "__getitem__"):
        return X[:INPUT_EXAMPLE_ROWS]
    if isinstance(X, list):
        return X[:INPUT_EXAMPLE_ROWS]
    return None


def _log_model(estimator: Any, X: Any, config: AutologConfig) -> None:
    from flowtrack.models.signature import infer_signature
    from flowtrack.sklearn._flavor import log_model

    example = _head(X)
    signature: Any = False
    if config.log_model_signatures and example is not None and hasattr(estimator, "predict"):
        try:
            signature = infer_signature(example, estimator.predict(example))
        except Exception as exc:
            _LOGGER.debug("Logging the model without a signature: %s", exc)
    log_model(
        estimator,
        artifact_path="model",
        serialization_format=config.serialization_format,
        signature=signature,
        input_example=example if config.log_input_examples else None,
    )


def _log_dataset(X: Any, y: Any) -> None:
    import flowtrack
    from flowtrack.data import from_numpy, from_pandas

    if hasattr(X, "iloc") and hasattr(X, "columns"):
        dataset: Any = from_pandas(X)
    else:
        dataset = from_numpy(X, targets=y if hasattr(y, "shape") else None)
    flowtrack.log_input(dataset, context="train")


def log_post_training(
    estimator: Any, X: Any, y: Any, sample_weight: Any, config: AutologConfig
) -> None:
    """Log training metrics, search results, the dataset and the fitted model."""
    import flowtrack

    if y is not None:
        _safely(
            config,
            "training metrics",
            estimator,
            lambda: flowtrack.log_metrics(training_metrics(estimator, X, y, sample_weight)),
        )
    if _is_search(estimator) and hasattr(estimator, "best_params_"):

        def search_results() -> None:
            best = {
                f"best_{k}": str(v)[:_MAX_PARAM_LENGTH] for k, v in estimator.best_params_.items()
            }
            flowtrack.log_params(best)
            if hasattr(estimator, "best_score_"):
                flowtrack.log_metric("best_cv_score", float(estimator.best_score_))

        _safely(config, "search results", estimator, search_results)
    if config.log_datasets and X is not None:
        _safely(config, "training dataset", estimator, lambda: _log_dataset(X, y))
    if config.log_models:
        _safely(config, "model", estimator, lambda: _log_model(estimator, X, config))
