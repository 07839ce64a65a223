"""Fluent logging: params, metrics, tags and dataset inputs of the active run.

Each function logs to the active run, starting one when none is active (as MLflow does); that
run ends with :func:`flowtrack.end_run` or at interpreter exit.

Metrics and logged models (MLflow 3): a metric logged with ``model_id=`` (or while a model is
active, :func:`flowtrack.set_active_model`) is also a metric of that logged model, and the model
becomes an input of the run unless the run produced it; a metric logged without one, at a step
where the run output models (``log_model(..., step=)``), is linked to those models. A metric
logged with ``dataset=`` records the dataset's name and digest, and the dataset becomes an input
of the run. The run's inputs and outputs are read from the active run (kept current by the fluent
API), or from the store for another run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import (
    coerce_metric_value,
    validate_key,
    validate_step,
    validate_tag_value,
    validate_timestamp,
)
from flowtrack.entities import (
    DATASET_CONTEXT_TAG,
    Dataset,
    DatasetInput,
    InputTag,
    LoggedModelInput,
    Metric,
)
from flowtrack.tracking.fluent import _state
from flowtrack.tracking.fluent._metric_links import link_inputs, output_model_ids
from flowtrack.tracking.fluent.active_model import get_active_model_id
from flowtrack.tracking.fluent.config import current_client
from flowtrack.tracking.fluent.runs import run_target

__all__ = [
    "delete_tag",
    "flush_async_logging",
    "log_input",
    "log_inputs",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "set_tag",
    "set_tags",
]


class _DatasetLike(Protocol):
    def to_entity(self) -> Dataset: ...


def _dataset_entity(dataset: _DatasetLike | Dataset | None) -> Dataset | None:
    if dataset is None or isinstance(dataset, Dataset):
        return dataset
    return dataset.to_entity()


def log_param(key: str, value: Any, synchronous: bool | None = None) -> Any:
    """Log a param of the active run (the value converted with ``str``).

    Args:
        key: The param name.
        value: The value; a param has one value per run.
        synchronous: Accepted for MLflow compatibility; params are always written at once.

    Returns:
        ``value``, unchanged.

    Raises:
        InvalidParameterError: A bad name or value, or the param already has another value.

    Example:
        >>> flowtrack.log_param("learning_rate", 0.01)
        0.01
    """
    client, run_id = run_target(None)
    return client.log_param(run_id, key, value, synchronous)


def log_params(
    params: Mapping[str, Any], synchronous: bool | None = None, run_id: str | None = None
) -> None:
    """Log several params (any number; written 100 per store call).

    Args:
        params: ``{name: value}`` (values through ``str``).
        synchronous: Accepted for MLflow compatibility; params are always written at once.
        run_id: Log to this run instead of the active one.

    Raises:
        InvalidParameterError: A bad name or value, or a param that already has another value.

    Example:
        >>> flowtrack.log_params({"learning_rate": 0.01, "batch_size": 32})
    """
    client, target = run_target(run_id)
    client.log_batch(target, params=params, synchronous=synchronous)


def log_metric(
    key: str,
    value: float,
    step: int | None = None,
    synchronous: bool | None = None,
    timestamp: int | None = None,
    run_id: str | None = None,
    model_id: str | None = None,
    dataset: _DatasetLike | Dataset | None = None,
) -> None:
    """Log one point of a metric.

    Args:
        key: The metric name.
        value: A real number; NaN and +/-inf are kept.
        step: The training step; default 0.
        synchronous: ``False`` queues the point for a background batch write; ``None``
            follows ``FLOWTRACK_ASYNC_LOGGING``. ``end_run`` writes a run's queue first.
        timestamp: Milliseconds since the epoch; default now.
        run_id: Log to this run instead of the active one.
        model_id: The logged model the point is about; default the active model, else the
            models the run output at ``step`` (see the module docstring).
        dataset: The dataset the point was computed on (:mod:`flowtrack.data` or a
            :class:`~flowtrack.entities.Dataset`).

    Raises:
        InvalidParameterError: A bad name, value, step or timestamp.

    Example:
        >>> flowtrack.log_metric("accuracy", 0.95, step=10)
        >>> flowtrack.log_metric("accuracy", 0.93, model_id=info.model_id, dataset=test_data)
    """
    client, target = run_target(run_id)
    model_id = model_id or get_active_model_id()
    model_ids = [model_id] if model_id is not None else output_model_ids(client, target, step or 0)
    if not model_ids and dataset is None:  # the hot path: a plain run metric
        client.log_metric(target, key, value, timestamp, step, synchronous)
        return
    entity = _dataset_entity(dataset)
    link_inputs(client, target, model_ids, entity)
    # One point, linked to the first model, as MLflow's log_metric does (log_metrics links all).
    client.log_metric(
        target,
        key,
        value,
        timestamp,
        step,
        synchronous,
        dataset_name=None if entity is None else entity.name,
        dataset_digest=None if entity is None else entity.digest,
        model_id=model_ids[0] if model_ids else None,
    )


def log_metrics(
    metrics: Mapping[str, float],
    step: int | None = None,
    synchronous: bool | None = None,
    run_id: str | None = None,
    timestamp: int | None = None,
    model_id: str | None = None,
    dataset: _DatasetLike | Dataset | None = None,
) -> None:
    """Log several metrics at one step and time (any number; 1000 per store call).

    Args:
        metrics: ``{name: value}``; values are real numbers.
        step: The training step of every point; default 0.
        synchronous: ``False`` queues the points (see :func:`log_metric`).
        run_id: Log to this run instead of the active one.
        timestamp: Milliseconds since the epoch of every point; default now.
        model_id: The logged model the points are about (see :func:`log_metric`).
        dataset: The dataset the points were computed on (see :func:`log_metric`).

    Raises:
        InvalidParameterError: A bad name, value, step or timestamp; nothing is logged.

    Example:
        >>> flowtrack.log_metrics({"accuracy": 0.95, "loss": 0.05}, step=10)
    """
    client, target = run_target(run_id)
    first = next(iter(metrics), "")  # names the metric in an error about the shared step/time
    when = now_ms() if timestamp is None else validate_timestamp(first, timestamp)
    at_step = 0 if step is None else validate_step(first, step)
    model_id = model_id or get_active_model_id()
    model_ids = [model_id] if model_id is not None else output_model_ids(client, target, at_step)
    entity = _dataset_entity(dataset)
    links: list[str | None] = [*model_ids] or [None]
    batch = [
        Metric(
            key=validate_key("metric", key),
            value=coerce_metric_value(key, value),
            timestamp=when,
            step=at_step,
            model_id=linked,
            dataset_name=None if entity is None else entity.name,
            dataset_digest=None if entity is None else entity.digest,
        )
        for key, value in metrics.items()
        for linked in links
    ]
    if model_ids or entity is not None:
        link_inputs(client, target, model_ids, entity)
    client.log_batch(target, metrics=batch, synchronous=synchronous)


def set_tag(key: str, value: Any, synchronous: bool | None = None) -> None:
    """Set a tag of the active run; tags may be overwritten.

    Args:
        key: The tag name.
        value: The value, converted with ``str`` (at most 8000 characters).
        synchronous: Accepted for MLflow compatibility; tags are always written at once.

    Raises:
        InvalidParameterError: A bad name or value.

    Example:
        >>> flowtrack.set_tag("developer", "Ahmad")
    """
    client, run_id = run_target(None)
    client.set_tag(run_id, key, value, synchronous)


def set_tags(tags: Mapping[str, Any], synchronous: bool | None = None) -> None:
    """Set several tags of the active run (any number; 100 per store call).

    Args:
        tags: ``{name: value}`` (values through ``str``).
        synchronous: Accepted for MLflow compatibility; tags are always written at once.

    Raises:
        InvalidParameterError: A bad name or value.

    Example:
        >>> flowtrack.set_tags({"developer": "Ahmad", "stage": "dev"})
    """
    client, run_id = run_target(None)
    client.log_batch(run_id, tags=tags, synchronous=synchronous)


def delete_tag(key: str) -> None:
    """Delete a tag of the active run.

    Args:
        key: The tag name.

    Raises:
        NotFoundError: The run has no such tag.

    Example:
        >>> flowtrack.delete_tag("developer")
    """
    client, run_id = run_target(None)
    client.delete_tag(run_id, key)


def log_input(
    dataset: _DatasetLike | Dataset | None = None,
    context: str | None = None,
    tags: Mapping[str, Any] | None = None,
    model: LoggedModelInput | None = None,
) -> None:
    """Record that the active run used a dataset and/or a logged model.

    Args:
        dataset: A dataset from :mod:`flowtrack.data` (``from_pandas``, ``from_numpy``) or a
            :class:`~flowtrack.entities.Dataset`.
        context: How the run used it: ``"training"``, ``"evaluation"``...
        tags: More ``{name: value}`` tags of this input.
        model: A logged model the run used (``LoggedModelInput(model_id=...)``).

    Raises:
        InvalidParameterError: Neither a dataset nor a model, or a context or tags without a
            dataset.

    Example:
        >>> flowtrack.log_input(flowtrack.data.from_pandas(df, name="wine"), context="training")
    """
    from flowtrack.exceptions import InvalidParameterError

    if dataset is None and (context or tags):
        raise InvalidParameterError(
            f"log_input got context {context!r} and tags {tags!r} but no dataset: a dataset is "
            "needed when a context or tags are given"
        )
    if dataset is None and model is None:
        raise InvalidParameterError("log_input needs a dataset, a model, or both")
    datasets = [] if dataset is None else [_dataset_input(dataset, context, tags)]
    models = [] if model is None else [model]
    client, run_id = run_target(None)
    client.log_inputs(run_id, datasets, models)
    _record_inputs(run_id, models, datasets)


def _record_inputs(
    run_id: str, models: Sequence[LoggedModelInput], datasets: Sequence[DatasetInput]
) -> None:
    """Keep the active run's in-memory inputs current (they decide what to link later)."""
    for frame in _state.RUN_STACK.get():
        if frame.run_id == run_id and (models or datasets):
            frame.run._record_inputs(models, datasets)


def _dataset_input(
    dataset: _DatasetLike | Dataset, context: str | None, tags: Mapping[str, Any] | None
) -> DatasetInput:
    entity = dataset if isinstance(dataset, Dataset) else dataset.to_entity()
    input_tags = [
        InputTag(key=key, value=validate_tag_value(key, v)) for key, v in (tags or {}).items()
    ]
    if context is not None:
        input_tags.append(InputTag(key=DATASET_CONTEXT_TAG, value=context))
    return DatasetInput(dataset=entity, tags=input_tags)


def log_inputs(
    datasets: Sequence[_DatasetLike | Dataset | None] | None = None,
    contexts: Sequence[str | None] | None = None,
    tags_list: Sequence[Mapping[str, Any] | None] | None = None,
    models: Sequence[Any] | None = None,
) -> None:
    """Record that the active run used several datasets, in one call.

    The three lists run in parallel and must have the same length; a ``None`` entry means
    "nothing" for that position (a ``None`` dataset is skipped, but must not carry a context or
    tags).

    Args:
        datasets: Datasets from :mod:`flowtrack.data`, or :class:`~flowtrack.entities.Dataset`.
        contexts: How the run used each one (``"training"``, ``"test"``...), or ``None``.
        tags_list: More ``{name: value}`` tags for each input, or ``None``.
        models: Logged models the run used (``LoggedModelInput(model_id=...)``).

    Raises:
        InvalidParameterError: The lists differ in length, or a ``None`` dataset has a context
            or tags.

    Example:
        >>> flowtrack.log_inputs(
        ...     [train, test], contexts=["training", "test"], tags_list=[None, {"split": "b"}]
        ... )
    """
    from flowtrack.exceptions import InvalidParameterError

    datasets, contexts, tags_list = (
        list(datasets or []),
        list(contexts or []),
        list(tags_list or []),
    )
    if not len(datasets) == len(contexts) == len(tags_list):
        raise InvalidParameterError(
            f"log_inputs needs datasets, contexts and tags_list of the same length; got "
            f"{len(datasets)}, {len(contexts)} and {len(tags_list)}"
        )
    inputs: list[DatasetInput] = []
    for position, (dataset, context, tags) in enumerate(
        zip(datasets, contexts, tags_list, strict=True)
    ):
        if dataset is None:
            if context or tags:
                raise InvalidParameterError(
                    f"log_inputs entry {position} has context {context!r} and tags {tags!r} but "
                    "no dataset: a dataset is needed when a context or tags are given"
                )
            continue
        inputs.append(_dataset_input(dataset, context, tags))
    model_inputs = list(models or [])
    client, run_id = run_target(None)
    client.log_inputs(run_id, inputs, model_inputs)
    _record_inputs(run_id, model_inputs, inputs)


def flush_async_logging() -> None:
    """Write every metric queued with ``synchronous=False`` in this context's stores now.

    Raises:
        StoreError: A queued write failed.

    Example:
        >>> flowtrack.log_metric("loss", 0.5, synchronous=False)
        >>> flowtrack.flush_async_logging()
    """
    clients = {id(frame.client): frame.client for frame in _state.RUN_STACK.get()}
    current = current_client()
    clients.setdefault(id(current), current)
    for client in clients.values():
        client.flush_async_logging()
