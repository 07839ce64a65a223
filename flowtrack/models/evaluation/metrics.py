"""The default evaluator's metrics, under MLflow's names, computed with scikit-learn.

Regressors get MLflow's nine regression metrics. Classifiers get accuracy, precision, recall and
f1 (binary: of the positive label; multi-class: averaged, ``"weighted"`` by default), the
confusion counts (binary), and ``log_loss``, ``roc_auc`` and ``precision_recall_auc`` when class
probabilities are known. A multi-class evaluation also gets one-vs-rest metrics per class: run
metrics named ``<metric>_class_<label>`` and the rows of MLflow's ``per_class_metrics`` table.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from flowtrack.models.evaluation._optional import require

if TYPE_CHECKING:
    import numpy.typing as npt

    Array = npt.NDArray[Any]

__all__ = [
    "BINARY_ONLY_METRICS",
    "CLASSIFIER_METRICS",
    "MODEL_TYPES",
    "PER_CLASS_METRICS",
    "PROBABILITY_METRICS",
    "REGRESSOR_METRICS",
    "Classes",
    "ClassifierReport",
    "Probabilities",
    "classifier_metrics",
    "per_class_metric_name",
    "regressor_metrics",
]

_logger = logging.getLogger(__name__)

MODEL_TYPES = ("classifier", "regressor")
REGRESSOR_METRICS = (
    "example_count",
    "mean_absolute_error",
    "mean_squared_error",
    "root_mean_squared_error",
    "sum_on_target",
    "mean_on_target",
    "r2_score",
    "max_error",
    "mean_absolute_percentage_error",
)
CLASSIFIER_METRICS = (
    "example_count",
    "accuracy_score",
    "recall_score",
    "precision_score",
    "f1_score",
    "log_loss",
    "roc_auc",
    "precision_recall_auc",
    "true_negatives",
    "false_positives",
    "false_negatives",
    "true_positives",
)
#: Metrics of a binary classifier only (MLflow logs them per class for multi-class instead).
BINARY_ONLY_METRICS = (
    "true_negatives",
    "false_positives",
    "false_negatives",
    "true_positives",
    "precision_recall_auc",
)
#: Metrics that need class probabilities (``predict_proba``).
PROBABILITY_METRICS = ("log_loss", "roc_auc", "precision_recall_auc")
#: Multi-class metrics also logged per class, as ``<metric>_class_<label>``.
PER_CLASS_METRICS = ("recall_score", "precision_score", "f1_score", "roc_auc")

_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9_\-. ]")


@dataclass(frozen=True)
class Classes:
    """The classes of a classification evaluation.

    Attributes:
        labels: Every class label, sorted; a binary evaluation's are ``[negative, positive]``.
        pos_label: The positive label of a binary evaluation; ``None`` for multi-class.
    """

    labels: Array
    pos_label: Any

    @property
    def binary(self) -> bool:
        """Whether there are (at most) two classes."""
        return len(self.labels) <= 2


@dataclass(frozen=True)
class Probabilities:
    """Class probabilities and the label of each column.

    Attributes:
        scores: ``(rows, classes)`` probabilities, as ``predict_proba`` returns them.
        classes: The label of each column (the estimator's ``classes_``).
    """

    scores: Array
    classes: Array

    def column(self, label: Any) -> Array:
        """Return the probabilities of one class."""
        import numpy as np

        return self.scores[:, int(np.flatnonzero(self.classes == label)[0])]


@dataclass(frozen=True)
class ClassifierReport:
    """What the classifier metrics produce.

    Attributes:
        metrics: ``{MLflow metric name: value}``.
        per_class: One row per class (multi-class only), MLflow's ``per_class_metrics`` table.
    """

    metrics: dict[str, float]
    per_class: list[dict[str, Any]]


def per_class_metric_name(metric: str, label: Any) -> str:
    """Return the run metric name of a per-class metric: ``recall_score_class_setosa``.

    Characters a metric name may not hold are replaced with ``_``.
    """
    return f"{metric}_class_{_UNSAFE_NAME_CHARS.sub('_', str(label))}"


def _select(values: dict[str, float], selected: Sequence[str] | None) -> dict[str, float]:
    if selected is None:
        return values
    return {name: value for name, value in values.items() if name in selected}


def regressor_metrics(
    y_true: Array, y_pred: Array, weights: Array | None, selected: Sequence[str] | None
) -> dict[str, float]:
    """Compute MLflow's regressor metrics.

    Args:
        y_true: Numeric targets.
        y_pred: Numeric predictions, as many as targets.
        weights: Sample weights, or ``None``.
        selected: The metrics to return, or ``None`` for all of them.

    Returns:
        ``{metric name: value}`` in :data:`REGRESSOR_METRICS` order.
    """
    import numpy as np

    sk = require("sklearn.metrics", "evaluate's metrics")
    target_sum = float(np.sum(y_true * weights) if weights is not None else np.sum(y_true))
    values = {
        "example_count": float(len(y_true)),
        "mean_absolute_error": sk.mean_absolute_error(y_true, y_pred, sample_weight=weights),
        "mean_squared_error": sk.mean_squared_error(y_true, y_pred, sample_weight=weights),
        "root_mean_squared_error": sk.root_mean_squared_error(
            y_true, y_pred, sample_weight=weights
        ),
        # MLflow divides the (weighted) sum by the row count, not by the sum of the weights.
        "sum_on_target": target_sum,
        "mean_on_target": target_sum / len(y_true),
        "r2_score": sk.r2_score(y_true, y_pred, sample_weight=weights),
        "max_error": sk.max_error(y_true, y_pred),
        "mean_absolute_percentage_error": sk.mean_absolute_percentage_error(
            y_true, y_pred, sample_weight=weights
        ),
    }
    return _select(_floats(values), selected)


def _floats(values: dict[str, float]) -> dict[str, float]:
    return {name: float(value) for name, value in values.items()}


def _confusion_counts(
    y_true: Array, y_pred: Array, negative: Any, positive: Any
) -> dict[str, float]:
    sk = require("sklearn.metrics", "evaluate's metrics")
    tn, fp, fn, tp = sk.confusion_matrix(y_true, y_pred, labels=[negative, positive]).ravel()
    return {
        "true_negatives": int(tn),
        "false_positives": int(fp),
        "false_negatives": int(fn),
        "true_positives": int(tp),
    }


def _label_metrics(
    y_true: Array, y_pred: Array, weights: Array | None, **averaging: Any
) -> dict[str, float]:
    sk = require("sklearn.metrics", "evaluate's metrics")
    scored = {"sample_weight": weights, "zero_division": 0.0, **averaging}
    return {
        "example_count": len(y_true),
        "accuracy_score": float(sk.accuracy_score(y_true, y_pred, sample_weight=weights)),
        "recall_score": float(sk.recall_score(y_true, y_pred, **scored)),
        "precision_score": float(sk.precision_score(y_true, y_pred, **scored)),
        "f1_score": float(sk.f1_score(y_true, y_pred, **scored)),
    }


def _probability_metric(name: str, compute: Any) -> dict[str, float]:
    try:
        return {name: float(compute())}
    except ValueError as exc:  # e.g. a class without examples: the metric is undefined
        _logger.info("evaluate: skipping %s, which is undefined on this data: %s", name, exc)
        return {}


def _binary_metrics(
    y_true: Array, y_pred: Array, classes: Classes, probs: Probabilities | None, weights: Any
) -> dict[str, float]:
    sk = require("sklearn.metrics", "evaluate's metrics")
    values = {
        **_confusion_counts(y_true, y_pred, classes.labels[0], classes.pos_label),
        **_label_metrics(y_true, y_pred, weights, average="binary", pos_label=classes.pos_label),
    }
    if probs is not None:
        positive = y_true == classes.pos_label
        score = probs.column(classes.pos_label)
        values |= _probability_metric(
            "log_loss",
            lambda: sk.log_loss(y_true, probs.scores, labels=probs.classes, sample_weight=weights),
        )
        values |= _probability_metric(
            "roc_auc", lambda: sk.roc_auc_score(positive, score, sample_weight=weights)
        )
        values |= _probability_metric(
            "precision_recall_auc",
            lambda: sk.average_precision_score(positive, score, sample_weight=weights),
        )
    return values


def _per_class_rows(
    y_true: Array, y_pred: Array, classes: Classes, probs: Probabilities | None, weights: Any
) -> list[dict[str, Any]]:
    sk = require("sklearn.metrics", "evaluate's metrics")
    rows: list[dict[str, Any]] = []
    for label in classes.labels:
        actual, predicted = y_true == label, y_pred == label
        row: dict[str, Any] = {
            "positive_class": label.item() if hasattr(label, "item") else label,
            **_confusion_counts(actual, predicted, False, True),
            **_label_metrics(actual, predicted, weights, average="binary", pos_label=True),
        }
        if probs is not None and label in probs.classes:
            score = probs.column(label)
            curve = {"y_true": actual, "y_score": score, "sample_weight": weights}
            row |= _probability_metric("roc_auc", partial(sk.roc_auc_score, **curve))
            row |= _probability_metric(
                "precision_recall_auc", partial(sk.average_precision_score, **curve)
            )
        rows.append(row)
    return rows


def _multiclass_metrics(
    y_true: Array,
    y_pred: Array,
    classes: Classes,
    probs: Probabilities | None,
    weights: Any,
    average: str,
) -> dict[str, float]:
    sk = require("sklearn.metrics", "evaluate's metrics")
    values = _label_metrics(y_true, y_pred, weights, average=average, labels=classes.labels)
    if probs is not None:
        values |= _probability_metric(
            "log_loss",
            lambda: sk.log_loss(y_true, probs.scores, labels=probs.classes, sample_weight=weights),
        )
        if average in ("macro", "weighted"):  # one-vs-rest AUC has no micro average here
            values |= _probability_metric(
                "roc_auc",
                lambda: sk.roc_auc_score(
                    y_true,
                    probs.scores,
                    labels=probs.classes,
                    multi_class="ovr",
                    average=average,
                    sample_weight=weights,
                ),
            )
    return values


def classifier_metrics(
    y_true: Array,
    y_pred: Array,
    classes: Classes,
    probs: Probabilities | None,
    *,
    weights: Array | None = None,
    average: str = "weighted",
    selected: Sequence[str] | None = None,
) -> ClassifierReport:
    """Compute MLflow's classifier metrics.

    Args:
        y_true: The true labels.
        y_pred: The predicted labels, as many as ``y_true``.
        classes: The labels and, for a binary evaluation, the positive label.
        probs: Class probabilities, or ``None`` to skip the metrics that need them.
        weights: Sample weights, or ``None``.
        average: How multi-class precision, recall and f1 are averaged.
        selected: The metrics to return, or ``None`` for all available ones.

    Returns:
        The metrics (multi-class: with ``<metric>_class_<label>`` per class) and, for a
        multi-class evaluation, the per-class table.
    """
    if classes.binary:
        values = _binary_metrics(y_true, y_pred, classes, probs, weights)
        return ClassifierReport(metrics=_select(_floats(values), selected), per_class=[])
    values = _select(
        _floats(_multiclass_metrics(y_true, y_pred, classes, probs, weights, average)), selected
    )
    rows = _per_class_rows(y_true, y_pred, classes, probs, weights)
    for row in rows:
        for metric in PER_CLASS_METRICS:
            if metric in row and (selected is None or metric in selected):
                values[per_class_metric_name(metric, row["positive_class"])] = float(row[metric])
    return ClassifierReport(metrics=values, per_class=rows)
