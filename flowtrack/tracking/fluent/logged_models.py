"""Fluent logged models (MLflow 3): create, finalize, read, search and tag models of experiments.

A logged model created here belongs to the active run's experiment (else the active
experiment) and records the active run as its source. The id of the model most recently
created in this context is remembered for :func:`last_logged_model`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from flowtrack.entities import LoggedModel, LoggedModelOutput, LoggedModelStatus
from flowtrack.entities.tags import MLFLOW_MODEL_IS_EXTERNAL
from flowtrack.exceptions import InvalidParameterError
from flowtrack.tracking.context_tags import resolve_tags
from flowtrack.tracking.fluent import _state
from flowtrack.tracking.fluent.config import current_client
from flowtrack.tracking.fluent.experiments import resolve_experiment_id

if TYPE_CHECKING:
    import pandas

    from flowtrack.tracking.client import FlowtrackClient

__all__ = [
    "create_external_model",
    "create_logged_model_with",
    "delete_logged_model_tag",
    "finalize_logged_model",
    "get_logged_model",
    "initialize_logged_model",
    "last_logged_model",
    "log_model_params",
    "log_outputs",
    "search_logged_models",
    "set_logged_model_tags",
]


def create_logged_model_with(
    client: FlowtrackClient,
    name: str | None = None,
    source_run_id: str | None = None,
    tags: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    model_type: str | None = None,
    experiment_id: str | None = None,
) -> LoggedModel:
    """Create a ``PENDING`` logged model in ``client``'s store, as the fluent API does.

    The source run defaults to this context's active run; the experiment to the active run's,
    else the active experiment, else the source run's. The tags get the context's system tags
    (``mlflow.user``, ``mlflow.source.*``) under the given ones. The model becomes this
    context's :func:`last_logged_model`.

    Returns:
        The new model.
    """
    stack = _state.RUN_STACK.get()
    active = stack[-1].run if stack else None
    if source_run_id is None and active is not None:
        source_run_id = active.info.run_id
    if experiment_id is None:
        if active is not None:
            experiment_id = active.info.experiment_id
        elif _state.ACTIVE_EXPERIMENT_ID.get() is None and source_run_id is not None:
            experiment_id = client.get_run(source_run_id).info.experiment_id
        else:
            experiment_id = resolve_experiment_id(client)
    model = client.create_logged_model(
        experiment_id, name, source_run_id, resolve_tags(tags), params, model_type
    )
    _state.LAST_LOGGED_MODEL_ID.set(model.model_id)
    return model


def initialize_logged_model(
    name: str | None = None,
    source_run_id: str | None = None,
    tags: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    model_type: str | None = None,
    experiment_id: str | None = None,
) -> LoggedModel:
    """Create a logged model in ``PENDING`` status, with no files yet.

    Add files with a flavor's ``log_model(..., model_id=model.model_id)`` (which finalizes it)
    or :meth:`~flowtrack.MlflowClient.log_model_artifacts` and :func:`finalize_logged_model`.

    Args:
        name: Its name; default a generated one.
        source_run_id: The run that produced it; default the active run.
        tags: ``{key: value}`` tags.
        params: ``{key: value}`` params.
        model_type: A free-form kind (``"classifier"``, ``"agent"``...).
        experiment_id: Its experiment; default the active run's, else the active experiment.

    Returns:
        The new model.

    Example:
        >>> model = flowtrack.initialize_logged_model(name="fraud")
        >>> model.status
        <LoggedModelStatus.PENDING: 'PENDING'>
    """
    return create_logged_model_with(
        current_client(), name, source_run_id, tags, params, model_type, experiment_id
    )


def create_external_model(
    name: str | None = None,
    source_run_id: str | None = None,
    tags: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    model_type: str | None = None,
    experiment_id: str | None = None,
) -> LoggedModel:
    """Create a ``READY`` logged model whose files live outside flowtrack.

    It is tagged ``mlflow.model.isExternal=true`` and gets an ``MLmodel`` file only (no
    flavors), so it can be registered and have params, tags and metrics like any other.

    Args:
        name, source_run_id, tags, params, model_type, experiment_id: As in
            :func:`initialize_logged_model`.

    Returns:
        The new, ``READY`` model.

    Example:
        >>> flowtrack.create_external_model(name="vendor-scorer").tags["mlflow.model.isExternal"]
        'true'
    """
    import yaml

    client = current_client()
    model = create_logged_model_with(
        client,
        name,
        source_run_id,
        {**(tags or {}), MLFLOW_MODEL_IS_EXTERNAL: "true"},
        params,
        model_type,
        experiment_id,
    )
    with tempfile.TemporaryDirectory(prefix="flowtrack-external-") as tmp:
        with open(os.path.join(tmp, "MLmodel"), "w", encoding="utf-8") as out:
            yaml.safe_dump(_external_mlmodel(model), out, default_flow_style=False)
        client.log_model_artifacts(model.model_id, tmp)
    return client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)


def _external_mlmodel(model: LoggedModel) -> dict[str, Any]:
    """The ``MLmodel`` content MLflow writes for an external model (no flavors).

    Written as plain YAML here: the ``MLmodel`` class lives in :mod:`flowtrack.models`, a layer
    above tracking. The boolean signature is MLflow's placeholder (registries that require a
    signature accept the model).
    """
    from datetime import UTC, datetime

    from flowtrack.version import __version__

    boolean = '[{"type": "boolean", "required": true}]'
    content: dict[str, Any] = {
        "artifact_path": model.artifact_location,
        "flavors": {},
        "flowtrack_version": __version__,
        "metadata": {MLFLOW_MODEL_IS_EXTERNAL: True},
        "model_id": model.model_id,
        "model_uuid": model.model_id,
        "signature": {"inputs": boolean, "outputs": boolean, "params": None},
        "utc_time_created": str(datetime.now(UTC).replace(tzinfo=None)),
    }
    if model.source_run_id is not None:
        content["run_id"] = model.source_run_id
    return content


def finalize_logged_model(
    model_id: str, status: Literal["READY", "FAILED"] | LoggedModelStatus
) -> LoggedModel:
    """Set a logged model's final status.

    Args:
        model_id: The model.
        status: ``"READY"`` or ``"FAILED"``.

    Returns:
        The updated model.

    Raises:
        InvalidParameterError: Another status.
        NotFoundError: No such model.

    Example:
        >>> flowtrack.finalize_logged_model(model.model_id, "READY").status
        <LoggedModelStatus.READY: 'READY'>
    """
    return current_client().finalize_logged_model(model_id, status)


def get_logged_model(model_id: str) -> LoggedModel:
    """Return a logged model with its tags, params and metrics.

    Raises:
        NotFoundError: No such model.

    Example:
        >>> flowtrack.get_logged_model(info.model_id).name
        'model'
    """
    return current_client().get_logged_model(model_id)


def last_logged_model() -> LoggedModel | None:
    """Return the logged model most recently created in this context (read afresh), or ``None``.

    Example:
        >>> info = flowtrack.sklearn.log_model(clf, name="model")
        >>> flowtrack.last_logged_model().model_id == info.model_id
        True
    """
    model_id = _state.LAST_LOGGED_MODEL_ID.get()
    return None if model_id is None else current_client().get_logged_model(model_id)


def set_logged_model_tags(model_id: str, tags: Mapping[str, Any]) -> None:
    """Set (or overwrite) tags of a logged model (values through ``str``).

    Example:
        >>> flowtrack.set_logged_model_tags(info.model_id, {"stage": "candidate"})
    """
    current_client().set_logged_model_tags(model_id, tags)


def delete_logged_model_tag(model_id: str, key: str) -> None:
    """Delete a tag of a logged model.

    Raises:
        NotFoundError: No such model, or it has no tag ``key``.
    """
    current_client().delete_logged_model_tag(model_id, key)


def log_model_params(params: Mapping[str, Any], model_id: str | None = None) -> None:
    """Log params of a logged model (values through ``str``).

    Args:
        params: ``{key: value}``.
        model_id: The model; default the active model (:func:`flowtrack.set_active_model`).

    Raises:
        InvalidParameterError: No ``model_id`` and no active model.

    Example:
        >>> flowtrack.log_model_params({"alpha": 0.5}, model_id=info.model_id)
    """
    if model_id is None:
        from flowtrack.tracking.fluent.active_model import get_active_model_id

        model_id = get_active_model_id()
    if model_id is None:
        raise InvalidParameterError(
            "log_model_params needs a model: pass model_id=..., or set an active model with "
            "flowtrack.set_active_model()"
        )
    current_client().log_model_params(model_id, params)


def log_outputs(models: Sequence[LoggedModelOutput] | None = None) -> None:
    """Record logged models the active run produced (a run is started when none is active).

    Args:
        models: ``LoggedModelOutput(model_id=..., step=...)`` entries.

    Example:
        >>> flowtrack.log_outputs([LoggedModelOutput(model_id=model.model_id, step=3)])
    """
    from flowtrack.tracking.fluent.runs import active_frame

    frame = active_frame()
    outputs = list(models or [])
    if outputs:
        frame.client.log_outputs(frame.run_id, outputs)
        frame.run._record_outputs(outputs)


def _frame(models: list[LoggedModel]) -> pandas.DataFrame:
    import pandas as pd

    columns = sorted(LoggedModel.model_fields)  # MLflow's columns: the entity's fields, sorted
    return pd.DataFrame([{c: getattr(m, c) for c in columns} for m in models], columns=columns)


@overload
def search_logged_models(
    experiment_ids: Sequence[str] | None = ...,
    filter_string: str | None = ...,
    datasets: Sequence[Mapping[str, Any]] | None = ...,
    max_results: int | None = ...,
    order_by: Sequence[Mapping[str, Any]] | None = ...,
    output_format: Literal["pandas"] = ...,
) -> pandas.DataFrame: ...


@overload
def search_logged_models(
    experiment_ids: Sequence[str] | None = ...,
    filter_string: str | None = ...,
    datasets: Sequence[Mapping[str, Any]] | None = ...,
    max_results: int | None = ...,
    *,
    order_by: Sequence[Mapping[str, Any]] | None = ...,
    output_format: Literal["list"],
) -> list[LoggedModel]: ...


def search_logged_models(
    experiment_ids: Sequence[str] | None = None,
    filter_string: str | None = None,
    datasets: Sequence[Mapping[str, Any]] | None = None,
    max_results: int | None = None,
    order_by: Sequence[Mapping[str, Any]] | None = None,
    output_format: Literal["pandas", "list"] = "pandas",
) -> pandas.DataFrame | list[LoggedModel]:
    """Search logged models, every page (up to ``max_results``).

    Args:
        experiment_ids: The experiments to search; default the active experiment.
        filter_string: e.g. ``"name = 'model' AND metrics.accuracy > 0.9"`` (see
            :meth:`flowtrack.MlflowClient.search_logged_models`).
        datasets: ``[{"dataset_name": ..., "dataset_digest": ...}]`` for metric filters.
        max_results: The most models to return; default all.
        order_by: ``[{"field_name": "metrics.accuracy", "ascending": False}]``; default newest
            first.
        output_format: ``"pandas"`` (a DataFrame with one column per model field, MLflow's
            columns) or ``"list"`` (:class:`~flowtrack.entities.LoggedModel` objects).

    Returns:
        The models, as a DataFrame or a list.

    Raises:
        InvalidParameterError: A bad filter, order or output format.

    Example:
        >>> models = flowtrack.search_logged_models(
        ...     filter_string="name = 'model'", output_format="list"
        ... )
    """
    if output_format not in ("pandas", "list"):
        raise InvalidParameterError(
            f"Unsupported output format: {output_format!r}. Supported string values are "
            "'pandas' or 'list'"
        )
    client = current_client()
    ids = list(experiment_ids) if experiment_ids else [resolve_experiment_id(client)]
    models: list[LoggedModel] = []
    token: str | None = None
    while True:
        page = client.search_logged_models(
            ids, filter_string, datasets, max_results, order_by, token
        )
        models.extend(page)
        if (max_results is not None and len(models) >= max_results) or not page.token:
            break
        token = page.token
    if max_results is not None:
        models = models[:max_results]
    return models if output_format == "list" else _frame(models)
