"""``log_model`` for every flavor: save a model as an MLflow 3 *logged model*.

What :func:`log_model` does, in MLflow 3's order (``mlflow.models.Model.log``):

1. create a ``PENDING`` logged model in the active run's experiment (or use ``model_id=``), its
   params the given ones plus the run's, its tags the given ones plus the context's system tags;
2. link it to the active run as an output at ``step``, and link the run's metrics logged at that
   step to it;
3. save the model with the flavor's ``save_model`` into a temporary directory, ``MLmodel``
   recording the ``model_id``, and upload it to the logged model's artifact location
   (``<experiment artifacts>/models/<model_id>/artifacts``);
4. finalize the model ``READY`` (``FAILED``, with the error, when a step fails);
5. register ``models:/<model_id>`` when ``registered_model_name`` is given.

Without an active run the model is logged with no run, as in MLflow 3. ``runs:/<run_id>/<name>``
still loads it (see :mod:`flowtrack.models.uri`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowtrack.entities import LoggedModelOutput, LoggedModelStatus
from flowtrack.entities.tags import MLFLOW_MODEL_IS_EXTERNAL
from flowtrack.exceptions import InvalidParameterError
from flowtrack.models.model import Model, ModelInfo

if TYPE_CHECKING:
    from flowtrack.entities import LoggedModel, Metric
    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["EXTRA_FILES_DIR", "copy_extra_files", "log_model"]

_LOGGER = logging.getLogger("flowtrack.models")

#: The model subdirectory ``extra_files=`` are copied to (MLflow's ``extra_files``).
EXTRA_FILES_DIR = "extra_files"


def copy_extra_files(extra_files: Iterable[str] | None, model_dir: str) -> dict[str, Any]:
    """Copy ``extra_files`` (local paths or URIs) into ``<model_dir>/extra_files``.

    Returns:
        The flavor configuration MLflow records, ``{"extra_files": [{"path": ...}, ...]}``, or
        ``{}`` when there is nothing to copy.

    Raises:
        InvalidParameterError: ``extra_files`` is not a list of paths or URIs.
        NotFoundError: A file does not exist.
    """
    if not extra_files:
        return {}
    if isinstance(extra_files, str | bytes | os.PathLike) or not all(
        isinstance(f, str | os.PathLike) for f in extra_files
    ):
        raise InvalidParameterError(
            f"Invalid extra_files {extra_files!r}: expected a list of paths or URIs, e.g. "
            "['vocabulary.txt']"
        )
    from flowtrack.models.uri import download_uri

    target = os.path.join(model_dir, EXTRA_FILES_DIR)
    entries = []
    for extra in extra_files:
        local = download_uri(os.fspath(extra), target)
        entries.append({"path": f"{EXTRA_FILES_DIR}/{os.path.basename(local)}"})
    return {EXTRA_FILES_DIR: entries}


def _model_name(artifact_path: str | None, name: str | None) -> str | None:
    if artifact_path is not None and name is not None:
        raise InvalidParameterError(
            "Both `artifact_path` (deprecated) and `name` parameters were specified. Please only "
            "specify `name`."
        )
    if artifact_path is not None:
        _LOGGER.warning("`artifact_path` is deprecated. Please use `name` instead.")
    return name if name is not None else artifact_path


def _link_step_metrics(client: FlowtrackClient, run_id: str, model_id: str, step: int) -> None:
    """Link the run's metric points at ``step`` to the model, as MLflow's ``Model.log`` does."""
    client.flush_async_logging()  # queued points of the step count too
    points: list[Metric] = []
    for key in client.get_run(run_id).data.metrics:
        points.extend(
            point.model_copy(update={"model_id": model_id, "run_id": run_id})
            for point in client.get_metric_history(run_id, key)
            if point.step == step and point.model_id is None
        )
    if points:
        client.log_batch(run_id, metrics=points, synchronous=True)


def _logged_model(
    client: FlowtrackClient,
    run_id: str | None,
    name: str | None,
    model_id: str | None,
    params: Mapping[str, Any] | None,
    tags: Mapping[str, Any] | None,
    model_type: str | None,
) -> LoggedModel:
    """The model to log into: ``model_id``'s, or a new ``PENDING`` one."""
    if model_id is not None:
        return client.get_logged_model(model_id)
    from flowtrack.tracking.fluent.logged_models import create_logged_model_with

    run_params = client.get_run(run_id).data.params if run_id is not None else {}
    return create_logged_model_with(
        client,
        name=name,
        source_run_id=run_id,
        tags=tags,
        params={**(params or {}), **run_params},
        model_type=model_type,
    )


def log_model(
    save: Callable[..., None],
    *,
    artifact_path: str | None = None,
    name: str | None = None,
    registered_model_name: str | None = None,
    await_registration_for: int | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    model_id: str | None = None,
    **save_kwargs: Any,
) -> ModelInfo:
    """Save a model with ``save`` and log it as a logged model (see the module docstring).

    Args:
        save: The flavor's ``save_model``; called with ``path=``, ``mlflow_model=`` and
            ``save_kwargs``.
        artifact_path: Deprecated (MLflow 2's argument): the model's name.
        name: The logged model's name; default a generated one.
        registered_model_name: Also register the model as a new version of this registered
            model (created when missing).
        await_registration_for: Accepted for MLflow compatibility; registration is synchronous.
        params: ``{key: value}`` params of the logged model (the run's params are added).
        tags: ``{key: value}`` tags of the logged model (and of the registered version).
        model_type: A free-form kind of model (``"classifier"``...).
        step: The training step the model was logged at (the run output's step).
        model_id: Log into this existing logged model (e.g. from ``initialize_logged_model``)
            instead of creating one.
        **save_kwargs: Passed to ``save``.

    Returns:
        The model's info: ``model_uri`` is ``models:/<model_id>``, ``model_id`` and the other
        logged-model fields are set, and ``registered_model_version`` when registered.

    Raises:
        InvalidParameterError: Both ``artifact_path`` and ``name``, an invalid name, or an
            invalid ``registered_model_name`` (checked before anything is saved).
    """
    from flowtrack.tracking.fluent import _state
    from flowtrack.tracking.fluent.config import current_client

    del await_registration_for  # the registry creates versions synchronously
    model_name = _model_name(artifact_path, name)
    if registered_model_name is not None:
        from flowtrack.stores.model_registry.validation import validate_model_name

        validate_model_name(registered_model_name)
    stack = _state.RUN_STACK.get()
    frame = stack[-1] if stack else None
    client = frame.client if frame is not None else current_client()
    run_id = frame.run_id if frame is not None else None
    logged = _logged_model(client, run_id, model_name, model_id, params, tags, model_type)
    try:
        if frame is not None and run_id is not None:
            output = LoggedModelOutput(model_id=logged.model_id, step=step)
            client.log_outputs(run_id, [output])
            frame.run._record_outputs([output])
            _link_step_metrics(client, run_id, logged.model_id, step)
        mlflow_model = Model(
            artifact_path=logged.artifact_location,
            run_id=run_id,
            model_uuid=logged.model_id,
            model_id=logged.model_id,
        )
        with tempfile.TemporaryDirectory(prefix="flowtrack-model-") as tmp:
            local = os.path.join(tmp, "model")
            save(path=local, mlflow_model=mlflow_model, **save_kwargs)
            for cache in Path(local).rglob("__pycache__"):  # loading to infer requirements
                shutil.rmtree(cache, ignore_errors=True)
            client.log_model_artifacts(logged.model_id, local)
        if logged.tags.get(MLFLOW_MODEL_IS_EXTERNAL, "false").lower() == "true":
            client.delete_logged_model_tag(logged.model_id, MLFLOW_MODEL_IS_EXTERNAL)
    except BaseException as exc:
        client.finalize_logged_model(
            logged.model_id,
            LoggedModelStatus.FAILED,
            status_message=f"{type(exc).__name__}: {exc}",
        )
        raise
    logged = client.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)
    info = mlflow_model.get_model_info(logged)
    if registered_model_name is None:
        return info
    from flowtrack.tracking.fluent.registry import register_model_with

    version = register_model_with(client, logged.model_uri, registered_model_name, tags)
    return dataclasses.replace(info, registered_model_version=version.version)
