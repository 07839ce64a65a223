"""``flowtrack server`` and ``flowtrack ui``: MLflow's tracking REST API on uvicorn.

The commands mirror ``mlflow server`` and ``mlflow ui`` for tracking. Artifacts are not proxied
yet: clients read and write them directly under ``--default-artifact-root``, as with
``mlflow server`` without ``--serve-artifacts``. fastapi and uvicorn are imported only when a
command runs, so the CLI stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["server", "ui"]

_HOST_HELP = "Address to bind; 127.0.0.1 (this machine only) unless told otherwise."
_ARTIFACT_HELP = (
    "Root of new experiments' artifact locations (a local path or an fsspec URI such as "
    "s3://bucket/path). Clients write artifacts there directly; the server does not proxy them."
)


def server(
    backend_store_uri: Annotated[
        str,
        typer.Option(help="Tracking store: sqlite:///mlflow.db or postgresql+psycopg://..."),
    ] = "sqlite:///flowtrack.db",
    default_artifact_root: Annotated[
        str, typer.Option(help=_ARTIFACT_HELP)
    ] = "./flowtrack-artifacts",
    host: Annotated[str, typer.Option("--host", "-h", help=_HOST_HELP)] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="Port to bind.")] = 5000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            "-w",
            help="Worker processes; more than 1 needs PostgreSQL (SQLite allows one writer).",
        ),
    ] = 1,
) -> None:
    """Serve MLflow's tracking REST API, so MLflow and flowtrack clients can log to it."""
    from flowtrack.server.run import serve

    serve(backend_store_uri, default_artifact_root, host=host, port=port, workers=workers)


def ui(
    backend_store_uri: Annotated[
        str | None,
        typer.Option(help="Tracking store; default: the local default store (the tracking URI)."),
    ] = None,
    default_artifact_root: Annotated[
        str | None, typer.Option(help=_ARTIFACT_HELP + " Default: the configured artifact root.")
    ] = None,
    host: Annotated[str, typer.Option("--host", "-h", help=_HOST_HELP)] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="Port to bind.")] = 5000,
) -> None:
    """Serve the local default store over MLflow's REST API (one process), as ``mlflow ui``."""
    from flowtrack.server.run import serve
    from flowtrack.settings import get_settings

    settings = get_settings()
    serve(
        backend_store_uri or settings.tracking_uri,
        default_artifact_root or settings.artifact_root or "./flowtrack-artifacts",
        host=host,
        port=port,
    )
