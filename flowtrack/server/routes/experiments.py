"""Experiment routes: create, get, get-by-name, search, update, delete, restore and tags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from flowtrack.entities import ExperimentTag, ViewType
from flowtrack.exceptions import NotFoundError
from flowtrack.server.routes._common import RequestModel, Store
from flowtrack.server.wire import ExperimentJson, KeyValue, ViewTypeField, WireModel, wire_response

__all__ = ["router"]

router = APIRouter(prefix="/experiments")


class CreateExperiment(RequestModel):
    """``experiments/create``."""

    name: str
    artifact_location: str | None = None
    tags: list[KeyValue] = []


class CreateExperimentResponse(WireModel):
    """The new experiment's id."""

    experiment_id: str


class ExperimentResponse(WireModel):
    """One experiment."""

    experiment: ExperimentJson


class SearchExperiments(RequestModel):
    """``experiments/search`` (a JSON body, or query parameters with ``order_by`` repeated)."""

    max_results: int = 1000
    page_token: str | None = None
    filter: str | None = None
    order_by: list[str] = []
    view_type: ViewTypeField = ViewType.ACTIVE_ONLY


class SearchExperimentsResponse(WireModel):
    """A page of experiments."""

    experiments: list[ExperimentJson] | None = None
    next_page_token: str | None = None


class ExperimentId(RequestModel):
    """``experiments/delete`` and ``experiments/restore``."""

    experiment_id: str


class UpdateExperiment(RequestModel):
    """``experiments/update``: a rename."""

    experiment_id: str
    new_name: str | None = None


class SetExperimentTag(RequestModel):
    """``experiments/set-experiment-tag``."""

    experiment_id: str
    key: str
    value: str


class DeleteExperimentTag(RequestModel):
    """``experiments/delete-experiment-tag``."""

    experiment_id: str
    key: str


@router.post("/create")
def create_experiment(body: CreateExperiment, store: Store) -> Response:
    """Create an experiment."""
    tags = [ExperimentTag(key=t.key, value=t.value) for t in body.tags]
    experiment_id = store.create_experiment(body.name, body.artifact_location or None, tags)
    return wire_response(CreateExperimentResponse(experiment_id=experiment_id))


@router.get("/get")
def get_experiment(experiment_id: Annotated[str, Query()], store: Store) -> Response:
    """Return an experiment by id."""
    experiment = store.get_experiment(experiment_id)
    return wire_response(ExperimentResponse(experiment=ExperimentJson.of(experiment)))


@router.get("/get-by-name")
def get_experiment_by_name(experiment_name: Annotated[str, Query()], store: Store) -> Response:
    """Return an experiment by name (404 ``RESOURCE_DOES_NOT_EXIST`` when there is none)."""
    experiment = store.get_experiment_by_name(experiment_name)
    if experiment is None:
        raise NotFoundError(f"Could not find experiment with name '{experiment_name}'")
    return wire_response(ExperimentResponse(experiment=ExperimentJson.of(experiment)))


def _search(query: SearchExperiments, store: Store) -> Response:
    page = store.search_experiments(
        view_type=query.view_type,
        max_results=query.max_results,
        filter_string=query.filter or None,
        order_by=query.order_by or None,
        page_token=query.page_token or None,
    )
    return wire_response(
        SearchExperimentsResponse(
            experiments=[ExperimentJson.of(e) for e in page] or None,
            next_page_token=page.token,
        )
    )


@router.post("/search")
def search_experiments(body: SearchExperiments, store: Store) -> Response:
    """Search experiments (JSON body)."""
    return _search(body, store)


@router.get("/search")
def search_experiments_get(query: Annotated[SearchExperiments, Query()], store: Store) -> Response:
    """Search experiments (query parameters)."""
    return _search(query, store)


@router.post("/update")
def update_experiment(body: UpdateExperiment, store: Store) -> Response:
    """Rename an experiment."""
    if body.new_name:
        store.rename_experiment(body.experiment_id, body.new_name)
    else:
        store.get_experiment(body.experiment_id)  # an unknown id is still a 404
    return wire_response()


@router.post("/delete")
def delete_experiment(body: ExperimentId, store: Store) -> Response:
    """Soft-delete an experiment and its runs."""
    store.delete_experiment(body.experiment_id)
    return wire_response()


@router.post("/restore")
def restore_experiment(body: ExperimentId, store: Store) -> Response:
    """Restore a soft-deleted experiment and its runs."""
    store.restore_experiment(body.experiment_id)
    return wire_response()


@router.post("/set-experiment-tag")
def set_experiment_tag(body: SetExperimentTag, store: Store) -> Response:
    """Set one experiment tag."""
    store.set_experiment_tag(body.experiment_id, ExperimentTag(key=body.key, value=body.value))
    return wire_response()


@router.post("/delete-experiment-tag")
def delete_experiment_tag(body: DeleteExperimentTag, store: Store) -> Response:
    """Delete one experiment tag."""
    store.delete_experiment_tag(body.experiment_id, body.key)
    return wire_response()
