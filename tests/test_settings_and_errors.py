"""Settings precedence and the exception tree."""

from __future__ import annotations

import pydantic
import pytest

from flowtrack.exceptions import (
    AlreadyExistsError,
    FlowtrackError,
    InvalidParameterError,
    NotFoundError,
    ResourceLimitError,
    error_class_for_code,
)
from flowtrack.settings import DEFAULT_TRACKING_URI, Settings


@pytest.fixture(autouse=True)
def _no_tracking_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FLOWTRACK_TRACKING_URI", "MLFLOW_TRACKING_URI", "FLOWTRACK_ASYNC_LOGGING"):
        monkeypatch.delenv(name, raising=False)


def test_default_tracking_uri_is_embedded_sqlite() -> None:
    assert Settings().tracking_uri == DEFAULT_TRACKING_URI == "sqlite:///flowtrack.db"


def test_mlflow_variable_is_honoured_when_ours_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "memory:mlflow")
    assert Settings().tracking_uri == "memory:mlflow"
    monkeypatch.setenv("FLOWTRACK_TRACKING_URI", "memory:ours")
    assert Settings().tracking_uri == "memory:ours"


def test_settings_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWTRACK_ASYNC_BATCH_SIZE", "5000")
    with pytest.raises(pydantic.ValidationError, match="async_batch_size"):
        Settings()


def test_error_codes_and_statuses() -> None:
    assert NotFoundError("x").to_dict() == {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "x"}
    assert NotFoundError.http_status == 404
    assert isinstance(InvalidParameterError("x"), ValueError)
    assert issubclass(ResourceLimitError, InvalidParameterError)
    assert error_class_for_code("RESOURCE_ALREADY_EXISTS") is AlreadyExistsError
    assert error_class_for_code("INVALID_PARAMETER_VALUE") is InvalidParameterError
    assert error_class_for_code("SOMETHING_NEW") is FlowtrackError
