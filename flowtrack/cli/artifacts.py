"""``flowtrack artifacts``: list, download and log a run's artifacts (MLflow's command group)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flowtrack.cli._options import OutputOption, TrackingUriOption
from flowtrack.cli._output import OutputFormat, emit

__all__ = ["app"]

app = typer.Typer(help="List, download and log run artifacts.", no_args_is_help=True)

RunIdOption = Annotated[
    str | None, typer.Option("--run-id", "-r", help="The run's id.", show_default=False)
]
ArtifactPathOption = Annotated[
    str | None,
    typer.Option(
        "--artifact-path", "-a", help="A path under the run's artifact root.", show_default=False
    ),
]
ArtifactUriOption = Annotated[
    str | None,
    typer.Option(
        "--artifact-uri",
        "-u",
        help="Instead of --run-id: runs:/<run_id>/<path>, a local path or any fsspec URL.",
        show_default=False,
    ),
]


@app.command("list")
def list_(
    run_id: RunIdOption = None,
    artifact_path: ArtifactPathOption = None,
    artifact_uri: ArtifactUriOption = None,
    output: OutputOption = OutputFormat.TABLE,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """List the files and directories directly under an artifact directory."""
    from flowtrack import artifacts

    entries = artifacts.list_artifacts(
        artifact_uri=artifact_uri,
        run_id=run_id,
        artifact_path=artifact_path,
        tracking_uri=tracking_uri,
    )
    rows = [
        {"path": entry.path, "is_dir": entry.is_dir, "file_size": entry.file_size}
        for entry in entries
    ]
    emit(output, rows=rows, columns=["path", "is_dir", "file_size"], title="Artifacts")


@app.command("download")
def download(
    run_id: RunIdOption = None,
    artifact_path: ArtifactPathOption = None,
    artifact_uri: ArtifactUriOption = None,
    dst_path: Annotated[
        Path | None,
        typer.Option("--dst-path", "-d", help="Local directory; default a temporary one."),
    ] = None,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Download an artifact file or directory; print its local path."""
    from flowtrack import artifacts

    local = artifacts.download_artifacts(
        artifact_uri=artifact_uri,
        run_id=run_id,
        artifact_path=artifact_path,
        dst_path=dst_path,
        tracking_uri=tracking_uri,
    )
    typer.echo(local)


@app.command("log-artifact")
def log_artifact(
    local_file: Annotated[
        Path, typer.Option("--local-file", "-l", exists=True, dir_okay=False, help="The file.")
    ],
    run_id: Annotated[str, typer.Option("--run-id", "-r", help="The run's id.")],
    artifact_path: ArtifactPathOption = None,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Log a local file as an artifact of a run."""
    from flowtrack.tracking.client import FlowtrackClient

    FlowtrackClient(tracking_uri).log_artifact(run_id, str(local_file), artifact_path)
    typer.echo(f"Logged {local_file} to run {run_id}")


@app.command("log-artifacts")
def log_artifacts(
    local_dir: Annotated[
        Path,
        typer.Option("--local-dir", "-l", exists=True, file_okay=False, help="The directory."),
    ],
    run_id: Annotated[str, typer.Option("--run-id", "-r", help="The run's id.")],
    artifact_path: ArtifactPathOption = None,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Log the files of a local directory (recursively) as artifacts of a run."""
    from flowtrack.tracking.client import FlowtrackClient

    FlowtrackClient(tracking_uri).log_artifacts(run_id, str(local_dir), artifact_path)
    typer.echo(f"Logged {local_dir} to run {run_id}")
