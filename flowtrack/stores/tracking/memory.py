"""An in-process tracking store: everything in dictionaries, guarded by one lock.

A product backend for quick scripts, notebooks and tests of code that uses flowtrack (select it
with ``memory:``); nothing survives the process. It passes the same conformance suite as the SQL
store (:class:`flowtrack.testing.tracking.TrackingStoreTests`) and searches with
:mod:`flowtrack.search.evaluate`, the reference semantics the SQL store matches.

Example:
    >>> from flowtrack.entities import Param
    >>> store = MemoryTrackingStore("memory:")
    >>> run = store.create_run("0", user_id="me", start_time=0, run_name="first")
    >>> store.log_param(run.info.run_id, Param(key="lr", value="0.1"))
    >>> store.get_run(run.info.run_id).data.params
    {'lr': '0.1'}
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import (
    validate_experiment_id,
    validate_experiment_name,
    validate_key,
    validate_run_id,
    validate_tag_value,
)
from flowtrack.entities import (
    DatasetInput,
    Experiment,
    ExperimentTag,
    LifecycleStage,
    LoggedModelInput,
    Metric,
    PagedList,
    Param,
    Run,
    RunInfo,
    RunStatus,
    RunTag,
    ViewType,
)
from flowtrack.entities.tags import MLFLOW_RUN_NAME
from flowtrack.exceptions import (
    AlreadyExistsError,
    InvalidParameterError,
    NotFoundError,
)
from flowtrack.search.evaluate import experiment_matches, run_matches, sort_experiments, sort_runs
from flowtrack.search.paging import decode_page_token, page, validate_max_results
from flowtrack.search.parser import (
    parse_experiment_filter,
    parse_experiment_order_by,
    parse_run_filter,
    parse_run_order_by,
)
from flowtrack.stores.tracking import rules
from flowtrack.stores.tracking._memory_experiments import ExperimentTable
from flowtrack.stores.tracking._memory_logged_models import (
    LoggedModelRecord,
    MemoryLoggedModels,
    run_point,
)
from flowtrack.stores.tracking._memory_records import RunRecord
from flowtrack.stores.tracking.base import (
    DEFAULT_EXPERIMENT_NAME,
    DEFAULT_MEMORY_ARTIFACT_ROOT,
    TrackingStore,
)

__all__ = ["DEFAULT_MEMORY_ARTIFACT_ROOT", "MemoryTrackingStore"]


class MemoryTrackingStore(MemoryLoggedModels, TrackingStore):
    """A thread-safe tracking store that keeps everything in memory (URI ``memory:``).

    Args:
        store_uri: The URI it was selected by, normally ``"memory:"``.
        default_artifact_root: Root of new experiments' artifact locations
            (``<root>/<experiment_id>``); default ``memory://flowtrack-artifacts``.
    """

    def __init__(
        self, store_uri: str = "memory:", default_artifact_root: str | None = None
    ) -> None:
        super().__init__(store_uri, default_artifact_root or DEFAULT_MEMORY_ARTIFACT_ROOT)
        self._lock = threading.RLock()
        self._experiments = ExperimentTable(str(self.default_artifact_root))
        self._runs: dict[str, RunRecord] = {}
        self._models: dict[str, LoggedModelRecord] = {}
        self.create_experiment(DEFAULT_EXPERIMENT_NAME)

    # ------------------------------------------------------------------ lookups

    def _run(self, run_id: str) -> RunRecord:
        record = self._runs.get(run_id)
        if record is None:
            raise NotFoundError(f"No run with id {run_id!r}")
        return record

    def _writable_run(self, run_id: str) -> RunRecord:
        record = self._run(run_id)
        if record.info.lifecycle_stage is not LifecycleStage.ACTIVE:
            raise rules.run_not_active(run_id)
        return record

    # ------------------------------------------------------------------ experiments

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Sequence[ExperimentTag] = (),
    ) -> str:
        """Create an experiment; see :meth:`TrackingStore.create_experiment`."""
        validate_experiment_name(name)
        checked = {validate_key("tag", t.key): validate_tag_value(t.key, t.value) for t in tags}
        with self._lock:
            return self._experiments.add(name, artifact_location, checked)

    def get_experiment(self, experiment_id: str) -> Experiment:
        """Return an experiment by id; see :meth:`TrackingStore.get_experiment`."""
        with self._lock:
            return self._experiments.get(experiment_id).entity()

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """Return the experiment with that name, or ``None``."""
        with self._lock:
            record = self._experiments.by_name(name)
            return None if record is None else record.entity()

    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        """Search experiments; see :meth:`TrackingStore.search_experiments`."""
        stages = rules.parse_view_type(view_type).stages()
        comparisons = parse_experiment_filter(filter_string)
        order_bys = parse_experiment_order_by(order_by)
        validate_max_results(max_results)
        decode_page_token(page_token)
        with self._lock:
            found = [
                e
                for e in (r.entity() for r in self._experiments)
                if e.lifecycle_stage in stages and experiment_matches(e, comparisons)
            ]
        return page(sort_experiments(found, order_bys), max_results, page_token)

    def update_experiment(
        self,
        experiment_id: str,
        *,
        name: str | None = None,
        lifecycle_stage: LifecycleStage | None = None,
    ) -> None:
        """Rename, delete or restore an experiment; see :meth:`TrackingStore.update_experiment`.

        Deleting marks the experiment's active runs deleted; restoring restores exactly those
        runs (runs deleted on their own before stay deleted).

        Raises:
            InvalidStateError: Renaming a deleted experiment, deleting the Default experiment.
        """
        stage = None if lifecycle_stage is None else rules.parse_lifecycle_stage(lifecycle_stage)
        if name is not None:
            validate_experiment_name(name)
        with self._lock:
            record = self._experiments.get(experiment_id)
            rules.check_experiment_deletable(record.experiment_id, stage)
            if name is not None:
                if record.lifecycle_stage is LifecycleStage.DELETED:
                    raise rules.experiment_not_active(
                        record.experiment_id, f"renaming it to {name!r}"
                    )
                self._experiments.check_name_free(name, owner=record)
                record.name = name
            now = now_ms()
            if stage is not None and stage is not record.lifecycle_stage:
                self._cascade(record.experiment_id, stage, now)
                record.lifecycle_stage = stage
            record.last_update_time = now

    def _cascade(self, experiment_id: str, stage: LifecycleStage, now: int) -> None:
        for run in self._runs.values():
            if run.info.experiment_id != experiment_id:
                continue
            if stage is LifecycleStage.DELETED:
                if run.info.lifecycle_stage is LifecycleStage.ACTIVE:
                    run.mark_deleted(now, with_experiment=True)
            elif run.deleted_with_experiment:
                run.mark_restored()

    def set_experiment_tag(self, experiment_id: str, tag: ExperimentTag) -> None:
        """Set one experiment tag; the experiment must be active."""
        validate_key("tag", tag.key)
        value = validate_tag_value(tag.key, tag.value)
        with self._lock:
            self._experiments.active(experiment_id, "setting tags").tags[tag.key] = value

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Delete one experiment tag; see :meth:`TrackingStore.delete_experiment_tag`."""
        with self._lock:
            record = self._experiments.active(experiment_id, "deleting tags")
            if key not in record.tags:
                raise NotFoundError(f"Experiment '{record.experiment_id}' has no tag {key!r}")
            del record.tags[key]

    def purge_experiment(self, experiment_id: str) -> None:
        """Permanently delete a deleted experiment and its runs (not the Default experiment)."""
        with self._lock:
            record = self._experiments.get(experiment_id)
            rules.check_experiment_purgeable(record.experiment_id, record.lifecycle_stage)
            key = record.experiment_id
            for run_id in [r for r, run in self._runs.items() if run.info.experiment_id == key]:
                del self._runs[run_id]
            self._forget_models(key)
            self._experiments.remove(record.experiment_id)

    # ------------------------------------------------------------------ runs

    def create_run(
        self,
        experiment_id: str,
        user_id: str | None,
        start_time: int | None,
        tags: Sequence[RunTag] = (),
        run_name: str | None = None,
        run_id: str | None = None,
    ) -> Run:
        """Create a RUNNING run; see :meth:`TrackingStore.create_run`."""
        if run_id is not None:
            validate_run_id(run_id)
        rules.check_run_time("start_time", start_time)
        checked = {validate_key("tag", t.key): validate_tag_value(t.key, t.value) for t in tags}
        name = rules.resolve_run_name(run_name, checked)
        checked[MLFLOW_RUN_NAME] = name
        with self._lock:
            experiment = self._experiments.active(experiment_id, "creating runs in it")
            if run_id is None:
                run_id = uuid.uuid4().hex
            elif run_id in self._runs:
                raise AlreadyExistsError(f"A run with id {run_id!r} already exists")
            record = RunRecord(
                info=RunInfo(
                    run_id=run_id,
                    run_name=name,
                    experiment_id=experiment.experiment_id,
                    user_id=user_id,
                    status=RunStatus.RUNNING,
                    start_time=now_ms() if start_time is None else start_time,
                    artifact_uri=f"{experiment.artifact_location}/{run_id}/artifacts",
                ),
                tags=checked,
            )
            self._runs[run_id] = record
            return record.entity()

    def get_run(self, run_id: str) -> Run:
        """Return a run (also a deleted one); see :meth:`TrackingStore.get_run`."""
        with self._lock:
            return self._run(run_id).entity()

    def update_run_info(
        self,
        run_id: str,
        run_status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
    ) -> RunInfo:
        """Change status, end time and/or name (keeping ``mlflow.runName`` in sync)."""
        changes: dict[str, object] = {}
        if run_status is not None:
            changes["status"] = rules.parse_run_status(run_status)
        if rules.check_run_time("end_time", end_time) is not None:
            changes["end_time"] = end_time
        if run_name is not None:
            changes["run_name"] = run_name
        with self._lock:
            record = self._writable_run(run_id)
            record.update(**changes)
            if run_name is not None:
                record.tags[MLFLOW_RUN_NAME] = run_name
            return record.info

    def set_run_lifecycle_stage(self, run_id: str, stage: LifecycleStage) -> None:
        """Soft-delete (recording when) or restore a run.

        Raises:
            InvalidStateError: Restoring a run whose experiment is deleted.
        """
        stage = rules.parse_lifecycle_stage(stage)
        with self._lock:
            record = self._run(run_id)
            if stage is record.info.lifecycle_stage:
                return
            if stage is LifecycleStage.ACTIVE:
                experiment = self._experiments.get(record.info.experiment_id)
                rules.check_run_restorable(
                    run_id, experiment.experiment_id, experiment.lifecycle_stage
                )
                record.mark_restored()
            else:
                record.mark_deleted(now_ms())

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Write metrics, params and tags atomically; see :meth:`TrackingStore.log_batch`."""
        metrics, params, tags = self.validate_batch(metrics, params, tags)
        with self._lock:
            record = self._writable_run(run_id)
            for param in params:
                logged = record.params.get(param.key)
                if logged is not None and logged != param.value:
                    raise InvalidParameterError(
                        f"Param {param.key!r} of run {run_id!r} was already logged with value "
                        f"{logged!r}; it cannot change to {param.value!r} (params are immutable)"
                    )
            self._link_metrics(run_id, metrics)  # checks every model before writing
            record.params.update((param.key, param.value) for param in params)
            for tag in tags:
                record.tags[tag.key] = tag.value
                if tag.key == MLFLOW_RUN_NAME:
                    record.update(run_name=tag.value)
            for metric in metrics:
                # A run's history holds plain points, as MLflow's (and the SQL store's).
                record.add_metric(metric if metric.model_id is None else run_point(metric))

    def delete_tag(self, run_id: str, key: str) -> None:
        """Delete a run tag; see :meth:`TrackingStore.delete_tag`."""
        with self._lock:
            record = self._writable_run(run_id)
            if key not in record.tags:
                raise NotFoundError(f"Run {run_id!r} has no tag {key!r}")
            del record.tags[key]

    def get_metric_history(
        self,
        run_id: str,
        metric_key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> PagedList[Metric]:
        """Every point of a metric by step, then timestamp, then logging order."""
        with self._lock:
            points = list(self._run(run_id).history.get(metric_key, ()))
        points.sort(key=lambda m: (m.step, m.timestamp))
        return page(points, max_results, page_token)

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        run_view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        """Search runs; see :meth:`TrackingStore.search_runs` and :mod:`flowtrack.search`."""
        stages = rules.parse_view_type(run_view_type).stages()
        comparisons = parse_run_filter(filter_string)
        order_bys = parse_run_order_by(order_by)
        validate_max_results(max_results)
        decode_page_token(page_token)
        wanted = {validate_experiment_id(e) for e in experiment_ids}
        with self._lock:
            runs = [
                run
                for run in (r.entity() for r in self._runs.values())
                if run.info.experiment_id in wanted
                and run.info.lifecycle_stage in stages
                and run_matches(run, comparisons)
            ]
        return page(sort_runs(runs, order_bys), max_results, page_token)

    def log_inputs(
        self,
        run_id: str,
        datasets: Sequence[DatasetInput] = (),
        models: Sequence[LoggedModelInput] = (),
    ) -> None:
        """Link datasets (each (name, digest) stored once per experiment) and models to a run."""
        with self._lock:
            record = self._writable_run(run_id)
            self._add_model_inputs(record, models)
            experiment = self._experiments.get(record.info.experiment_id)
            for dataset_input in datasets:
                dataset = dataset_input.dataset
                stored = experiment.datasets.setdefault((dataset.name, dataset.digest), dataset)
                link = (dataset.name, dataset.digest, dataset_input.context)
                if link not in record.input_links:
                    record.input_links.add(link)
                    tags = list(dataset_input.tags)
                    record.inputs.append(DatasetInput(dataset=stored, tags=tags))

    def list_deleted_runs(self, older_than_ms: int | None = None) -> list[str]:
        """Ids of deleted runs, optionally only those deleted at least ``older_than_ms`` ago."""
        rules.check_older_than_ms(older_than_ms)
        cutoff = None if older_than_ms is None else now_ms() - older_than_ms
        with self._lock:
            return [
                run_id
                for run_id, record in self._runs.items()
                if record.info.lifecycle_stage is LifecycleStage.DELETED
                and (cutoff is None or (record.deleted_time or 0) <= cutoff)
            ]

    def purge_runs(self, run_ids: Sequence[str]) -> None:
        """Permanently delete deleted runs; all must be deleted or nothing is purged."""
        with self._lock:
            for run_id in run_ids:
                rules.check_run_purgeable(run_id, self._run(run_id).info.lifecycle_stage)
            for run_id in run_ids:
                self._runs.pop(run_id, None)
            self._forget_run_metrics(set(run_ids))
