"""``validate_evaluation_results`` decides and words failures exactly as MLflow 3.x does.

One MLflow subprocess checks every case; flowtrack checks the same cases here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flowtrack.models import MetricThreshold
from flowtrack.models.evaluation.validation import (
    ModelValidationFailedException,
    validate_evaluation_results,
)

if TYPE_CHECKING:
    from .conftest import MlflowPython

#: (thresholds as MetricThreshold kwargs by metric, candidate metrics, baseline metrics or None)
CASES: list[tuple[dict[str, dict[str, Any]], dict[str, float], dict[str, float] | None]] = [
    ({"acc": {"threshold": 0.9, "greater_is_better": True}}, {"acc": 0.95}, None),
    ({"acc": {"threshold": 0.9, "greater_is_better": True}}, {"acc": 0.85}, None),
    ({"rmse": {"threshold": 5, "greater_is_better": False}}, {"rmse": 6}, None),
    (
        {"acc": {"threshold": 0.9, "min_absolute_change": 0.05, "greater_is_better": True}},
        {"acc": 0.85},
        {"acc": 0.84},
    ),
    (
        {"acc": {"min_absolute_change": 0.05, "greater_is_better": True}},
        {"acc": 0.95},
        {"acc": 0.9},
    ),
    (
        {"err": {"min_relative_change": 0.1, "greater_is_better": False}},
        {"err": 9.0},
        {"err": 10.0},
    ),
    (
        {"err": {"min_relative_change": 0.1, "greater_is_better": False}},
        {"err": 9.5},
        {"err": 10.0},
    ),
    ({"r2": {"min_relative_change": 0.2, "greater_is_better": True}}, {"r2": -0.4}, {"r2": -0.5}),
    ({"r2": {"min_relative_change": 0.2, "greater_is_better": True}}, {"r2": 0.0}, {"r2": 0.0}),
    ({"r2": {"min_absolute_change": 0.1, "greater_is_better": True}}, {"r2": 0.5}, None),
    (
        {
            "a": {"threshold": 1.0, "greater_is_better": True},
            "b": {"threshold": 0.5, "min_relative_change": 0.5, "greater_is_better": False},
            "c": {"threshold": 0.1, "greater_is_better": True},
        },
        {"b": 0.7, "c": 0.2},
        {"b": 0.8, "c": 0.1},
    ),
]

CHECK_WITH_MLFLOW = """
from mlflow.exceptions import MlflowException
from mlflow.models import MetricThreshold
from mlflow.models.evaluation import EvaluationResult
from mlflow.models.evaluation.validation import validate_evaluation_results

result = []
for thresholds, candidate, baseline in args["cases"]:
    try:
        validate_evaluation_results(
            {name: MetricThreshold(**kwargs) for name, kwargs in thresholds.items()},
            EvaluationResult(metrics=candidate, artifacts={}),
            None if baseline is None else EvaluationResult(metrics=baseline, artifacts={}),
        )
        result.append(None)
    except MlflowException as exc:
        result.append([type(exc).__name__, exc.message])
"""


def test_same_decisions_and_messages_as_mlflow(mlflow_python: MlflowPython) -> None:
    expected = mlflow_python.json(CHECK_WITH_MLFLOW, {"cases": CASES})
    ours: list[Any] = []
    for thresholds, candidate, baseline in CASES:
        try:
            validate_evaluation_results(
                {name: MetricThreshold(**kwargs) for name, kwargs in thresholds.items()},
                candidate,
                baseline,
            )
            ours.append(None)
        except ModelValidationFailedException as exc:
            ours.append(["ModelValidationFailedException", exc.message])
    assert ours == expected
    assert expected.count(None) == 2  # the table exercises both outcomes (0.95 vs 0.9 + 0.05 fails)
