"""Logged models of the memory store: records, and the store methods as a mixin.

:class:`~flowtrack.stores.tracking.memory.MemoryTrackingStore` inherits
:class:`MemoryLoggedModels`; the store's lock guards every method. Searching evaluates
:mod:`flowtrack.search.logged_models`, the reference semantics the SQL store matches.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import validate_experiment_id, validate_model_id
from flowtrack.entities import (
    LifecycleStage,
    LoggedModel,
    LoggedModelInput,
    LoggedModelOutput,
    LoggedModelParameter,
    LoggedModelStatus,
    LoggedModelTag,
    Metric,
    PagedList,
)
from flowtrack.exceptions import NotFoundError
from flowtrack.search.logged_models import (
    logged_model_matches,
    parse_logged_model_datasets,
    parse_logged_model_filter,
    parse_logged_model_order_by,
    sort_logged_models,
)
from flowtrack.search.paging import decode_page_token, page, validate_max_results
from flowtrack.stores.tracking import rules
from flowtrack.stores.tracking._logged_model_store import LoggedModelStore
from flowtrack.stores.tracking._memory_experiments import ExperimentTable
from flowtrack.stores.tracking._memory_records import RunRecord

__all__ = ["DEFAULT_SEARCH_MAX_RESULTS", "LoggedModelRecord", "MemoryLoggedModels", "run_point"]

#: ``search_logged_models`` page size when ``max_results`` is None, as MLflow.
DEFAULT_SEARCH_MAX_RESULTS = 100

_PointKey = tuple[str, float | str, int, int, str | None, str | None, str | None]


def run_point(metric: Metric) -> Metric:
    """The point a model-linked metric adds to its run's history: without model or dataset."""
    return Metric(key=metric.key, value=metric.value, timestamp=metric.timestamp, step=metric.step)


@dataclass
class LoggedModelRecord:
    """One logged model as the memory store keeps it."""

    model: LoggedModel
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    metrics: list[Metric] = field(default_factory=list)
    #: Every stored point, to store each once.
    points: set[_PointKey] = field(default_factory=set)
    deleted: bool = False

    def update(self, **changes: object) -> None:
        """Replace fields of the (frozen) model."""
        self.model = self.model.model_copy(update=changes)

    def add_metric(self, metric: Metric) -> None:
        """Store a point unless an identical one (same run and dataset) is stored."""
        value: float | str = "nan" if math.isnan(metric.value) else metric.value
        point = (
            metric.key,
            value,
            metric.timestamp,
            metric.step,
            metric.run_id,
            metric.dataset_name,
            metric.dataset_digest,
        )
        if point not in self.points:
            self.points.add(point)
            self.metrics.append(metric)

    def entity(self) -> LoggedModel:
        """A frozen copy with tags, params and metrics (by key, step, timestamp, logging order)."""
        metrics = sorted(self.metrics, key=lambda m: (m.key, m.step, m.timestamp))
        return self.model.model_copy(
            update={
                "tags": dict(self.tags),
                "params": dict(self.params),
                "metrics": metrics or None,
            }
        )


class MemoryLoggedModels(LoggedModelStore):
    """The logged-model methods of the memory store (see :class:`LoggedModelStore`)."""

    _lock: threading.RLock
    _experiments: ExperimentTable
    _runs: dict[str, RunRecord]
    _models: dict[str, LoggedModelRecord]

    def _model(self, model_id: str) -> LoggedModelRecord:
        """An active model; deleted models are hidden."""
        record = self._models.get(validate_model_id(model_id))
        if record is None or record.deleted:
            raise rules.logged_model_not_found(model_id)
        return record

    def _link_metrics(self, run_id: str, metrics: Sequence[Metric]) -> None:
        """Also store metrics carrying ``model_id`` as their models' metrics (after a check that
        every model exists, so a batch writes all or nothing)."""
        linked = [m for m in metrics if m.model_id is not None]
        records = {m.model_id: self._model(m.model_id) for m in linked if m.model_id}
        for metric in linked:
            stored = metric.model_copy(update={"run_id": run_id})
            records[str(metric.model_id)].add_metric(stored)

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        source_run_id: str | None = None,
        tags: Sequence[LoggedModelTag] = (),
        params: Sequence[LoggedModelParameter] = (),
        model_type: str | None = None,
    ) -> LoggedModel:
        """See :meth:`LoggedModelStore.create_logged_model`."""
        model_name = rules.check_logged_model_name(name)
        checked_type = rules.check_model_type(model_type)
        checked_tags = rules.check_logged_model_tags(tags)
        checked_params = rules.check_logged_model_params(params)
        with self._lock:
            experiment = self._experiments.active(experiment_id, "creating logged models in it")
            if source_run_id is not None and source_run_id not in self._runs:
                raise NotFoundError(f"Source run {source_run_id!r} of the logged model not found")
            model_id = rules.new_logged_model_id()
            now = now_ms()
            record = LoggedModelRecord(
                LoggedModel(
                    experiment_id=experiment.experiment_id,
                    model_id=model_id,
                    name=model_name,
                    artifact_location=rules.logged_model_artifact_location(
                        experiment.artifact_location, model_id
                    ),
                    creation_timestamp=now,
                    last_updated_timestamp=now,
                    model_type=checked_type,
                    source_run_id=source_run_id,
                    status=LoggedModelStatus.PENDING,
                ),
                tags=checked_tags,
                params=checked_params,
            )
            self._models[model_id] = record
            return record.entity()

    def get_logged_model(self, model_id: str, allow_deleted: bool = False) -> LoggedModel:
        """See :meth:`LoggedModelStore.get_logged_model`."""
        with self._lock:
            if allow_deleted:
                found = self._models.get(validate_model_id(model_id))
                if found is None:
                    raise rules.logged_model_not_found(model_id)
                return found.entity()
            return self._model(model_id).entity()

    def delete_logged_model(self, model_id: str) -> None:
        """See :meth:`LoggedModelStore.delete_logged_model`."""
        with self._lock:
            record = self._model(model_id)
            record.deleted = True
            record.update(last_updated_timestamp=now_ms())

    def finalize_logged_model(
        self, model_id: str, status: LoggedModelStatus, status_message: str | None = None
    ) -> LoggedModel:
        """See :meth:`LoggedModelStore.finalize_logged_model`."""
        final = rules.check_finalize_status(status)
        with self._lock:
            record = self._model(model_id)
            record.update(
                status=final, status_message=status_message, last_updated_timestamp=now_ms()
            )
            return record.entity()

    def set_logged_model_tags(self, model_id: str, tags: Sequence[LoggedModelTag]) -> None:
        """See :meth:`LoggedModelStore.set_logged_model_tags`."""
        checked = rules.check_logged_model_tags(tags)
        with self._lock:
            self._model(model_id).tags.update(checked)

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        """See :meth:`LoggedModelStore.delete_logged_model_tag`."""
        with self._lock:
            record = self._model(model_id)
            if key not in record.tags:
                raise NotFoundError(f"Logged model {model_id!r} has no tag {key!r}")
            del record.tags[key]

    def log_logged_model_params(
        self, model_id: str, params: Sequence[LoggedModelParameter]
    ) -> None:
        """See :meth:`LoggedModelStore.log_logged_model_params`."""
        checked = rules.check_logged_model_params(params)
        with self._lock:
            self._model(model_id).params.update(checked)

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        datasets: Sequence[Mapping[str, Any]] | None = None,
        max_results: int | None = None,
        order_by: Sequence[Mapping[str, Any]] | None = None,
        page_token: str | None = None,
    ) -> PagedList[LoggedModel]:
        """See :meth:`LoggedModelStore.search_logged_models`."""
        comparisons = parse_logged_model_filter(filter_string)
        dataset_filters = parse_logged_model_datasets(datasets)
        order_bys = parse_logged_model_order_by(order_by)
        limit = validate_max_results(
            DEFAULT_SEARCH_MAX_RESULTS if max_results is None else max_results
        )
        decode_page_token(page_token)
        wanted = {validate_experiment_id(e) for e in experiment_ids}
        with self._lock:
            found = [
                model
                for model in (r.entity() for r in self._models.values() if not r.deleted)
                if model.experiment_id in wanted
                and logged_model_matches(model, comparisons, dataset_filters)
            ]
        return page(sort_logged_models(found, order_bys), limit, page_token)

    def log_outputs(self, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        """See :meth:`LoggedModelStore.log_outputs`."""
        links = rules.check_model_outputs(models)
        with self._lock:
            record = self._runs.get(run_id)
            if record is None:
                raise NotFoundError(f"No run with id {run_id!r}")
            if record.info.lifecycle_stage is not LifecycleStage.ACTIVE:
                raise rules.run_not_active(run_id, "log outputs")
            for model_id, _ in links:
                self._model(model_id)
            for link in links:
                if link not in record.model_outputs:
                    record.model_outputs.append(link)

    def _add_model_inputs(self, record: RunRecord, models: Sequence[LoggedModelInput]) -> None:
        """Link active models to a run as inputs, each once (all checked before linking)."""
        model_ids = [self._model(model.model_id).model.model_id for model in models]
        for model_id in model_ids:
            if model_id not in record.model_inputs:
                record.model_inputs.append(model_id)

    def _forget_models(self, experiment_id: str) -> None:
        """Drop every model of a purged experiment."""
        for model_id in [
            m for m, r in self._models.items() if r.model.experiment_id == experiment_id
        ]:
            del self._models[model_id]

    def _forget_run_metrics(self, run_ids: set[str]) -> None:
        """Drop the model metrics purged runs logged."""
        for record in self._models.values():
            kept = [m for m in record.metrics if m.run_id not in run_ids]
            if len(kept) != len(record.metrics):
                record.metrics = []
                record.points = set()
                for metric in kept:
                    record.add_metric(metric)
