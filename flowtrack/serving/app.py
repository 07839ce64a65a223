"""The scoring server's ASGI application: MLflow's ``/ping``, ``/health``, ``/version`` and
``/invocations`` over one loaded model.

The app holds the model in ``app.state.model`` and its limits in ``app.state.options``; nothing
lives at module level, so several apps (one per model) can share a process. Each scoring request
runs parsing, ``predict`` and JSON encoding in a worker thread, so a slow model never blocks
``/ping``, and is bounded by a timeout.

Status codes and error bodies (MLflow's ``{"error_code": ..., "message": ...}``):

- 200 ``{"predictions": ...}``.
- 400 ``BAD_REQUEST``: the body is not valid JSON/CSV/Parquet or not a scoring payload.
- 400 ``INVALID_PARAMETER_VALUE`` (or the code of any other flowtrack error ``predict`` raises):
  the input does not match the model's signature (missing column, wrong type, ...).
- 413 ``RESOURCE_LIMIT_EXCEEDED``: the body is larger than ``max_request_bytes``.
- 415 ``BAD_REQUEST``: the Content-Type is not ``application/json``, ``text/csv`` or
  ``application/vnd.apache.parquet``.
- 500 ``INTERNAL_ERROR``: ``predict`` raised something else; the stack trace is logged and only
  returned (as ``stack_trace``) when the app is built with ``include_stack_trace=True``.
- 503 ``TEMPORARILY_UNAVAILABLE``: scoring took longer than ``timeout`` seconds.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, Protocol, runtime_checkable

from flowtrack.exceptions import FlowtrackError, InvalidParameterError, MissingDependencyError

try:
    import anyio
    import anyio.to_thread
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingDependencyError(
        "serving needs fastapi and uvicorn: pip install 'flowtrack[server]'"
    ) from exc

from flowtrack.serving.inputs import UnsupportedContentTypeError, parse_request
from flowtrack.serving.outputs import dumps_predictions

__all__ = [
    "DEFAULT_MAX_REQUEST_BYTES",
    "DEFAULT_TIMEOUT",
    "ServableModel",
    "ServingOptions",
    "build_app",
    "error_response",
]

logger = logging.getLogger(__name__)

#: The largest request body the server reads by default (50 MiB).
DEFAULT_MAX_REQUEST_BYTES: Final = 50 * 1024 * 1024
#: Seconds one scoring request may take by default.
DEFAULT_TIMEOUT: Final = 60.0


@runtime_checkable
class ServableModel(Protocol):
    """What the scoring server needs from a model: ``flowtrack.pyfunc.PyFuncModel`` fits.

    A ``metadata`` attribute (the MLmodel ``Model``) is optional and only informative.
    """

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Return predictions for ``data`` (a DataFrame, an array or named arrays)."""


@dataclass(frozen=True, slots=True)
class ServingOptions:
    """The scoring server's limits.

    Attributes:
        timeout: Seconds one scoring request (parse, predict, encode) may take.
        max_request_bytes: The largest request body accepted.
        include_stack_trace: Return the stack trace of unexpected errors to clients (for
            debugging only: it reveals code paths).
    """

    timeout: float = DEFAULT_TIMEOUT
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    include_stack_trace: bool = False

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise InvalidParameterError(
                f"Invalid timeout {self.timeout!r}: use a positive number of seconds"
            )
        if self.max_request_bytes < 1:
            raise InvalidParameterError(
                f"Invalid max_request_bytes {self.max_request_bytes!r}: use a positive size"
            )


def build_app(
    model: ServableModel,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    include_stack_trace: bool = False,
) -> Starlette:
    """Build the scoring app for a loaded model.

    Args:
        model: The model; anything with ``predict(data, params=None)``.
        timeout: Seconds one scoring request may take before a 503.
        max_request_bytes: The largest request body accepted before a 413.
        include_stack_trace: Return stack traces of unexpected errors (debugging only).

    Returns:
        An ASGI application; serve it with uvicorn or test it with ``TestClient``.

    Raises:
        InvalidParameterError: The model has no ``predict`` method, or a limit is not positive.

    Example:
        >>> app = build_app(flowtrack.pyfunc.load_model("runs:/<run-id>/model"))
        >>> uvicorn.run(app, host="127.0.0.1", port=5001)
    """
    if not isinstance(model, ServableModel):
        raise InvalidParameterError(
            f"Cannot serve {type(model).__name__!r}: the model needs a predict(data, params=None) "
            "method, such as a PyFuncModel from flowtrack.pyfunc.load_model()"
        )
    options = ServingOptions(timeout, max_request_bytes, include_stack_trace)
    app = Starlette(
        routes=[
            Route("/ping", _ping, methods=["GET"]),
            Route("/health", _health, methods=["GET"]),
            Route("/version", _version, methods=["GET"]),
            Route("/invocations", _invocations, methods=["POST"]),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _unexpected_error},
    )
    app.state.model = model
    app.state.options = options
    return app


def error_response(
    status: int, error_code: str, message: str, stack_trace: str | None = None
) -> JSONResponse:
    """Return MLflow's JSON error body with an HTTP status.

    Args:
        status: The HTTP status.
        error_code: MLflow's code, e.g. ``"BAD_REQUEST"``.
        message: What was wrong and what is allowed.
        stack_trace: Included only when given.

    Returns:
        The response.
    """
    body: dict[str, str] = {"error_code": error_code, "message": message}
    if stack_trace is not None:
        body["stack_trace"] = stack_trace
    return JSONResponse(body, status_code=status)


async def _ping(request: Request) -> Response:
    return Response("\n", media_type="application/json")


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _version(request: Request) -> Response:
    from flowtrack.version import __version__

    return PlainTextResponse(__version__)


class _Rejected(Exception):
    """Carries the error response for a request the server will not score."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def _invocations(request: Request) -> Response:
    options: ServingOptions = request.app.state.options
    model: ServableModel = request.app.state.model
    try:
        body = await _read_body(request, options.max_request_bytes)
    except _Rejected as rejected:
        return rejected.response
    score = partial(_score, model, body, request.headers.get("content-type"), options)
    try:
        with anyio.fail_after(options.timeout):
            return await anyio.to_thread.run_sync(score, abandon_on_cancel=True)
    except TimeoutError:
        logger.warning("Scoring took longer than the %s s timeout", options.timeout)
        return error_response(
            503,
            "TEMPORARILY_UNAVAILABLE",
            f"Scoring took longer than the server's {options.timeout:g} s timeout; send fewer "
            "rows per request or raise the timeout (--timeout)",
        )


async def _read_body(request: Request, limit: int) -> bytes:
    too_large = (
        f"The request body is larger than the server's limit of {limit} bytes; send fewer rows "
        "per request or raise the limit (--max-request-size)"
    )
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise _Rejected(
                error_response(400, "BAD_REQUEST", f"Invalid Content-Length {declared!r}")
            )
        if int(declared) > limit:
            raise _Rejected(error_response(413, "RESOURCE_LIMIT_EXCEEDED", too_large))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:  # a chunked body with no Content-Length
            raise _Rejected(error_response(413, "RESOURCE_LIMIT_EXCEEDED", too_large))
        chunks.append(chunk)
    return b"".join(chunks)


def _score(
    model: ServableModel, body: bytes, content_type: str | None, options: ServingOptions
) -> Response:
    """Parse, predict and encode in a worker thread; every failure becomes an error response."""
    try:
        parsed = parse_request(body, content_type)
    except UnsupportedContentTypeError as exc:
        return error_response(415, "BAD_REQUEST", exc.message)
    except InvalidParameterError as exc:
        return error_response(400, "BAD_REQUEST", exc.message)
    try:
        predictions = model.predict(parsed.data, params=parsed.params)
    except FlowtrackError as exc:
        return error_response(
            exc.http_status, exc.error_code, f"Failed to predict on the input: {exc.message}"
        )
    except Exception as exc:
        logger.exception("The model raised an unexpected error in predict")
        return _internal_error(
            "Encountered an unexpected error while evaluating the model "
            f"({type(exc).__name__}: {exc}); verify that the input is compatible with the model",
            options,
        )
    try:
        return Response(dumps_predictions(predictions), media_type="application/json")
    except (TypeError, ValueError) as exc:
        logger.exception("The model's predictions cannot be encoded as JSON")
        return _internal_error(f"The model's predictions cannot be encoded as JSON: {exc}", options)


def _internal_error(message: str, options: ServingOptions) -> JSONResponse:
    stack_trace = traceback.format_exc() if options.include_stack_trace else None
    return error_response(500, "INTERNAL_ERROR", message, stack_trace)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"No endpoint {request.url.path!r}; use /ping, /health, /version, /invocations"
        return error_response(404, "ENDPOINT_NOT_FOUND", message)
    if exc.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path!r}"
        response = error_response(405, "BAD_REQUEST", message)
        response.headers.update(exc.headers or {})
        return response
    return error_response(exc.status_code, "BAD_REQUEST", str(exc.detail))


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Last resort: the scoring path turns its own failures into responses already.
    logger.error("Unexpected error serving %s", request.url.path, exc_info=exc)
    return error_response(500, "INTERNAL_ERROR", "Internal error in the scoring server")
