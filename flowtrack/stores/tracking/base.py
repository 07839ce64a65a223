"""The tracking store interface: a small abstract core and concrete conveniences on top.

Every backend (``sql``, ``memory``, and third-party ones registered through the
``flowtrack.tracking_stores`` entry-point group) subclasses :class:`TrackingStore`, implements the
``@abstractmethod`` primitives, and proves itself with the conformance suite in
:mod:`flowtrack.testing.tracking`. Conveniences such as :meth:`TrackingStore.log_metric` are
written once here, in terms of the primitives.

Contract shared by all backends:

- Ids are strings: experiment ids are digits (``"0"`` is the ``Default`` experiment, which every
  store has), run ids are 32 lowercase hex characters (``uuid4().hex``).
- Times are integer milliseconds since the epoch.
- Every write validates its input first (:meth:`validate_batch`), so invalid input raises
  :class:`~flowtrack.exceptions.InvalidParameterError` and writes nothing.
- Writes to a run that is not active (deleted) raise
  :class:`~flowtrack.exceptions.InvalidStateError`; unknown ids raise
  :class:`~flowtrack.exceptions.NotFoundError`.
- A run's artifact URI is ``<experiment artifact_location>/<run_id>/artifacts``.
- Logged models (MLflow 3): ids are ``m-`` + 32 lowercase hex digits (a malformed id raises
  :class:`~flowtrack.exceptions.InvalidParameterError`); a model's artifact location is
  ``<experiment artifact_location>/models/<model_id>/artifacts``. A deleted model is hidden:
  every call but ``get_logged_model(..., allow_deleted=True)`` treats it as unknown. Searching
  follows :mod:`flowtrack.search.logged_models`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import (
    coerce_metric_value,
    validate_batch_limits,
    validate_key,
    validate_param_value,
    validate_step,
    validate_tag_value,
    validate_timestamp,
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
from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores.tracking._logged_model_store import LoggedModelStore, check_model_metric

__all__ = [
    "DEFAULT_ARTIFACT_DIRECTORY",
    "DEFAULT_EXPERIMENT_ID",
    "DEFAULT_EXPERIMENT_NAME",
    "DEFAULT_MEMORY_ARTIFACT_ROOT",
    "TrackingStore",
]

DEFAULT_EXPERIMENT_ID = "0"
DEFAULT_EXPERIMENT_NAME = "Default"
#: Where a database-backed store puts artifacts when no root is configured: this directory,
#: resolved against the working directory when the store opens.
DEFAULT_ARTIFACT_DIRECTORY = "flowtrack-artifacts"
#: Where the memory store puts artifacts when no root is configured.
DEFAULT_MEMORY_ARTIFACT_ROOT = f"memory://{DEFAULT_ARTIFACT_DIRECTORY}"
_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)


class TrackingStore(LoggedModelStore, ABC):
    """Where experiments, runs, metrics, params, tags, inputs and logged models live.

    Args:
        store_uri: The URI the store was selected by (``sqlite:///x.db``, ``memory:``, ...).
        default_artifact_root: Root URI for new experiments' artifact locations
            (``<root>/<experiment_id>``); each backend has its own default.
    """

    def __init__(self, store_uri: str, default_artifact_root: str | None = None) -> None:
        self.store_uri = store_uri
        self.default_artifact_root = default_artifact_root

    # ------------------------------------------------------------------ experiments (core)

    @abstractmethod
    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Sequence[ExperimentTag] = (),
    ) -> str:
        """Create an experiment and return its id.

        Raises:
            AlreadyExistsError: An experiment (active or deleted) already has that name.
            InvalidParameterError: The name is empty or too long.
        """

    @abstractmethod
    def get_experiment(self, experiment_id: str) -> Experiment:
        """Return an experiment by id (also a deleted one).

        Raises:
            NotFoundError: No experiment has that id.
        """

    @abstractmethod
    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """Return the experiment with that name (also a deleted one), or ``None``."""

    @abstractmethod
    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        """Search experiments with MLflow's experiment filter grammar.

        The filter may use ``name`` (``attributes.name``), ``tags.<key>``, ``creation_time`` and
        ``last_update_time``; order_by may use ``name``, ``experiment_id``, ``creation_time``,
        ``last_update_time``. Default order: ``creation_time DESC, experiment_id ASC``.
        """

    @abstractmethod
    def update_experiment(
        self,
        experiment_id: str,
        *,
        name: str | None = None,
        lifecycle_stage: LifecycleStage | None = None,
    ) -> None:
        """Rename and/or soft-delete/restore an experiment; bumps ``last_update_time``.

        Deleting an experiment also marks its active runs deleted; restoring it restores exactly
        those runs (runs deleted on their own before stay deleted). The Default experiment "0"
        cannot be deleted.

        Raises:
            NotFoundError: No such experiment.
            AlreadyExistsError: The new name is taken.
            InvalidStateError: Renaming a deleted experiment, deleting the default experiment.
        """

    @abstractmethod
    def set_experiment_tag(self, experiment_id: str, tag: ExperimentTag) -> None:
        """Set (insert or overwrite) one experiment tag."""

    @abstractmethod
    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Delete one experiment tag.

        Raises:
            NotFoundError: The experiment has no such tag.
        """

    @abstractmethod
    def purge_experiment(self, experiment_id: str) -> None:
        """Permanently delete a deleted experiment with all its runs' metadata (not artifacts).

        Raises:
            InvalidStateError: The experiment is not in the deleted stage.
        """

    # ------------------------------------------------------------------ runs (core)

    @abstractmethod
    def create_run(
        self,
        experiment_id: str,
        user_id: str | None,
        start_time: int | None,
        tags: Sequence[RunTag] = (),
        run_name: str | None = None,
        run_id: str | None = None,
    ) -> Run:
        """Create a RUNNING run in an active experiment (``start_time`` None means now).

        The run name comes from ``run_name``, else the ``mlflow.runName`` tag, else a generated
        name; the ``mlflow.runName`` tag is always set to the final name. ``run_id`` None means
        a new random id (32 hex digits); callers that derive ids from another system (e.g.
        Prefect's run ids) pass their own.

        Raises:
            NotFoundError: No such experiment.
            InvalidStateError: The experiment is deleted.
            InvalidParameterError: ``run_id`` is not a valid run id.
            AlreadyExistsError: A run with ``run_id`` exists.
        """

    @abstractmethod
    def get_run(self, run_id: str) -> Run:
        """Return a run (also a deleted one) with its latest metrics, params, tags and inputs.

        Raises:
            NotFoundError: No such run.
        """

    @abstractmethod
    def update_run_info(
        self,
        run_id: str,
        run_status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
    ) -> RunInfo:
        """Change a run's status, end time and/or name (also updating ``mlflow.runName``)."""

    @abstractmethod
    def set_run_lifecycle_stage(self, run_id: str, stage: LifecycleStage) -> None:
        """Soft-delete (recording when) or restore a run."""

    @abstractmethod
    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Write metrics, params and tags to an active run in one transaction.

        Limits per call: 1000 metrics, 100 params, 100 tags, 1000 items in all. A param already
        logged with a different value is an error naming both values, and nothing is written.
        Identical metric points (key, value, timestamp, step) are stored once.

        Raises:
            InvalidParameterError: Invalid names or values, a param conflict, a limit exceeded.
            InvalidStateError: The run is deleted.
            NotFoundError: No such run.
        """

    @abstractmethod
    def delete_tag(self, run_id: str, key: str) -> None:
        """Delete a run tag.

        Raises:
            NotFoundError: The run has no such tag.
        """

    @abstractmethod
    def get_metric_history(
        self,
        run_id: str,
        metric_key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> PagedList[Metric]:
        """Return every logged point of a metric, ordered by step then timestamp."""

    @abstractmethod
    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        run_view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        """Search runs with MLflow's filter grammar (see :mod:`flowtrack.search.parser`).

        Default order: ``start_time DESC, run_id ASC``. Runs lacking an order-by key sort last.

        Raises:
            InvalidParameterError: A bad filter, order-by or page token; the message quotes it.
        """

    @abstractmethod
    def log_inputs(
        self,
        run_id: str,
        datasets: Sequence[DatasetInput] = (),
        models: Sequence[LoggedModelInput] = (),
    ) -> None:
        """Record datasets and logged models a run used.

        The same dataset (name, digest) is stored once per experiment and linked to the run
        once per context; each model is linked once (``Run.inputs.model_inputs``).

        Raises:
            NotFoundError: No such run, or no such (active) logged model.
            InvalidStateError: The run is deleted.
        """

    @abstractmethod
    def list_deleted_runs(self, older_than_ms: int | None = None) -> list[str]:
        """Return ids of runs in the deleted stage, optionally deleted more than
        ``older_than_ms`` milliseconds ago."""

    @abstractmethod
    def purge_runs(self, run_ids: Sequence[str]) -> None:
        """Permanently delete deleted runs' metadata (artifacts are the caller's job).

        Raises:
            InvalidStateError: A run is not in the deleted stage; nothing is purged.
        """

    # ------------------------------------------------------------------ conveniences

    def close(self) -> None:
        """Release connections and other resources. The default does nothing."""

    def validate_batch(
        self,
        metrics: Sequence[Metric],
        params: Sequence[Param],
        tags: Sequence[RunTag],
    ) -> tuple[list[Metric], list[Param], list[RunTag]]:
        """Validate a batch before writing; backends call this first in :meth:`log_batch`.

        Returns:
            The batch with params deduplicated (the same key and value twice is one param).

        Raises:
            InvalidParameterError: Bad names or values, a limit exceeded, or one param key with
                two different values in the batch.
        """
        validate_batch_limits(metrics, params, tags)
        checked_keys: set[str] = set()
        for metric in metrics:
            key = metric.key
            if key not in checked_keys:  # batches repeat a few keys many times
                validate_key("metric", key)
                checked_keys.add(key)
            # Exact-type fast path; anything else (e.g. a model_construct'ed entity) goes
            # through the full validators, which raise with a clear message.
            value, step, timestamp = metric.value, metric.step, metric.timestamp
            if type(value) is not float:
                coerce_metric_value(key, value)
            if type(step) is not int or not _INT64_MIN <= step <= _INT64_MAX:
                validate_step(key, step)
            if type(timestamp) is not int or not 0 <= timestamp <= _INT64_MAX:
                validate_timestamp(key, timestamp)
            if metric.model_id is not None:
                check_model_metric(metric)
        unique_params: dict[str, Param] = {}
        for param in params:
            validate_key("param", param.key)
            validate_param_value(param.key, param.value)
            seen = unique_params.get(param.key)
            if seen is not None and seen.value != param.value:
                raise InvalidParameterError(
                    f"Param {param.key!r} appears twice in one batch with different values "
                    f"{seen.value!r} and {param.value!r}; a param has one value per run"
                )
            unique_params[param.key] = param
        for tag in tags:
            validate_key("tag", tag.key)
            validate_tag_value(tag.key, tag.value)
        return list(metrics), list(unique_params.values()), list(tags)

    def log_metric(self, run_id: str, metric: Metric) -> None:
        """Log one metric point."""
        self.log_batch(run_id, metrics=[metric])

    def log_param(self, run_id: str, param: Param) -> None:
        """Log one param."""
        self.log_batch(run_id, params=[param])

    def set_tag(self, run_id: str, tag: RunTag) -> None:
        """Set one run tag."""
        self.log_batch(run_id, tags=[tag])

    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete an experiment and its runs."""
        self.update_experiment(experiment_id, lifecycle_stage=LifecycleStage.DELETED)

    def restore_experiment(self, experiment_id: str) -> None:
        """Restore a soft-deleted experiment and its runs."""
        self.update_experiment(experiment_id, lifecycle_stage=LifecycleStage.ACTIVE)

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename an active experiment."""
        self.update_experiment(experiment_id, name=new_name)

    def delete_run(self, run_id: str) -> None:
        """Soft-delete a run."""
        self.set_run_lifecycle_stage(run_id, LifecycleStage.DELETED)

    def restore_run(self, run_id: str) -> None:
        """Restore a soft-deleted run."""
        self.set_run_lifecycle_stage(run_id, LifecycleStage.ACTIVE)

    def set_terminated(
        self, run_id: str, status: RunStatus = RunStatus.FINISHED, end_time: int | None = None
    ) -> RunInfo:
        """End a run with a terminal status (default FINISHED) at ``end_time`` (default now)."""
        return self.update_run_info(
            run_id, run_status=status, end_time=end_time if end_time is not None else now_ms()
        )
