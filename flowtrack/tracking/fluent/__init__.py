"""The fluent tracking API (``flowtrack.start_run``, ``flowtrack.log_metric``, ...).

One module per concept: :mod:`.config` (tracking URI), :mod:`.experiments`, :mod:`.runs`,
:mod:`.logging` (params, metrics, tags, inputs), :mod:`.artifacts`, :mod:`.search` and
:mod:`.registry` (``register_model``). The active run, the last run and the active experiment
live in context variables (:mod:`._state`), so threads and asyncio tasks
each have their own.
"""

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

__all__ = [
    "ActiveRun",
    "active_run",
    "create_experiment",
    "delete_experiment",
    "delete_experiment_tag",
    "delete_run",
    "delete_tag",
    "end_run",
    "flush_artifact_async_logging",
    "flush_async_logging",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_parent_run",
    "get_registry_uri",
    "get_run",
    "get_tracking_uri",
    "is_tracking_uri_set",
    "last_active_run",
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
    "log_param",
    "log_params",
    "log_stream",
    "log_table",
    "log_text",
    "register_model",
    "restore_experiment",
    "restore_run",
    "search_experiments",
    "search_model_versions",
    "search_registered_models",
    "search_runs",
    "set_experiment",
    "set_experiment_tag",
    "set_experiment_tags",
    "set_model_version_tag",
    "set_registry_uri",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]
