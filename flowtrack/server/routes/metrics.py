"""Metric routes: ``metrics/get-history``, a metric's points page by page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from flowtrack.server.routes._common import RequestModel, Store, require_run_id
from flowtrack.server.wire import MetricJson, WireModel, wire_response

__all__ = ["router"]

router = APIRouter(prefix="/metrics")


class GetMetricHistory(RequestModel):
    """``metrics/get-history`` query parameters; without ``max_results``, every point."""

    run_id: str | None = None
    run_uuid: str | None = None
    metric_key: str
    page_token: str | None = None
    max_results: int | None = None


class MetricHistoryResponse(WireModel):
    """A page of a metric's history, ordered by step then timestamp."""

    metrics: list[MetricJson] | None = None
    next_page_token: str | None = None


@router.get("/get-history")
def get_metric_history(query: Annotated[GetMetricHistory, Query()], store: Store) -> Response:
    """Return a metric's points."""
    page = store.get_metric_history(
        require_run_id(query.run_id, query.run_uuid),
        query.metric_key,
        max_results=query.max_results,
        page_token=query.page_token or None,
    )
    return wire_response(
        MetricHistoryResponse(
            metrics=[MetricJson.of(m) for m in page] or None, next_page_token=page.token
        )
    )
