"""Model validation: check evaluation metrics against thresholds and against a baseline model.

MLflow 3's replacement for ``evaluate(..., validation_thresholds=...)``::

    from flowtrack.models import MetricThreshold
    from flowtrack.models.evaluation.validation import validate_evaluation_results

    thresholds = {"accuracy_score": MetricThreshold(threshold=0.9, greater_is_better=True)}
    validate_evaluation_results(thresholds, candidate_result, baseline_result)

The thresholds compile to the checks of :mod:`flowtrack._private.metric_checks`, the engine
:class:`flowtrack.registry.PromotionGate` uses too (``PromotionGate.from_thresholds`` builds a
gate from the same thresholds).
"""

from __future__ import annotations

import logging
import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowtrack._private.metric_checks import (
    ChangeCheck,
    CheckOutcome,
    CheckStatus,
    MetricCheck,
    ThresholdCheck,
    run_checks,
)
from flowtrack.exceptions import InvalidParameterError, ModelValidationFailedError

__all__ = [
    "MetricThreshold",
    "ModelValidationFailedException",
    "validate_evaluation_results",
]

_logger = logging.getLogger(__name__)

#: MLflow's name for :class:`~flowtrack.exceptions.ModelValidationFailedError`.
ModelValidationFailedException = ModelValidationFailedError


def _invalid(message: str) -> InvalidParameterError:
    return InvalidParameterError(f"Could not instantiate MetricThreshold class: {message}")


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@dataclass(frozen=True)
class MetricThreshold:
    """The thresholds one metric must meet for a model to pass validation.

    Attributes:
        threshold: The value the metric must reach: ``>= threshold`` when greater is better,
            else ``<= threshold``.
        min_absolute_change: A positive margin by which the candidate must beat the baseline
            model: ``>= baseline + min_absolute_change`` when greater is better, else
            ``<= baseline - min_absolute_change``.
        min_relative_change: A margin between 0 and 1, relative to the baseline's magnitude:
            ``(candidate - baseline) / |baseline| >= min_relative_change`` when greater is
            better (the reverse difference otherwise). A zero baseline falls back to demanding
            any improvement (by ``1e-10``).
        greater_is_better: Whether greater values of the metric are better (required).

    Raises:
        InvalidParameterError: A non-numeric or out-of-range value, ``greater_is_better``
            missing or not a bool, or no threshold at all.

    Example:
        >>> str(MetricThreshold(threshold=0.8, min_absolute_change=0.05, greater_is_better=True))
        'Threshold: 0.8. Minimum Absolute Change: 0.05. Greater value is better.'
    """

    threshold: float | None = None
    min_absolute_change: float | None = None
    min_relative_change: float | None = None
    greater_is_better: bool | None = None

    def __post_init__(self) -> None:
        if self.threshold is not None and not _is_number(self.threshold):
            raise _invalid(f"`threshold` parameter must be a number, got {self.threshold!r}.")
        change = self.min_absolute_change
        if change is not None and (not _is_number(change) or change <= 0):
            raise _invalid(
                f"`min_absolute_change` parameter must be a positive number, got {change!r}."
            )
        relative = self.min_relative_change
        if relative is not None and (not _is_number(relative) or not 0 <= relative <= 1):
            raise _invalid(
                "`min_relative_change` parameter must be a floating point number between 0 "
                f"and 1, got {relative!r}."
            )
        if self.greater_is_better is None:
            raise _invalid("`greater_is_better` parameter must be defined.")
        if not isinstance(self.greater_is_better, bool):
            raise _invalid(
                f"`greater_is_better` parameter must be a boolean, got {self.greater_is_better!r}."
            )
        if self.threshold is None and change is None and relative is None:
            raise _invalid("no threshold was specified.")

    def checks(self, metric: str) -> list[MetricCheck]:
        """Compile to the shared checks of :mod:`flowtrack._private.metric_checks`.

        Args:
            metric: The metric these thresholds apply to.

        Returns:
            A threshold check and/or the change checks, in MLflow's order.
        """
        better = bool(self.greater_is_better)
        checks: list[MetricCheck] = []
        if self.threshold is not None:
            checks.append(ThresholdCheck(metric, ">=" if better else "<=", self.threshold))
        if self.min_absolute_change is not None:
            checks.append(ChangeCheck(metric, better, self.min_absolute_change))
        if self.min_relative_change is not None:
            checks.append(ChangeCheck(metric, better, self.min_relative_change, relative=True))
        return checks

    def __str__(self) -> str:
        parts = []
        if self.threshold is not None:
            parts.append(f"Threshold: {self.threshold}.")
        if self.min_absolute_change is not None:
            parts.append(f"Minimum Absolute Change: {self.min_absolute_change}.")
        if self.min_relative_change is not None:
            parts.append(f"Minimum Relative Change: {self.min_relative_change}.")
        parts.append(
            "Greater value is better." if self.greater_is_better else "Lower value is better."
        )
        return " ".join(parts)


def _failure_line(
    metric: str,
    threshold: MetricThreshold,
    outcomes: list[CheckOutcome],
    candidate: Mapping[str, Any],
    baseline: Mapping[str, Any],
) -> str:
    """Word one metric's failures as MLflow does (empty when it passed)."""
    if any(o.status is CheckStatus.MISSING_CANDIDATE for o in outcomes):
        return (
            f"Metric validation failed: metric {metric} was missing from the evaluation result "
            "of the candidate model."
        )
    failed = [o for o in outcomes if not o.passed]
    value = candidate[metric]  # shown as given (100, not 100.0), as MLflow shows it
    parts = []
    for outcome in failed:
        if isinstance(outcome.check, ThresholdCheck):
            parts.append(
                f"Metric {metric} value threshold check failed: candidate model {metric} = "
                f"{value}, {metric} threshold = {threshold.threshold}."
            )
    if any(o.status is CheckStatus.MISSING_BASELINE for o in failed):
        parts.append(
            f"Model comparison failed: metric {metric} was missing from the evaluation result "
            "of the baseline model."
        )
        return " ".join(parts)
    for outcome in failed:
        if isinstance(outcome.check, ChangeCheck):
            kind = "relative" if outcome.check.relative else "absolute"
            if outcome.check.relative:
                limit = threshold.min_relative_change
            else:
                limit = threshold.min_absolute_change
            parts.append(
                f"Metric {metric} minimum {kind} change check failed: candidate model {metric} "
                f"= {value}, baseline model {metric} = {baseline[metric]}, {metric} "
                f"minimum {kind} change threshold = {limit}."
            )
    return " ".join(parts)


def _metrics_of(result: Any, what: str) -> Mapping[str, float]:
    metrics = result if isinstance(result, Mapping) else getattr(result, "metrics", None)
    if not isinstance(metrics, Mapping):
        raise InvalidParameterError(
            f"Invalid {what} of type {type(result).__name__}: pass the EvaluationResult that "
            "evaluate returned (or a dict of metric values)"
        )
    return metrics


def validate_evaluation_results(
    validation_thresholds: dict[str, MetricThreshold],
    candidate_result: Any,
    baseline_result: Any = None,
) -> None:
    """Check a candidate model's evaluation against thresholds and a baseline model's evaluation.

    Every threshold is checked; a metric missing from the candidate's results fails, and so
    does a baseline comparison (``min_absolute_change`` / ``min_relative_change``) when the
    baseline's results lack the metric or no baseline is given.

    Args:
        validation_thresholds: ``{metric name: MetricThreshold}``; the names as in
            ``EvaluationResult.metrics`` (builtin metrics or ``extra_metrics``).
        candidate_result: The candidate's :class:`~flowtrack.models.EvaluationResult` (or a
            dict of its metrics).
        baseline_result: The baseline's result, or ``None`` to check thresholds only.

    Raises:
        InvalidParameterError: ``validation_thresholds`` is not a dict of metric names to
            ``MetricThreshold``, or a result has no metrics.
        ModelValidationFailedException: The candidate failed; the message has one line per
            failing metric, worded as MLflow words them.

    Example:
        >>> thresholds = {"r2_score": MetricThreshold(threshold=0.9, greater_is_better=True)}
        >>> validate_evaluation_results(thresholds, {"r2_score": 0.5})
        Traceback (most recent call last):
        ModelValidationFailedError: Metric r2_score value threshold check failed: candidate model
        r2_score = 0.5, r2_score threshold = 0.9.
    """
    if not isinstance(validation_thresholds, dict) or not all(
        isinstance(name, str) and isinstance(threshold, MetricThreshold)
        for name, threshold in validation_thresholds.items()
    ):
        raise InvalidParameterError(
            "The validation thresholds argument must be a dictionary that maps strings to "
            f"MetricThreshold objects; got {validation_thresholds!r}"
        )
    candidate = _metrics_of(candidate_result, "candidate_result")
    baseline = None if baseline_result is None else _metrics_of(baseline_result, "baseline_result")
    _logger.info("Validating candidate model metrics against baseline")
    lines = []
    for metric, threshold in validation_thresholds.items():
        outcomes = run_checks(threshold.checks(metric), candidate, baseline)
        line = _failure_line(metric, threshold, outcomes, candidate, baseline or {})
        if line:
            lines.append(line)
    if lines:
        raise ModelValidationFailedException(os.linesep.join(lines))
    _logger.info("Model validation passed!")
