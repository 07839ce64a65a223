"""``flowtrack.evaluate``: MLflow's default model evaluator for regressors and classifiers."""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models.evaluation._optional import require
from flowtrack.models.evaluation.extra_metrics import EvaluationMetric
from flowtrack.models.evaluation.results import EvaluationArtifact, EvaluationResult

if TYPE_CHECKING:
    from flowtrack.models.evaluation._config import EvaluatorConfig
    from flowtrack.models.evaluation._data import EvalData
    from flowtrack.models.evaluation._evaluators import Outcome
    from flowtrack.models.evaluation._extras import MetricInputs

__all__ = ["EvaluationArtifact", "EvaluationResult", "evaluate"]


def _weights(config: Any, rows: int) -> Any:
    from flowtrack.models.evaluation._data import as_labels
    from flowtrack.models.evaluation._evaluators import numeric

    if config.sample_weights is None:
        return config
    weights = numeric(as_labels(config.sample_weights, "sample_weights", rows), "sample_weights")
    if (weights < 0).any():
        raise InvalidParameterError(
            f"sample_weights must be non-negative; got {float(weights.min())}"
        )
    return dataclasses.replace(config, sample_weights=weights)


def _log(
    metrics: dict[str, float],
    files: dict[str, Path],
    checked: EvalData,
    model_uuid: str | None,
    dataset_path: str | None,
    model_id: str | None,
) -> tuple[str, dict[str, EvaluationArtifact]]:
    """Log to the active run (starting and ending one when none is active, as MLflow does)."""
    from flowtrack.models.evaluation._dataset_tag import log_dataset_tag
    from flowtrack.tracking.fluent.artifacts import get_artifact_uri
    from flowtrack.tracking.fluent.logging import log_input, log_metrics
    from flowtrack.tracking.fluent.runs import active_run, run_target, start_run

    with contextlib.ExitStack() as stack:
        if active_run() is None:
            stack.enter_context(start_run())  # ends FAILED if logging raises
        client, run_id = run_target(None)
        if model_uuid is not None:  # MLflow records the lineage of models with MLmodel metadata
            log_dataset_tag(client, run_id, checked, model_uuid, dataset_path)
        # The input first: metrics linked to a dataset the run already has add no second input.
        log_input(checked.dataset, context="eval")
        log_metrics(
            metrics,
            step=0,
            synchronous=True,
            run_id=run_id,
            model_id=model_id,
            dataset=checked.dataset if model_id is not None else None,
        )
        artifacts = {}
        for name, path in files.items():
            client.log_artifact(run_id, path)
            uri = get_artifact_uri(path.name)
            artifacts[name] = EvaluationArtifact(uri=uri, local_path=str(path))
    return run_id, artifacts


def _linked_model_id(given: str | None, own: str | None) -> str | None:
    """The logged model the metrics go to: ``given``, else the model's own, else the active one.

    Raises:
        InvalidParameterError: ``given`` contradicts the evaluated model's own id.
    """
    if given is not None and own is not None and given != own:
        raise InvalidParameterError(
            f"Invalid model_id {given!r}: the evaluated model is the logged model {own!r}; "
            "pass the same id or omit model_id"
        )
    if given is not None or own is not None:
        return given or own
    from flowtrack.tracking.fluent.active_model import get_active_model_id

    return get_active_model_id()


def _listed(value: Any, what: str, hint: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidParameterError(f"Invalid {what} {value!r}: pass a list of {hint}")
    return list(value)


def _metric_parameters(metrics: Sequence[Any]) -> set[str]:
    """The parameter names of the extra metrics' functions (evaluator_config may fill them)."""
    names: set[str] = set()
    for metric in metrics:
        if isinstance(metric, EvaluationMetric):
            names.update(inspect.signature(metric.eval_fn).parameters)
    return names


def _feature_frame(features: Any) -> Any:
    pandas = require("pandas", "evaluate's extra_metrics and custom_artifacts")
    if isinstance(features, pandas.DataFrame):
        return features
    array = require("numpy", "evaluate").asarray(features)
    array = array.reshape(len(array), -1)
    width = len(str(array.shape[1]))  # MLflow's names: feature_01 ... feature_12
    names = [f"feature_{str(i + 1).zfill(width)}" for i in range(array.shape[1])]
    return pandas.DataFrame(array, columns=names)


def _metric_inputs(
    checked: EvalData, y_pred: Any, config: EvaluatorConfig, targets: Any, predictions: Any
) -> MetricInputs:
    from flowtrack.models.evaluation._extras import MetricInputs

    pandas = require("pandas", "evaluate's extra_metrics and custom_artifacts")
    eval_df = pandas.DataFrame({"prediction": y_pred, "target": checked.targets})
    if not isinstance(targets, str):
        targets = getattr(checked.dataset, "targets", None)  # a flowtrack dataset names them
    target_column = targets if isinstance(targets, str) else "target"
    return MetricInputs(
        eval_df=eval_df,
        features=_feature_frame(checked.features),
        options=config.options,
        col_mapping=config.col_mapping or {},
        prediction_names=frozenset({"predictions"} | ({predictions} if predictions else set())),
        target_names=frozenset({"targets", target_column}),
        target_column=target_column,
        prediction_column=predictions or "outputs",
    )


def _extras(
    outcome: Outcome,
    inputs: MetricInputs | None,
    extra_metrics: list[Any],
    custom_artifacts: list[Callable[..., Any]],
    config: EvaluatorConfig,
    out_dir: Path,
) -> tuple[dict[str, float], dict[str, Path]]:
    """Compute the extra metrics and custom artifacts; return the run's metrics and new files."""
    from flowtrack.models.evaluation._artifacts import save_custom_artifacts
    from flowtrack.models.evaluation._extras import (
        compute_extra_metrics,
        eval_table,
        flatten,
        wrap,
    )

    values = wrap(outcome.metrics)
    files: dict[str, Path] = {}
    if inputs is not None:
        values = compute_extra_metrics(extra_metrics, inputs, values)
        prefix = config.metric_prefix
        table = eval_table(values, inputs, prefix)
        if table is not None:
            from flowtrack.tracking.payloads import table_bytes

            path = out_dir / f"{prefix}eval_results_table.json"
            path.write_bytes(table_bytes(table))
            files["eval_results_table"] = path
        taken = {*outcome.files, *files}
        files |= save_custom_artifacts(custom_artifacts, inputs.eval_df, values, out_dir, taken)
    return flatten(values, config.metric_prefix), files


def evaluate(
    model: Any = None,
    data: Any = None,
    *,
    model_type: str,
    targets: Any = None,
    predictions: str | None = None,
    evaluators: str | Sequence[str] | None = "default",
    feature_names: Sequence[str] | None = None,
    evaluator_config: dict[str, Any] | None = None,
    extra_metrics: Sequence[EvaluationMetric] | None = None,
    custom_artifacts: Sequence[Callable[..., Any]] | None = None,
    model_config: dict[str, Any] | None = None,
    dataset_path: str | None = None,
    env_manager: str = "local",
    inference_params: dict[str, Any] | None = None,
    model_id: str | None = None,
) -> EvaluationResult:
    """Evaluate a regressor or classifier on labelled data; log metrics and plots to the run.

    The metrics carry MLflow's names. A regressor gets ``example_count``,
    ``mean_absolute_error``, ``mean_squared_error``, ``root_mean_squared_error``,
    ``sum_on_target``, ``mean_on_target``, ``r2_score``, ``max_error`` and
    ``mean_absolute_percentage_error``, and the artifacts ``residuals_plot.png`` and
    ``predicted_vs_actual_plot.png``. A classifier gets ``example_count``, ``accuracy_score``,
    ``recall_score``, ``precision_score`` and ``f1_score`` (binary: of the positive label, the
    larger one unless ``pos_label`` is set; multi-class: averaged, ``"weighted"`` unless
    ``average`` is set, plus ``<metric>_class_<label>`` per class and ``per_class_metrics.csv``);
    binary classifiers also get ``true_negatives``, ``false_positives``, ``false_negatives`` and
    ``true_positives``. When the model has ``predict_proba`` (also inside a pyfunc model), it
    adds ``log_loss``, ``roc_auc`` (one-vs-rest for multi-class) and, binary,
    ``precision_recall_auc``, with ``roc_curve_plot.png`` and ``precision_recall_curve_plot.png``;
    every classifier gets ``confusion_matrix.png``.

    ``extra_metrics`` (made with :func:`~flowtrack.models.make_metric`) are computed after the
    builtin metrics, merged into ``metrics`` and logged with them; per-row scores also go to
    the ``eval_results_table.json`` artifact. ``custom_artifacts`` functions are then called
    with ``(eval_df, builtin_metrics, artifacts_dir)`` (a DataFrame with ``prediction`` and
    ``target`` columns, ``{name: MetricValue}``, a temporary directory) and return ``{name:
    artifact}``: a file path, a JSON string or object, a DataFrame (``.csv``), a numpy array
    (``.npy``), a matplotlib Figure (``.png``); each is logged and listed in ``artifacts``.

    Everything is logged to the active run; when no run is active, one is started and ended.
    The data is logged as the run's input with context ``eval``. When the model carries MLmodel
    metadata (a model URI or ``PyFuncModel``), the run's ``mlflow.datasets`` tag also records,
    as MLflow does, the data's name and hash, ``dataset_path`` and the model's ``model_uuid``.

    Args:
        model: A model URI (``runs:/<id>/model``, loaded with ``flowtrack.pyfunc``), a
            ``PyFuncModel``, a fitted estimator (an object with ``predict``), a callable taking
            the features and returning predictions, or ``None`` to evaluate the ``predictions``
            column of ``data``.
        data: A pandas DataFrame holding the features and the ``targets`` column; a numpy
            array or list of feature rows (``targets`` is then an array of labels); or a
            :mod:`flowtrack.data` dataset naming its targets.
        model_type: ``"regressor"`` or ``"classifier"``.
        targets: The label column's name (DataFrame ``data``), or the labels themselves.
        predictions: With no model: the ``data`` column holding the predictions. With a model
            returning several columns: the column holding the predictions.
        evaluators: ``"default"`` (or ``None`` / ``["default"]``), the only evaluator.
        feature_names: The feature columns of a DataFrame (default: every column but targets
            and predictions), or names for an array's columns (the model then gets a
            DataFrame).
        evaluator_config: Options: ``metrics`` (the metric names to compute), ``pos_label``,
            ``label_list``, ``average`` (``"weighted"``, ``"macro"`` or ``"micro"``),
            ``sample_weights``, ``metric_prefix``, ``col_mapping``,
            ``max_classes_for_multiclass_roc_pr`` (default 10). MLflow's SHAP options are
            accepted and ignored. A key named after a parameter of an extra metric's
            ``eval_fn`` is passed to it. Any other key is refused.
        extra_metrics: Custom metrics made with :func:`~flowtrack.models.make_metric`.
        custom_artifacts: Functions producing custom artifacts (see above).
        model_config: Loading options for a model URI.
        dataset_path: Where the data is stored (no double quotes), recorded in the
            ``mlflow.datasets`` tag for lineage.
        env_manager: ``"local"``, the only supported value: flowtrack scores the model in the
            current Python environment (MLflow's ``"virtualenv"``, ``"conda"`` and ``"uv"``,
            which restore the model's environment, are refused).
        inference_params: Passed to the model's ``predict`` as ``params`` (a pyfunc model
            checks them against its signature's params schema). MLflow takes them only for
            Deployments endpoints; flowtrack has none and passes them to the model itself.
        model_id: The logged model (``m-...``) the metrics are linked to, with the evaluation
            dataset (MLflow 3). Default: the model's own id (a ``models:/<model_id>`` URI or a
            loaded logged model), else the active model (:func:`flowtrack.set_active_model`).

    Returns:
        The metrics, the logged artifacts and the run id.

    Raises:
        InvalidParameterError: An unknown ``model_type``, evaluator, config key or metric (e.g. a
            classifier metric for a regressor); a missing target or prediction column; length
            mismatches; non-numeric regression values; continuous classifier labels; an extra
            metric whose parameters cannot be filled; a custom artifact that cannot be saved;
            an ``env_manager`` other than ``"local"``; ``inference_params`` for a model whose
            ``predict`` takes no ``params``; a ``dataset_path`` with a double quote; a
            ``model_id`` contradicting the model's own.
        MissingDependencyError: numpy, scikit-learn or matplotlib is not installed.

    Example:
        >>> from sklearn.datasets import load_diabetes
        >>> from sklearn.linear_model import LinearRegression
        >>> frame = load_diabetes(as_frame=True).frame
        >>> model = LinearRegression().fit(frame.drop(columns="target"), frame["target"])
        >>> result = flowtrack.evaluate(model, frame, targets="target", model_type="regressor")
        >>> round(result.metrics["r2_score"], 3)
        0.518
    """
    from flowtrack.models.evaluation._config import (
        check_evaluators,
        check_model_type,
        parse_evaluator_config,
    )
    from flowtrack.models.evaluation._data import resolve_data
    from flowtrack.models.evaluation._dataset_tag import check_dataset_path
    from flowtrack.models.evaluation._model import (
        check_env_manager,
        model_outputs,
        resolve_model,
    )

    kind = check_model_type(model_type)
    check_evaluators(evaluators)
    check_env_manager(env_manager)
    dataset_path = check_dataset_path(dataset_path)
    extras = _listed(extra_metrics, "extra_metrics", "EvaluationMetric objects (make_metric)")
    artifact_fns = _listed(custom_artifacts, "custom_artifacts", "functions")
    config = parse_evaluator_config(kind, evaluator_config, _metric_parameters(extras))
    require("numpy", "evaluate")
    require("sklearn.metrics", "evaluate's metrics")
    require("matplotlib.figure", "evaluate's plots")
    predictor = resolve_model(model, model_config, inference_params)
    model_id = _linked_model_id(model_id, predictor.model_id if predictor is not None else None)
    checked = resolve_data(
        data,
        targets,
        predictions,
        feature_names,
        has_model=predictor is not None,
        col_mapping=config.col_mapping,
    )
    config = _weights(config, checked.rows)
    y_pred = checked.predictions
    if predictor is not None:
        output = predictor.predict(checked.features)
        y_pred = model_outputs(output, predictions, checked.rows, predictor.description)
    if y_pred is None:  # resolve_data demands a predictions column when there is no model
        raise InvalidParameterError("Nothing to evaluate: pass a model or a predictions column")
    from flowtrack.models.evaluation._evaluators import evaluate_classifier, evaluate_regressor

    out_dir = Path(tempfile.mkdtemp(prefix="flowtrack-evaluate-"))
    try:
        if kind == "regressor":
            outcome = evaluate_regressor(checked.targets, y_pred, config, out_dir)
        else:
            outcome = evaluate_classifier(
                checked.targets, y_pred, predictor, checked.features, config, out_dir
            )
        inputs = None
        if extras or artifact_fns:
            inputs = _metric_inputs(checked, y_pred, config, targets, predictions)
        metrics, files = _extras(outcome, inputs, extras, artifact_fns, config, out_dir)
        model_uuid = predictor.model_uuid if predictor is not None else None
        run_id, artifacts = _log(
            metrics, outcome.files | files, checked, model_uuid, dataset_path, model_id
        )
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    return EvaluationResult(metrics=metrics, artifacts=artifacts, run_id=run_id)
