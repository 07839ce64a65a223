"""The default evaluator's plots, drawn on ``matplotlib.figure.Figure`` objects.

No pyplot: each function builds its own figure, so evaluation never touches matplotlib's global
figure manager or backend. Classifiers get a normalized confusion matrix, ROC and
precision-recall curves (one-vs-rest per class for multi-class); regressors get residuals against
predictions and predictions against targets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowtrack.models.evaluation._optional import require

if TYPE_CHECKING:
    import numpy.typing as npt
    from matplotlib.figure import Figure

    Array = npt.NDArray[Any]

__all__ = [
    "Curve",
    "confusion_matrix_figure",
    "precision_recall_figure",
    "predicted_vs_actual_figure",
    "residuals_figure",
    "roc_figure",
    "save_png",
]

_PURPOSE = "evaluate's plots"
_DASHED: dict[str, Any] = {"color": "gray", "alpha": 0.4, "linestyle": "dashed", "linewidth": 1}


@dataclass(frozen=True)
class Curve:
    """One class's scores, for a ROC or precision-recall curve.

    Attributes:
        name: The legend's name for the class (``""`` for a binary evaluation's single curve).
        actual: Whether each row belongs to the class.
        score: The predicted probability of the class for each row.
    """

    name: str
    actual: Array
    score: Array


def _figure(width: float = 6.4, height: float = 4.8) -> Figure:
    module = require("matplotlib.figure", _PURPOSE)
    figure: Figure = module.Figure(figsize=(width, height), dpi=100, layout="constrained")
    return figure


def save_png(figure: Figure, path: Path) -> Path:
    """Write a figure as a PNG file and return its path."""
    figure.savefig(path, format="png")
    return path


def confusion_matrix_figure(
    y_true: Array, y_pred: Array, labels: Array, weights: Array | None = None
) -> Figure:
    """Draw the confusion matrix, each row normalized to the true class's count (as MLflow does).

    Args:
        y_true: The true labels.
        y_pred: The predicted labels.
        labels: Every class, in axis order.
        weights: Sample weights, or ``None``.

    Returns:
        The figure.
    """
    sk = require("sklearn.metrics", _PURPOSE)
    matrix = sk.confusion_matrix(
        y_true, y_pred, labels=labels, sample_weight=weights, normalize="true"
    )
    figure = _figure(6.0, 4.8)
    ax = figure.add_subplot()
    image = ax.imshow(matrix, cmap="Blues", vmin=0.0, vmax=1.0)
    figure.colorbar(image, ax=ax)
    ticks = range(len(labels))
    names = [str(label) for label in labels]
    ax.set_xticks(ticks, names, rotation=45 if len(labels) > 4 else 0)
    ax.set_yticks(ticks, names)
    font_size = min(10, math.ceil(60.0 / len(labels)))
    for row in ticks:
        for col in ticks:
            value = matrix[row, col]
            ax.text(
                col,
                row,
                f"{value:.2g}",
                ha="center",
                va="center",
                fontsize=font_size,
                color="white" if value > 0.5 else "black",
            )
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("True label")
    ax.set_title("Normalized confusion matrix")
    return figure


def _curves_figure(
    curves: Sequence[Curve], kind: str, pos_label: Any, weights: Array | None
) -> Figure:
    sk = require("sklearn.metrics", _PURPOSE)
    figure = _figure(7.5 if len(curves) > 1 else 6.4, 4.8)
    ax = figure.add_subplot()
    for curve in curves:
        if kind == "roc":
            x, y, _ = sk.roc_curve(curve.actual, curve.score, sample_weight=weights)
            auc = sk.roc_auc_score(curve.actual, curve.score, sample_weight=weights)
            summary = f"AUC={auc:.3f}"
        else:
            y, x, _ = sk.precision_recall_curve(curve.actual, curve.score, sample_weight=weights)
            ap = sk.average_precision_score(curve.actual, curve.score, sample_weight=weights)
            summary = f"AP={ap:.3f}"
        label = f"label={curve.name}, {summary}" if curve.name else summary
        ax.plot(x, y, drawstyle="steps-post", linewidth=1, label=label)
    if kind == "roc":
        ax.plot([0, 1], [0, 1], **_DASHED)
        x_label, y_label, title = "False Positive Rate", "True Positive Rate", "ROC curve"
    else:
        ax.plot([0, 1], [1, 0], **_DASHED)
        x_label, y_label, title = "Recall", "Precision", "Precision recall curve"
    suffix = f" (Positive label: {pos_label})" if pos_label is not None else ""
    ax.set_xlabel(x_label + suffix)
    ax.set_ylabel(y_label + suffix)
    ax.set_title(title)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    if len(curves) > 1:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    else:
        ax.legend(loc="best")
    return figure


def roc_figure(curves: Sequence[Curve], pos_label: Any, weights: Array | None = None) -> Figure:
    """Draw ROC curves: one for a binary evaluation, one per class (one-vs-rest) otherwise.

    Args:
        curves: The classes' scores.
        pos_label: The positive label of a binary evaluation, for the axis labels; else ``None``.
        weights: Sample weights, or ``None``.

    Returns:
        The figure.
    """
    return _curves_figure(curves, "roc", pos_label, weights)


def precision_recall_figure(
    curves: Sequence[Curve], pos_label: Any, weights: Array | None = None
) -> Figure:
    """Draw precision-recall curves, labelled with average precision (AP).

    Args:
        curves: The classes' scores.
        pos_label: The positive label of a binary evaluation, for the axis labels; else ``None``.
        weights: Sample weights, or ``None``.

    Returns:
        The figure.
    """
    return _curves_figure(curves, "pr", pos_label, weights)


def residuals_figure(y_true: Array, y_pred: Array) -> Figure:
    """Draw residuals (target - prediction) against predictions, with the zero line.

    Args:
        y_true: The targets.
        y_pred: The predictions.

    Returns:
        The figure.
    """
    figure = _figure()
    ax = figure.add_subplot()
    ax.scatter(y_pred, y_true - y_pred, s=12, alpha=0.6)
    ax.axhline(0.0, **_DASHED)
    ax.set_xlabel("Predicted value")
    ax.set_ylabel("Residual (target - predicted)")
    ax.set_title("Residuals vs predicted")
    return figure


def predicted_vs_actual_figure(y_true: Array, y_pred: Array) -> Figure:
    """Draw predictions against targets, with the ``predicted == actual`` diagonal.

    Args:
        y_true: The targets.
        y_pred: The predictions.

    Returns:
        The figure.
    """
    figure = _figure()
    ax = figure.add_subplot()
    ax.scatter(y_true, y_pred, s=12, alpha=0.6)
    low = float(min(y_true.min(), y_pred.min()))
    high = float(max(y_true.max(), y_pred.max()))
    ax.plot([low, high], [low, high], **_DASHED)
    ax.set_xlabel("Actual value (target)")
    ax.set_ylabel("Predicted value")
    ax.set_title("Predicted vs actual")
    return figure
