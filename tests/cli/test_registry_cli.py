"""The Model Registry commands of ``flowtrack models`` on a temporary SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowtrack.cli.main import app
from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.tracking.client import FlowtrackClient

GATE_YAML = """\
rules:
  - rmse <= 55
compare_to_champion: {metric: rmse, higher_is_better: false, min_delta: 1}
"""


@pytest.fixture
def uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/registry.db"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("FLOWTRACK_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    return CliRunner()


@pytest.fixture
def gate(tmp_path: Path) -> Path:
    path = tmp_path / "gate.yaml"
    path.write_text(GATE_YAML)
    return path


@pytest.fixture
def client(uri: str, runner: CliRunner, clean_context: None) -> FlowtrackClient:
    """A model 'diabetes' with versions 1 (rmse 50), 2 (rmse 45) and 3 (rmse 49.5)."""
    client = FlowtrackClient(uri)
    experiment_id = client.create_experiment("cli")
    client.create_registered_model("diabetes")
    for rmse in (50.0, 45.0, 49.5):
        run_id = client.create_run(experiment_id).info.run_id
        client.log_metric(run_id, "rmse", rmse)
        client.create_model_version("diabetes", f"runs:/{run_id}/model", run_id)
    return client


def invoke(runner: CliRunner, uri: str, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["models", *args, "--tracking-uri", uri])
    assert result.exit_code == code, (result.output, result.exception)
    return result.output


def test_list_describe_versions(runner: CliRunner, uri: str, client: FlowtrackClient) -> None:
    listed = json.loads(invoke(runner, uri, "list", "-o", "json"))
    assert [model["name"] for model in listed] == ["diabetes"]
    assert "diabetes" in invoke(runner, uri, "list")

    described = json.loads(invoke(runner, uri, "describe", "-n", "diabetes", "-o", "json"))
    assert [v["version"] for v in described[0]["versions"]] == [1, 2, 3]
    assert "Versions of diabetes" in invoke(runner, uri, "describe", "-n", "diabetes")

    versions = json.loads(invoke(runner, uri, "versions", "-n", "diabetes", "-o", "json"))
    assert [(v["version"], v["current_stage"]) for v in versions] == [
        (1, "None"),
        (2, "None"),
        (3, "None"),
    ]
    result = runner.invoke(app, ["models", "versions", "-n", "nope", "--tracking-uri", uri])
    assert isinstance(result.exception, NotFoundError)


def test_transition_and_set_alias(runner: CliRunner, uri: str, client: FlowtrackClient) -> None:
    invoke(runner, uri, "transition", "-n", "diabetes", "-v", "1", "-s", "production")
    moved = json.loads(
        invoke(
            runner,
            uri,
            "transition",
            *("-n", "diabetes", "-v", "2", "-s", "Production", "--archive-existing"),
            *("-o", "json"),
        )
    )
    assert moved[0]["current_stage"] == "Production"
    assert str(client.get_model_version("diabetes", 1).current_stage) == "Archived"

    invoke(runner, uri, "set-alias", "-n", "diabetes", "-a", "champion", "-v", "3")
    assert client.get_model_version_by_alias("diabetes", "champion").version == 3
    result = runner.invoke(
        app,
        ["models", "transition", "-n", "diabetes", "-v", "1", "-s", "Live", "--tracking-uri", uri],
    )
    assert isinstance(result.exception, InvalidParameterError)


def test_promote(runner: CliRunner, uri: str, client: FlowtrackClient, gate: Path) -> None:
    args = ("promote", "-n", "diabetes", "--gate", str(gate))
    first = json.loads(invoke(runner, uri, *args, "-v", "1", "-o", "json"))
    assert first[0]["promoted"] is True
    assert first[0]["compared_to"] is None

    table = invoke(runner, uri, *args, "-v", "2")
    assert "promoted (champion: 1)" in table
    assert client.get_model_version_by_alias("diabetes", "champion").version == 2

    # Version 3 (rmse 49.5) is worse than the champion (45): rejected, exit 1 only when strict.
    assert "rejected" in invoke(runner, uri, *args, "-v", "3")
    output = invoke(runner, uri, *args, "-v", "3", "--strict", code=1)
    assert "was rejected" in output
    assert client.get_model_version_by_alias("diabetes", "champion").version == 2
    assert client.get_model_version("diabetes", 3).tags["flowtrack.promotion.decision"] == (
        "rejected"
    )


def test_promote_to_stage(runner: CliRunner, uri: str, client: FlowtrackClient, gate: Path) -> None:
    args = ("promote", "-n", "diabetes", "--gate", str(gate), "--to-stage", "Production")
    invoke(runner, uri, *args, "-v", "1")
    invoke(runner, uri, *args, "-v", "2")
    stages = [str(client.get_model_version("diabetes", v).current_stage) for v in (1, 2)]
    assert stages == ["Archived", "Production"]
    assert client.get_registered_model("diabetes").aliases == {}
    both = invoke(runner, uri, *args, "-v", "3", "--to-alias", "champion", code=1)
    assert "not both" in both


def test_promote_bad_gate(
    runner: CliRunner, uri: str, client: FlowtrackClient, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [{metric: rmse, op: '=>', threshold: 1}]\n")
    result = runner.invoke(
        app,
        [
            "models",
            "promote",
            "-n",
            "diabetes",
            "-v",
            "1",
            "--gate",
            str(bad),
            "--tracking-uri",
            uri,
        ],
    )
    assert isinstance(result.exception, InvalidParameterError)
    assert "invalid op '=>'" in str(result.exception)
