"""Custom evaluation metrics, as MLflow's ``mlflow.metrics``: ``make_metric`` and its types.

Example:
    >>> from flowtrack.metrics import MetricValue, make_metric
    >>> def hit_rate(predictions, targets):
    ...     return MetricValue(scores=[float(p == t) for p, t in zip(predictions, targets)])
    >>> metric = make_metric(eval_fn=hit_rate, greater_is_better=True)

MLflow's ready-made metric factories (``mlflow.metrics.mae()``, ``rmse()``...) are deprecated
since MLflow 3.4 and duplicate the default evaluator's metrics; flowtrack does not provide them.
"""

from flowtrack.models.evaluation.extra_metrics import EvaluationMetric, MetricValue, make_metric

__all__ = ["EvaluationMetric", "MetricValue", "make_metric"]
