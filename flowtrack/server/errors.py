"""MLflow's JSON error bodies for every failure the server answers.

The real MLflow client reads ``{"error_code", "message"}`` and the HTTP status: it falls back to
another endpoint on ``ENDPOINT_NOT_FOUND`` and retries 5xx answers for minutes, so a bad request
must never surface as a 5xx. One handler maps the :mod:`flowtrack.exceptions` tree (each class
carries its ``error_code`` and ``http_status``); the others turn the framework's own failures
(unknown route, malformed JSON, a missing or mistyped field) into the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from flowtrack.exceptions import FlowtrackError, InvalidParameterError

__all__ = ["ENDPOINT_NOT_FOUND", "error_response", "install_error_handlers"]

logger = logging.getLogger(__name__)

#: The code of an unknown route (the client tries the next endpoint version on it).
ENDPOINT_NOT_FOUND = "ENDPOINT_NOT_FOUND"


def error_response(status: int, error_code: str, message: str) -> JSONResponse:
    """Return MLflow's error body with a status."""
    return JSONResponse({"error_code": error_code, "message": message}, status_code=status)


def _location(loc: Sequence[int | str]) -> str:
    # ("body", "metrics", 0, "value") -> "metrics[0].value"; the body/query prefix is noise.
    parts = list(loc[1:] if loc and loc[0] in ("body", "query") else loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """One message naming each bad field, what it got and what it needs.

    Args:
        errors: pydantic's error dicts (``loc``, ``msg``, ``type``, ``input``).
    """
    lines: list[str] = []
    for error in errors:
        where = _location(error.get("loc", ()))
        kind = error.get("type", "")
        if kind == "missing":
            lines.append(f"Missing value for required parameter '{where}'")
        elif kind == "json_invalid":
            lines.append(f"Malformed JSON request body: {error.get('ctx', {}).get('error', '')}")
        else:
            bad = repr(error.get("input"))
            if len(bad) > 200:
                bad = bad[:200] + "..."
            field = f" for parameter '{where}'" if where else ""
            lines.append(f"Invalid value {bad}{field}: {error.get('msg', '')}")
    return "; ".join(lines) or "Invalid request"


async def _flowtrack_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FlowtrackError)
    if exc.http_status >= 500:
        logger.error("Request failed: %s", exc.message, exc_info=exc)
    return error_response(exc.http_status, exc.error_code, exc.message)


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError | ValidationError) else []
    code = InvalidParameterError.error_code
    return error_response(
        InvalidParameterError.http_status, code, describe_validation_errors(errors)
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(
            404, ENDPOINT_NOT_FOUND, f"No endpoint {request.method} {request.url.path}"
        )
    if exc.status_code == 405:
        return error_response(
            405,
            ENDPOINT_NOT_FOUND,
            f"Method {request.method} is not allowed on {request.url.path}",
        )
    return error_response(exc.status_code, "BAD_REQUEST", str(exc.detail))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    logger.exception("Unhandled error", exc_info=exc)
    return error_response(500, FlowtrackError.error_code, f"Internal error: {type(exc).__name__}")


def install_error_handlers(app: FastAPI) -> None:
    """Answer every failure of ``app`` with MLflow's JSON error body.

    Args:
        app: The server app.
    """
    app.add_exception_handler(FlowtrackError, _flowtrack_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    # An entity built in a route refusing a value (e.g. a metric's dataset name without digest).
    app.add_exception_handler(ValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
