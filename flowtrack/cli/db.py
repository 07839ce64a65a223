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
    from flowtrack.settings import get_settings
    from flowtrack.stores.sql.migrate import upgrade_database

    settings = get_settings()
    revision = upgrade_database(
        url, sqlite_busy_timeout=settings.sqlite_busy_timeout, pool_size=settings.sql_pool_size
    )
    typer.echo(f"Database {url} is at schema revision {revision}")
