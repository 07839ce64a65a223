"""Custom metrics for ``evaluate(..., extra_metrics=[...])``: MLflow's ``make_metric``.

An ``eval_fn`` names what it needs by its parameters, as in MLflow::

    def relative_error(predictions, targets, metrics):
        mean = metrics["mean_on_target"].aggregate_results["mean_on_target"]
        return float(abs(predictions - targets).mean() / mean)

    metric = make_metric(eval_fn=relative_error, greater_is_better=False)
    flowtrack.evaluate(model, frame, targets="y", model_type="regressor", extra_metrics=[metric])

It returns a number, or a :class:`MetricValue` with per-row ``scores`` (aggregated to ``mean``,
``variance`` and ``p90``) and/or ``aggregate_results``.
"""

from __future__ import annotations

import keyword
import logging
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flowtrack._private.validation import validate_key
from flowtrack.exceptions import InvalidParameterError

__all__ = ["EvaluationMetric", "MetricValue", "make_metric"]

_logger = logging.getLogger(__name__)

#: Parameter names ``evaluate`` fills itself; metrics so named cannot feed derived metrics.
SPECIAL_PARAMETERS = ("predictions", "targets", "metrics")


def is_number(value: Any) -> bool:
    """Whether ``value`` is a real number (numpy scalars included, bools excluded)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _aggregations(scores: list[Any]) -> dict[str, float]:
    import numpy as np

    return {
        "mean": float(np.mean(scores)),
        "variance": float(np.var(scores)),
        "p90": float(np.percentile(scores, 90)),
    }


@dataclass(frozen=True)
class MetricValue:
    """The value of a metric: per-row scores and/or aggregates.

    Attributes:
        scores: One score per row (numbers or strings), or ``None``.
        justifications: One justification per row, or ``None``.
        aggregate_results: ``{aggregation name: value}``; computed from numeric ``scores``
            (``mean``, ``variance``, ``p90``) when not given.

    Example:
        >>> MetricValue(scores=[1.0, 0.0, 1.0, 1.0]).aggregate_results["mean"]
        0.75
    """

    scores: list[Any] | None = None
    justifications: list[str] | None = None
    aggregate_results: dict[str, float] | None = field(default=None)

    def __post_init__(self) -> None:
        scores = self.scores
        if (
            self.aggregate_results is None
            and isinstance(scores, list | tuple)
            and all(is_number(score) for score in scores)
        ):
            object.__setattr__(self, "aggregate_results", _aggregations(list(scores)))


@dataclass(frozen=True)
class EvaluationMetric:
    """A custom metric for ``evaluate``'s ``extra_metrics``; build it with :func:`make_metric`.

    Attributes:
        eval_fn: Computes the metric; ``evaluate`` fills its parameters by name (see
            :func:`make_metric`).
        name: The metric's name, as logged.
        greater_is_better: Whether greater values are better.
        long_name: A longer name (default ``name``).
        version: A version (``"v1"``); the metric is then logged as ``<name>/<version>``.
        metric_details: A description of the metric.
        metric_metadata: Free-form metadata.
        genai_metric_args: Kept for MLflow compatibility (GenAI metrics); unused.
    """

    eval_fn: Callable[..., Any]
    name: str
    greater_is_better: bool
    long_name: str | None = None
    version: str | None = None
    metric_details: str | None = None
    metric_metadata: Mapping[str, Any] | None = None
    genai_metric_args: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.long_name is None:
            object.__setattr__(self, "long_name", self.name)

    @property
    def key(self) -> str:
        """The name the metric's value is stored under: ``name``, or ``name/version``."""
        return f"{self.name}/{self.version}" if self.version else self.name

    def __call__(self, **kwargs: Any) -> Any:
        """Call ``eval_fn`` with keyword arguments."""
        return self.eval_fn(**kwargs)

    def __str__(self) -> str:
        parts = [f"name={self.name}, greater_is_better={self.greater_is_better}"]
        for label in ("long_name", "version", "metric_details", "metric_metadata"):
            value = getattr(self, label)
            if value:
                parts.append(f"{label}={value}")
        return "EvaluationMetric(" + ", ".join(parts) + ")"


def _name_of(eval_fn: Any, name: str | None) -> str:
    if name is not None:
        return name
    function_name = getattr(eval_fn, "__name__", None)
    if function_name == "<lambda>":
        raise InvalidParameterError("`name` must be specified if `eval_fn` is a lambda function.")
    if not isinstance(function_name, str):
        raise InvalidParameterError(
            "`name` must be specified if `eval_fn` does not have a `__name__` attribute."
        )
    return function_name


def make_metric(
    *,
    eval_fn: Callable[..., Any],
    greater_is_better: bool,
    name: str | None = None,
    long_name: str | None = None,
    version: str | None = None,
    metric_details: str | None = None,
    metric_metadata: Mapping[str, Any] | None = None,
    genai_metric_args: Mapping[str, Any] | None = None,
) -> EvaluationMetric:
    """Make a custom metric for ``evaluate(..., extra_metrics=[...])``.

    ``evaluate`` calls ``eval_fn`` with arguments chosen by its parameter names, as MLflow
    does: ``predictions`` and ``targets`` (pandas Series), ``metrics`` (``{name:
    MetricValue}`` of the builtin metrics and the extra metrics computed before), a feature
    column of the data by its name, an ``evaluator_config`` key by its name, or another
    metric's :class:`MetricValue` by that metric's name (derived metrics are computed after the
    metrics they use); ``evaluator_config["col_mapping"]`` maps a parameter name to another
    column. A two-parameter function not named ``(predictions, targets)`` gets MLflow's older
    arguments: ``(eval_df, builtin_metrics)``, a DataFrame with ``prediction`` and ``target``
    columns and ``{name: float}``.

    ``eval_fn`` returns a number, a :class:`MetricValue`, or ``None`` (nothing is logged).
    Per-row scores are aggregated and logged as ``<name>/mean``, ``<name>/variance`` and
    ``<name>/p90``, and saved, row by row, in the ``eval_results_table.json`` artifact.

    Args:
        eval_fn: The function computing the metric.
        greater_is_better: Whether greater values are better.
        name: The metric's name; default ``eval_fn.__name__`` (required for lambdas).
        long_name: A longer name.
        version: A version such as ``"v1"``; the metric is logged as ``<name>/<version>``.
        metric_details: A description of how the metric is computed.
        metric_metadata: Free-form metadata.
        genai_metric_args: Accepted for MLflow compatibility; unused.

    Returns:
        The metric.

    Raises:
        InvalidParameterError: No usable name, a name holding ``/``, or a name that is not a
            valid metric name.

    Example:
        >>> def squared_error_sum(predictions, targets):
        ...     return float(((predictions - targets) ** 2).sum())
        >>> make_metric(eval_fn=squared_error_sum, greater_is_better=False).name
        'squared_error_sum'
    """
    if not callable(eval_fn):
        raise InvalidParameterError(
            f"Invalid eval_fn of type {type(eval_fn).__name__}: pass a function"
        )
    metric_name = _name_of(eval_fn, name)
    if "/" in metric_name:
        raise InvalidParameterError(
            f"Invalid metric name '{metric_name}'. Metric names cannot include forward slashes "
            "('/')."
        )
    validate_key("metric", metric_name)
    if not metric_name.isidentifier() or keyword.iskeyword(metric_name):
        _logger.warning(
            "The metric name '%s' is not a valid Python identifier, which will prevent its use "
            "as a base metric for derived metrics.",
            metric_name,
        )
    if metric_name in SPECIAL_PARAMETERS:
        _logger.warning(
            "The metric name '%s' is used as a special parameter in metrics, which will prevent "
            "its use as a base metric for derived metrics.",
            metric_name,
        )
    return EvaluationMetric(
        eval_fn=eval_fn,
        name=metric_name,
        greater_is_better=greater_is_better,
        long_name=long_name,
        version=version,
        metric_details=metric_details,
        metric_metadata=metric_metadata,
        genai_metric_args=genai_metric_args,
    )
