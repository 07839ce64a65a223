"""Model evaluation: ``evaluate`` computes MLflow's default metrics and plots and logs them.

Example:
    >>> from flowtrack.models.evaluation import evaluate
    >>> result = evaluate(model, test_frame, targets="label", model_type="classifier")
    >>> result.metrics["accuracy_score"], sorted(result.artifacts)
    (0.96, ['confusion_matrix', 'precision_recall_curve_plot', 'roc_curve_plot'])

Importing this package does not import numpy, scikit-learn or matplotlib; ``evaluate`` does.
"""

from flowtrack.models.evaluation._config import list_evaluators
from flowtrack.models.evaluation.base import EvaluationArtifact, EvaluationResult, evaluate
from flowtrack.models.evaluation.extra_metrics import EvaluationMetric, make_metric
from flowtrack.models.evaluation.validation import MetricThreshold

__all__ = [
    "EvaluationArtifact",
    "EvaluationMetric",
    "EvaluationResult",
    "MetricThreshold",
    "evaluate",
    "list_evaluators",
    "make_metric",
]
