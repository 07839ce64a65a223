"""The client's logging methods: params, metrics (sync or queued), tags, batches, inputs."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from itertools import zip_longest
from typing import TYPE_CHECKING, Any, TypeVar

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import (
    MAX_BATCH_METRICS,
    MAX_BATCH_PARAMS,
    MAX_BATCH_TAGS,
    MAX_BATCH_TOTAL,
    coerce_metric_value,
    validate_key,
    validate_param_value,
    validate_step,
    validate_tag_value,
    validate_timestamp,
)
from flowtrack.entities import DatasetInput, LoggedModelInput, Metric, Param, Run, RunTag
from flowtrack.exceptions import InvalidParameterError
from flowtrack.tracking._convert import param_list, run_tags

if TYPE_CHECKING:
    from flowtrack.stores.tracking.base import TrackingStore
    from flowtrack.tracking.async_logging import AsyncMetricQueue

__all__ = ["ClientLogging"]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
#: The fields a plain ``Metric(key=, value=, timestamp=, step=)`` sets (shared: never mutated).
_METRIC_FIELDS_SET = {"key", "value", "timestamp", "step"}
T = TypeVar("T")


def _chunks(items: list[T], size: int) -> list[list[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _check_model_fields(
    key: str, model_id: object, dataset_name: object, dataset_digest: object
) -> None:
    if model_id is not None and not isinstance(model_id, str):
        raise InvalidParameterError(
            f"Invalid model_id {model_id!r} for metric {key!r}: expected a logged model id"
        )
    for name, value in (("dataset_name", dataset_name), ("dataset_digest", dataset_digest)):
        if value is not None and not isinstance(value, str):
            raise InvalidParameterError(
                f"Invalid {name} {value!r} for metric {key!r}: expected a string"
            )
    if (dataset_name is None) != (dataset_digest is None):
        raise InvalidParameterError(
            f"Metric {key!r} has dataset_name {dataset_name!r} and dataset_digest "
            f"{dataset_digest!r}: give both or neither"
        )


class ClientLogging:
    """Logging methods of :class:`~flowtrack.tracking.client.FlowtrackClient`."""

    _store: TrackingStore
    _async_default: bool
    _async_options: tuple[float, int, int]  # flush interval, batch size, queue size
    _queue: AsyncMetricQueue | None
    _queue_lock: threading.Lock

    def _metric_queue(self) -> AsyncMetricQueue:
        """Return this client's queue of asynchronously logged metrics, creating it once."""
        queue = self._queue
        if queue is None:
            with self._queue_lock:
                queue = self._queue
                if queue is None:
                    from flowtrack.tracking.async_logging import AsyncMetricQueue

                    interval, batch_size, queue_size = self._async_options
                    queue = self._queue = AsyncMetricQueue(
                        self._store,
                        flush_interval=interval,
                        batch_size=batch_size,
                        max_queue_size=queue_size,
                    )
        return queue

    def _is_async(self, synchronous: bool | None) -> bool:
        return self._async_default if synchronous is None else not synchronous

    def _flush_run(self, run_id: str) -> None:
        """Write the run's queued metrics before its status changes (ended or deleted)."""
        if self._queue is not None:
            self._queue.flush(run_id)

    def flush_async_logging(self) -> None:
        """Write every metric queued with ``synchronous=False`` now.

        Ending a run (:meth:`set_terminated`) writes that run's queue by itself.

        Raises:
            StoreError: A queued write failed; the message says which run and metric.

        Example:
            >>> client.log_metric(run_id, "loss", 0.5, synchronous=False)
            >>> client.flush_async_logging()
        """
        if self._queue is not None:
            self._queue.flush()

    def log_param(self, run_id: str, key: str, value: Any, synchronous: bool | None = None) -> Any:
        """Log a param (converted with ``str``); a param has one value per run.

        Args:
            run_id: The run.
            key: The param name.
            value: The value; its string form may be at most 6000 characters.
            synchronous: Accepted for MLflow compatibility; params are always written at once.

        Returns:
            ``value``, unchanged.

        Raises:
            InvalidParameterError: A bad name or value, or the param already has another value.

        Example:
            >>> client.log_param(run_id, "alpha", 0.5)
            0.5
        """
        del synchronous
        param = Param(key=validate_key("param", key), value=validate_param_value(key, value))
        self._store.log_batch(run_id, params=(param,))
        return value

    def log_metric(
        self,
        run_id: str,
        key: str,
        value: float,
        timestamp: int | None = None,
        step: int | None = None,
        synchronous: bool | None = None,
        dataset_name: str | None = None,
        dataset_digest: str | None = None,
        model_id: str | None = None,
    ) -> None:
        """Log one point of a metric.

        Args:
            run_id: The run.
            key: The metric name.
            value: A real number; NaN and +/-inf are kept.
            timestamp: Milliseconds since the epoch; default now.
            step: The training step; default 0.
            synchronous: ``False`` queues the point and writes it in a background batch;
                ``None`` follows ``FLOWTRACK_ASYNC_LOGGING`` (read when the client was made).
            dataset_name: The dataset the point was computed on (with ``dataset_digest``).
            dataset_digest: That dataset's digest.
            model_id: The logged model the point is about: it becomes a metric of that model
                too (the client links no run inputs; the fluent ``log_metric`` does).

        Raises:
            InvalidParameterError: A bad name, value, step or timestamp, or only one of
                ``dataset_name`` and ``dataset_digest``.

        Example:
            >>> client.log_metric(run_id, "loss", 0.25, step=3)
        """
        # The hot path: exact-type checks are ~10x cheaper than the numbers.Integral checks of
        # the validators, which only run for unusual input. Names are validated by the store
        # (sync) or the queue (async), which cache nothing we would repeat here.
        if type(key) is not str:
            validate_key("metric", key)
        if type(value) is not float:
            value = coerce_metric_value(key, value)
        if timestamp is None:
            timestamp = now_ms()
        elif type(timestamp) is not int or not 0 <= timestamp <= _INT64_MAX:
            timestamp = validate_timestamp(key, timestamp)
        if step is None:
            step = 0
        elif type(step) is not int or not _INT64_MIN <= step <= _INT64_MAX:
            step = validate_step(key, step)
        # Every field was checked above: skip pydantic's second validation on the hot path.
        fields_set: set[str] | None = _METRIC_FIELDS_SET
        if model_id is not None or dataset_name is not None or dataset_digest is not None:
            _check_model_fields(key, model_id, dataset_name, dataset_digest)
            fields_set = None
        metric = Metric._trusted(
            {
                "key": key,
                "value": value,
                "timestamp": timestamp,
                "step": step,
                "model_id": model_id,
                "dataset_name": dataset_name,
                "dataset_digest": dataset_digest,
                "run_id": None,
            },
            fields_set,
        )
        if self._async_default if synchronous is None else not synchronous:
            self._metric_queue().enqueue(run_id, metric)
        else:
            self._store.log_batch(run_id, metrics=(metric,))

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] | Mapping[str, Any] = (),
        tags: Sequence[RunTag] | Mapping[str, Any] = (),
        synchronous: bool | None = None,
    ) -> None:
        """Log metrics, params and tags, split into store-sized calls.

        Each store call holds at most 1000 metrics, 100 params and 100 tags; a batch larger
        than that is written in several calls, so it is not atomic as a whole.

        Args:
            run_id: The run.
            metrics: Metric points.
            params: ``Param`` objects or a ``{name: value}`` dict.
            tags: ``RunTag`` objects or a ``{name: value}`` dict.
            synchronous: ``False`` queues the metrics (params and tags are written at once).

        Raises:
            InvalidParameterError: Bad names or values, or a param conflict.

        Example:
            >>> client.log_batch(run_id, metrics=[Metric(key="a", value=1.0, timestamp=0)],
            ...                  params={"lr": 0.1}, tags={"team": "ml"})
        """
        metric_list = list(metrics)
        param_items = param_list(params)
        tag_items = run_tags(tags)
        if self._is_async(synchronous) and metric_list:
            queue = self._metric_queue()
            for metric in metric_list:
                queue.enqueue(run_id, metric)
            metric_list = []
        # Params and tags first, each call topped up with metrics to the store's total limit.
        param_chunk: list[Param]
        tag_chunk: list[RunTag]
        for param_chunk, tag_chunk in zip_longest(
            _chunks(param_items, MAX_BATCH_PARAMS), _chunks(tag_items, MAX_BATCH_TAGS), fillvalue=[]
        ):
            room = min(MAX_BATCH_TOTAL - len(param_chunk) - len(tag_chunk), MAX_BATCH_METRICS)
            metric_chunk, metric_list = metric_list[:room], metric_list[room:]
            self._store.log_batch(run_id, metrics=metric_chunk, params=param_chunk, tags=tag_chunk)
        for metric_chunk in _chunks(metric_list, MAX_BATCH_METRICS):
            self._store.log_batch(run_id, metrics=metric_chunk)

    def set_tag(self, run_id: str, key: str, value: Any, synchronous: bool | None = None) -> None:
        """Set a run tag (the value converted with ``str``); tags may be overwritten.

        Args:
            run_id: The run.
            key: The tag name.
            value: The value; its string form may be at most 8000 characters.
            synchronous: Accepted for MLflow compatibility; tags are always written at once.

        Raises:
            InvalidParameterError: A bad name or value.

        Example:
            >>> client.set_tag(run_id, "developer", "Ada")
        """
        del synchronous
        tag = RunTag(key=validate_key("tag", key), value=validate_tag_value(key, value))
        self._store.log_batch(run_id, tags=(tag,))

    def get_parent_run(self, run_id: str) -> Run | None:
        """Return the parent of a nested run, or ``None`` for a top-level run.

        Args:
            run_id: The child run's id.

        Returns:
            The run named by the child's ``mlflow.parentRunId`` tag, or ``None``.

        Raises:
            NotFoundError: No such run (the child, or the parent its tag names).

        Example:
            >>> client.get_parent_run(child_run_id).info.run_id
            '8979459433a24a52ab3be87a229a9cdf'
        """
        from flowtrack.tracking.context_tags import MLFLOW_PARENT_RUN_ID

        parent_run_id = self._store.get_run(run_id).data.tags.get(MLFLOW_PARENT_RUN_ID)
        return None if parent_run_id is None else self._store.get_run(parent_run_id)

    def delete_tag(self, run_id: str, key: str) -> None:
        """Delete a run tag.

        Args:
            run_id: The run.
            key: The tag name.

        Raises:
            NotFoundError: The run has no such tag.

        Example:
            >>> client.delete_tag(run_id, "developer")
        """
        self._store.delete_tag(run_id, key)

    def log_inputs(
        self,
        run_id: str,
        datasets: Sequence[DatasetInput] | None = None,
        models: Sequence[LoggedModelInput] | None = None,
    ) -> None:
        """Record the datasets and logged models a run used.

        The same dataset (name and digest) is stored once per experiment and linked to the run
        once per context; a model is linked once.

        Args:
            run_id: The run.
            datasets: Dataset inputs (a dataset and tags such as ``mlflow.data.context``).
            models: Logged-model inputs (``LoggedModelInput(model_id=...)``).

        Raises:
            InvalidStateError: The run is deleted.
            NotFoundError: No such run or model.

        Example:
            >>> client.log_inputs(run_id, [DatasetInput(dataset=dataset)])
        """
        if datasets or models:
            self._store.log_inputs(run_id, list(datasets or []), list(models or []))
