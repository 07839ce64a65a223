"""What autologging records for a parameter search (``GridSearchCV``, ``RandomizedSearchCV``).

As MLflow's ``mlflow.sklearn`` autologging does, the search's own run (the *parent*) gets:

- the search's params (``get_params(deep=False)``: the seed estimator is one param) and a
  ``best_<param>`` param for each of ``best_params_``,
- the metric ``best_cv_score`` (``best_score_``),
- the artifact ``cv_results.csv`` (the whole ``cv_results_`` table, one row per candidate),
- the model ``best_estimator`` next to ``model`` (see :mod:`flowtrack.sklearn._autolog_logging`),

and one finished *child* run per candidate for the ``max_tuning_runs`` best candidates by
``rank_test_score`` (the first ``rank_test_<scorer>`` column for multi-metric searches), best
first; ``None`` logs every candidate, ``0`` none. A child run has the tags
``mlflow.parentRunId``, ``mlflow.autologging``, ``estimator_name`` / ``estimator_class`` of the
seed estimator and the system tags; the seed estimator's params updated with the candidate's;
and as metrics the candidate's numeric ``cv_results_`` columns except the per-split ones and the
``param_*`` columns: ``mean_test_score``, ``std_test_score``, ``rank_test_score``,
``mean_fit_time``, ``std_fit_time``, ``mean_score_time``, ``std_score_time`` (and the
``*_train_score`` ones with ``return_train_score=True``). Child runs start when the parent did
(when each candidate ran is not known) and end when they are written.
"""

from __future__ import annotations

import logging
import numbers
import tempfile
import warnings
from pathlib import Path
from typing import Any

from flowtrack.entities import DATASET_CONTEXT_TAG, DatasetInput, InputTag, Metric
from flowtrack.sklearn._autolog_config import MAX_PARAM_LENGTH, AutologConfig, report

__all__ = [
    "CV_RESULTS_ARTIFACT",
    "best_params",
    "is_parameter_search",
    "log_child_runs",
    "log_cv_results",
    "select_candidates",
    "stringify",
    "tuning_runs_message",
]

#: The artifact holding ``cv_results_`` (MLflow's file name).
CV_RESULTS_ARTIFACT = "cv_results.csv"
_EXCLUDED_METRIC_PREFIXES = ("param", "split")


def is_parameter_search(estimator: Any) -> bool:
    """Return whether ``estimator`` is a grid, randomized or (enabled) halving search."""
    import sklearn.model_selection
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

    searches: tuple[type, ...] = (GridSearchCV, RandomizedSearchCV)
    # Successive halving is experimental: its classes exist once the user enabled them.
    for name in ("HalvingGridSearchCV", "HalvingRandomSearchCV"):
        halving = vars(sklearn.model_selection).get(name)  # getattr raises until enabled
        if isinstance(halving, type):
            searches = (*searches, halving)
    return isinstance(estimator, searches)


def stringify(params: dict[str, Any]) -> dict[str, str]:
    """Return params as the strings a run stores (cut to MLflow's length limit)."""
    return {str(key): str(value)[:MAX_PARAM_LENGTH] for key, value in params.items()}


def best_params(search: Any) -> dict[str, str]:
    """Return the ``best_<param>`` params of a fitted search."""
    return stringify({f"best_{key}": value for key, value in search.best_params_.items()})


def tuning_runs_message(max_tuning_runs: int, total: int) -> str:
    """Say how many child runs are logged and omitted, in MLflow's words."""
    logged = min(max_tuning_runs, total)
    rest = total - logged
    logging_phrase = {0: "no runs", 1: "the best run"}.get(logged, f"the {logged} best runs")
    omitting_phrase = {1: "one run"}.get(rest, "no runs" if rest <= 0 else f"{rest} runs")
    return f"Logging {logging_phrase}, {omitting_phrase} will be omitted."


def _rank_column(columns: list[str], config: AutologConfig) -> str | None:
    if "rank_test_score" in columns:
        return "rank_test_score"
    column = next((name for name in columns if "rank_test_" in name), None)
    if column is not None and not config.silent:
        warnings.warn(
            f"Top {config.max_tuning_runs} child runs will be created based on ordering in "
            f"{column} column.  You can choose not to limit the number of child runs created "
            "by setting `max_tuning_runs=None`.",
            stacklevel=2,
        )
    return column


def select_candidates(cv_results: dict[str, Any], config: AutologConfig) -> list[int]:
    """Return the indexes of the candidates that get a child run, best first.

    Args:
        cv_results: A search's ``cv_results_``.
        config: The autolog options (``max_tuning_runs``).

    Returns:
        Candidate indexes (rows of ``cv_results``) ordered by rank, ties in table order.
    """
    total = len(cv_results["params"])
    rank = _rank_column(list(cv_results), config)
    order = list(range(total))
    if rank is not None:
        order.sort(key=lambda index: float(cv_results[rank][index]))
    if config.max_tuning_runs is None:
        return order
    report(config, logging.INFO, tuning_runs_message(config.max_tuning_runs, total))
    return order[: config.max_tuning_runs]


def _candidate_metrics(cv_results: dict[str, Any], index: int) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for column, values in cv_results.items():
        if column.startswith(_EXCLUDED_METRIC_PREFIXES):
            continue
        value = values[index]
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            metrics[column] = float(value)  # type: ignore[arg-type]
    return metrics


def log_child_runs(
    client: Any,
    parent: Any,
    search: Any,
    config: AutologConfig,
    system_tags: dict[str, str],
    dataset: Any = None,
) -> list[str]:
    """Create one finished child run per selected candidate of a fitted search.

    Args:
        client: The :class:`~flowtrack.FlowtrackClient` of the parent run.
        parent: The parent :class:`~flowtrack.entities.Run`.
        search: The fitted search.
        config: The autolog options.
        system_tags: The system tags (user, source) to give each child run.
        dataset: A dataset entity recorded on each child run as its training input, or None.

    Returns:
        The child run ids, best candidate first.
    """
    from flowtrack._private.clock import now_ms
    from flowtrack.tracking.context_tags import MLFLOW_AUTOLOGGING, MLFLOW_PARENT_RUN_ID

    cv_results = search.cv_results_
    seed = search.estimator
    base_params = seed.get_params(deep=not is_parameter_search(seed))
    tags = {
        **system_tags,
        MLFLOW_AUTOLOGGING: "sklearn",
        MLFLOW_PARENT_RUN_ID: parent.info.run_id,
        "estimator_name": type(seed).__name__,
        "estimator_class": f"{type(seed).__module__}.{type(seed).__name__}",
    }
    inputs = []
    if dataset is not None:
        inputs = [
            DatasetInput(dataset=dataset, tags=[InputTag(key=DATASET_CONTEXT_TAG, value="train")])
        ]
    end_time = now_ms()
    child_ids = []
    for index in select_candidates(cv_results, config):
        child = client.create_run(
            parent.info.experiment_id, start_time=parent.info.start_time, tags=tags
        )
        run_id = child.info.run_id
        params = stringify({**base_params, **cv_results["params"][index]})
        metrics = [
            Metric(key=key, value=value, timestamp=end_time, step=0)
            for key, value in _candidate_metrics(cv_results, index).items()
        ]
        client.log_batch(run_id, metrics=metrics, params=params)
        if inputs:
            client.log_inputs(run_id, inputs)
        client.set_terminated(run_id, end_time=end_time)
        child_ids.append(run_id)
    return child_ids


def log_cv_results(client: Any, run_id: str, search: Any) -> None:
    """Log a fitted search's ``cv_results_`` as the artifact ``cv_results.csv``."""
    import pandas as pd

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / CV_RESULTS_ARTIFACT
        pd.DataFrame.from_dict(search.cv_results_).to_csv(path, index=False)
        client.log_artifact(run_id, str(path))
