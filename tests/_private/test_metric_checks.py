"""The shared metric-check engine: statuses, margins, MLflow's arithmetic."""

from __future__ import annotations

import math

import pytest

from flowtrack._private.metric_checks import (
    ChangeCheck,
    CheckStatus,
    ThresholdCheck,
    run_check,
    run_checks,
)


@pytest.mark.parametrize(
    ("op", "value", "passes"),
    [("<=", 5.0, True), ("<", 5.0, False), (">=", 5.0, True), (">", 5.0, False), ("==", 5.0, True)],
)
def test_threshold_ops(op: str, value: float, passes: bool) -> None:
    outcome = run_check(ThresholdCheck("m", op, 5.0), {"m": value})  # type: ignore[arg-type]
    assert outcome.passed is passes
    assert (outcome.value, outcome.reference) == (value, 5.0)


def test_missing_metrics_are_statuses_not_failures() -> None:
    change = ChangeCheck("m", True, 0.1)
    outcomes = run_checks([ThresholdCheck("x", ">=", 1.0), change], {"m": 1.0})
    assert [o.status for o in outcomes] == [
        CheckStatus.MISSING_CANDIDATE,
        CheckStatus.MISSING_BASELINE,
    ]
    assert run_check(change, {"m": 1.0}, {"other": 1.0}).status is CheckStatus.MISSING_BASELINE


def test_absolute_change_uses_mlflows_exact_comparison() -> None:
    # 0.9 + 0.05 is 0.9500000000000001 in floats: 0.95 falls short, as it does in MLflow.
    outcome = run_check(ChangeCheck("acc", True, 0.05), {"acc": 0.95}, {"acc": 0.9})
    assert outcome.status is CheckStatus.FAILED
    assert outcome.change == pytest.approx(0.05)
    lower = run_check(ChangeCheck("rmse", False, 1.0), {"rmse": 9.0}, {"rmse": 10.0})
    assert lower.passed and lower.change == 1.0


def test_relative_change_and_zero_baseline() -> None:
    outcome = run_check(ChangeCheck("r2", True, 0.2, relative=True), {"r2": -0.3}, {"r2": -0.5})
    assert outcome.passed and outcome.change == pytest.approx(0.4)
    zero = run_check(ChangeCheck("r2", True, 0.5, relative=True), {"r2": 1e-9}, {"r2": 0.0})
    assert zero.passed and zero.change is None


def test_nan_never_passes() -> None:
    assert not run_check(ChangeCheck("m", True, 0.1), {"m": math.nan}, {"m": 0.0}).passed
    assert not run_check(ThresholdCheck("m", ">=", 0.0), {"m": math.nan}).passed
