"""Options shared by commands, and opening the store a command works on."""

from __future__ import annotations

from typing import Annotated

import typer

from flowtrack.cli._output import OutputFormat
from flowtrack.entities import ViewType
from flowtrack.settings import get_settings
from flowtrack.stores.tracking.base import TrackingStore

__all__ = ["OutputOption", "TrackingUriOption", "ViewOption", "open_store", "parse_view_type"]

TrackingUriOption = Annotated[
    str | None,
    typer.Option(
        "--tracking-uri",
        envvar=["FLOWTRACK_TRACKING_URI", "MLFLOW_TRACKING_URI"],
        help="Tracking store URI (default: sqlite:///flowtrack.db in the working directory).",
        show_default=False,
    ),
]

OutputOption = Annotated[
    OutputFormat, typer.Option("--output", "-o", help="table for people, json for scripts.")
]

ViewOption = Annotated[str, typer.Option("--view", "-v", help="active_only, deleted_only or all.")]


def parse_view_type(view: str) -> ViewType:
    """Parse ``active_only`` / ``deleted_only`` / ``all`` (any case)."""
    try:
        return ViewType[view.upper()]
    except KeyError:
        allowed = ", ".join(v.name.lower() for v in ViewType)
        raise typer.BadParameter(f"{view!r} is not a view type; use one of {allowed}") from None


def open_store(tracking_uri: str | None) -> TrackingStore:
    """Return the tracking store for the URI, or for the configured default."""
    from flowtrack.stores.tracking.selection import get_tracking_store

    settings = get_settings()
    return get_tracking_store(tracking_uri or settings.tracking_uri, settings.artifact_root)
