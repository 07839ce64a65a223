"""The process-wide switches (flowtrack.system_metrics), their settings, and MLflow parity."""

from __future__ import annotations

import ast
import inspect
import os
from pathlib import Path

import pydantic
import pytest

import flowtrack
import flowtrack.system_metrics
from flowtrack.exceptions import InvalidParameterError
from flowtrack.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_context")  # restores the variables they set

MLFLOW_SYSTEM_METRICS = (
    Path(__file__).resolve().parents[3]
    / ".venv-mlflow/lib/python3.11/site-packages/mlflow/system_metrics/__init__.py"
)


def test_switches_write_the_variables_later_runs_read() -> None:
    flowtrack.enable_system_metrics_logging()
    flowtrack.set_system_metrics_sampling_interval(2.5)
    flowtrack.set_system_metrics_samples_before_logging(4)
    flowtrack.set_system_metrics_node_id("node-1")
    settings = Settings()

    assert settings.enable_system_metrics_logging is True
    assert settings.system_metrics_sampling_interval == 2.5
    assert settings.system_metrics_samples_before_logging == 4
    assert settings.system_metrics_node_id == "node-1"
    flowtrack.disable_system_metrics_logging()
    assert Settings().enable_system_metrics_logging is False


def test_none_restores_the_defaults_over_mlflow_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL", "5")
    monkeypatch.setenv("MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING", "3")
    monkeypatch.setenv("MLFLOW_SYSTEM_METRICS_NODE_ID", "n")
    assert Settings().system_metrics_sampling_interval == 5
    flowtrack.set_system_metrics_sampling_interval(1)
    assert Settings().system_metrics_sampling_interval == 1  # ours wins over MLflow's

    flowtrack.set_system_metrics_sampling_interval(None)
    flowtrack.set_system_metrics_samples_before_logging(None)
    flowtrack.set_system_metrics_node_id(None)
    settings = Settings()
    assert settings.system_metrics_sampling_interval == 10
    assert settings.system_metrics_samples_before_logging == 1
    assert settings.system_metrics_node_id is None
    assert "MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL" not in os.environ


@pytest.mark.parametrize("interval", [0, 0.05, -1, 100_000, float("nan"), True, "10"])
def test_bad_sampling_interval_names_the_value_and_the_range(interval: object) -> None:
    with pytest.raises(InvalidParameterError, match=r"from 0\.1 to 86400"):
        flowtrack.set_system_metrics_sampling_interval(interval)  # type: ignore[arg-type]
    assert "FLOWTRACK_SYSTEM_METRICS_SAMPLING_INTERVAL" not in os.environ


@pytest.mark.parametrize("samples", [0, -2, 1.5, 200_000, False])
def test_bad_samples_before_logging(samples: object) -> None:
    with pytest.raises(InvalidParameterError, match=rf"{samples!r}.*from 1 to 100000"):
        flowtrack.set_system_metrics_samples_before_logging(samples)  # type: ignore[arg-type]


@pytest.mark.parametrize("node_id", ["", "a/b", "x" * 101, "node\n", 3])
def test_bad_node_id(node_id: object) -> None:
    with pytest.raises(InvalidParameterError, match="node id"):
        flowtrack.set_system_metrics_node_id(node_id)  # type: ignore[arg-type]


def test_settings_are_bounded_as_the_setters(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in [
        ("FLOWTRACK_SYSTEM_METRICS_SAMPLING_INTERVAL", "0.01"),
        ("MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING", "0"),
        ("MLFLOW_SYSTEM_METRICS_NODE_ID", "a/b"),
    ]:
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            with pytest.raises(pydantic.ValidationError, match="system_metrics"):
                Settings()


def test_same_functions_and_arguments_as_mlflow() -> None:
    if not MLFLOW_SYSTEM_METRICS.exists():
        pytest.fail(f"MLflow 3.17 is not installed in .venv-mlflow ({MLFLOW_SYSTEM_METRICS})")
    tree = ast.parse(MLFLOW_SYSTEM_METRICS.read_text())
    theirs = {
        node.name: [arg.arg for arg in node.args.args]
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    }
    ours = {
        name: list(inspect.signature(getattr(flowtrack.system_metrics, name)).parameters)
        for name in flowtrack.system_metrics.__all__
    }

    assert ours == theirs
    assert all(getattr(flowtrack, name) is getattr(flowtrack.system_metrics, name) for name in ours)
