"""What scikit-learn autologging records for one ``fit``, in the run it logs into.

Before the original ``fit`` runs (:func:`log_pre_training`): the estimator's params
(``get_params(deep=True)``; a parameter search: ``deep=False``), the tags ``estimator_name`` and
``estimator_class``, and the training data as a run input (context ``train``).

After it (:func:`log_post_training`): MLflow's ``training_*`` metrics
(:mod:`flowtrack.sklearn._training_metrics`), the fitted model at ``model`` (with a signature
inferred from the first training rows and ``predict``, or ``transform``, and optionally those
rows as input example; registered as a new version of ``registered_model_name`` when given),
and for a parameter search everything :mod:`flowtrack.sklearn._tuning` describes, including the
model ``best_estimator``.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flowtrack.sklearn import _tuning
from flowtrack.sklearn._autolog_config import INPUT_EXAMPLE_ROWS, LOGGER, AutologConfig, safely
from flowtrack.sklearn._training_metrics import training_metrics

__all__ = [
    "FitData",
    "fit_data",
    "log_post_training",
    "log_pre_training",
]

_PARAMS_PER_BATCH = 100  # the tracking stores' limit per log_batch


@dataclass(frozen=True, slots=True)
class FitData:
    """What a ``fit`` call was given, read before it ran."""

    X: Any
    y: Any
    sample_weight: Any
    #: The first training rows, copied before ``fit`` could change them (None if not sliceable).
    example: Any


def _head(X: Any) -> Any:
    if hasattr(X, "iloc"):
        return X.iloc[:INPUT_EXAMPLE_ROWS]
    if (hasattr(X, "shape") and hasattr(X, "__getitem__")) or isinstance(X, list):
        return X[:INPUT_EXAMPLE_ROWS]
    return None


def fit_data(fit: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> FitData:
    """Read ``X``, ``y`` and ``sample_weight`` of a ``fit`` call (``fit`` unbound, as defined).

    The first two parameters after ``self`` are ``X`` and ``y`` whatever their names, as in
    MLflow (``MultiOutputClassifier.fit(X, Y)``).
    """
    names = list(inspect.signature(fit).parameters)[1:]  # without self
    bound = dict(zip(names, args, strict=False)) | dict(kwargs)
    x_name, y_name = [*names, "X", "y"][:2]
    X = bound.get(x_name)
    try:
        example = copy.deepcopy(_head(X))
    except Exception:
        example = None
    return FitData(X, bound.get(y_name), bound.get("sample_weight"), example)


def _params(estimator: Any) -> dict[str, str]:
    return _tuning.stringify(estimator.get_params(deep=not _tuning.is_parameter_search(estimator)))


def _dataset(X: Any, y: Any) -> Any:
    """The training data as a dataset entity, or None for data of another kind."""
    from flowtrack.data import from_numpy, from_pandas

    if hasattr(X, "iloc") and hasattr(X, "columns"):
        return from_pandas(X).to_entity()
    if hasattr(X, "toarray"):  # scipy sparse
        X = X.toarray()
    if hasattr(X, "shape") and hasattr(X, "dtype"):
        targets = y.toarray() if hasattr(y, "toarray") else y
        return from_numpy(X, targets=targets if hasattr(targets, "shape") else None).to_entity()
    LOGGER.debug("Not logging a dataset of type %s", type(X).__name__)
    return None


def log_pre_training(
    client: Any, run_id: str, estimator: Any, data: FitData, config: AutologConfig
) -> Any:
    """Log the params, the estimator tags and the training dataset before ``fit`` runs.

    Returns:
        The training dataset entity (None when not logged), for the child runs of a search.
    """
    from flowtrack.entities import DATASET_CONTEXT_TAG, DatasetInput, InputTag

    tags = {
        "estimator_name": type(estimator).__name__,
        "estimator_class": f"{type(estimator).__module__}.{type(estimator).__name__}",
    }

    def log_params() -> None:
        items = sorted(_params(estimator).items())
        for start in range(0, len(items), _PARAMS_PER_BATCH):
            client.log_batch(run_id, params=dict(items[start : start + _PARAMS_PER_BATCH]))

    safely(config, "params", estimator, log_params)
    safely(config, "tags", estimator, lambda: client.log_batch(run_id, tags=tags))
    dataset: list[Any] = [None]

    def log_dataset() -> None:
        entity = _dataset(data.X, data.y)
        if entity is not None:
            tag = InputTag(key=DATASET_CONTEXT_TAG, value="train")
            client.log_inputs(run_id, [DatasetInput(dataset=entity, tags=[tag])])
            dataset[0] = entity

    if config.log_datasets and data.X is not None:
        safely(config, "training dataset", estimator, log_dataset)
    return dataset[0]


def _signature(estimator: Any, example: Any, config: AutologConfig) -> Any:
    """MLflow's rule: infer from the example and ``predict`` (else ``transform``), or False."""
    from flowtrack.models.signature import infer_signature

    if not config.log_model_signatures or example is None:
        return False  # False: log_model must not infer one from the input example either
    try:
        if hasattr(estimator, "predict"):
            output = estimator.predict(copy.deepcopy(example))
        elif hasattr(estimator, "transform"):
            output = estimator.transform(copy.deepcopy(example))
        else:
            return False
        return infer_signature(example, output)
    except Exception as exc:
        LOGGER.debug("Logging the model without a signature: %s", exc)
        return False


def _log_model(
    estimator: Any, name: str, data: FitData, config: AutologConfig, register: bool
) -> None:
    from flowtrack.sklearn._flavor import log_model

    log_model(
        estimator,
        name=name,
        serialization_format=config.serialization_format,
        registered_model_name=config.registered_model_name if register else None,
        signature=_signature(estimator, data.example, config),
        input_example=data.example if config.log_input_examples else None,
    )


def _log_search(
    client: Any, run_id: str, search: Any, data: FitData, dataset: Any, config: AutologConfig
) -> None:
    from flowtrack.tracking.context_tags import system_tags

    if config.log_models and hasattr(search, "best_estimator_"):
        safely(
            config,
            "best estimator",
            search,
            lambda: _log_model(search.best_estimator_, "best_estimator", data, config, False),
        )
    if hasattr(search, "best_score_"):
        safely(
            config,
            "best CV score",
            search,
            lambda: client.log_metric(run_id, "best_cv_score", float(search.best_score_)),
        )
    if hasattr(search, "best_params_"):
        safely(
            config,
            "best params",
            search,
            lambda: client.log_batch(run_id, params=_tuning.best_params(search)),
        )
    if hasattr(search, "cv_results_"):
        parent = client.get_run(run_id)
        safely(
            config,
            "tuning child runs",
            search,
            lambda: _tuning.log_child_runs(client, parent, search, config, system_tags(), dataset),
        )
        safely(
            config,
            "CV results",
            search,
            lambda: _tuning.log_cv_results(client, run_id, search),
        )


def log_post_training(
    client: Any, run_id: str, estimator: Any, data: FitData, dataset: Any, config: AutologConfig
) -> None:
    """Log training metrics, the fitted model, and a search's results and child runs.

    Args:
        client: The client of the run.
        run_id: The run autologging logs into.
        estimator: The fitted estimator.
        data: What ``fit`` was given.
        dataset: The training dataset entity :func:`log_pre_training` logged, or None.
        config: The autolog options.
    """
    if data.y is not None:
        safely(
            config,
            "training metrics",
            estimator,
            lambda: client.log_batch(
                run_id,
                metrics=_metrics(
                    training_metrics(
                        estimator, data.X, data.y, data.sample_weight, config.pos_label
                    )
                ),
            ),
        )
    if config.log_models:
        safely(
            config, "model", estimator, lambda: _log_model(estimator, "model", data, config, True)
        )
    if _tuning.is_parameter_search(estimator):
        _log_search(client, run_id, estimator, data, dataset, config)


def _metrics(values: Mapping[str, float]) -> list[Any]:
    from flowtrack._private.clock import now_ms
    from flowtrack.entities import Metric

    timestamp = now_ms()
    return [
        Metric(key=key, value=value, timestamp=timestamp, step=0) for key, value in values.items()
    ]
