"""Running the scoring server: load the model once, then bind uvicorn.

The model is loaded before the port is bound, so a model that cannot load fails the command at
once and ``/ping`` answers only when the server can score. With one worker the loaded model is
served in-process. With several, uvicorn spawns worker processes that each build the app from
the ``FLOWTRACK_SERVING_*`` environment variables set here (MLflow's scoring server passes its
model path the same way); the parent's load only validates the model.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from flowtrack._private.uvicorn_serve import serve as serve_on_uvicorn
from flowtrack.exceptions import InvalidParameterError, MissingDependencyError

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from flowtrack.serving.app import ServableModel

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "load_servable_model",
    "serve",
    "worker_app",
]

logger = logging.getLogger(__name__)

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 5001
_SERVING_HINT: Final = "serving needs fastapi and uvicorn: pip install 'flowtrack[server]'"

# How the parent hands the serving configuration to spawned worker processes.
ENV_MODEL_URI: Final = "FLOWTRACK_SERVING_MODEL_URI"
ENV_TRUST_MODEL: Final = "FLOWTRACK_SERVING_TRUST_MODEL"
ENV_TIMEOUT: Final = "FLOWTRACK_SERVING_TIMEOUT"
ENV_MAX_REQUEST_BYTES: Final = "FLOWTRACK_SERVING_MAX_REQUEST_BYTES"
ENV_STACK_TRACES: Final = "FLOWTRACK_SERVING_STACK_TRACES"


def load_servable_model(model_uri: str, *, trust_model: bool = False) -> ServableModel:
    """Load a model for scoring with ``flowtrack.pyfunc.load_model``.

    Args:
        model_uri: A local path, ``runs:/<run-id>/<path>``, ``models:/<name>/<version>``, ...
        trust_model: Allow formats that run code when loaded (pickle, cloudpickle). Only for
            models from a source you trust.

    Returns:
        The loaded model.

    Raises:
        FlowtrackError: The model cannot be found or loaded (e.g. NotFoundError).
    """
    from flowtrack.pyfunc import load_model

    return load_model(model_uri, trust_model=trust_model)


def serve(
    model_uri: str,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int = 1,
    timeout: float = 60.0,
    *,
    trust_model: bool = False,
    max_request_bytes: int | None = None,
    include_stack_trace: bool = False,
    log_level: str = "info",
    access_log: bool = True,
) -> None:
    """Serve a model over HTTP until interrupted (SIGINT/SIGTERM stop it gracefully).

    Args:
        model_uri: The model to serve.
        host: The interface to bind; the default serves this machine only.
        port: The TCP port (0 picks a free one).
        workers: Worker processes; each holds its own copy of the model.
        timeout: Seconds one scoring request may take before a 503.
        trust_model: Allow model formats that run code when loaded (pickle).
        max_request_bytes: The largest request body accepted (default 50 MiB).
        include_stack_trace: Return stack traces of unexpected errors (debugging only).
        log_level: uvicorn's log level (critical, error, warning, info, debug, trace).
        access_log: Log one line per request.

    Raises:
        InvalidParameterError: An argument is out of range.
        MissingDependencyError: fastapi or uvicorn is not installed.
        FlowtrackError: The model cannot be loaded.

    Example:
        >>> serve("runs:/<run-id>/model", port=5001)  # then POST to /invocations
    """
    from flowtrack.serving.app import DEFAULT_MAX_REQUEST_BYTES, ServingOptions, build_app

    if not 1 <= workers <= 256:
        raise InvalidParameterError(f"Invalid workers {workers!r}: use 1 to 256 processes")
    if not 0 <= port <= 65535:
        raise InvalidParameterError(f"Invalid port {port!r}: use 0 to 65535")
    try:
        import fastapi  # noqa: F401  (the extra's marker; starlette comes with it)
        import uvicorn  # noqa: F401  (checked here, used by serve_on_uvicorn)
    except ImportError as exc:
        raise MissingDependencyError(_SERVING_HINT) from exc
    limit = DEFAULT_MAX_REQUEST_BYTES if max_request_bytes is None else max_request_bytes
    options = ServingOptions(timeout, limit, include_stack_trace)  # validates before loading
    model = load_servable_model(model_uri, trust_model=trust_model)
    if host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning("Serving on %s: the model is reachable from other machines", host)
    app = None
    if workers == 1:
        app = build_app(
            model,
            timeout=options.timeout,
            max_request_bytes=options.max_request_bytes,
            include_stack_trace=options.include_stack_trace,
        )
    del model  # with several workers, each loads its own copy
    serve_on_uvicorn(
        app,
        workers=workers,
        worker_factory="flowtrack.serving.server:worker_app",
        handoff={
            ENV_MODEL_URI: model_uri,
            ENV_TRUST_MODEL: "1" if trust_model else "0",
            ENV_TIMEOUT: repr(options.timeout),
            ENV_MAX_REQUEST_BYTES: str(options.max_request_bytes),
            ENV_STACK_TRACES: "1" if include_stack_trace else "0",
        },
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
    )


def worker_app(environ: Mapping[str, str] | None = None) -> Starlette:
    """Build the app in a uvicorn worker process from the ``FLOWTRACK_SERVING_*`` variables.

    Args:
        environ: The variables to read; default ``os.environ``.

    Returns:
        The scoring app over a freshly loaded model.

    Raises:
        InvalidParameterError: ``FLOWTRACK_SERVING_MODEL_URI`` is unset.
    """
    from flowtrack.serving.app import build_app

    env = os.environ if environ is None else environ
    model_uri = env.get(ENV_MODEL_URI)
    if not model_uri:
        raise InvalidParameterError(
            f"{ENV_MODEL_URI} is not set; start workers with `flowtrack models serve`"
        )
    model = load_servable_model(model_uri, trust_model=env.get(ENV_TRUST_MODEL) == "1")
    return build_app(
        model,
        timeout=float(env.get(ENV_TIMEOUT, "60")),
        max_request_bytes=int(env.get(ENV_MAX_REQUEST_BYTES, str(50 * 1024 * 1024))),
        include_stack_trace=env.get(ENV_STACK_TRACES) == "1",
    )
