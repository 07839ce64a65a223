"""The tracking server app: MLflow's REST API over one flowtrack tracking store.

Artifacts are not served: each new experiment's ``artifact_location`` is under
``default_artifact_root`` and clients read and write artifacts there directly, as with MLflow's
server started without ``--serve-artifacts``.
"""

from __future__ import annotations

from fastapi import FastAPI

from flowtrack.server import health
from flowtrack.server.errors import install_error_handlers
from flowtrack.server.routes import experiments, metrics, runs
from flowtrack.stores.tracking.base import TrackingStore
from flowtrack.stores.tracking.selection import get_tracking_store
from flowtrack.version import __version__

__all__ = ["API_PREFIXES", "create_app"]

#: Where MLflow's 2.0 REST API is mounted: the client's prefix and the web UI's mirror.
API_PREFIXES = ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow")


def create_app(tracking_uri: str, default_artifact_root: str | None = None) -> FastAPI:
    """Build the server app over the tracking store a URI selects.

    Args:
        tracking_uri: The backend store, e.g. ``sqlite:///mlflow.db``,
            ``postgresql+psycopg://...`` or ``memory:``.
        default_artifact_root: Root URI of new experiments' artifact locations; ``None`` means
            the store's default.

    Returns:
        The ASGI app. The store is opened now (a bad URI fails here, before a port is bound).

    Raises:
        InvalidParameterError: No store handles the URI.
        MissingDependencyError: The store needs an optional dependency that is not installed.

    Example:
        >>> from fastapi.testclient import TestClient
        >>> TestClient(create_app("memory:doc-server")).get("/health").text
        'OK'
    """
    store = get_tracking_store(tracking_uri, default_artifact_root)
    return _build(store)


def _build(store: TrackingStore) -> FastAPI:
    app = FastAPI(
        title="flowtrack tracking server",
        version=__version__,
        docs_url=None,
        redoc_url=None,
    )
    app.state.tracking_store = store
    install_error_handlers(app)
    app.include_router(health.router)
    for prefix in API_PREFIXES:
        for module in (experiments, runs, metrics):
            app.include_router(module.router, prefix=prefix)
    return app
