"""``FlowtrackClient``: the explicit, id-based tracking API (MLflow's ``MlflowClient``).

The client talks to one tracking store (chosen by the tracking URI) through the
:class:`~flowtrack.stores.tracking.base.TrackingStore` interface only, and to each run's artifact
location through the fsspec artifact store, and to the model registry through the
:class:`~flowtrack.stores.model_registry.base.RegistryStore` of its registry URI. Experiment,
logging, artifact, logged-model and registry methods live in mixins (:mod:`._client_experiments`,
:mod:`._client_logging`, :mod:`._client_artifacts`, :mod:`._client_logged_models`,
:mod:`._client_registry`); this module holds
the constructor, runs and run searches.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flowtrack._private.validation import validate_experiment_id
from flowtrack.entities import Metric, PagedList, Run, RunInfo, RunStatus, ViewType
from flowtrack.stores.tracking.selection import get_tracking_store
from flowtrack.tracking import _tracking_uri
from flowtrack.tracking._client_artifacts import ClientArtifacts
from flowtrack.tracking._client_experiments import ClientExperiments
from flowtrack.tracking._client_logged_models import ClientLoggedModels
from flowtrack.tracking._client_logging import ClientLogging
from flowtrack.tracking._client_registry import ClientRegistry
from flowtrack.tracking._convert import experiment_id_list, run_status, run_tags, to_view_type
from flowtrack.tracking._paging import collect_pages
from flowtrack.tracking.context_tags import MLFLOW_USER, user_name

if TYPE_CHECKING:
    from flowtrack.tracking.async_logging import AsyncMetricQueue

__all__ = ["FlowtrackClient", "MlflowClient"]

_HISTORY_PAGE_SIZE = 25_000


class FlowtrackClient(
    ClientExperiments, ClientLogging, ClientArtifacts, ClientLoggedModels, ClientRegistry
):
    """A client of a tracking store and a model registry: experiments, runs, artifacts, models.

    Args:
        tracking_uri: ``sqlite:///path.db``, ``postgresql+psycopg://...``, ``memory:``...;
            default :func:`flowtrack.get_tracking_uri`.
        registry_uri: The model registry's URI; default ``FLOWTRACK_REGISTRY_URI`` (or
            ``MLFLOW_REGISTRY_URI``), else the tracking URI.

    Raises:
        InvalidParameterError: No tracking store handles the URI (e.g. a plain directory).
        MissingDependencyError: The store needs an extra that is not installed.

    Example:
        >>> client = FlowtrackClient("memory:")
        >>> run = client.create_run(client.create_experiment("demo"))
        >>> client.log_metric(run.info.run_id, "loss", 0.5)
        >>> client.set_terminated(run.info.run_id)
    """

    def __init__(self, tracking_uri: str | None = None, registry_uri: str | None = None) -> None:
        from flowtrack.settings import get_settings

        settings = get_settings()
        self._tracking_uri = tracking_uri or _tracking_uri.current_tracking_uri()
        self._registry_uri = registry_uri or settings.registry_uri or self._tracking_uri
        self._artifact_root = settings.artifact_root
        self._store = get_tracking_store(self._tracking_uri, settings.artifact_root)
        self._async_default = settings.async_logging
        self._async_options = (
            settings.async_flush_interval,
            settings.async_batch_size,
            settings.async_queue_size,
        )
        self._queue: AsyncMetricQueue | None = None
        self._queue_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FlowtrackClient(tracking_uri={self._tracking_uri!r})"

    @property
    def tracking_uri(self) -> str:
        """The tracking URI this client writes to."""
        return self._tracking_uri

    # ------------------------------------------------------------------ runs

    def create_run(
        self,
        experiment_id: str,
        start_time: int | None = None,
        tags: Mapping[str, Any] | None = None,
        run_name: str | None = None,
        run_id: str | None = None,
    ) -> Run:
        """Create a RUNNING run (without the fluent API's system tags).

        Args:
            experiment_id: An active experiment.
            start_time: Milliseconds since the epoch; default now.
            tags: ``{name: value}`` run tags; ``mlflow.user`` also sets the run's user.
            run_name: A name; default the ``mlflow.runName`` tag, else a generated one.
            run_id: The new run's id (letters, digits, ``_``, ``-``); default a random one.
                flowtrack's Prefect integration derives ids from Prefect's run ids this way.

        Returns:
            The new run.

        Raises:
            NotFoundError: No such experiment.
            InvalidStateError: The experiment is deleted.
            AlreadyExistsError: A run with ``run_id`` exists.

        Example:
            >>> run = client.create_run("0", run_name="baseline")
            >>> run.info.status
            <RunStatus.RUNNING: 'RUNNING'>
        """
        tag_list = run_tags(tags)
        user = next((tag.value for tag in tag_list if tag.key == MLFLOW_USER), None)
        return self._store.create_run(
            validate_experiment_id(experiment_id),
            user or user_name(),
            start_time,
            tag_list,
            run_name,
            run_id,
        )

    def get_run(self, run_id: str) -> Run:
        """Return a run with its latest metrics, params, tags and dataset inputs.

        Args:
            run_id: The run's id.

        Returns:
            The run (also a deleted one).

        Raises:
            NotFoundError: No such run.

        Example:
            >>> client.get_run(run_id).data.params
            {'alpha': '0.5'}
        """
        return self._store.get_run(run_id)

    def update_run(
        self, run_id: str, status: RunStatus | str | None = None, name: str | None = None
    ) -> None:
        """Change a run's status and/or name.

        Args:
            run_id: The run's id.
            status: A status name (``"RUNNING"``, ``"FINISHED"``...); ``None`` keeps it.
            name: A new run name (also written to ``mlflow.runName``); ``None`` keeps it.

        Raises:
            InvalidParameterError: ``status`` is not a run status name.
            NotFoundError: No such run.

        Example:
            >>> client.update_run(run_id, name="baseline-2")
        """
        self._store.update_run_info(
            run_id, run_status=None if status is None else run_status(status), run_name=name
        )

    def set_terminated(
        self, run_id: str, status: RunStatus | str | None = None, end_time: int | None = None
    ) -> RunInfo:
        """End a run, after writing its queued metrics.

        Args:
            run_id: The run.
            status: ``"FINISHED"`` (default), ``"FAILED"`` or ``"KILLED"``.
            end_time: Milliseconds since the epoch; default now.

        Returns:
            The run's updated info (MLflow returns ``None``; callers may ignore it).

        Raises:
            InvalidParameterError: ``status`` is not a terminal status.
            StoreError: Writing the run's queued metrics failed (the run is ended anyway).

        Example:
            >>> client.set_terminated(run_id, "FAILED")
        """
        final = RunStatus.FINISHED if status is None else run_status(status, terminal=True)
        try:
            self._flush_run(run_id)
        finally:
            info = self._store.set_terminated(run_id, final, end_time)
        return info

    def delete_run(self, run_id: str) -> None:
        """Soft-delete a run (after writing its queued metrics).

        Args:
            run_id: The run's id.

        Raises:
            NotFoundError: No such run.

        Example:
            >>> client.delete_run(run_id)
        """
        self._flush_run(run_id)
        self._store.delete_run(run_id)

    def restore_run(self, run_id: str) -> None:
        """Restore a soft-deleted run.

        Args:
            run_id: The run's id.

        Raises:
            NotFoundError: No such run.

        Example:
            >>> client.restore_run(run_id)
        """
        self._store.restore_run(run_id)

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Return every logged point of a metric, ordered by step, then timestamp.

        Pages through the store's history internally, so long histories come back whole.

        Args:
            run_id: The run's id.
            key: The metric name.

        Returns:
            All points of the metric (empty when it was never logged).

        Raises:
            NotFoundError: No such run.

        Example:
            >>> [m.value for m in client.get_metric_history(run_id, "loss")]
            [0.9, 0.5, 0.25]
        """
        return collect_pages(
            lambda size, token: self._store.get_metric_history(run_id, key, size, token),
            None,
            _HISTORY_PAGE_SIZE,
        )

    def search_runs(
        self,
        experiment_ids: str | Sequence[str],
        filter_string: str = "",
        run_view_type: ViewType | int = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        """Search runs of some experiments, one page at a time.

        Args:
            experiment_ids: The experiments to search (one id or several).
            filter_string: e.g. ``"metrics.r2_score > .70 AND params.model = 'rf'"``.
            run_view_type: Active, deleted or all runs.
            max_results: The page size (at most 50,000).
            order_by: e.g. ``["metrics.r2_score DESC"]``; default newest first.
            page_token: The ``token`` of the previous page.

        Returns:
            A page of runs whose ``token`` fetches the next page (``None`` at the end).

        Raises:
            InvalidParameterError: A bad filter, order-by, view type or page token.

        Example:
            >>> runs = client.search_runs(["0"], "metrics.r2_score > .70")
        """
        return self._store.search_runs(
            experiment_id_list(experiment_ids),
            filter_string or "",
            to_view_type(run_view_type),
            max_results,
            order_by,
            page_token,
        )


#: MLflow's name for :class:`FlowtrackClient`.
MlflowClient = FlowtrackClient
