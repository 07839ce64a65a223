"""flowtrack: MLflow's tracking, models and registry lifecycle as one Prefect-native package.

``import flowtrack as mlflow`` runs typical MLflow tracking code unchanged::

    import flowtrack as mlflow

    mlflow.set_experiment("My experiment")
    with mlflow.start_run():
        mlflow.log_param("learning_rate", 0.01)
        mlflow.log_metric("accuracy", 0.95)

Models move the same way: ``mlflow.sklearn.log_model(clf, name="model")``,
``mlflow.pyfunc.load_model(uri)``, ``mlflow.models.infer_signature(...)`` and ``mlflow.autolog()``
use MLflow's names and on-disk format (see :mod:`flowtrack.pyfunc` and :mod:`flowtrack.sklearn`).

Importing flowtrack is nearly free: every public name (and every submodule, such as
``flowtrack.artifacts``, ``flowtrack.data``, ``flowtrack.models``, ``flowtrack.pyfunc`` or
``flowtrack.sklearn``) is imported on first access (PEP 562), so scripts that never log pay
nothing for pydantic, SQLAlchemy, pandas or scikit-learn.
"""

# No `typing` import here: it alone costs more than the rest of `import flowtrack`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    # Submodules as typed attributes (flowtrack.pyfunc.load_model...); not in __all__.
    import flowtrack.artifacts
    import flowtrack.models
    import flowtrack.pyfunc
    import flowtrack.sklearn
    import flowtrack.system_metrics  # noqa: F401
    from flowtrack.autologging import autolog
    from flowtrack.exceptions import FlowtrackError
    from flowtrack.exceptions import FlowtrackError as MlflowException
    from flowtrack.models.evaluation import evaluate
    from flowtrack.models.evaluation.validation import validate_evaluation_results
    from flowtrack.system_metrics import (
        disable_system_metrics_logging,
        enable_system_metrics_logging,
        set_system_metrics_node_id,
        set_system_metrics_samples_before_logging,
        set_system_metrics_sampling_interval,
    )
    from flowtrack.tracking.client import FlowtrackClient, MlflowClient
    from flowtrack.tracking.fluent.active_model import (
        ActiveModel,
        clear_active_model,
        get_active_model_id,
        set_active_model,
    )
    from flowtrack.tracking.fluent.active_run import ActiveRun
    from flowtrack.tracking.fluent.artifacts import (
        flush_artifact_async_logging,
        get_artifact_uri,
        load_table,
        log_artifact,
        log_artifacts,
        log_dict,
        log_figure,
        log_image,
        log_stream,
        log_table,
        log_text,
    )
    from flowtrack.tracking.fluent.config import (
        get_registry_uri,
        get_tracking_uri,
        is_tracking_uri_set,
        set_registry_uri,
        set_tracking_uri,
    )
    from flowtrack.tracking.fluent.experiments import (
        create_experiment,
        delete_experiment,
        delete_experiment_tag,
        get_experiment,
        get_experiment_by_name,
        restore_experiment,
        search_experiments,
        set_experiment,
        set_experiment_tag,
        set_experiment_tags,
    )
    from flowtrack.tracking.fluent.logged_models import (
        create_external_model,
        delete_logged_model_tag,
        finalize_logged_model,
        get_logged_model,
        initialize_logged_model,
        last_logged_model,
        log_model_params,
        log_outputs,
        search_logged_models,
        set_logged_model_tags,
    )
    from flowtrack.tracking.fluent.logging import (
        delete_tag,
        flush_async_logging,
        log_input,
        log_inputs,
        log_metric,
        log_metrics,
        log_param,
        log_params,
        set_tag,
        set_tags,
    )
    from flowtrack.tracking.fluent.registry import (
        register_model,
        search_model_versions,
        search_registered_models,
        set_model_version_tag,
    )
    from flowtrack.tracking.fluent.runs import (
        active_run,
        delete_run,
        end_run,
        get_parent_run,
        get_run,
        last_active_run,
        restore_run,
        start_run,
    )
    from flowtrack.tracking.fluent.search import search_runs
    from flowtrack.tracking.multimedia import Image
    from flowtrack.version import __version__
del TYPE_CHECKING

__all__ = [
    "ActiveModel",
    "ActiveRun",
    "FlowtrackClient",
    "FlowtrackError",
    "Image",
    "MlflowClient",
    "MlflowException",
    "__version__",
    "active_run",
    "autolog",
    "clear_active_model",
    "create_experiment",
    "create_external_model",
    "delete_experiment",
    "delete_experiment_tag",
    "delete_logged_model_tag",
    "delete_run",
    "delete_tag",
    "disable_system_metrics_logging",
    "enable_system_metrics_logging",
    "end_run",
    "evaluate",
    "finalize_logged_model",
    "flush_artifact_async_logging",
    "flush_async_logging",
    "get_active_model_id",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_logged_model",
    "get_parent_run",
    "get_registry_uri",
    "get_run",
    "get_tracking_uri",
    "initialize_logged_model",
    "is_tracking_uri_set",
    "last_active_run",
    "last_logged_model",
    "load_table",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_inputs",
    "log_metric",
    "log_metrics",
    "log_model_params",
    "log_outputs",
    "log_param",
    "log_params",
    "log_stream",
    "log_table",
    "log_text",
    "register_model",
    "restore_experiment",
    "restore_run",
    "search_experiments",
    "search_logged_models",
    "search_model_versions",
    "search_registered_models",
    "search_runs",
    "set_active_model",
    "set_experiment",
    "set_experiment_tag",
    "set_experiment_tags",
    "set_logged_model_tags",
    "set_model_version_tag",
    "set_registry_uri",
    "set_system_metrics_node_id",
    "set_system_metrics_samples_before_logging",
    "set_system_metrics_sampling_interval",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
    "validate_evaluation_results",
]

_ARTIFACTS = "flowtrack.tracking.fluent.artifacts"
_EXPERIMENTS = "flowtrack.tracking.fluent.experiments"
_LOGGING = "flowtrack.tracking.fluent.logging"
_RUNS = "flowtrack.tracking.fluent.runs"
_SYSTEM_METRICS = "flowtrack.system_metrics"
_LOGGED_MODELS = "flowtrack.tracking.fluent.logged_models"
_ACTIVE_MODEL = "flowtrack.tracking.fluent.active_model"

#: Public name -> "module" (same attribute name) or "module:attribute" (an alias).
_LAZY_ATTRIBUTES = {
    "ActiveModel": _ACTIVE_MODEL,
    "ActiveRun": "flowtrack.tracking.fluent.active_run",
    "FlowtrackClient": "flowtrack.tracking.client",
    "FlowtrackError": "flowtrack.exceptions",
    "Image": "flowtrack.tracking.multimedia",
    "MlflowClient": "flowtrack.tracking.client",
    "MlflowException": "flowtrack.exceptions:FlowtrackError",
    "__version__": "flowtrack.version",
    "active_run": _RUNS,
    "autolog": "flowtrack.autologging",
    "clear_active_model": _ACTIVE_MODEL,
    "create_experiment": _EXPERIMENTS,
    "create_external_model": _LOGGED_MODELS,
    "delete_experiment": _EXPERIMENTS,
    "delete_experiment_tag": _EXPERIMENTS,
    "delete_logged_model_tag": _LOGGED_MODELS,
    "delete_run": _RUNS,
    "delete_tag": _LOGGING,
    "disable_system_metrics_logging": _SYSTEM_METRICS,
    "enable_system_metrics_logging": _SYSTEM_METRICS,
    "end_run": _RUNS,
    "evaluate": "flowtrack.models.evaluation",
    "finalize_logged_model": _LOGGED_MODELS,
    "flush_artifact_async_logging": _ARTIFACTS,
    "flush_async_logging": _LOGGING,
    "get_active_model_id": _ACTIVE_MODEL,
    "get_artifact_uri": _ARTIFACTS,
    "get_experiment": _EXPERIMENTS,
    "get_experiment_by_name": _EXPERIMENTS,
    "get_logged_model": _LOGGED_MODELS,
    "get_parent_run": _RUNS,
    "get_registry_uri": "flowtrack.tracking.fluent.config",
    "get_run": _RUNS,
    "get_tracking_uri": "flowtrack.tracking.fluent.config",
    "initialize_logged_model": _LOGGED_MODELS,
    "is_tracking_uri_set": "flowtrack.tracking.fluent.config",
    "last_active_run": _RUNS,
    "last_logged_model": _LOGGED_MODELS,
    "load_table": _ARTIFACTS,
    "log_artifact": _ARTIFACTS,
    "log_artifacts": _ARTIFACTS,
    "log_dict": _ARTIFACTS,
    "log_figure": _ARTIFACTS,
    "log_image": _ARTIFACTS,
    "log_input": _LOGGING,
    "log_inputs": _LOGGING,
    "log_metric": _LOGGING,
    "log_metrics": _LOGGING,
    "log_model_params": _LOGGED_MODELS,
    "log_outputs": _LOGGED_MODELS,
    "log_param": _LOGGING,
    "log_params": _LOGGING,
    "log_stream": _ARTIFACTS,
    "log_table": _ARTIFACTS,
    "log_text": _ARTIFACTS,
    "register_model": "flowtrack.tracking.fluent.registry",
    "restore_experiment": _EXPERIMENTS,
    "restore_run": _RUNS,
    "search_experiments": _EXPERIMENTS,
    "search_logged_models": _LOGGED_MODELS,
    "search_model_versions": "flowtrack.tracking.fluent.registry",
    "search_registered_models": "flowtrack.tracking.fluent.registry",
    "search_runs": "flowtrack.tracking.fluent.search",
    "set_active_model": _ACTIVE_MODEL,
    "set_experiment": _EXPERIMENTS,
    "set_experiment_tag": _EXPERIMENTS,
    "set_experiment_tags": _EXPERIMENTS,
    "set_logged_model_tags": _LOGGED_MODELS,
    "set_model_version_tag": "flowtrack.tracking.fluent.registry",
    "set_registry_uri": "flowtrack.tracking.fluent.config",
    "set_system_metrics_node_id": _SYSTEM_METRICS,
    "set_system_metrics_samples_before_logging": _SYSTEM_METRICS,
    "set_system_metrics_sampling_interval": _SYSTEM_METRICS,
    "set_tag": _LOGGING,
    "set_tags": _LOGGING,
    "set_tracking_uri": "flowtrack.tracking.fluent.config",
    "start_run": _RUNS,
    "validate_evaluation_results": "flowtrack.models.evaluation.validation",
}


def __getattr__(name: str) -> "Any":
    """Import a public name, or a submodule (``flowtrack.data``), on first access."""
    import importlib

    target = _LAZY_ATTRIBUTES.get(name)
    if target is not None:
        module_name, _, attribute = target.partition(":")
        value = getattr(importlib.import_module(module_name), attribute or name)
    elif name.isidentifier() and not name.startswith("_"):
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise  # the submodule exists but one of its imports is missing
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    """The public names and the submodules, for ``dir()`` and tab completion."""
    import pkgutil

    submodules = (info.name for info in pkgutil.iter_modules(__path__) if info.name[0] != "_")
    return sorted({*globals(), *__all__, *submodules})
