"""The SQL tracking store: SQLite (embedded default) and PostgreSQL behind one class."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from flowtrack.entities import (
    DatasetInput,
    Experiment,
    ExperimentTag,
    LifecycleStage,
    LoggedModel,
    LoggedModelInput,
    LoggedModelOutput,
    LoggedModelParameter,
    LoggedModelStatus,
    LoggedModelTag,
    Metric,
    PagedList,
    Param,
    Run,
    RunInfo,
    RunStatus,
    RunTag,
    ViewType,
)
from flowtrack.stores.sql.engine import (
    DEFAULT_SQL_POOL_SIZE,
    DEFAULT_SQLITE_BUSY_TIMEOUT,
    create_sql_engine,
)
from flowtrack.stores.sql.migrate import ensure_schema
from flowtrack.stores.tracking.base import DEFAULT_ARTIFACT_DIRECTORY, TrackingStore
from flowtrack.stores.tracking.sql import batch, experiments, inputs, logged_models, runs
from flowtrack.stores.tracking.sql.database import Database

__all__ = ["SqlTrackingStore"]


class SqlTrackingStore(TrackingStore):
    """A tracking store in a SQL database, migrated to the newest schema when opened.

    Args:
        store_uri: ``sqlite:///path.db``, ``sqlite://`` (in memory), ``postgresql://...`` or
            ``postgresql+psycopg://...``.
        default_artifact_root: Root of new experiments' artifact locations; ``None`` means
            ``./flowtrack-artifacts`` made absolute now.
        sqlite_busy_timeout: Seconds a SQLite writer waits for the lock.
        pool_size: PostgreSQL connections to keep.

    Example:
        >>> store = SqlTrackingStore("sqlite://", default_artifact_root="/tmp/artifacts")
        >>> store.get_experiment("0").name
        'Default'
        >>> store.close()
    """

    def __init__(
        self,
        store_uri: str,
        default_artifact_root: str | None = None,
        *,
        sqlite_busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT,
        pool_size: int = DEFAULT_SQL_POOL_SIZE,
    ) -> None:
        super().__init__(store_uri, default_artifact_root)
        root = default_artifact_root
        if root is None:
            root = os.path.abspath(DEFAULT_ARTIFACT_DIRECTORY)
        engine = create_sql_engine(
            store_uri, sqlite_busy_timeout=sqlite_busy_timeout, pool_size=pool_size
        )
        try:
            ensure_schema(engine)
            self._db = Database(engine, root.rstrip("/") or root)
            experiments.ensure_default_experiment(self._db)
        except BaseException:
            engine.dispose()
            raise

    def close(self) -> None:
        """Close every pooled connection."""
        self._db.engine.dispose()

    # ------------------------------------------------------------------ experiments

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Sequence[ExperimentTag] = (),
    ) -> str:
        """See :meth:`TrackingStore.create_experiment`."""
        return experiments.create_experiment(self._db, name, artifact_location, tags)

    def get_experiment(self, experiment_id: str) -> Experiment:
        """See :meth:`TrackingStore.get_experiment`."""
        return experiments.get_experiment(self._db, experiment_id)

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """See :meth:`TrackingStore.get_experiment_by_name`."""
        return experiments.get_experiment_by_name(self._db, name)

    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        """See :meth:`TrackingStore.search_experiments`."""
        return experiments.search_experiments(
            self._db, view_type, max_results, filter_string, order_by, page_token
        )

    def update_experiment(
        self,
        experiment_id: str,
        *,
        name: str | None = None,
        lifecycle_stage: LifecycleStage | None = None,
    ) -> None:
        """See :meth:`TrackingStore.update_experiment`."""
        experiments.update_experiment(self._db, experiment_id, name, lifecycle_stage)

    def set_experiment_tag(self, experiment_id: str, tag: ExperimentTag) -> None:
        """See :meth:`TrackingStore.set_experiment_tag`."""
        experiments.set_experiment_tag(self._db, experiment_id, tag)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """See :meth:`TrackingStore.delete_experiment_tag`."""
        experiments.delete_experiment_tag(self._db, experiment_id, key)

    def purge_experiment(self, experiment_id: str) -> None:
        """See :meth:`TrackingStore.purge_experiment`."""
        experiments.purge_experiment(self._db, experiment_id)

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
        """See :meth:`TrackingStore.create_run`."""
        return runs.create_run(self._db, experiment_id, user_id, start_time, tags, run_name, run_id)

    def get_run(self, run_id: str) -> Run:
        """See :meth:`TrackingStore.get_run`."""
        return runs.get_run(self._db, run_id)

    def update_run_info(
        self,
        run_id: str,
        run_status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
    ) -> RunInfo:
        """See :meth:`TrackingStore.update_run_info`."""
        return runs.update_run_info(self._db, run_id, run_status, end_time, run_name)

    def set_run_lifecycle_stage(self, run_id: str, stage: LifecycleStage) -> None:
        """See :meth:`TrackingStore.set_run_lifecycle_stage`."""
        runs.set_run_lifecycle_stage(self._db, run_id, stage)

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """See :meth:`TrackingStore.log_batch`."""
        checked_metrics, checked_params, checked_tags = self.validate_batch(metrics, params, tags)
        batch.log_batch(self._db, run_id, checked_metrics, checked_params, checked_tags)

    def delete_tag(self, run_id: str, key: str) -> None:
        """See :meth:`TrackingStore.delete_tag`."""
        batch.delete_tag(self._db, run_id, key)

    def get_metric_history(
        self,
        run_id: str,
        metric_key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> PagedList[Metric]:
        """See :meth:`TrackingStore.get_metric_history`."""
        return batch.get_metric_history(self._db, run_id, metric_key, max_results, page_token)

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        run_view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        """See :meth:`TrackingStore.search_runs`."""
        return runs.search_runs(
            self._db,
            experiment_ids,
            filter_string,
            run_view_type,
            max_results,
            order_by,
            page_token,
        )

    def log_inputs(
        self,
        run_id: str,
        datasets: Sequence[DatasetInput] = (),
        models: Sequence[LoggedModelInput] = (),
    ) -> None:
        """See :meth:`TrackingStore.log_inputs`."""
        inputs.log_inputs(self._db, run_id, datasets, models)

    # ------------------------------------------------------------------ logged models

    def create_logged_model(
        self,
        experiment_id: str,
        name: str | None = None,
        source_run_id: str | None = None,
        tags: Sequence[LoggedModelTag] = (),
        params: Sequence[LoggedModelParameter] = (),
        model_type: str | None = None,
    ) -> LoggedModel:
        """See :meth:`TrackingStore.create_logged_model`."""
        return logged_models.create_logged_model(
            self._db, experiment_id, name, source_run_id, tags, params, model_type
        )

    def get_logged_model(self, model_id: str, allow_deleted: bool = False) -> LoggedModel:
        """See :meth:`TrackingStore.get_logged_model`."""
        return logged_models.get_logged_model(self._db, model_id, allow_deleted)

    def delete_logged_model(self, model_id: str) -> None:
        """See :meth:`TrackingStore.delete_logged_model`."""
        logged_models.delete_logged_model(self._db, model_id)

    def finalize_logged_model(
        self, model_id: str, status: LoggedModelStatus, status_message: str | None = None
    ) -> LoggedModel:
        """See :meth:`TrackingStore.finalize_logged_model`."""
        return logged_models.finalize_logged_model(self._db, model_id, status, status_message)

    def set_logged_model_tags(self, model_id: str, tags: Sequence[LoggedModelTag]) -> None:
        """See :meth:`TrackingStore.set_logged_model_tags`."""
        logged_models.set_logged_model_tags(self._db, model_id, tags)

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        """See :meth:`TrackingStore.delete_logged_model_tag`."""
        logged_models.delete_logged_model_tag(self._db, model_id, key)

    def log_logged_model_params(
        self, model_id: str, params: Sequence[LoggedModelParameter]
    ) -> None:
        """See :meth:`TrackingStore.log_logged_model_params`."""
        logged_models.log_logged_model_params(self._db, model_id, params)

    def search_logged_models(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        datasets: Sequence[Mapping[str, Any]] | None = None,
        max_results: int | None = None,
        order_by: Sequence[Mapping[str, Any]] | None = None,
        page_token: str | None = None,
    ) -> PagedList[LoggedModel]:
        """See :meth:`TrackingStore.search_logged_models`."""
        return logged_models.search_logged_models(
            self._db, experiment_ids, filter_string, datasets, max_results, order_by, page_token
        )

    def log_outputs(self, run_id: str, models: Sequence[LoggedModelOutput]) -> None:
        """See :meth:`TrackingStore.log_outputs`."""
        logged_models.log_outputs(self._db, run_id, models)

    # ------------------------------------------------------------------ garbage collection

    def list_deleted_runs(self, older_than_ms: int | None = None) -> list[str]:
        """See :meth:`TrackingStore.list_deleted_runs`."""
        return runs.list_deleted_runs(self._db, older_than_ms)

    def purge_runs(self, run_ids: Sequence[str]) -> None:
        """See :meth:`TrackingStore.purge_runs`."""
        runs.purge_runs(self._db, run_ids)
