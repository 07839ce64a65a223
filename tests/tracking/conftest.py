"""Fixtures for the client and fluent API tests: a clean fluent context and a fresh store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import flowtrack as mlflow
from flowtrack.tracking import _context

#: Variables that would leak the caller's configuration into a test.
TRACKING_ENV_VARS = (
    "FLOWTRACK_TRACKING_URI",
    "MLFLOW_TRACKING_URI",
    "FLOWTRACK_EXPERIMENT_ID",
    "MLFLOW_EXPERIMENT_ID",
    "FLOWTRACK_EXPERIMENT_NAME",
    "MLFLOW_EXPERIMENT_NAME",
    "FLOWTRACK_RUN_ID",
    "MLFLOW_RUN_ID",
    "FLOWTRACK_ASYNC_LOGGING",
    "MLFLOW_ENABLE_ASYNC_LOGGING",
)


@pytest.fixture
def clean_context(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No tracking variables, a clean fluent context, and a temporary working directory."""
    monkeypatch.chdir(tmp_path)
    for name in TRACKING_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    _context.reset()
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    _context.reset()


@pytest.fixture
def tracking_uri(clean_context: None) -> str:
    """A fresh in-memory store per test (a unique ``memory:`` URI), set as the tracking URI."""
    uri = f"memory:{uuid.uuid4().hex}"
    mlflow.set_tracking_uri(uri)
    return uri
