"""``MetricThreshold`` and ``validate_evaluation_results``: decisions and MLflow's messages."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

import flowtrack
from flowtrack.exceptions import FlowtrackError, InvalidParameterError, ModelValidationFailedError
from flowtrack.models import MetricThreshold
from flowtrack.models.evaluation import evaluate
from flowtrack.models.evaluation.validation import (
    ModelValidationFailedException,
    validate_evaluation_results,
)


def failure(thresholds: dict[str, MetricThreshold], candidate: dict, baseline=None) -> str:
    with pytest.raises(ModelValidationFailedException) as caught:
        validate_evaluation_results(thresholds, candidate, baseline)
    return caught.value.message


def test_exception_fits_the_tree_and_mlflow_names() -> None:
    assert ModelValidationFailedException is ModelValidationFailedError
    assert issubclass(ModelValidationFailedError, FlowtrackError)
    assert ModelValidationFailedError("x").to_dict() == {
        "error_code": "BAD_REQUEST",
        "message": "x",
    }
    assert flowtrack.validate_evaluation_results is validate_evaluation_results
    assert "validate_evaluation_results" in flowtrack.__all__


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold": "high", "greater_is_better": True}, "`threshold` parameter must be a nu"),
        ({"min_absolute_change": -1, "greater_is_better": True}, "must be a positive number"),
        ({"min_absolute_change": 0, "greater_is_better": True}, "must be a positive number"),
        ({"min_relative_change": 1.5, "greater_is_better": True}, "between 0 and 1, got 1.5"),
        ({"threshold": 1}, "`greater_is_better` parameter must be defined"),
        ({"threshold": 1, "greater_is_better": "yes"}, "must be a boolean, got 'yes'"),
        ({"greater_is_better": True}, "no threshold was specified"),
    ],
)
def test_invalid_thresholds_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidParameterError, match="Could not instantiate MetricThreshold class"):
        MetricThreshold(**kwargs)
    with pytest.raises(InvalidParameterError, match=message):
        MetricThreshold(**kwargs)


def test_str_lists_every_threshold() -> None:
    threshold = MetricThreshold(0.8, 0.05, 0.1, greater_is_better=False)
    assert str(threshold) == (
        "Threshold: 0.8. Minimum Absolute Change: 0.05. Minimum Relative Change: 0.1. "
        "Lower value is better."
    )


@pytest.mark.parametrize(
    ("greater_is_better", "value", "passes"),
    [(True, 0.9, True), (True, 0.89, False), (False, 0.9, True), (False, 0.91, False)],
)
def test_value_threshold_both_directions(
    greater_is_better: bool, value: float, passes: bool
) -> None:
    thresholds = {"m": MetricThreshold(threshold=0.9, greater_is_better=greater_is_better)}
    if passes:
        validate_evaluation_results(thresholds, {"m": value})
    else:
        assert failure(thresholds, {"m": value}) == (
            f"Metric m value threshold check failed: candidate model m = {value}, "
            "m threshold = 0.9."
        )


@pytest.mark.parametrize(
    ("greater_is_better", "candidate", "baseline", "passes"),
    [
        (True, 0.85, 0.8, True),  # +0.05 >= 0.04
        (True, 0.83, 0.8, False),  # +0.03 < 0.04
        (False, 10.0, 12.0, True),  # lower by 2 >= 0.04
        (False, 11.99, 12.0, False),  # lower by 0.01 only
        (True, 0.7, 0.8, False),  # worse
    ],
)
def test_min_absolute_change(
    greater_is_better: bool, candidate: float, baseline: float, passes: bool
) -> None:
    thresholds = {
        "m": MetricThreshold(min_absolute_change=0.04, greater_is_better=greater_is_better)
    }
    if passes:
        validate_evaluation_results(thresholds, {"m": candidate}, {"m": baseline})
    else:
        assert failure(thresholds, {"m": candidate}, {"m": baseline}) == (
            f"Metric m minimum absolute change check failed: candidate model m = {candidate}, "
            f"baseline model m = {baseline}, m minimum absolute change threshold = 0.04."
        )


@pytest.mark.parametrize(
    ("greater_is_better", "candidate", "baseline", "passes"),
    [
        (True, 0.9, 0.8, True),  # +12.5% >= 10%
        (True, 0.85, 0.8, False),  # +6.25%
        (False, 9.0, 10.0, True),  # -10% error: meets 10%
        (False, 9.5, 10.0, False),  # -5% only
        (True, -0.4, -0.5, True),  # negative baseline (an r2 below 0): +20% of |baseline|
        (True, -0.55, -0.5, False),  # worse than a negative baseline
        (True, 1e-9, 0.0, True),  # zero baseline: any improvement
        (True, 0.0, 0.0, False),
    ],
)
def test_min_relative_change(
    greater_is_better: bool, candidate: float, baseline: float, passes: bool
) -> None:
    thresholds = {
        "m": MetricThreshold(min_relative_change=0.1, greater_is_better=greater_is_better)
    }
    if passes:
        validate_evaluation_results(thresholds, {"m": candidate}, {"m": baseline})
    else:
        assert "Metric m minimum relative change check failed" in failure(
            thresholds, {"m": candidate}, {"m": baseline}
        )


def test_missing_metrics_and_one_line_per_failing_metric() -> None:
    thresholds = {
        "accuracy": MetricThreshold(
            threshold=0.9, min_absolute_change=0.01, greater_is_better=True
        ),
        "absent": MetricThreshold(threshold=1.0, greater_is_better=True),
        "log_loss": MetricThreshold(threshold=0.5, greater_is_better=False),
        "f1": MetricThreshold(min_relative_change=0.05, greater_is_better=True),
    }
    message = failure(thresholds, {"accuracy": 0.8, "log_loss": 0.2, "f1": 0.7}, {"f1": 0.5})
    assert message.split(os.linesep) == [
        "Metric accuracy value threshold check failed: candidate model accuracy = 0.8, accuracy "
        "threshold = 0.9. Model comparison failed: metric accuracy was missing from the "
        "evaluation result of the baseline model.",
        "Metric validation failed: metric absent was missing from the evaluation result of the "
        "candidate model.",
    ]


def test_a_comparison_without_baseline_fails_and_thresholds_alone_pass() -> None:
    thresholds = {
        "r2": MetricThreshold(threshold=0.3, min_absolute_change=0.1, greater_is_better=True)
    }
    assert "Model comparison failed: metric r2 was missing" in failure(thresholds, {"r2": 0.5})
    validate_evaluation_results(
        {"r2": MetricThreshold(threshold=0.3, greater_is_better=True)}, {"r2": 0.5}
    )


@pytest.mark.parametrize(
    "thresholds",
    [
        [MetricThreshold(threshold=1, greater_is_better=True)],
        {"m": 0.5},
        {1: MetricThreshold(threshold=1, greater_is_better=True)},
    ],
)
def test_thresholds_must_map_names_to_metric_thresholds(thresholds: object) -> None:
    with pytest.raises(InvalidParameterError, match="maps strings to MetricThreshold objects"):
        validate_evaluation_results(thresholds, {"m": 1.0})  # type: ignore[arg-type]


def test_a_result_without_metrics_is_refused() -> None:
    thresholds = {"m": MetricThreshold(threshold=1, greater_is_better=True)}
    with pytest.raises(InvalidParameterError, match="Invalid candidate_result of type int"):
        validate_evaluation_results(thresholds, 3)


def test_real_evaluations_candidate_against_baseline(
    tracking_uri: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    frame = load_breast_cancer(as_frame=True).frame
    features, labels = frame.drop(columns="target"), frame["target"]
    candidate = LogisticRegression(max_iter=5000).fit(features, labels)
    baseline = DummyClassifier(strategy="most_frequent").fit(features, labels)
    data: pd.DataFrame = frame
    candidate_result = evaluate(candidate, data, targets="target", model_type="classifier")
    baseline_result = evaluate(baseline, data, targets="target", model_type="classifier")
    thresholds = {
        "accuracy_score": MetricThreshold(
            threshold=0.9, min_absolute_change=0.05, min_relative_change=0.2, greater_is_better=True
        ),
        "log_loss": MetricThreshold(threshold=0.3, greater_is_better=False),
    }

    validate_evaluation_results(thresholds, candidate_result, baseline_result)
    message = failure(thresholds, baseline_result, candidate_result)

    lines = message.split(os.linesep)
    assert len(lines) == 2
    accuracy = baseline_result.metrics["accuracy_score"]
    assert lines[0].startswith(
        f"Metric accuracy_score value threshold check failed: candidate model accuracy_score = "
        f"{accuracy}, accuracy_score threshold = 0.9. Metric accuracy_score minimum absolute "
        "change check failed"
    )
    assert "minimum relative change check failed" in lines[0]
    assert lines[1].startswith("Metric log_loss value threshold check failed")
