"""Running the tracking server on uvicorn: one process, or N worker processes.

The store is opened before the port is bound, so a bad URI fails the command at once. With one
worker the app is served in-process. With several, uvicorn spawns worker processes that each
build the app from the ``FLOWTRACK_SERVER_*`` variables set here (the parent-to-worker hand-off,
as MLflow's server passes its store URIs; not user settings). SQLite allows one writer process,
so it refuses more than one worker.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit, urlunsplit

from flowtrack._private.uvicorn_serve import serve as serve_on_uvicorn
from flowtrack.exceptions import InvalidParameterError, MissingDependencyError
from flowtrack.stores.selection import uri_scheme

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ENV_ARTIFACT_ROOT",
    "ENV_BACKEND_STORE_URI",
    "describe_uri",
    "resolve_artifact_root",
    "serve",
    "worker_app",
]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 5000
_SERVER_HINT: Final = (
    "the tracking server needs fastapi and uvicorn: pip install 'flowtrack[server]'"
)

ENV_BACKEND_STORE_URI: Final = "FLOWTRACK_SERVER_BACKEND_STORE_URI"
ENV_ARTIFACT_ROOT: Final = "FLOWTRACK_SERVER_DEFAULT_ARTIFACT_ROOT"


def resolve_artifact_root(root: str) -> str:
    """Make a local artifact root absolute, so clients in other directories write to it.

    Args:
        root: A local path (``./mlruns``) or a URI with a scheme (``s3://b/p``, ``file:///x``).

    Returns:
        The absolute path for a local path; any URI unchanged.
    """
    if "://" in root or root.startswith("file:"):
        return root
    return os.path.abspath(os.path.expanduser(root))


def describe_uri(uri: str) -> str:
    """Return a URI with its password masked, for printing."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def serve(
    backend_store_uri: str,
    default_artifact_root: str,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int = 1,
    log_level: str = "info",
) -> None:
    """Serve MLflow's tracking REST API until interrupted.

    Args:
        backend_store_uri: The tracking store (``sqlite:///mlflow.db``, ``postgresql+psycopg://...``).
        default_artifact_root: Root of new experiments' artifact locations; clients read and
            write artifacts there directly (the server does not proxy them).
        host: The address to bind; loopback unless told otherwise.
        port: The port to bind.
        workers: Worker processes (SQLite: 1).
        log_level: uvicorn's log level.

    Raises:
        InvalidParameterError: Bad port or workers, or several workers over SQLite.
        MissingDependencyError: fastapi or uvicorn is not installed.
    """
    if not 1 <= workers <= 256:
        raise InvalidParameterError(f"Invalid workers {workers!r}: use 1 to 256 processes")
    if not 0 <= port <= 65535:
        raise InvalidParameterError(f"Invalid port {port!r}: use 0 to 65535")
    if workers > 1 and uri_scheme(backend_store_uri) in ("sqlite", "memory"):
        raise InvalidParameterError(
            f"--workers {workers} needs a store several processes can share; "
            f"{describe_uri(backend_store_uri)!r} allows one process: use --workers 1, or "
            "PostgreSQL (postgresql+psycopg://...) for several workers"
        )
    try:
        import uvicorn  # noqa: F401 - checked here, used by serve_on_uvicorn

        from flowtrack.server.app import create_app
    except ImportError as exc:
        raise MissingDependencyError(_SERVER_HINT) from exc
    root = resolve_artifact_root(default_artifact_root)
    app: FastAPI | None = create_app(backend_store_uri, root)  # a bad URI fails here
    print(
        f"flowtrack server listening on http://{host}:{port} ({workers} worker"
        f"{'s' if workers > 1 else ''})\n"
        f"  tracking store: {describe_uri(backend_store_uri)}\n"
        f"  artifact root:  {root} (clients write artifacts there directly)",
        flush=True,
    )
    if workers > 1:
        app = None  # each worker opens its own store
    serve_on_uvicorn(
        app,
        workers=workers,
        worker_factory="flowtrack.server.run:worker_app",
        handoff={ENV_BACKEND_STORE_URI: backend_store_uri, ENV_ARTIFACT_ROOT: root},
        host=host,
        port=port,
        log_level=log_level,
    )


def worker_app(environ: Mapping[str, str] | None = None) -> FastAPI:
    """Build the app in a uvicorn worker process from the ``FLOWTRACK_SERVER_*`` variables.

    Args:
        environ: The variables to read; default ``os.environ``.

    Raises:
        InvalidParameterError: ``FLOWTRACK_SERVER_BACKEND_STORE_URI`` is unset.
    """
    from flowtrack.server.app import create_app

    env = os.environ if environ is None else environ
    uri = env.get(ENV_BACKEND_STORE_URI)
    if not uri:
        raise InvalidParameterError(
            f"{ENV_BACKEND_STORE_URI} is not set; start workers with `flowtrack server`"
        )
    return create_app(uri, env.get(ENV_ARTIFACT_ROOT) or None)
