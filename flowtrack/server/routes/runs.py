"""Run routes: create, get, update, delete, restore, search and what is logged to a run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from flowtrack.entities import (
    DatasetInput,
    LoggedModelInput,
    Metric,
    Param,
    RunTag,
    ViewType,
)
from flowtrack.server.routes._common import RequestModel, Store, require_run_id
from flowtrack.server.wire import (
    KeyValue,
    RunInfoJson,
    RunJson,
    RunStatusField,
    ViewTypeField,
    WireModel,
    runs_json,
    wire_response,
)

__all__ = ["router"]

router = APIRouter(prefix="/runs")


class CreateRun(RequestModel):
    """``runs/create``."""

    experiment_id: str
    user_id: str | None = None
    run_name: str | None = None
    start_time: int | None = None
    tags: list[KeyValue] = []


class RunResponse(WireModel):
    """One run."""

    run: RunJson


class UpdateRun(RequestModel):
    """``runs/update``."""

    run_id: str | None = None
    run_uuid: str | None = None
    status: RunStatusField | None = None
    end_time: int | None = None
    run_name: str | None = None


class UpdateRunResponse(WireModel):
    """The run's info after the update."""

    run_info: RunInfoJson


class RunId(RequestModel):
    """``runs/delete`` and ``runs/restore``."""

    run_id: str


class SearchRuns(RequestModel):
    """``runs/search``."""

    experiment_ids: list[str] = []
    filter: str | None = None
    run_view_type: ViewTypeField = ViewType.ACTIVE_ONLY
    max_results: int = 1000
    order_by: list[str] = []
    page_token: str | None = None


class SearchRunsResponse(WireModel):
    """A page of runs."""

    runs: list[RunJson] | None = None
    next_page_token: str | None = None


class MetricIn(RequestModel):
    """A metric point; ``value`` may be ``"NaN"``, ``"Infinity"`` or ``"-Infinity"``."""

    key: str
    value: float
    timestamp: int
    step: int = 0
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None

    def entity(self) -> Metric:
        """The metric entity (validates the dataset name/digest pair)."""
        return Metric(**self.model_dump())


class LogMetric(MetricIn):
    """``runs/log-metric``."""

    run_id: str | None = None
    run_uuid: str | None = None

    def entity(self) -> Metric:
        """The metric entity (validates the dataset name/digest pair)."""
        return Metric(**self.model_dump(exclude={"run_id", "run_uuid"}))


class LogKeyValue(RequestModel):
    """``runs/log-parameter`` and ``runs/set-tag``."""

    run_id: str | None = None
    run_uuid: str | None = None
    key: str
    value: str


class DeleteTag(RequestModel):
    """``runs/delete-tag``."""

    run_id: str
    key: str


class LogBatch(RequestModel):
    """``runs/log-batch``."""

    run_id: str
    metrics: list[MetricIn] = []
    params: list[KeyValue] = []
    tags: list[KeyValue] = []


class ModelIn(RequestModel):
    """A logged model a run used."""

    model_id: str


class LogInputs(RequestModel):
    """``runs/log-inputs``."""

    run_id: str
    datasets: list[DatasetInput] = []
    models: list[ModelIn] = []


@router.post("/create")
def create_run(body: CreateRun, store: Store) -> Response:
    """Create a RUNNING run."""
    run = store.create_run(
        body.experiment_id,
        body.user_id,
        body.start_time,
        [RunTag(key=t.key, value=t.value) for t in body.tags],
        run_name=body.run_name or None,
    )
    return wire_response(RunResponse(run=RunJson.of(run)))


@router.get("/get")
def get_run(
    store: Store,
    run_id: Annotated[str | None, Query()] = None,
    run_uuid: Annotated[str | None, Query()] = None,
) -> Response:
    """Return a run with its latest metrics, params, tags and inputs."""
    run = store.get_run(require_run_id(run_id, run_uuid))
    return wire_response(RunResponse(run=RunJson.of(run)))


@router.post("/update")
def update_run(body: UpdateRun, store: Store) -> Response:
    """Change a run's status, end time and/or name."""
    info = store.update_run_info(
        require_run_id(body.run_id, body.run_uuid),
        run_status=body.status,
        end_time=body.end_time,
        run_name=body.run_name or None,
    )
    return wire_response(UpdateRunResponse(run_info=RunInfoJson.of(info)))


@router.post("/delete")
def delete_run(body: RunId, store: Store) -> Response:
    """Soft-delete a run."""
    store.delete_run(body.run_id)
    return wire_response()


@router.post("/restore")
def restore_run(body: RunId, store: Store) -> Response:
    """Restore a soft-deleted run."""
    store.restore_run(body.run_id)
    return wire_response()


@router.post("/search")
def search_runs(body: SearchRuns, store: Store) -> Response:
    """Search runs with MLflow's filter grammar."""
    page = store.search_runs(
        body.experiment_ids,
        filter_string=body.filter or "",
        run_view_type=body.run_view_type,
        max_results=body.max_results,
        order_by=body.order_by or None,
        page_token=body.page_token or None,
    )
    return wire_response(SearchRunsResponse(runs=runs_json(page), next_page_token=page.token))


@router.post("/log-metric")
def log_metric(body: LogMetric, store: Store) -> Response:
    """Log one metric point."""
    store.log_metric(require_run_id(body.run_id, body.run_uuid), body.entity())
    return wire_response()


@router.post("/log-parameter")
def log_param(body: LogKeyValue, store: Store) -> Response:
    """Log one param."""
    store.log_param(
        require_run_id(body.run_id, body.run_uuid), Param(key=body.key, value=body.value)
    )
    return wire_response()


@router.post("/set-tag")
def set_tag(body: LogKeyValue, store: Store) -> Response:
    """Set one run tag."""
    store.set_tag(
        require_run_id(body.run_id, body.run_uuid), RunTag(key=body.key, value=body.value)
    )
    return wire_response()


@router.post("/delete-tag")
def delete_tag(body: DeleteTag, store: Store) -> Response:
    """Delete one run tag."""
    store.delete_tag(body.run_id, body.key)
    return wire_response()


@router.post("/log-batch")
def log_batch(body: LogBatch, store: Store) -> Response:
    """Log metrics, params and tags in one transaction."""
    store.log_batch(
        body.run_id,
        metrics=[m.entity() for m in body.metrics],
        params=[Param(key=p.key, value=p.value) for p in body.params],
        tags=[RunTag(key=t.key, value=t.value) for t in body.tags],
    )
    return wire_response()


@router.post("/log-inputs")
def log_inputs(body: LogInputs, store: Store) -> Response:
    """Record the datasets and logged models a run used."""
    store.log_inputs(
        body.run_id,
        datasets=body.datasets,
        models=[LoggedModelInput(model_id=m.model_id) for m in body.models],
    )
    return wire_response()
