"""``flowtrack.sklearn.autolog()``: log every scikit-learn ``fit`` without changing the code.

While on, ``fit`` of scikit-learn's estimators (the classes ``sklearn.utils.all_estimators()``
lists, plus ``Pipeline``, ``GridSearchCV`` and ``RandomizedSearchCV``; not the preprocessing,
imputation and feature extraction/selection transformers, as in MLflow) logs, into the active run
or into a run it opens and closes:

- the estimator's params (``get_params(deep=True)``, values cut to 6000 characters; a parameter
  search logs its own params and ``best_<param>`` plus ``best_cv_score``),
- the tags ``estimator_name``, ``estimator_class`` and ``mlflow.autologging``,
- MLflow's ``training_*`` metrics (see :mod:`flowtrack.sklearn._autolog_logging`),
- the training dataset (``log_input``, context ``train``),
- the fitted model at artifact path ``model``, with a signature and optionally an input example.

A fit inside another autologged fit (a Pipeline's steps, a search's candidates) is not logged
separately: only the outermost fit is. That "inside" is tracked per context (a
:class:`~contextvars.ContextVar`), so concurrent fits in other threads or tasks log on their own;
fits that scikit-learn dispatches to joblib *threads* count as new, outermost fits.

Patching is process-wide, as in MLflow; the state lives on the patched functions themselves (each
replacement ``fit`` carries the original and whether it was inherited), so ``autolog(disable=True)``
restores exactly what was there.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from flowtrack.exceptions import MissingDependencyError
from flowtrack.sklearn._autolog_logging import (
    AutologConfig,
    fit_arguments,
    log_post_training,
    log_pre_training,
)

__all__ = ["autolog", "is_enabled"]

#: True while an autologged ``fit`` runs in this context: inner fits are not logged again.
_IN_FIT: ContextVar[bool] = ContextVar("flowtrack_sklearn_autolog_in_fit", default=False)
_PATCH_ATTRIBUTE = "__flowtrack_autolog_patch__"
_EXCLUDED_MODULES = (
    "sklearn.preprocessing",
    "sklearn.impute",
    "sklearn.feature_extraction",
    "sklearn.feature_selection",
)
_EXCLUDED_CLASSES = frozenset({"sklearn.compose._column_transformer.ColumnTransformer"})


@dataclass(frozen=True, slots=True)
class _Patch:
    """Kept on each replacement ``fit``: how to undo it, and the options it logs with."""

    original: Callable[..., Any]
    inherited: bool
    config: AutologConfig


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


def _original_fit(cls: type) -> Callable[..., Any] | None:
    """The unpatched ``fit`` a class resolves to (its own or inherited), if it is a function."""
    for klass in cls.__mro__:
        if "fit" in vars(klass):
            fit = vars(klass)["fit"]
            patch = getattr(fit, _PATCH_ATTRIBUTE, None)
            fit = patch.original if patch is not None else fit
            return fit if inspect.isfunction(fit) else None
    return None


def _run_fit(
    original: Callable[..., Any],
    estimator: Any,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    config: AutologConfig,
) -> Any:
    log_pre_training(estimator, config)
    result = original(estimator, *args, **kwargs)
    X, y, sample_weight = fit_arguments(original, args, kwargs)
    log_post_training(estimator, X, y, sample_weight, config)
    return result


def _make_fit(patch: _Patch) -> Callable[..., Any]:
    original = patch.original

    @functools.wraps(original)
    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        import flowtrack

        if _IN_FIT.get():
            return original(self, *args, **kwargs)
        active = flowtrack.active_run()
        if active is not None and patch.config.exclusive:
            return original(self, *args, **kwargs)
        token = _IN_FIT.set(True)
        try:
            if active is not None:
                return _run_fit(original, self, args, kwargs, patch.config)
            with flowtrack.start_run():  # ends FINISHED, or FAILED if fit raises
                return _run_fit(original, self, args, kwargs, patch.config)
        finally:
            _IN_FIT.reset(token)

    setattr(fit, _PATCH_ATTRIBUTE, patch)
    return fit


def _unpatch(classes: list[type]) -> None:
    for cls in classes:
        patch = getattr(vars(cls).get("fit"), _PATCH_ATTRIBUTE, None)
        if patch is None:
            continue
        if patch.inherited:
            delattr(cls, "fit")
        else:
            setattr(cls, "fit", patch.original)  # noqa: B010  # the class attribute, by name


def is_enabled() -> bool:
    """Return whether scikit-learn autologging is on (scikit-learn is patched)."""
    try:
        from sklearn.ensemble import RandomForestClassifier
    except ImportError:
        return False
    return hasattr(vars(RandomForestClassifier).get("fit"), _PATCH_ATTRIBUTE)


def autolog(
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    silent: bool = False,
    serialization_format: str | None = None,
    extra_tags: Mapping[str, Any] | None = None,
) -> None:
    """Turn scikit-learn autologging on (or off with ``disable=True``).

    Calling it again replaces the options; ``disable=True`` restores the original ``fit``
    methods. Logging failures never break ``fit``: they are reported as warnings on the
    ``flowtrack.sklearn`` logger (unless ``silent``).

    Args:
        log_input_examples: Save the first 5 training rows with the model.
        log_model_signatures: Infer the model's signature from the first 5 training rows.
        log_models: Log the fitted model at artifact path ``model``.
        log_datasets: Record the training data as a run input (context ``train``).
        disable: Restore scikit-learn's original ``fit`` methods.
        exclusive: Do not log into runs the user started; only into runs autologging opens.
        silent: Do not report logging failures.
        serialization_format: Passed to :func:`flowtrack.sklearn.log_model` (default: skops
            with recorded types, else cloudpickle).
        extra_tags: More tags set on every autologged run.

    Raises:
        MissingDependencyError: scikit-learn is not installed.

    Example:
        >>> flowtrack.sklearn.autolog()
        >>> RandomForestClassifier().fit(X, y)  # a run with params, metrics and the model
        >>> flowtrack.sklearn.autolog(disable=True)
    """
    classes = _estimator_classes()
    originals = {cls: _original_fit(cls) for cls in classes}
    _unpatch(classes)
    if disable:
        return
    config = AutologConfig(
        log_models=log_models,
        log_input_examples=log_input_examples,
        log_model_signatures=log_model_signatures,
        log_datasets=log_datasets,
        silent=silent,
        exclusive=exclusive,
        serialization_format=serialization_format,
        extra_tags=tuple((str(k), str(v)) for k, v in (extra_tags or {}).items()),
    )
    for cls, original in originals.items():
        if original is not None:
            patch = _Patch(original=original, inherited="fit" not in vars(cls), config=config)
            setattr(cls, "fit", _make_fit(patch))  # noqa: B010
