"""The one engine that checks metrics against thresholds and against a baseline.

Evaluation thresholds (:class:`flowtrack.models.MetricThreshold`, checked by
``validate_evaluation_results``) and promotion gates (:class:`flowtrack.registry.PromotionGate`,
checked by ``promote``) both compile to these checks and are decided by :func:`run_checks`, so the
two cannot disagree. Each caller words the outcomes its own way (MLflow's failure lines; the
promotion reasons) and decides what a missing metric means.

A check is one of:

- :class:`ThresholdCheck`: ``candidate <op> threshold``;
- :class:`ChangeCheck`: the candidate beats the baseline by at least an absolute
  (``min_absolute_change``) or relative (``min_relative_change``) margin, computed as MLflow does.
"""

from __future__ import annotations

import logging
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal

__all__ = [
    "OPS",
    "ChangeCheck",
    "CheckOutcome",
    "CheckStatus",
    "MetricCheck",
    "Op",
    "ThresholdCheck",
    "run_check",
    "run_checks",
]

_logger = logging.getLogger(__name__)

Op = Literal["<=", "<", ">=", ">", "=="]

#: The comparison operators a threshold may use.
OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}
#: The margin MLflow demands over a zero baseline, where a relative change is undefined.
_ZERO_BASELINE_MARGIN = 1e-10


@dataclass(frozen=True)
class ThresholdCheck:
    """``candidate <op> threshold``, e.g. ``rmse <= 55``.

    Attributes:
        metric: The metric name.
        op: One of :data:`OPS`.
        threshold: The value compared against.
    """

    metric: str
    op: Op
    threshold: float


@dataclass(frozen=True)
class ChangeCheck:
    """The candidate beats the baseline on a metric by at least a margin.

    Attributes:
        metric: The metric name.
        greater_is_better: Which direction is better.
        min_change: The smallest improvement that counts (``>= 0``): absolute, or relative to
            the baseline's magnitude.
        relative: Whether ``min_change`` is relative (MLflow's ``min_relative_change``).
    """

    metric: str
    greater_is_better: bool
    min_change: float
    relative: bool = False


MetricCheck = ThresholdCheck | ChangeCheck


class CheckStatus(StrEnum):
    """How a check came out."""

    PASSED = "passed"
    FAILED = "failed"
    MISSING_CANDIDATE = "missing_candidate"
    MISSING_BASELINE = "missing_baseline"


@dataclass(frozen=True)
class CheckOutcome:
    """The outcome of one check.

    Attributes:
        check: The check.
        status: Passed, failed, or not decidable for a missing metric.
        value: The candidate's value, or ``None`` when missing.
        reference: The threshold, or the baseline's value (``None`` when missing).
        change: For a change check, the improvement measured (absolute, or relative to the
            baseline's magnitude; ``None`` for a zero baseline's relative change).
    """

    check: MetricCheck
    status: CheckStatus
    value: float | None = None
    reference: float | None = None
    change: float | None = None

    @property
    def passed(self) -> bool:
        """Whether the check passed."""
        return self.status is CheckStatus.PASSED


def _verdict(passed: bool) -> CheckStatus:
    return CheckStatus.PASSED if passed else CheckStatus.FAILED


def _at_least(candidate: float, bound: float, greater_is_better: bool) -> bool:
    # MLflow compares Decimals of the floats (exact values), the bound computed in floats first.
    if math.isnan(candidate) or math.isnan(bound):
        return False
    if greater_is_better:
        return Decimal(candidate) >= Decimal(bound)
    return Decimal(candidate) <= Decimal(bound)


def _change(check: ChangeCheck, value: float, baseline: float) -> CheckOutcome:
    sign = 1.0 if check.greater_is_better else -1.0
    gain = sign * (value - baseline)
    if not check.relative:
        bound = baseline + sign * check.min_change
        passed = _at_least(value, bound, check.greater_is_better)
        return CheckOutcome(check, _verdict(passed), value, baseline, gain)
    if baseline == 0:
        _logger.warning(
            "Cannot perform relative model comparison for metric %s as baseline metric value is "
            "0. Falling back to simple comparison: verifying that candidate metric value is "
            "better than the baseline metric value.",
            check.metric,
        )
        bound = baseline + sign * _ZERO_BASELINE_MARGIN
        passed = _at_least(value, bound, check.greater_is_better)
        return CheckOutcome(check, _verdict(passed), value, baseline, None)
    # Dividing by the magnitude keeps the sign of the change meaningful for negative baselines.
    relative = gain / abs(baseline)
    return CheckOutcome(check, _verdict(relative >= check.min_change), value, baseline, relative)


def run_check(
    check: MetricCheck,
    candidate: Mapping[str, float],
    baseline: Mapping[str, float] | None = None,
) -> CheckOutcome:
    """Decide one check.

    Args:
        check: The check.
        candidate: The candidate's metrics.
        baseline: The baseline's metrics, or ``None`` when there is no baseline (a change check
            then comes out :attr:`CheckStatus.MISSING_BASELINE`).

    Returns:
        The outcome.

    Example:
        >>> run_check(ThresholdCheck("rmse", "<=", 55.0), {"rmse": 50.0}).passed
        True
    """
    if check.metric not in candidate:
        return CheckOutcome(check, CheckStatus.MISSING_CANDIDATE)
    value = float(candidate[check.metric])
    if isinstance(check, ThresholdCheck):
        passed = OPS[check.op](value, check.threshold)
        return CheckOutcome(check, _verdict(passed), value, check.threshold)
    if baseline is None or check.metric not in baseline:
        return CheckOutcome(check, CheckStatus.MISSING_BASELINE, value)
    return _change(check, value, float(baseline[check.metric]))


def run_checks(
    checks: Iterable[MetricCheck],
    candidate: Mapping[str, float],
    baseline: Mapping[str, float] | None = None,
) -> list[CheckOutcome]:
    """Decide every check, in order (see :func:`run_check`).

    Args:
        checks: The checks.
        candidate: The candidate's metrics.
        baseline: The baseline's metrics, or ``None``.

    Returns:
        One outcome per check.
    """
    return [run_check(check, candidate, baseline) for check in checks]
