"""The ``flowtrack`` command: experiments, runs, database and garbage collection."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from flowtrack.cli import artifacts, db, experiments, models, runs
from flowtrack.cli import registry as _registry  # noqa: F401  (adds the registry commands to models)
from flowtrack.cli.gc import gc
from flowtrack.cli.server import server, ui
from flowtrack.exceptions import FlowtrackError

__all__ = ["app", "main"]

app = typer.Typer(
    name="flowtrack",
    help="flowtrack: MLflow's tracking lifecycle, native to Prefect.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(experiments.app, name="experiments")
app.add_typer(runs.app, name="runs")
app.add_typer(artifacts.app, name="artifacts")
app.add_typer(db.app, name="db")
app.add_typer(models.app, name="models")
app.command("gc")(gc)
app.command("server")(server)
app.command("ui")(ui)


def _version(value: bool) -> None:
    if value:
        from flowtrack.version import __version__

        typer.echo(f"flowtrack {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """flowtrack: MLflow's tracking lifecycle, native to Prefect."""


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; flowtrack errors print as one line and exit with status 1."""
    try:
        app(args=argv, standalone_mode=True)
    except FlowtrackError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
