"""The REST tracking store: ``http://`` and ``https://`` tracking URIs, over MLflow's REST API.

Speaks ``/api/2.0/mlflow/...`` as MLflow 3.17's client does (GET with query parameters for
reads, JSON bodies otherwise), so it works against a real MLflow server and against
``flowtrack server``. Connections, retries, auth and error classes are
:class:`~flowtrack.stores.rest.session.RestSession`'s job; this module maps each store method to
its route.

What MLflow's REST API cannot do, the store refuses with
:class:`~flowtrack.exceptions.InvalidStateError` naming why: creating a run with a chosen
``run_id``, purging experiments and runs, and listing deleted runs by age (those are server-side
garbage collection: ``mlflow gc`` / ``flowtrack gc`` on the server's store).

Artifacts are not part of this store: a run's ``artifact_uri`` is whatever the server says. A
plain path or fsspec URL works with flowtrack's artifact store; ``mlflow-artifacts:/`` (a server
proxying artifacts) is refused there until the artifact-proxy client lands (issue 10).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import validate_run_id
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
from flowtrack.exceptions import InvalidStateError, NotFoundError
from flowtrack.stores.rest.config import HttpConfig
from flowtrack.stores.rest.session import RestSession
from flowtrack.stores.tracking._rest_convert import (
    dataset_input_to_json,
    experiment_from_json,
    metric_from_json,
    metric_to_json,
    pairs,
    run_from_json,
    run_info_from_json,
)
from flowtrack.stores.tracking._rest_logged_models import RestLoggedModels
from flowtrack.stores.tracking.base import TrackingStore
from flowtrack.stores.tracking.rules import (
    check_run_time,
    parse_lifecycle_stage,
    parse_run_status,
    parse_view_type,
)

__all__ = ["API_PREFIX", "RestTrackingStore"]

API_PREFIX = "/api/2.0/mlflow"
_EXPERIMENTS = f"{API_PREFIX}/experiments"
_RUNS = f"{API_PREFIX}/runs"
_SERVER_GC = "it is server-side garbage collection ('mlflow gc' / 'flowtrack gc' on the server)"


def _unsupported(operation: str, why: str) -> InvalidStateError:
    return InvalidStateError(
        f"{operation} is not available through MLflow's REST API (a tracking server): {why}"
    )


T = TypeVar("T")


def _all_pages(fetch: Callable[[str | None], PagedList[T]]) -> Iterator[T]:
    token: str | None = None
    while True:
        page = fetch(token)
        yield from page
        token = page.token
        if not token:
            return


class RestTrackingStore(RestLoggedModels, TrackingStore):
    """A tracking store on a server speaking MLflow's REST API.

    Args:
        store_uri: The server's URL, ``http://host:port`` (a path prefix is kept).
        default_artifact_root: Ignored: the server decides where artifacts go.
        config: Credentials, TLS, timeout and retries; store selection builds it from the
            settings (``MLFLOW_TRACKING_USERNAME``, ``MLFLOW_TRACKING_TOKEN``, ...).
        session: A ready session to use instead (tests pass one over ``httpx.MockTransport``).

    Example:
        >>> store = RestTrackingStore("http://127.0.0.1:5000")  # doctest: +SKIP
        >>> store.get_experiment("0").name  # doctest: +SKIP
        'Default'
    """

    def __init__(
        self,
        store_uri: str,
        default_artifact_root: str | None = None,
        *,
        config: HttpConfig | None = None,
        session: RestSession | None = None,
    ) -> None:
        super().__init__(store_uri, default_artifact_root)
        self._session = session or RestSession(store_uri, config)

    def __repr__(self) -> str:
        return f"RestTrackingStore({self.store_uri!r})"

    def close(self) -> None:
        """Close the pooled HTTP connections."""
        self._session.close()

    # ------------------------------------------------------------------ experiments

    def create_experiment(
        self,
        name: str,
        artifact_location: str | None = None,
        tags: Sequence[ExperimentTag] = (),
    ) -> str:
        """Create an experiment on the server and return its id."""
        body = {
            "name": name,
            "artifact_location": artifact_location,
            "tags": pairs({t.key: t.value for t in tags}),
        }
        return str(self._session.call("POST", f"{_EXPERIMENTS}/create", body)["experiment_id"])

    def get_experiment(self, experiment_id: str) -> Experiment:
        """Return an experiment by id (also a deleted one)."""
        answer = self._session.call(
            "GET", f"{_EXPERIMENTS}/get", {"experiment_id": str(experiment_id)}
        )
        return experiment_from_json(answer["experiment"])

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """Return the experiment with that name, or ``None``."""
        try:
            answer = self._session.call(
                "GET", f"{_EXPERIMENTS}/get-by-name", {"experiment_name": name}
            )
        except NotFoundError:
            return None
        return experiment_from_json(answer["experiment"])

    def search_experiments(
        self,
        view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Experiment]:
        """Search experiments on the server."""
        body = {
            "view_type": parse_view_type(view_type).name,
            "max_results": max_results,
            "filter": filter_string or None,
            "order_by": list(order_by or ()),
            "page_token": page_token,
        }
        answer = self._session.call("POST", f"{_EXPERIMENTS}/search", body)
        experiments = [experiment_from_json(e) for e in answer.get("experiments", ())]
        return PagedList(experiments, answer.get("next_page_token") or None)

    def update_experiment(
        self,
        experiment_id: str,
        *,
        name: str | None = None,
        lifecycle_stage: LifecycleStage | None = None,
    ) -> None:
        """Rename, delete or restore an experiment (one request each).

        A deleted experiment cannot be renamed, so a restore goes first and a delete last.
        """
        stage = None if lifecycle_stage is None else parse_lifecycle_stage(lifecycle_stage)
        if stage is LifecycleStage.ACTIVE:
            self._session.call("POST", f"{_EXPERIMENTS}/restore", {"experiment_id": experiment_id})
        if name is not None:
            body = {"experiment_id": experiment_id, "new_name": name}
            self._session.call("POST", f"{_EXPERIMENTS}/update", body)
        if stage is LifecycleStage.DELETED:
            self._session.call("POST", f"{_EXPERIMENTS}/delete", {"experiment_id": experiment_id})

    def set_experiment_tag(self, experiment_id: str, tag: ExperimentTag) -> None:
        """Set one experiment tag."""
        body = {"experiment_id": experiment_id, "key": tag.key, "value": tag.value}
        self._session.call("POST", f"{_EXPERIMENTS}/set-experiment-tag", body)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Delete one experiment tag."""
        body = {"experiment_id": experiment_id, "key": key}
        self._session.call("POST", f"{_EXPERIMENTS}/delete-experiment-tag", body)

    def purge_experiment(self, experiment_id: str) -> None:
        """Refused: MLflow's REST API cannot purge (see the module docstring)."""
        raise _unsupported(f"Purging experiment {experiment_id!r}", _SERVER_GC)

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
        """Create a RUNNING run on the server; the server chooses its id.

        Raises:
            InvalidStateError: ``run_id`` was given: MLflow's ``CreateRun`` has no such field.
        """
        if run_id is not None:
            validate_run_id(run_id)
            raise _unsupported(
                f"Creating a run with the chosen id {run_id!r}",
                "the server chooses run ids (CreateRun has no run_id field); pass run_id=None",
            )
        check_run_time("start_time", start_time)
        body = {
            "experiment_id": experiment_id,
            "user_id": user_id,
            # As MLflow's client: the caller's clock, not the server's default of 0.
            "start_time": now_ms() if start_time is None else start_time,
            "run_name": run_name,
            "tags": pairs({t.key: t.value for t in tags}),
        }
        return run_from_json(self._session.call("POST", f"{_RUNS}/create", body)["run"])

    def get_run(self, run_id: str) -> Run:
        """Return a run with its latest metrics, params, tags, inputs and outputs."""
        answer = self._session.call("GET", f"{_RUNS}/get", {"run_id": run_id})
        return run_from_json(answer["run"])

    def update_run_info(
        self,
        run_id: str,
        run_status: RunStatus | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
    ) -> RunInfo:
        """Change a run's status, end time and/or name."""
        status = None if run_status is None else parse_run_status(run_status).value
        check_run_time("end_time", end_time)
        body = {
            "run_id": run_id,
            "run_uuid": run_id,
            "status": status,
            "end_time": end_time,
            "run_name": run_name,
        }
        answer = self._session.call("POST", f"{_RUNS}/update", body)
        return run_info_from_json(answer["run_info"])

    def set_run_lifecycle_stage(self, run_id: str, stage: LifecycleStage) -> None:
        """Soft-delete or restore a run."""
        route = "delete" if parse_lifecycle_stage(stage) is LifecycleStage.DELETED else "restore"
        self._session.call("POST", f"{_RUNS}/{route}", {"run_id": run_id})

    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> None:
        """Validate a batch here, then send it as one ``log-batch`` request."""
        metric_list, param_list, tag_list = self.validate_batch(metrics, params, tags)
        if not (metric_list or param_list or tag_list):
            return
        body = {
            "run_id": run_id,
            "metrics": [metric_to_json(m) for m in metric_list],
            "params": [{"key": p.key, "value": p.value} for p in param_list],
            "tags": [{"key": t.key, "value": t.value} for t in tag_list],
        }
        self._session.call("POST", f"{_RUNS}/log-batch", body)

    def delete_tag(self, run_id: str, key: str) -> None:
        """Delete a run tag."""
        self._session.call("POST", f"{_RUNS}/delete-tag", {"run_id": run_id, "key": key})

    def get_metric_history(
        self,
        run_id: str,
        metric_key: str,
        max_results: int | None = None,
        page_token: str | None = None,
    ) -> PagedList[Metric]:
        """Return a metric's points (one page when ``max_results`` is given).

        An unpaged answer is sorted by step, then timestamp here: MLflow's server returns the
        points in storage order.
        """
        body = {
            "run_id": run_id,
            "run_uuid": run_id,
            "metric_key": metric_key,
            "max_results": max_results,
            "page_token": page_token,
        }
        answer = self._session.call("GET", f"{API_PREFIX}/metrics/get-history", body)
        points = [metric_from_json(m) for m in answer.get("metrics", ())]
        if max_results is None and page_token is None:
            points.sort(key=lambda point: (point.step, point.timestamp))
        return PagedList(points, answer.get("next_page_token") or None)

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        run_view_type: ViewType = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[Run]:
        """Search runs on the server."""
        body = {
            "experiment_ids": [str(e) for e in experiment_ids],
            "filter": filter_string or None,
            "run_view_type": parse_view_type(run_view_type).name,
            "max_results": max_results,
            "order_by": list(order_by or ()),
            "page_token": page_token,
        }
        answer = self._session.call("POST", f"{_RUNS}/search", body)
        runs = [run_from_json(r) for r in answer.get("runs", ())]
        return PagedList(runs, answer.get("next_page_token") or None)

    def log_inputs(
        self,
        run_id: str,
        datasets: Sequence[DatasetInput] = (),
        models: Sequence[LoggedModelInput] = (),
    ) -> None:
        """Record datasets and logged models a run used."""
        body = {
            "run_id": run_id,
            "datasets": [dataset_input_to_json(d) for d in datasets],
            "models": [{"model_id": m.model_id} for m in models],
        }
        self._session.call("POST", f"{_RUNS}/log-inputs", body)

    def list_deleted_runs(self, older_than_ms: int | None = None) -> list[str]:
        """Return ids of deleted runs, searched experiment by experiment.

        Raises:
            InvalidStateError: ``older_than_ms`` was given: MLflow's REST API does not say when
                a run was deleted.
        """
        if older_than_ms is not None:
            raise _unsupported(
                "Listing runs deleted more than older_than_ms ago",
                "runs carry no deletion time over the API; " + _SERVER_GC,
            )
        experiment_ids = [e.experiment_id for e in _all_pages(self._experiment_page)]
        if not experiment_ids:
            return []

        def run_page(token: str | None) -> PagedList[Run]:
            return self.search_runs(
                experiment_ids, run_view_type=ViewType.DELETED_ONLY, page_token=token
            )

        return [run.info.run_id for run in _all_pages(run_page)]

    def _experiment_page(self, token: str | None) -> PagedList[Experiment]:
        return self.search_experiments(view_type=ViewType.ALL, page_token=token)

    def purge_runs(self, run_ids: Sequence[str]) -> None:
        """Refused: MLflow's REST API cannot purge (see the module docstring)."""
        raise _unsupported(f"Purging {len(run_ids)} run(s)", _SERVER_GC)
