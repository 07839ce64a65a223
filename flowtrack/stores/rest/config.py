"""How a REST store connects: credentials, TLS, timeout and retry policy.

Store selection (an edge) builds an :class:`HttpConfig` from
:class:`~flowtrack.settings.Settings` (MLflow's ``MLFLOW_TRACKING_USERNAME``,
``MLFLOW_TRACKING_TOKEN``, ... or the ``FLOWTRACK_`` equivalents) and hands it to the store; the
store never reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["HttpConfig"]


@dataclass(frozen=True)
class HttpConfig:
    """Connection options of a REST store.

    Attributes:
        username: HTTP Basic user (with ``password``), or ``None``.
        password: HTTP Basic password, or ``None``.
        token: A bearer token (``Authorization: Bearer <token>``); used when no username is set.
        insecure_tls: Skip TLS certificate verification (``https://`` with a self-signed cert).
        server_cert_path: A CA bundle to verify the server's certificate with, or ``None``.
        timeout: Seconds a request may take (connect, read, write each).
        max_retries: Retries of a transient failure (connect errors, 429, 502, 503, 504).
        backoff_factor: Seconds before the first retry, doubled for each next one.
        backoff_max: Longest wait between two retries, in seconds.
    """

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    insecure_tls: bool = False
    server_cert_path: str | None = None
    timeout: float = 120.0
    max_retries: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 30.0
