"""The default evaluator for each model type: check the values, compute metrics, draw plots.

Both return an :class:`Outcome`: metrics and local artifact files, not yet logged anywhere, so a
failure leaves no half-filled run behind.
"""

from __future__ import annotations

import csv
import logging
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models.evaluation import metrics as m
from flowtrack.models.evaluation import plots
from flowtrack.models.evaluation._optional import require

if TYPE_CHECKING:
    import numpy.typing as npt

    from flowtrack.models.evaluation._config import EvaluatorConfig
    from flowtrack.models.evaluation._model import Predictor

    Array = npt.NDArray[Any]

__all__ = ["Outcome", "evaluate_classifier", "evaluate_regressor"]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """An evaluation's results before logging.

    Attributes:
        metrics: ``{MLflow metric name: value}``.
        files: ``{artifact name: local file}``; the file name is the artifact's name plus its
            extension (``confusion_matrix.png``).
    """

    metrics: dict[str, float]
    files: dict[str, Path] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    """Return a numpy scalar as the Python value, so messages show ``0.5``, not ``np.float64``."""
    return value.item() if hasattr(value, "item") else value


def _example(values: Array, bad: Array) -> Any:
    return _plain(values[bad.argmax()] if bad.any() else values[0])


def numeric(values: Array, what: str, hint: str = "") -> Array:
    """Return ``values`` as floats.

    Args:
        values: The values to check.
        what: What they are, for messages (``"Regression targets"``).
        hint: Advice appended to the message about non-numeric values.

    Raises:
        InvalidParameterError: Non-numeric values, or missing (NaN) values.
    """
    numpy = require("numpy", "evaluate")
    if values.dtype.kind not in "iuf":
        items = values.tolist()
        number = [isinstance(v, numbers.Real) and not isinstance(v, bool) for v in items]
        if values.dtype.kind != "O" or not all(number):
            raise InvalidParameterError(
                f"{what} must be numeric, but they have dtype {values.dtype} (e.g. "
                f"{_example(values, numpy.logical_not(number))!r}){hint}"
            )
    floats = values.astype(float)
    missing = int(numpy.isnan(floats).sum())
    if missing:
        raise InvalidParameterError(
            f"{what} contain {missing} missing (NaN) values; drop or fill those rows"
        )
    return floats


def _check_labels(values: Array, what: str) -> None:
    numpy = require("numpy", "evaluate")
    if values.dtype.kind == "f":
        missing = numpy.isnan(values)
        if missing.any():
            raise InvalidParameterError(
                f"Classifier {what} contain {int(missing.sum())} missing (NaN) labels; drop or "
                "fill those rows"
            )
        fractional = values != numpy.round(values)
        if fractional.any():
            raise InvalidParameterError(
                f"Classifier {what} must be class labels, but they hold continuous values such "
                f"as {_example(values, fractional)!r}; use model_type='regressor' for numeric "
                "targets (class probabilities come from the model's predict_proba)"
            )
    elif values.dtype.kind == "O" and any(v is None for v in values.tolist()):
        raise InvalidParameterError(f"Classifier {what} contain missing (None) labels")


def _is_text(values: Array) -> bool:
    if values.dtype.kind in "USO":
        return any(isinstance(v, str | bytes) for v in values.tolist())
    return False


def _classes(y_true: Array, y_pred: Array, config: EvaluatorConfig) -> m.Classes:
    numpy = require("numpy", "evaluate")
    if _is_text(y_true) != _is_text(y_pred):
        raise InvalidParameterError(
            f"targets and predictions hold labels of different kinds: targets "
            f"{_plain(y_true[0])!r}, predictions {_plain(y_pred[0])!r}; both must be strings or "
            "both numbers"
        )
    try:
        seen = numpy.unique(numpy.concatenate([y_true, y_pred]))
        if config.label_list is not None:
            labels = numpy.sort(numpy.asarray(config.label_list))
    except TypeError as exc:  # labels of mixed types cannot be sorted
        raise InvalidParameterError(
            f"Class labels must be of one type (all strings or all numbers) to be sorted: {exc}"
        ) from None
    if config.label_list is None:
        labels = seen
    else:
        unknown = [label for label in seen.tolist() if label not in labels.tolist()]
        if unknown:
            raise InvalidParameterError(
                f"Labels {unknown} of targets or predictions are not in evaluator_config"
                f"['label_list'] {labels.tolist()}"
            )
    if len(labels) < 2:
        raise InvalidParameterError(
            f"Classifier evaluation needs at least two classes, but targets and predictions "
            f"hold only {labels.tolist()}; pass evaluator_config={{'label_list': [...]}} "
            "naming every class"
        )
    if len(labels) > 2:
        return m.Classes(labels=labels, pos_label=None)
    pos_label = _plain(labels[-1]) if config.pos_label is None else config.pos_label
    if pos_label not in labels.tolist():
        raise InvalidParameterError(
            f"pos_label {pos_label!r} is not one of the labels {labels.tolist()}"
        )
    negative = labels[0] if labels[1] == pos_label else labels[1]
    return m.Classes(labels=numpy.array([negative, pos_label]), pos_label=pos_label)


def _probabilities(
    predictor: Predictor | None, features: Any, rows: int, classes: m.Classes
) -> m.Probabilities | None:
    numpy = require("numpy", "evaluate")
    if predictor is None or predictor.predict_proba is None:
        return None
    scores = numpy.asarray(predictor.predict_proba(features), dtype=float)
    known = predictor.classes
    if known is None and scores.ndim == 2 and scores.shape[1] == len(classes.labels):
        known = numpy.sort(classes.labels)  # columns in sorted label order, as sklearn does
    labels = classes.labels.tolist()
    if (
        scores.ndim != 2
        or scores.shape[0] != rows
        or known is None
        or len(known) != scores.shape[1]
        or any(label not in numpy.asarray(known).tolist() for label in labels)
    ):
        _logger.info(
            "evaluate: skipping probability metrics: %s returned probabilities of shape %s, "
            "which do not match the labels %s",
            predictor.description,
            scores.shape,
            labels,
        )
        return None
    return m.Probabilities(scores=scores, classes=numpy.asarray(known))


def _check_selection(config: EvaluatorConfig, classes: m.Classes, probs: Any) -> None:
    selected = config.metrics or ()
    binary_only = [name for name in selected if name in m.BINARY_ONLY_METRICS]
    if binary_only and not classes.binary:
        raise InvalidParameterError(
            f"Metrics {binary_only} are only defined for binary classifiers, but this evaluation "
            f"has {len(classes.labels)} classes {classes.labels.tolist()}"
        )
    needs_probs = [name for name in selected if name in m.PROBABILITY_METRICS]
    if needs_probs and probs is None:
        raise InvalidParameterError(
            f"Metrics {needs_probs} need class probabilities, but the model has no usable "
            "predict_proba (static predictions and plain callables have none)"
        )


def _write_csv(rows: list[dict[str, Any]], path: Path) -> Path:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _curves(
    y_true: Array, classes: m.Classes, probs: m.Probabilities, limit: int
) -> list[plots.Curve]:
    if classes.binary:
        labels = [classes.pos_label]
    elif len(classes.labels) <= limit:
        labels = classes.labels.tolist()
    else:
        _logger.info(
            "evaluate: %d classes exceed max_classes_for_multiclass_roc_pr=%d; no ROC or PR plot",
            len(classes.labels),
            limit,
        )
        return []
    curves = []
    for label in labels:
        actual = y_true == label
        if actual.all() or not actual.any():
            _logger.info("evaluate: no curve for class %r: it is all or none of the rows", label)
            continue
        name = "" if classes.binary else str(label)
        curves.append(plots.Curve(name=name, actual=actual, score=probs.column(label)))
    return curves


def evaluate_classifier(
    y_true: Array,
    y_pred: Array,
    predictor: Predictor | None,
    features: Any,
    config: EvaluatorConfig,
    out_dir: Path,
) -> Outcome:
    """Evaluate class predictions: metrics, confusion matrix, ROC and PR curves.

    Raises:
        InvalidParameterError: Continuous or missing labels, fewer than two classes, a bad
            ``pos_label``, or requested metrics this evaluation cannot compute.
    """
    _check_labels(y_true, "targets")
    _check_labels(y_pred, "predictions")
    classes = _classes(y_true, y_pred, config)
    probs = _probabilities(predictor, features, len(y_true), classes)
    _check_selection(config, classes, probs)
    report = m.classifier_metrics(
        y_true,
        y_pred,
        classes,
        probs,
        weights=config.sample_weights,
        average=config.average,
        selected=config.metrics,
    )
    prefix = config.metric_prefix
    files = {
        f"{prefix}confusion_matrix": plots.save_png(
            plots.confusion_matrix_figure(y_true, y_pred, classes.labels, config.sample_weights),
            out_dir / f"{prefix}confusion_matrix.png",
        )
    }
    curves = (
        []
        if probs is None
        else _curves(y_true, classes, probs, config.max_classes_for_multiclass_roc_pr)
    )
    if curves:
        for name, draw in (
            ("roc_curve_plot", plots.roc_figure),
            ("precision_recall_curve_plot", plots.precision_recall_figure),
        ):
            figure = draw(curves, classes.pos_label, config.sample_weights)
            files[prefix + name] = plots.save_png(figure, out_dir / f"{prefix}{name}.png")
    if report.per_class:
        path = out_dir / f"{prefix}per_class_metrics.csv"
        files[f"{prefix}per_class_metrics"] = _write_csv(report.per_class, path)
    return Outcome(metrics=report.metrics, files=files)


def evaluate_regressor(
    y_true: Array, y_pred: Array, config: EvaluatorConfig, out_dir: Path
) -> Outcome:
    """Evaluate numeric predictions: MLflow's regression metrics, residual plots.

    Raises:
        InvalidParameterError: Non-numeric or missing targets or predictions.
    """
    hint = "; use model_type='classifier' for class labels"
    targets = numeric(y_true, "Regression targets", hint)
    predicted = numeric(y_pred, "Regression predictions", hint)
    values = m.regressor_metrics(targets, predicted, config.sample_weights, config.metrics)
    prefix = config.metric_prefix
    files = {
        f"{prefix}residuals_plot": plots.save_png(
            plots.residuals_figure(targets, predicted), out_dir / f"{prefix}residuals_plot.png"
        ),
        f"{prefix}predicted_vs_actual_plot": plots.save_png(
            plots.predicted_vs_actual_figure(targets, predicted),
            out_dir / f"{prefix}predicted_vs_actual_plot.png",
        ),
    }
    return Outcome(metrics=values, files=files)
