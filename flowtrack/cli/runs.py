"""``flowtrack runs``: list, describe, delete and restore runs."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from flowtrack.cli._options import (
    OutputOption,
    TrackingUriOption,
    ViewOption,
    open_store,
    parse_view_type,
)
from flowtrack.cli._output import OutputFormat, emit, format_ms
from flowtrack.entities import Run

__all__ = ["app"]

app = typer.Typer(help="Manage runs.", no_args_is_help=True)

RunIdOption = Annotated[str, typer.Option("--run-id", "-r", help="The run's id.")]


def _row(run: Run) -> dict[str, Any]:
    info = run.info
    return {
        "run_id": info.run_id,
        "run_name": info.run_name,
        "experiment_id": info.experiment_id,
        "status": str(info.status),
        "lifecycle_stage": str(info.lifecycle_stage),
        "user_id": info.user_id,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "artifact_uri": info.artifact_uri,
        "metrics": dict(run.data.metrics),
        "params": dict(run.data.params),
        "tags": dict(run.data.tags),
    }


@app.command("list")
def list_(
    experiment_id: Annotated[
        list[str],
        typer.Option("--experiment-id", "-x", help="Experiment id; repeat for several."),
    ],
    filter_string: Annotated[
        str, typer.Option("--filter", help='MLflow filter, e.g. "metrics.rmse < 1".')
    ] = "",
    order_by: Annotated[
        list[str] | None,
        typer.Option("--order-by", help='e.g. "metrics.rmse ASC"; repeat for several keys.'),
    ] = None,
    max_results: Annotated[int, typer.Option("--max-results", min=1, max=50_000)] = 100,
    view: ViewOption = "active_only",
    output: OutputOption = OutputFormat.TABLE,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """List the runs of experiments, filtered and ordered with MLflow's grammar."""
    runs = open_store(tracking_uri).search_runs(
        experiment_ids=experiment_id,
        filter_string=filter_string,
        run_view_type=parse_view_type(view),
        max_results=max_results,
        order_by=order_by,
    )
    rows = [_row(run) for run in runs]
    if output is OutputFormat.TABLE:
        for row in rows:
            row["start_time"] = format_ms(row["start_time"])
        columns = ["run_id", "run_name", "status", "start_time", "metrics"]
        emit(output, rows=rows, columns=columns, title="Runs")
    else:
        emit(output, rows=rows, columns=[])


@app.command("describe")
def describe(
    run_id: RunIdOption,
    output: OutputOption = OutputFormat.TABLE,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Show one run: info, metrics, params, tags and dataset inputs."""
    run = open_store(tracking_uri).get_run(run_id)
    if output is OutputFormat.JSON:
        typer.echo(run.model_dump_json(indent=2))
        return
    row = _row(run)
    details = [
        {"field": key, "value": format_ms(row[key]) if key.endswith("_time") else row[key]}
        for key in (
            "run_id",
            "run_name",
            "experiment_id",
            "status",
            "lifecycle_stage",
            "user_id",
            "start_time",
            "end_time",
            "artifact_uri",
        )
    ]
    emit(output, rows=details, columns=["field", "value"], title=f"Run {run_id}")
    for section in ("metrics", "params", "tags"):
        values = row[section]
        if values:
            emit(
                output,
                rows=[{"key": k, "value": v} for k, v in sorted(values.items())],
                columns=["key", "value"],
                title=section.capitalize(),
            )
    if run.inputs.dataset_inputs:
        emit(
            output,
            rows=[
                {
                    "name": d.dataset.name,
                    "digest": d.dataset.digest,
                    "source_type": d.dataset.source_type,
                    "context": d.context,
                }
                for d in run.inputs.dataset_inputs
            ],
            columns=["name", "digest", "source_type", "context"],
            title="Dataset inputs",
        )


@app.command("delete")
def delete(run_id: RunIdOption, tracking_uri: TrackingUriOption = None) -> None:
    """Soft-delete a run (restorable until `flowtrack gc`)."""
    open_store(tracking_uri).delete_run(run_id)
    typer.echo(f"Run {run_id} deleted (restore it with `runs restore`)")


@app.command("restore")
def restore(run_id: RunIdOption, tracking_uri: TrackingUriOption = None) -> None:
    """Restore a soft-deleted run."""
    open_store(tracking_uri).restore_run(run_id)
    typer.echo(f"Run {run_id} restored")
