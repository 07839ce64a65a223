"""``flowtrack experiments``: create, list, rename, delete and restore experiments."""

from __future__ import annotations

from typing import Annotated

import typer

from flowtrack.cli._options import (
    OutputOption,
    TrackingUriOption,
    ViewOption,
    open_store,
    parse_view_type,
)
from flowtrack.cli._output import OutputFormat, emit, format_ms
from flowtrack.entities import Experiment

__all__ = ["app"]

app = typer.Typer(help="Manage experiments.", no_args_is_help=True)


def _row(experiment: Experiment) -> dict[str, object]:
    return {
        "experiment_id": experiment.experiment_id,
        "name": experiment.name,
        "artifact_location": experiment.artifact_location,
        "lifecycle_stage": str(experiment.lifecycle_stage),
        "tags": experiment.tags,
        "creation_time": experiment.creation_time,
        "last_update_time": experiment.last_update_time,
    }


@app.command("create")
def create(
    experiment_name: Annotated[str, typer.Option("--experiment-name", "-n", help="Unique name.")],
    artifact_location: Annotated[
        str | None,
        typer.Option("--artifact-location", "-l", help="Artifact root URI (any fsspec URL)."),
    ] = None,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Create an experiment and print its id."""
    experiment_id = open_store(tracking_uri).create_experiment(experiment_name, artifact_location)
    typer.echo(f"Created experiment '{experiment_name}' with id {experiment_id}")


@app.command("list")
def list_(
    view: ViewOption = "active_only",
    filter_string: Annotated[
        str | None, typer.Option("--filter", help="e.g. \"name LIKE 'prod%'\".")
    ] = None,
    max_results: Annotated[int, typer.Option("--max-results", min=1, max=50_000)] = 1000,
    output: OutputOption = OutputFormat.TABLE,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """List experiments."""
    view_type = parse_view_type(view)
    experiments = open_store(tracking_uri).search_experiments(
        view_type=view_type, max_results=max_results, filter_string=filter_string
    )
    rows = [_row(e) for e in experiments]
    if output is OutputFormat.TABLE:
        for row in rows:
            row["creation_time"] = format_ms(row["creation_time"])  # type: ignore[arg-type]
    emit(
        output,
        rows=rows,
        columns=["experiment_id", "name", "lifecycle_stage", "artifact_location", "creation_time"],
        title="Experiments",
    )


@app.command("rename")
def rename(
    experiment_id: Annotated[str, typer.Option("--experiment-id", "-x")],
    new_name: Annotated[str, typer.Option("--new-name")],
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Rename an active experiment."""
    open_store(tracking_uri).rename_experiment(experiment_id, new_name)
    typer.echo(f"Experiment {experiment_id} is now named '{new_name}'")


@app.command("delete")
def delete(
    experiment_id: Annotated[str, typer.Option("--experiment-id", "-x")],
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Soft-delete an experiment and its runs (restorable until `flowtrack gc`)."""
    open_store(tracking_uri).delete_experiment(experiment_id)
    typer.echo(f"Experiment {experiment_id} deleted (restore it with `experiments restore`)")


@app.command("restore")
def restore(
    experiment_id: Annotated[str, typer.Option("--experiment-id", "-x")],
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Restore a soft-deleted experiment and its runs."""
    open_store(tracking_uri).restore_experiment(experiment_id)
    typer.echo(f"Experiment {experiment_id} restored")
