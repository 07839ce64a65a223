"""Shared fixtures: real, light services on loopback (PostgreSQL, moto's S3 server), and a clean
fluent-API context with a fresh store."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import flowtrack as mlflow
from flowtrack.tracking import _registry_uri
from flowtrack.tracking.fluent import _state


def pytest_configure(config: pytest.Config) -> None:
    """Point Prefect at a throw-away home before anything imports it.

    Prefect reads its settings from the environment when first imported (at collection, by the
    test modules of flowtrack.tasks), so this cannot wait for a fixture: results, the local
    database and logs of this session go to a temporary PREFECT_HOME, analytics are off, and the
    API server gets a start-up timeout long enough for a loaded 2-core machine.
    """
    home = tempfile.mkdtemp(prefix="flowtrack-tests-prefect-")
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))
    os.environ["PREFECT_HOME"] = home
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect API for the whole session: Prefect's test harness (a temporary SQLite
    database served by a subprocess). Starting it takes 20-40 s on a loaded 2-core machine,
    hence a single session-scoped instance with a generous start-up timeout."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


#: Where the PostgreSQL server for tests is (trust auth). Override to point elsewhere.
POSTGRES_ADMIN_URI = os.environ.get(
    "FLOWTRACK_TEST_POSTGRES_URI", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_database_uri() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end.

    Each session gets its own database, so concurrent test runs never share state. Tests that
    need a clean schema per test create their own (see the SQL store tests).
    """
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_ADMIN_URI, isolation_level="AUTOCOMMIT")
    name = f"flowtrack_test_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:  # pragma: no cover - environment problem
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URI} ({exc}); start it with "
            "'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'"
        )
    base, _, _ = POSTGRES_ADMIN_URI.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server over HTTP on a free loopback port; sets AWS_* variables for s3fs.

    Yields:
        The endpoint URL, e.g. ``http://127.0.0.1:51234``.
    """
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    patch = pytest.MonkeyPatch()
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        patch.setenv(key, value)
    try:
        yield endpoint
    finally:
        patch.undo()
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new, empty bucket on the moto server; returns its name."""
    import boto3

    name = f"flowtrack-{secrets.token_hex(6)}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


#: Variables that would leak the caller's configuration into a test.
TRACKING_ENV_VARS = (
    "FLOWTRACK_TRACKING_URI",
    "MLFLOW_TRACKING_URI",
    "FLOWTRACK_REGISTRY_URI",
    "MLFLOW_REGISTRY_URI",
    "FLOWTRACK_ARTIFACT_ROOT",
    "MLFLOW_DEFAULT_ARTIFACT_ROOT",
    "FLOWTRACK_EXPERIMENT_ID",
    "MLFLOW_EXPERIMENT_ID",
    "FLOWTRACK_EXPERIMENT_NAME",
    "MLFLOW_EXPERIMENT_NAME",
    "FLOWTRACK_RUN_ID",
    "MLFLOW_RUN_ID",
    "FLOWTRACK_ASYNC_LOGGING",
    "MLFLOW_ENABLE_ASYNC_LOGGING",
    "FLOWTRACK_ENABLE_SYSTEM_METRICS_LOGGING",
    "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING",
    "FLOWTRACK_SYSTEM_METRICS_SAMPLING_INTERVAL",
    "MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL",
    "FLOWTRACK_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING",
    "MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING",
    "FLOWTRACK_SYSTEM_METRICS_NODE_ID",
    "MLFLOW_SYSTEM_METRICS_NODE_ID",
    "FLOWTRACK_ACTIVE_MODEL_ID",
    "MLFLOW_ACTIVE_MODEL_ID",
    "_MLFLOW_ACTIVE_MODEL_ID",
)


@pytest.fixture
def clean_context(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No tracking variables, a clean fluent context, and a temporary working directory.

    ``set_tracking_uri`` also writes ``FLOWTRACK_TRACKING_URI``; setting each variable before
    deleting it makes monkeypatch restore the original state (unset included) afterwards, so no
    test leaks its store into the next.
    """
    monkeypatch.chdir(tmp_path)
    for name in TRACKING_ENV_VARS:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    _state.reset()
    _registry_uri.reset()
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    _state.reset()
    _registry_uri.reset()


@pytest.fixture
def tracking_uri(clean_context: None) -> str:
    """A fresh in-memory store per test (a unique ``memory:`` URI), set as the tracking URI."""
    uri = f"memory:{uuid.uuid4().hex}"
    mlflow.set_tracking_uri(uri)
    return uri
