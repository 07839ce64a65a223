"""Checking ``evaluate``'s ``model_type``, ``evaluators`` and ``evaluator_config`` arguments."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowtrack._private.validation import validate_key
from flowtrack.exceptions import InvalidParameterError
from flowtrack.models.evaluation.metrics import (
    BINARY_ONLY_METRICS,
    CLASSIFIER_METRICS,
    MODEL_TYPES,
    REGRESSOR_METRICS,
)

__all__ = [
    "EvaluatorConfig",
    "check_evaluators",
    "check_model_type",
    "list_evaluators",
    "parse_evaluator_config",
]

_logger = logging.getLogger(__name__)

#: Keys of ``evaluator_config`` that flowtrack's default evaluator honours.
SUPPORTED_KEYS = (
    "average",
    "col_mapping",
    "label_list",
    "max_classes_for_multiclass_roc_pr",
    "metric_prefix",
    "metrics",
    "pos_label",
    "sample_weights",
)
#: MLflow keys that are accepted for compatibility but change nothing (no SHAP explainability).
IGNORED_KEYS = (
    "explainability_algorithm",
    "explainability_kernel_link",
    "explainability_nsamples",
    "ignore_exceptions",
    "log_explainer",
    "log_metrics_with_dataset_info",
    "log_model_explainability",
)
_AVERAGES = ("macro", "micro", "weighted")


@dataclass(frozen=True)
class EvaluatorConfig:
    """The default evaluator's options, checked.

    Attributes:
        metrics: The metric names to compute, or ``None`` for all of the model type's metrics.
        pos_label: The positive class of a binary classifier; default the largest label.
        label_list: Every class label; default the labels seen in targets and predictions.
        average: How multi-class precision, recall and f1 are averaged.
        sample_weights: One weight per row, or ``None``.
        metric_prefix: Prepended to every metric and artifact name.
        col_mapping: Renames the ``targets`` / ``predictions`` column names.
        max_classes_for_multiclass_roc_pr: Draw multi-class ROC and PR curves up to this many
            classes.
        options: Every key given, for ``extra_metrics`` parameters named after one.
    """

    metrics: tuple[str, ...] | None = None
    pos_label: Any = None
    label_list: tuple[Any, ...] | None = None
    average: str = "weighted"
    sample_weights: Any = None
    metric_prefix: str = ""
    col_mapping: Mapping[str, str] | None = None
    max_classes_for_multiclass_roc_pr: int = 10
    options: Mapping[str, Any] = field(default_factory=dict)


def check_model_type(model_type: Any) -> str:
    """Return ``model_type`` when it is one flowtrack evaluates.

    Raises:
        InvalidParameterError: Any other value.
    """
    if model_type not in MODEL_TYPES:
        raise InvalidParameterError(
            f"Unsupported model_type {model_type!r}: the default evaluator supports "
            f"{', '.join(repr(name) for name in MODEL_TYPES)}"
        )
    return str(model_type)


def list_evaluators() -> list[str]:
    """Return the names of the evaluators ``evaluate`` accepts: flowtrack has ``"default"``.

    MLflow lists its plugin registry (``default``, ``shap``, GenAI evaluators...); flowtrack's
    one evaluator computes MLflow's default classifier and regressor metrics and plots.

    Example:
        >>> list_evaluators()
        ['default']
    """
    return ["default"]


def check_evaluators(evaluators: Any) -> None:
    """Accept ``"default"``, ``None`` or ``["default"]``, the only evaluator flowtrack has.

    Raises:
        InvalidParameterError: Any other evaluator name.
    """
    names = [evaluators] if evaluators is None or isinstance(evaluators, str) else evaluators
    if not isinstance(names, Sequence):
        raise InvalidParameterError(
            f"Invalid evaluators {evaluators!r}: pass 'default', ['default'] or None"
        )
    for name in names:
        if name is not None and name not in list_evaluators():
            raise InvalidParameterError(
                f"Unknown evaluator {name!r}: flowtrack has only the 'default' evaluator; pass "
                "evaluators='default' (or None)"
            )


def _metrics(model_type: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise InvalidParameterError(
            f"Invalid evaluator_config['metrics'] {value!r}: pass a non-empty list of metric names"
        )
    allowed = REGRESSOR_METRICS if model_type == "regressor" else CLASSIFIER_METRICS
    for name in value:
        if name not in allowed:
            other = "classifier" if model_type == "regressor" else "regressor"
            known = CLASSIFIER_METRICS if model_type == "regressor" else REGRESSOR_METRICS
            kind = f"a {other} metric, not a {model_type} metric" if name in known else "unknown"
            raise InvalidParameterError(
                f"Invalid metric {name!r} for model_type {model_type!r} ({kind}): "
                f"{model_type} metrics are {', '.join(allowed)}"
            )
    return tuple(dict.fromkeys(value))


def _nested(evaluator_config: Mapping[str, Any]) -> Mapping[str, Any]:
    # MLflow nests per-evaluator configs under the evaluator's name: {"default": {...}}.
    inner = evaluator_config.get("default")
    if set(evaluator_config) == {"default"} and isinstance(inner, Mapping):
        return inner
    return evaluator_config


def parse_evaluator_config(
    model_type: str, evaluator_config: Any, metric_parameters: Collection[str] = ()
) -> EvaluatorConfig:
    """Check ``evaluator_config`` for a model type.

    Args:
        model_type: ``"regressor"`` or ``"classifier"``.
        evaluator_config: ``None`` or a dict of the keys in :data:`SUPPORTED_KEYS` (MLflow's
            SHAP keys are accepted and ignored) and of ``metric_parameters``.
        metric_parameters: The parameter names of the ``extra_metrics``' ``eval_fn``: a key
            so named is passed to them, as in MLflow.

    Returns:
        The checked options.

    Raises:
        InvalidParameterError: An unknown key, a bad value, or a metric the model type lacks.
    """
    if evaluator_config is None:
        return EvaluatorConfig()
    if not isinstance(evaluator_config, Mapping):
        raise InvalidParameterError(
            f"Invalid evaluator_config of type {type(evaluator_config).__name__}: pass a dict"
        )
    config = _nested(evaluator_config)
    for key in config:
        if key not in SUPPORTED_KEYS and key not in IGNORED_KEYS and key not in metric_parameters:
            named = ", ".join(sorted(metric_parameters)) or "none"
            raise InvalidParameterError(
                f"Unknown evaluator_config key {key!r}: supported keys are "
                f"{', '.join(SUPPORTED_KEYS)} (MLflow's {', '.join(IGNORED_KEYS)} are ignored), "
                f"or a parameter name of an extra metric's eval_fn ({named})"
            )
    if config.get("log_model_explainability"):
        _logger.info("evaluate: flowtrack does not compute SHAP explainability; skipping it")
    options: dict[str, Any] = {}
    if config.get("metrics") is not None:
        options["metrics"] = _metrics(model_type, config["metrics"])
        binary_only = [name for name in options["metrics"] if name in BINARY_ONLY_METRICS]
        if binary_only and config.get("label_list") is not None and len(config["label_list"]) > 2:
            raise InvalidParameterError(
                f"Metrics {binary_only} are only defined for binary classifiers, but "
                f"label_list has {len(config['label_list'])} classes"
            )
    average = config.get("average", "weighted")
    if average not in _AVERAGES:
        raise InvalidParameterError(
            f"Invalid evaluator_config['average'] {average!r}: use one of {', '.join(_AVERAGES)}"
        )
    options["average"] = average
    label_list = config.get("label_list")
    if label_list is not None:
        if isinstance(label_list, str | Mapping) or not isinstance(label_list, Iterable):
            raise InvalidParameterError(
                f"Invalid evaluator_config['label_list'] {label_list!r}: pass a list of labels"
            )
        options["label_list"] = tuple(label_list)
    prefix = config.get("metric_prefix") or ""
    if not isinstance(prefix, str):
        raise InvalidParameterError(
            f"Invalid evaluator_config['metric_prefix'] {prefix!r}: pass a string"
        )
    if prefix:
        try:
            validate_key("metric", f"{prefix}example_count")
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"Invalid evaluator_config['metric_prefix'] {prefix!r}: it starts every metric "
                f"name, so it must be valid in one ({exc})"
            ) from None
    options["metric_prefix"] = prefix
    mapping = config.get("col_mapping")
    if mapping is not None and not isinstance(mapping, Mapping):
        raise InvalidParameterError(
            f"Invalid evaluator_config['col_mapping'] {mapping!r}: pass a dict of column names"
        )
    options["col_mapping"] = mapping
    limit = config.get("max_classes_for_multiclass_roc_pr", 10)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise InvalidParameterError(
            f"Invalid evaluator_config['max_classes_for_multiclass_roc_pr'] {limit!r}: pass a "
            "non-negative integer"
        )
    options["max_classes_for_multiclass_roc_pr"] = limit
    return EvaluatorConfig(
        pos_label=config.get("pos_label"),
        sample_weights=config.get("sample_weights"),
        options=dict(config),
        **options,
    )
