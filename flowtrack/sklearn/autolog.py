"""``flowtrack.sklearn.autolog()``: log every scikit-learn ``fit`` without changing the code.

MLflow 3's ``mlflow.sklearn.autolog`` arguments and behaviour. While on, ``fit``,
``fit_transform`` and ``fit_predict`` of scikit-learn's estimators (the classes
``sklearn.utils.all_estimators()`` lists, plus ``Pipeline``, ``GridSearchCV`` and
``RandomizedSearchCV``; not the preprocessing, imputation and feature extraction/selection
transformers, as in MLflow) log into the active run, or into a run autologging opens and closes:

- params, tags, ``training_*`` metrics, the training dataset and the model
  (:mod:`flowtrack.sklearn._autolog_logging`);
- for a parameter search, ``best_*`` params, ``best_cv_score``, ``cv_results.csv``, the model
  ``best_estimator`` and a child run per top candidate (:mod:`flowtrack.sklearn._tuning`);
- afterwards, ``sklearn.metrics`` calls and ``model.score`` on the model's predictions
  (:mod:`flowtrack.sklearn._post_training`).

Patching is process-wide, as in MLflow; the state lives on the replacement functions themselves
(each carries the original and the session it logs with), so ``autolog(disable=True)`` restores
exactly what was there.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError
from flowtrack.sklearn import _patching
from flowtrack.sklearn._autolog_config import AutologConfig, report
from flowtrack.sklearn._autolog_hooks import (
    Session,
    fit_hook,
    metric_hook,
    predict_hook,
    score_hook,
    suspend_hook,
)
from flowtrack.sklearn._post_training import PostTrainingMetrics

__all__ = ["autolog", "current_config", "is_enabled", "is_supported_version"]

#: The scikit-learn releases this flowtrack version is tested with (the ``sklearn`` extra's floor
#: and the newest release in CI); ``disable_for_unsupported_versions`` checks against them.
SUPPORTED_VERSIONS = ("1.4.0", "1.9.1")

_FIT_METHODS = ("fit", "fit_transform", "fit_predict")
_PREDICT_METHODS = ("predict", "predict_proba", "transform", "predict_log_proba")
_METHODS = (*_FIT_METHODS, *_PREDICT_METHODS, "score")
_EXCLUDED_MODULES = (
    "sklearn.preprocessing",
    "sklearn.impute",
    "sklearn.feature_extraction",
    "sklearn.feature_selection",
)
_EXCLUDED_CLASSES = frozenset({"sklearn.compose._column_transformer.ColumnTransformer"})
#: Not metric functions, though ``sklearn.metrics`` exports them (MLflow's list).
_NOT_METRICS = frozenset({"check_scoring", "get_scorer", "make_scorer", "get_scorer_names"})
#: Functions that fit clones many times: autologging is off while they run (as in MLflow).
_SUSPENDING_FUNCTIONS = (
    "cross_validate",
    "cross_val_predict",
    "cross_val_score",
    "learning_curve",
    "permutation_test_score",
    "validation_curve",
)


def _estimator_classes() -> list[type]:
    try:
        from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
        from sklearn.pipeline import Pipeline
        from sklearn.utils import all_estimators
    except ImportError as exc:
        raise MissingDependencyError(
            "flowtrack.sklearn.autolog needs scikit-learn: pip install 'flowtrack[sklearn]'"
        ) from exc
    classes = {cls for _, cls in all_estimators()} | {GridSearchCV, RandomizedSearchCV, Pipeline}
    return sorted(
        (
            cls
            for cls in classes
            if not cls.__module__.startswith(_EXCLUDED_MODULES)
            and f"{cls.__module__}.{cls.__name__}" not in _EXCLUDED_CLASSES
        ),
        key=lambda cls: f"{cls.__module__}.{cls.__name__}",
    )


def _metric_names() -> list[str]:
    import inspect

    from sklearn import metrics

    return [
        name
        for name in metrics.__all__
        if name not in _NOT_METRICS
        and not name.startswith("plot_")
        and callable(getattr(metrics, name, None))
        and not inspect.isclass(getattr(metrics, name))
    ]


def _unpatch_all(classes: list[type]) -> None:
    import sklearn.metrics
    import sklearn.model_selection

    for cls in classes:
        _patching.revert_class(cls, _METHODS)
    _patching.revert_module(sklearn.metrics)
    _patching.revert_module(sklearn.model_selection)


def _patch_all(classes: list[type], session: Session) -> None:
    import sklearn.metrics
    import sklearn.model_selection

    fit, predict, score = fit_hook(session), predict_hook(session), score_hook(session)
    for cls in classes:
        for name in _FIT_METHODS:
            _patching.patch_method(cls, name, fit, session)
        for name in _PREDICT_METHODS:
            _patching.patch_method(cls, name, predict, session)
        _patching.patch_method(cls, "score", score, session)
    if session.config.log_post_training_metrics:
        metric = metric_hook(session)
        for name in _metric_names():
            _patching.patch_function(sklearn.metrics, name, metric, session)
    for name in _SUSPENDING_FUNCTIONS:
        _patching.patch_function(sklearn.model_selection, name, suspend_hook, session)


def _release(version: str) -> tuple[int, ...] | None:
    """``"1.5.2"`` -> ``(1, 5, 2)``; None for pre-releases, dev builds and other forms."""
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?(?:\.post\d+)?", version)
    if match is None:
        return None
    return tuple(int(part or 0) for part in match.groups())


def is_supported_version(version: str, check_max_version: bool = True) -> bool:
    """Return whether a scikit-learn version is one flowtrack's autologging is tested with.

    Args:
        version: A scikit-learn version, e.g. ``sklearn.__version__``.
        check_max_version: Also require it to be at most the newest tested release (MLflow's
            check for ``disable_for_unsupported_versions``); False checks the floor only.

    Returns:
        False for versions outside the tested range and for pre-releases or dev builds.

    Example:
        >>> is_supported_version("1.5.2"), is_supported_version("1.3.0")
        (True, False)
    """
    release = _release(version)
    low, high = (_release(bound) for bound in SUPPORTED_VERSIONS)
    if release is None or low is None or high is None:
        return False
    return low <= release and (not check_max_version or release <= high)


def current_config() -> AutologConfig | None:
    """Return the options scikit-learn autologging is on with, or None when it is off."""
    try:
        from sklearn.ensemble import RandomForestClassifier
    except ImportError:
        return None
    session = _patching.session_of(RandomForestClassifier, "fit")
    return session.config if isinstance(session, Session) else None


def is_enabled() -> bool:
    """Return whether scikit-learn autologging is on (scikit-learn is patched)."""
    return current_config() is not None


def _extra_tags(extra_tags: Mapping[str, Any] | None, silent: bool) -> tuple[tuple[str, str], ...]:
    from flowtrack.tracking.context_tags import MLFLOW_AUTOLOGGING

    if extra_tags is None:
        return ()
    if not isinstance(extra_tags, Mapping):
        raise InvalidParameterError(
            f"Invalid `extra_tags` type: expecting dictionary, "
            f"received `{type(extra_tags).__name__}`"
        )
    if MLFLOW_AUTOLOGGING in extra_tags and not silent:
        logging.getLogger("flowtrack.sklearn").warning(
            "Tag `%s` is ignored as it is a reserved tag by autologging.", MLFLOW_AUTOLOGGING
        )
    return tuple((str(k), str(v)) for k, v in extra_tags.items() if k != MLFLOW_AUTOLOGGING)


def autolog(
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    disable_for_unsupported_versions: bool = False,
    silent: bool = False,
    max_tuning_runs: int | None = 5,
    log_post_training_metrics: bool = True,
    serialization_format: str | None = None,
    registered_model_name: str | None = None,
    pos_label: Any = None,
    extra_tags: Mapping[str, Any] | None = None,
    *,
    _globally_configured: bool = False,
) -> None:
    """Turn scikit-learn autologging on (or off with ``disable=True``), as MLflow 3 does.

    Calling it again replaces the options; ``disable=True`` restores the original functions.
    Logging failures never break ``fit``: they are reported as warnings on the
    ``flowtrack.sklearn`` logger (unless ``silent``).

    Args:
        log_input_examples: Save the first 5 training rows with the model.
        log_model_signatures: Infer the model's signature from the first 5 training rows.
        log_models: Log the fitted model as ``model`` (and a search's ``best_estimator``).
        log_datasets: Record the training data (context ``train``) and, with post-training
            metrics, the prediction inputs (context ``eval``) as run inputs.
        disable: Restore scikit-learn's original functions.
        exclusive: Do not log into runs the user started; only into runs autologging opens.
        disable_for_unsupported_versions: Stay off when the installed scikit-learn is outside
            the range this flowtrack version is tested with (:data:`SUPPORTED_VERSIONS`).
        silent: Report nothing: no warnings or info messages from autologging.
        max_tuning_runs: Child runs per parameter search, for the best candidates by
            ``rank_test_score``; ``None`` for every candidate, ``0`` for none.
        log_post_training_metrics: Log ``sklearn.metrics`` calls and ``model.score`` on the
            predictions of an autologged model (import metric functions after enabling).
        serialization_format: Passed to :func:`flowtrack.sklearn.log_model` (default: skops
            with recorded types, else cloudpickle).
        registered_model_name: Register each logged ``model`` as a new version of this
            registered model (created when missing).
        pos_label: The positive class of binary classifiers for the training precision, recall
            and f1 (``average="binary"``); None for weighted averages.
        extra_tags: More tags set on each run autologging opens.
        _globally_configured: Set by :func:`flowtrack.autolog`, which does not override options
            given here directly.

    Raises:
        InvalidParameterError: ``max_tuning_runs`` is negative, or ``extra_tags`` not a mapping.
        MissingDependencyError: scikit-learn is not installed.

    Example:
        >>> flowtrack.sklearn.autolog(max_tuning_runs=3)
        >>> GridSearchCV(SVC(), {"C": [0.1, 1, 10, 100]}).fit(X, y)  # parent + 3 child runs
        >>> flowtrack.sklearn.autolog(disable=True)
    """
    if max_tuning_runs is not None and max_tuning_runs < 0:
        raise InvalidParameterError(
            f"`max_tuning_runs` must be non-negative, instead got {max_tuning_runs}."
        )
    tags = _extra_tags(extra_tags, silent)
    classes = _estimator_classes()
    _unpatch_all(classes)
    if disable:
        return
    config = AutologConfig(
        log_models=log_models,
        log_input_examples=log_input_examples,
        log_model_signatures=log_model_signatures,
        log_datasets=log_datasets,
        silent=silent,
        exclusive=exclusive,
        max_tuning_runs=max_tuning_runs,
        log_post_training_metrics=log_post_training_metrics,
        serialization_format=serialization_format,
        registered_model_name=registered_model_name,
        pos_label=pos_label,
        extra_tags=tags,
        globally_configured=_globally_configured,
    )
    import sklearn

    low, high = SUPPORTED_VERSIONS
    if disable_for_unsupported_versions and not is_supported_version(sklearn.__version__):
        report(
            config,
            logging.INFO,
            "scikit-learn autologging stays off: scikit-learn %s is outside the tested range "
            "%s <= scikit-learn <= %s (disable_for_unsupported_versions=True).",
            sklearn.__version__,
            low,
            high,
        )
        return
    if not is_supported_version(sklearn.__version__, check_max_version=False):
        report(
            config,
            logging.WARNING,
            "flowtrack sklearn autologging is known to be compatible with %s <= scikit-learn, "
            "but the installed version is %s. If you encounter errors during autologging, try "
            "upgrading scikit-learn.",
            low,
            sklearn.__version__,
        )
    _patch_all(classes, Session(config, PostTrainingMetrics()))
