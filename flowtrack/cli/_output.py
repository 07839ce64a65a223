"""Rendering command results: rich tables for people, JSON for scripts."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import typer

__all__ = ["OutputFormat", "emit", "fail", "format_ms"]


class OutputFormat(StrEnum):
    """How a command prints its result."""

    TABLE = "table"
    JSON = "json"


def format_ms(value: int | None) -> str:
    """Render epoch milliseconds as a local, second-precision time ('' for None)."""
    if value is None:
        return ""
    return dt.datetime.fromtimestamp(value / 1000).strftime("%Y-%m-%d %H:%M:%S")


def emit(
    output: OutputFormat,
    *,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    title: str | None = None,
) -> None:
    """Print rows as a rich table or as a JSON list.

    Args:
        output: table or json.
        rows: One dict per row; JSON output prints them whole.
        columns: The keys shown as table columns, in order.
        title: The table's title.
    """
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(list(rows), indent=2, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in columns:
        # Ids are copied into other commands: never wrap them.
        table.add_column(column, overflow="fold", no_wrap=column.endswith("_id"))
    for row in rows:
        table.add_row(*(_cell(row.get(column)) for column in columns))
    Console().print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in sorted(value.items()))
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error to stderr and return the Exit to raise."""
    typer.echo(f"Error: {message}", err=True)
    sys.stderr.flush()
    return typer.Exit(code)
