"""One pooled HTTP session speaking MLflow's REST API: keep-alive, retries, errors as classes.

A :class:`RestSession` owns one :class:`httpx.Client` (its connection pool stays open between
calls) and sends every request of a store through :meth:`RestSession.call`:

- GET requests carry their fields as query parameters (lists as repeated keys), the others as a
  JSON body, as MLflow's client does.
- Transient failures are retried with exponential backoff, at most ``max_retries`` times:
  connection errors (the request never reached the server), and 429, 502, 503, 504 answers.
  A 4xx answer other than 429 is never retried; it becomes an exception at once.
- An error answer ``{"error_code": ..., "message": ...}`` becomes the flowtrack exception of
  that code (:func:`~flowtrack.exceptions.error_class_for_code`), so callers catch
  :class:`~flowtrack.exceptions.NotFoundError` and friends, never compare code strings.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from flowtrack.exceptions import (
    FlowtrackError,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
    StoreError,
    TemporarilyUnavailableError,
    UnauthenticatedError,
    error_class_for_code,
)
from flowtrack.stores.rest.config import HttpConfig

__all__ = ["RETRY_STATUSES", "RestSession"]

#: Answers worth retrying: the server is overloaded or a proxy in front of it is.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: Errors raised before the request reached the server, safe to retry for any method.
_RETRY_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_STATUS_CLASSES: Mapping[int, type[FlowtrackError]] = {
    401: UnauthenticatedError,
    403: PermissionDeniedError,
    404: NotFoundError,
    503: TemporarilyUnavailableError,
}
#: Codes whose flowtrack class would mislead on the client side: MLflow's server answers a
#: generic BAD_REQUEST (e.g. a database constraint), not a failed model validation.
_CLIENT_CODE_CLASSES: Mapping[str, type[FlowtrackError]] = {"BAD_REQUEST": InvalidParameterError}
_EXCERPT = 200


class RestSession:
    """The HTTP client of a REST store.

    Args:
        base_url: The server's URL (``http://host:5000``, optionally with a path prefix).
        config: Credentials, TLS, timeout and retry policy.
        transport: An httpx transport to use instead of the network (``httpx.MockTransport`` in
            tests of the retry logic).
        sleep: How to wait between retries (``time.sleep``; tests pass a recorder).
    """

    def __init__(
        self,
        base_url: str,
        config: HttpConfig | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config or HttpConfig()
        self.base_url = base_url.rstrip("/")
        self._sleep = sleep
        verify: bool | str = True
        if self.config.insecure_tls:
            verify = False
        elif self.config.server_cert_path:
            verify = self.config.server_cert_path
        self._client = httpx.Client(
            base_url=self.base_url,
            auth=_auth(self.config),
            verify=verify,
            timeout=self.config.timeout,
            transport=transport,
            headers={"User-Agent": "flowtrack"},
        )

    def __repr__(self) -> str:
        return f"RestSession({self.base_url!r})"

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    def call(
        self, method: str, endpoint: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send one API request and return the decoded JSON answer.

        Args:
            method: ``GET``, ``POST``, ``PATCH`` or ``DELETE``.
            endpoint: The path, e.g. ``/api/2.0/mlflow/runs/get``.
            body: The request's fields: query parameters for GET, else the JSON body. ``None``
                values are left out.

        Returns:
            The JSON object answered (``{}`` for an empty answer).

        Raises:
            FlowtrackError: The server answered an error; the subclass follows its error code
                (``NotFoundError`` for ``RESOURCE_DOES_NOT_EXIST``, ...).
            StoreError: The server could not be reached, or retries ran out.
        """
        fields = {k: v for k, v in (body or {}).items() if v is not None}
        request = self._client.build_request(
            method,
            endpoint,
            params=_query(fields) if method == "GET" else None,
            json=None if method == "GET" else fields,
        )
        response = self._send(request)
        if response.status_code >= 400:
            raise _error(response)
        if not response.content:
            return {}
        decoded = response.json()
        if not isinstance(decoded, dict):
            raise StoreError(
                f"{method} {request.url} answered {_excerpt(response.text)!r}, not a JSON object"
            )
        return decoded

    def _send(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self._client.send(request)
            except _RETRY_ERRORS as exc:
                if attempt >= self.config.max_retries:
                    raise StoreError(
                        f"Could not reach the tracking server at {self.base_url} for "
                        f"{request.method} {request.url.path} after {attempt + 1} attempts: {exc}"
                    ) from exc
            except httpx.HTTPError as exc:
                raise StoreError(
                    f"{request.method} {request.url} failed: {type(exc).__name__}: {exc}"
                ) from exc
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                if attempt >= self.config.max_retries:
                    return response
                response.close()
            self._sleep(self._backoff(attempt))
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        return float(min(self.config.backoff_max, self.config.backoff_factor * 2**attempt))


def _auth(config: HttpConfig) -> httpx.Auth | None:
    if config.username is not None:
        return httpx.BasicAuth(config.username, config.password or "")
    if config.token is not None:
        return _BearerAuth(config.token)
    return None


class _BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = self._header
        yield request


def _query(fields: Mapping[str, Any]) -> httpx.QueryParams:
    """Query parameters: lists as repeated keys, booleans as ``true``/``false``."""
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in fields.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            pairs.append((key, text))
    return httpx.QueryParams(pairs)


def _excerpt(text: str) -> str:
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."


def _error(response: httpx.Response) -> FlowtrackError:
    """The flowtrack exception for an error answer, from its JSON error code or its status."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error_code"), str):
        code = body["error_code"]
        cls = _CLIENT_CODE_CLASSES.get(code) or error_class_for_code(code)
        if cls is FlowtrackError:
            cls = _STATUS_CLASSES.get(response.status_code, StoreError)
        return cls(str(body.get("message") or body["error_code"]))
    cls = _STATUS_CLASSES.get(response.status_code, StoreError)
    request = response.request
    return cls(
        f"{request.method} {request.url} answered HTTP {response.status_code}: "
        f"{_excerpt(response.text)!r}"
    )
