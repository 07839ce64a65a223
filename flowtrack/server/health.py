"""Liveness and identity routes: ``/health``, ``/version`` and ``/api/3.0/mlflow/server-info``.

``server-info`` tells the MLflow 3 client which optional capabilities the server has; this
server advertises none of them yet (no workspaces, no trace archival, no proxied multipart
artifact transfers).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from flowtrack.version import __version__

__all__ = ["router"]

router = APIRouter()


@router.get("/health", response_class=PlainTextResponse)
def health() -> str:
    """Answer ``OK`` once the server accepts requests (MLflow's answer)."""
    return "OK"


@router.get("/version", response_class=PlainTextResponse)
def version() -> str:
    """Answer flowtrack's version."""
    return __version__


def server_info(request: Request) -> JSONResponse:
    """MLflow 3's capability document."""
    from flowtrack.stores.tracking.sql import SqlTrackingStore

    store = request.app.state.tracking_store
    return JSONResponse(
        {
            "store_type": "SqlStore" if isinstance(store, SqlTrackingStore) else None,
            "workspaces_enabled": False,
            "trace_archival_enabled": False,
            "multipart_uploads_enabled": False,
            "multipart_downloads_enabled": False,
            "presigned_upload_run_id_supported": False,
            "presigned_upload_model_id_supported": False,
            "features_enabled": {"gateway": False},
        }
    )


for _prefix in ("/api", "/ajax-api"):
    router.add_api_route(f"{_prefix}/3.0/mlflow/server-info", server_info, methods=["GET"])
