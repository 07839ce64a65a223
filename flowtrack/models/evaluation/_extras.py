"""Computing ``extra_metrics``: argument resolution by parameter name, ordering, flattening.

Follows MLflow's default evaluator: every metric value is a :class:`MetricValue` keyed by the
metric's name (``name/version`` when versioned); the builtin metrics are wrapped the same way,
and the run gets the flattened aggregates (:func:`flatten`).
"""

from __future__ import annotations

import copy
import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models.evaluation.extra_metrics import EvaluationMetric, MetricValue, is_number

__all__ = ["MetricInputs", "compute_extra_metrics", "eval_table", "flatten", "wrap"]

_logger = logging.getLogger(__name__)
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


@dataclass(frozen=True)
class MetricInputs:
    """What an ``eval_fn`` may ask for.

    Attributes:
        eval_df: A DataFrame with ``prediction`` and ``target`` columns.
        features: The features as a DataFrame (its columns can be asked for by name).
        options: The ``evaluator_config`` (its keys can be asked for by name).
        col_mapping: ``{parameter name: column name or the values themselves}``.
        prediction_names: Names meaning the predictions (``predictions`` and its column's).
        target_names: Names meaning the targets (``targets`` and its column's).
        target_column: The targets' column name in the eval table.
        prediction_column: The predictions' column name in the eval table.
    """

    eval_df: Any
    features: Any
    options: Mapping[str, Any]
    col_mapping: Mapping[str, Any]
    prediction_names: frozenset[str]
    target_names: frozenset[str]
    target_column: str = "target"
    prediction_column: str = "outputs"


def wrap(metrics: Mapping[str, float]) -> dict[str, MetricValue]:
    """Wrap builtin metric values as MLflow does: ``MetricValue(aggregate_results={name: v})``."""
    return {name: MetricValue(aggregate_results={name: value}) for name, value in metrics.items()}


def flatten(values: Mapping[str, MetricValue], prefix: str = "") -> dict[str, float]:
    """Return the metrics logged to the run: one per aggregate, named as MLflow names them.

    A metric's own aggregate keeps its name (``my_metric``, ``my_metric/v2``); others get
    ``<metric>/<aggregate>`` (``my_metric/mean``). A prefix starts both parts, as in MLflow
    (``p_my_metric/p_mean``).
    """
    flat: dict[str, float] = {}
    for name, value in values.items():
        metric = prefix + name
        for aggregate, number in (value.aggregate_results or {}).items():
            if number is None:
                continue
            aggregate = prefix + aggregate
            key = metric if aggregate == metric.split("/")[0] else f"{metric}/{aggregate}"
            flat[key] = float(number)
    return flat


def _lookup(values: Mapping[str, MetricValue], name: str) -> MetricValue | None:
    for key, value in values.items():
        if key.split("/")[0] == name:
            return value
    return None


def _arguments(
    metric: EvaluationMetric,
    inputs: MetricInputs,
    values: Mapping[str, MetricValue],
    scheduled: Sequence[str],
) -> tuple[list[Any], list[str]]:
    """Return the arguments of ``metric.eval_fn`` and the parameter names nothing fills."""
    parameters = [
        p for p in inspect.signature(metric.eval_fn).parameters.values() if p.kind not in _VARIADIC
    ]
    eval_df = inputs.eval_df.copy()  # a fresh copy per call: eval_fn may modify it
    names = [p.name for p in parameters]
    if len(names) == 2 and names[0] != "predictions" and names[1] != "targets":
        return [eval_df, flatten(values)], []  # MLflow's older (eval_df, builtin_metrics)
    arguments: list[Any] = []
    missing: list[str] = []
    for parameter in parameters:
        column = inputs.col_mapping.get(parameter.name, parameter.name)
        if not isinstance(column, str):
            arguments.append(column)  # col_mapping gave the values themselves
        elif column in inputs.prediction_names:
            arguments.append(eval_df["prediction"])
        elif column in inputs.target_names:
            arguments.append(eval_df["target"])
        elif column == "metrics":
            arguments.append(copy.deepcopy(dict(values)))
        elif column in inputs.features.columns:
            arguments.append(inputs.features[column])
        elif column in inputs.options:
            arguments.append(inputs.options[column])
        elif (found := _lookup(values, column)) is not None:
            arguments.append(found)
        elif column in scheduled:
            arguments.append(None)  # computed before this metric; resolved when computing
        elif parameter.default is not inspect.Parameter.empty:
            arguments.append(parameter.default)
        else:
            missing.append(parameter.name)
    return arguments, missing


def _order(
    metrics: Sequence[EvaluationMetric], inputs: MetricInputs, values: Mapping[str, MetricValue]
) -> list[EvaluationMetric]:
    """Order metrics so a derived metric comes after the metrics it takes as arguments."""
    ordered: list[EvaluationMetric] = []
    remaining = list(metrics)
    while remaining:
        pending, missing = [], []
        for metric in remaining:
            _, absent = _arguments(metric, inputs, values, [m.name for m in ordered])
            if absent:
                pending.append(metric)
                missing.append(f"metric {metric.name!r} needs {absent}")
            else:
                ordered.append(metric)
        if len(pending) == len(remaining):
            raise InvalidParameterError(
                "Cannot compute extra_metrics: " + "; ".join(missing) + ". A parameter is "
                "filled by 'predictions', 'targets', 'metrics', a feature column "
                f"{list(inputs.features.columns)}, an evaluator_config key, or another metric's "
                "name; map other names with evaluator_config={'col_mapping': {<parameter>: "
                "<column>}}"
            )
        remaining = pending
    return ordered


def _checked(metric: EvaluationMetric, index: int, result: Any) -> MetricValue | None:
    header = f"Did not log metric '{metric.name}' at index {index} in the `extra_metrics` parameter"
    if result is None:
        _logger.warning("%s because it returned None.", header)
        return None
    if is_number(result):
        return MetricValue(aggregate_results={metric.name: float(result)})
    if not isinstance(result, MetricValue):
        _logger.warning("%s because it did not return a number or a MetricValue.", header)
        return None
    scores, justifications, aggregates = (
        result.scores,
        result.justifications,
        result.aggregate_results,
    )
    problem = None
    if scores is not None and not (
        isinstance(scores, list)
        and all(is_number(s) or isinstance(s, str) or s is None for s in scores)
    ):
        problem = "scores must be a list of numbers or strings"
    elif justifications is not None and not (
        isinstance(justifications, list)
        and all(isinstance(j, str) or j is None for j in justifications)
    ):
        problem = "justifications must be a list of strings"
    elif aggregates is not None and not (
        isinstance(aggregates, dict)
        and all(isinstance(k, str) and (is_number(v) or v is None) for k, v in aggregates.items())
    ):
        problem = "aggregate_results must map strings to numbers"
    if problem is not None:
        _logger.warning("%s because its MetricValue is malformed: %s.", header, problem)
        return None
    return result


def compute_extra_metrics(
    metrics: Sequence[EvaluationMetric],
    inputs: MetricInputs,
    builtin: Mapping[str, MetricValue],
) -> dict[str, MetricValue]:
    """Compute the extra metrics after the builtin ones.

    Args:
        metrics: The ``extra_metrics``.
        inputs: What their ``eval_fn`` parameters can ask for.
        builtin: The builtin metrics, wrapped (see :func:`wrap`).

    Returns:
        The builtin and extra metric values, keyed by name (``name/version`` when versioned).

    Raises:
        InvalidParameterError: An item is not an :class:`EvaluationMetric`, or a parameter of
            an ``eval_fn`` cannot be filled.
    """
    bad = [
        f"{m!r} of type {type(m).__name__}" for m in metrics if not isinstance(m, EvaluationMetric)
    ]
    if bad:
        raise InvalidParameterError(
            f"Invalid extra_metrics {bad}: pass EvaluationMetric objects made with make_metric"
        )
    values = dict(builtin)
    positions = {id(metric): index for index, metric in enumerate(metrics)}
    names = [metric.name for metric in metrics]
    for metric in _order(metrics, inputs, values):
        # A metric it depends on that returned nothing is passed as None, as in MLflow.
        arguments, _ = _arguments(metric, inputs, values, names)
        try:
            result = metric.eval_fn(*arguments)
        except Exception as exc:
            exc.add_note(f"raised by the eval_fn of extra metric {metric.name!r}")
            raise
        checked = _checked(metric, positions[id(metric)], result)
        if checked is not None:
            values[metric.key] = checked
    return values


def eval_table(values: Mapping[str, MetricValue], inputs: MetricInputs, prefix: str) -> Any:
    """Return MLflow's ``eval_results_table``: the data, targets, predictions and per-row scores.

    Args:
        values: The metric values.
        inputs: The evaluation data.
        prefix: The metric prefix.

    Returns:
        A DataFrame, or ``None`` when no metric has per-row scores or justifications.
    """
    per_row = {
        name: value
        for name, value in values.items()
        if value.scores is not None or value.justifications is not None
    }
    if not per_row:
        return None
    table = inputs.features.assign(
        **{
            inputs.target_column: inputs.eval_df["target"].to_numpy(),
            inputs.prediction_column: inputs.eval_df["prediction"].to_numpy(),
        }
    )
    for name, value in per_row.items():
        if value.scores:
            table[f"{prefix}{name}/score"] = value.scores
        if value.justifications:
            table[f"{prefix}{name}/justification"] = value.justifications
    return table
