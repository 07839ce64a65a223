"""MLflow's ``training_*`` metrics of a fitted estimator, computed on its training data.

Names and arguments follow MLflow's ``mlflow.sklearn.utils`` so dashboards built on MLflow runs
keep working: ``training_score``; for classifiers ``training_accuracy_score``,
``training_precision_score``, ``training_recall_score``, ``training_f1_score`` (weighted averages,
or ``average="binary"`` for ``pos_label``), and with ``predict_proba`` ``training_log_loss`` and
``training_roc_auc`` (weighted, one-vs-one for multiclass); for regressors
``training_mean_squared_error``, ``training_root_mean_squared_error``,
``training_mean_absolute_error``, ``training_r2_score``.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable
from typing import Any

from flowtrack.sklearn._autolog_config import LOGGER

__all__ = ["training_metrics"]

_PREFIX = "training_"


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
        LOGGER.debug("Skipping the metric %s: %s", name, exc)
        return None
    return name, value


def _classifier_metrics(
    estimator: Any, X: Any, y: Any, sample_weight: Any, pos_label: Any
) -> list[tuple[str, float] | None]:
    from sklearn import metrics

    y_pred = estimator.predict(X)
    averaging: dict[str, Any] = {"average": "weighted"}
    if pos_label is not None:
        averaging = {"average": "binary", "pos_label": pos_label}
    found = [
        _metric(f"{_PREFIX}{name}", fn, sample_weight, y_true=y, y_pred=y_pred, **averaging)
        for name, fn in (
            ("precision_score", metrics.precision_score),
            ("recall_score", metrics.recall_score),
            ("f1_score", metrics.f1_score),
        )
    ]
    found.append(
        _metric(
            f"{_PREFIX}accuracy_score",
            metrics.accuracy_score,
            sample_weight,
            y_true=y,
            y_pred=y_pred,
        )
    )
    if hasattr(estimator, "predict_proba"):
        proba = estimator.predict_proba(X)
        found.append(
            _metric(f"{_PREFIX}log_loss", metrics.log_loss, sample_weight, y_true=y, y_pred=proba)
        )
        # binary: the score of the class with the greater label, as roc_auc_score expects
        score = proba[:, 1] if proba.shape[1] == 2 else proba
        found.append(
            _metric(
                f"{_PREFIX}roc_auc",
                metrics.roc_auc_score,
                sample_weight,
                y_true=y,
                y_score=score,
                average="weighted",
                multi_class="ovo",
            )
        )
    return found


def _regressor_metrics(
    estimator: Any, X: Any, y: Any, sample_weight: Any
) -> list[tuple[str, float] | None]:
    from sklearn import metrics

    y_pred = estimator.predict(X)
    mse = _metric(
        f"{_PREFIX}mean_squared_error",
        metrics.mean_squared_error,
        sample_weight,
        y_true=y,
        y_pred=y_pred,
    )
    found = [mse]
    if mse is not None:
        found.append((f"{_PREFIX}root_mean_squared_error", math.sqrt(mse[1])))
    for name, fn in (
        ("mean_absolute_error", metrics.mean_absolute_error),
        ("r2_score", metrics.r2_score),
    ):
        found.append(_metric(f"{_PREFIX}{name}", fn, sample_weight, y_true=y, y_pred=y_pred))
    return found


def training_metrics(
    estimator: Any, X: Any, y: Any, sample_weight: Any, pos_label: Any = None
) -> dict[str, float]:
    """Return MLflow's ``training_*`` metrics of a fitted estimator on its training data.

    Args:
        estimator: The fitted estimator.
        X: The training samples given to ``fit``.
        y: The training labels given to ``fit``.
        sample_weight: The sample weights given to ``fit``, or None.
        pos_label: The positive class of a binary classifier (``average="binary"``), or None
            for weighted averages.

    Returns:
        ``{name: value}`` of the metrics that could be computed.
    """
    from sklearn.base import is_classifier, is_regressor

    found: list[tuple[str, float] | None] = []
    if hasattr(estimator, "score"):
        score_params = inspect.signature(estimator.score).parameters
        weight = sample_weight if "sample_weight" in score_params else None
        found.append(_metric(f"{_PREFIX}score", estimator.score, weight, X=X, y=y))
    if is_classifier(estimator):
        found.extend(_classifier_metrics(estimator, X, y, sample_weight, pos_label))
    elif is_regressor(estimator):
        found.extend(_regressor_metrics(estimator, X, y, sample_weight))
    return dict(item for item in found if item is not None)
