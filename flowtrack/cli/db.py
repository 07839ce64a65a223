"""``flowtrack db``: manage a tracking database's schema."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["app"]

app = typer.Typer(help="Manage a tracking database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    url: Annotated[str, typer.Argument(help="Database URI, e.g. sqlite:///flowtrack.db.")],
) -> None:
    """Upgrade the database schema to the latest version (safe to run at any time)."""
    from flowtrack.stores.tracking.sql.migrate import upgrade_database

    revision = upgrade_database(url)
    typer.echo(f"Database {url} is at schema revision {revision}")
