"""``flowtrack artifacts``: log, list and download a run's artifacts from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowtrack.cli.main import app
from flowtrack.exceptions import InvalidParameterError
from flowtrack.tracking.client import FlowtrackClient


@pytest.fixture
def uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FLOWTRACK_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    return f"sqlite:///{tmp_path}/cli.db"


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_log_list_and_download(uri: str, tmp_path: Path) -> None:
    run_id = FlowtrackClient(uri).create_run("0").info.run_id
    (tmp_path / "report.txt").write_text("accuracy 0.9")
    (tmp_path / "plots").mkdir()
    (tmp_path / "plots" / "a.txt").write_text("a")
    invoke(
        "artifacts",
        "log-artifact",
        "-l",
        str(tmp_path / "report.txt"),
        "-r",
        run_id,
        "--tracking-uri",
        uri,
    )
    invoke(
        "artifacts",
        "log-artifacts",
        "-l",
        str(tmp_path / "plots"),
        "-r",
        run_id,
        "-a",
        "plots",
        "--tracking-uri",
        uri,
    )

    listed = json.loads(
        invoke("artifacts", "list", "-r", run_id, "-o", "json", "--tracking-uri", uri)
    )
    assert [(row["path"], row["is_dir"]) for row in listed] == [
        ("plots", True),
        ("report.txt", False),
    ]
    local = invoke(
        "artifacts",
        "download",
        "-r",
        run_id,
        "-a",
        "plots",
        "-d",
        str(tmp_path / "out"),
        "--tracking-uri",
        uri,
    ).strip()
    assert (Path(local) / "a.txt").read_text() == "a"
    by_uri = invoke(
        "artifacts", "download", "-u", f"runs:/{run_id}/report.txt", "--tracking-uri", uri
    ).strip()
    assert Path(by_uri).read_text() == "accuracy 0.9"


def test_conflicting_arguments_are_refused(uri: str) -> None:
    result = CliRunner().invoke(
        app, ["artifacts", "list", "-r", "abc", "-u", "runs:/abc/x", "--tracking-uri", uri]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidParameterError)
    assert "not both" in str(result.exception)
