"""The fluent tracking API (``flowtrack.start_run``, ``flowtrack.log_metric``, ...).

One module per concept: :mod:`.config` (tracking URI), :mod:`.experiments`, :mod:`.runs`,
:mod:`.logging` (params, metrics, tags, inputs), :mod:`.artifacts`, :mod:`.search`,
:mod:`.registry` (``register_model``), :mod:`.logged_models` (MLflow 3's logged models) and
:mod:`.active_model`. The active run, the last run and the active experiment
live in context variables (:mod:`._state`), so threads and asyncio tasks
each have their own.
"""

from flowtrack.tracking.fluent.active_model import (
    ActiveModel,
    clear_active_model,
    get_active_model_id,
    set_active_model,
)
from flowtrack.tracking.fluent.active_run import ActiveRun
from flowtrack.tracking.fluent.artifacts import (
    get_artifact_uri,
    load_table,
    log_artifact,
    log_artifacts,
    log_dict,
    log_figure,
    log_image,
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
    start_run,
)
from flowtrack.tracking.fluent.search import search_runs

__all__ = [
    "ActiveModel",
    "ActiveRun",
    "active_run",
    "clear_active_model",
    "create_experiment",
    "create_external_model",
    "delete_experiment",
    "delete_experiment_tag",
    "delete_logged_model_tag",
    "delete_run",
    "delete_tag",
    "end_run",
    "finalize_logged_model",
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
    "log_table",
    "log_text",
    "register_model",
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
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]
