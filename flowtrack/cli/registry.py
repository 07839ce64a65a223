"""``flowtrack models list|describe|versions|transition|set-alias|promote``: the Model Registry.

The commands attach to the ``models`` sub-app (importing this module registers them) and mirror
the client's registry methods; ``promote`` runs :func:`flowtrack.registry.promote` with a gate
read from YAML.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flowtrack.cli._options import OutputOption, TrackingUriOption
from flowtrack.cli._output import OutputFormat, emit, fail, format_ms
from flowtrack.cli.models import app
from flowtrack.entities import ModelVersion, RegisteredModel

if TYPE_CHECKING:
    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["describe", "list_", "promote", "set_alias", "transition", "versions"]

NameOption = Annotated[str, typer.Option("--name", "-n", help="The registered model's name.")]
VersionOption = Annotated[str, typer.Option("--version", "-v", help="The version number.")]

_VERSION_COLUMNS = ("version", "current_stage", "aliases", "run_id", "source", "updated")


def _client(tracking_uri: str | None) -> FlowtrackClient:
    from flowtrack.settings import get_settings
    from flowtrack.tracking.client import FlowtrackClient

    return FlowtrackClient(tracking_uri or get_settings().tracking_uri)


def _model_row(model: RegisteredModel) -> dict[str, Any]:
    return {
        "name": model.name,
        "description": model.description,
        "aliases": dict(model.aliases),
        "latest_versions": {str(v.current_stage): v.version for v in model.latest_versions},
        "tags": dict(model.tags),
        "created": format_ms(model.creation_timestamp),
        "updated": format_ms(model.last_updated_timestamp),
    }


def _version_row(version: ModelVersion) -> dict[str, Any]:
    return {
        "name": version.name,
        "version": version.version,
        "current_stage": str(version.current_stage),
        "aliases": ", ".join(version.aliases),
        "run_id": version.run_id,
        "source": version.source,
        "description": version.description,
        "tags": dict(version.tags),
        "created": format_ms(version.creation_timestamp),
        "updated": format_ms(version.last_updated_timestamp),
    }


def _all_versions(client: FlowtrackClient, name: str) -> list[ModelVersion]:
    client.get_registered_model(name)  # a missing model is an error, not an empty list
    quoted = name.replace("'", "\\'")
    found: list[ModelVersion] = []
    token: str | None = None
    while True:
        page = client.search_model_versions(f"name = '{quoted}'", page_token=token)
        found.extend(page)
        token = page.token
        if not token:
            return sorted(found, key=lambda version: version.version)


@app.command("list")
def list_(
    output: OutputOption = OutputFormat.TABLE,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """List the registered models with their aliases and latest version per stage."""
    client = _client(tracking_uri)
    models: list[RegisteredModel] = []
    token: str | None = None
    while True:
        page = client.search_registered_models(page_token=token)
        models.extend(page)
        token = page.token
        if not token:
            break
    emit(
        output,
        rows=[_model_row(model) for model in models],
        columns=["name", "aliases", "latest_versions", "updated"],
        title="Registered models",
    )


@app.command("describe")
def describe(
    name: NameOption,
    output: OutputOption = OutputFormat.TABLE,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Show a registered model and all its versions."""
    client = _client(tracking_uri)
    model = _model_row(client.get_registered_model(name))
    rows = [_version_row(version) for version in _all_versions(client, name)]
    if output is OutputFormat.JSON:
        emit(output, rows=[{**model, "versions": rows}], columns=[])
        return
    emit(output, rows=[model], columns=["name", "description", "aliases", "tags", "updated"])
    emit(output, rows=rows, columns=_VERSION_COLUMNS, title=f"Versions of {name}")


@app.command("versions")
def versions(
    name: NameOption,
    output: OutputOption = OutputFormat.TABLE,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """List a registered model's versions."""
    rows = [_version_row(version) for version in _all_versions(_client(tracking_uri), name)]
    emit(output, rows=rows, columns=_VERSION_COLUMNS, title=f"Versions of {name}")


@app.command("transition")
def transition(
    name: NameOption,
    version: VersionOption,
    stage: Annotated[
        str, typer.Option("--stage", "-s", help="None, Staging, Production or Archived.")
    ],
    archive_existing: Annotated[
        bool,
        typer.Option("--archive-existing", help="Archive the versions now in the stage."),
    ] = False,
    output: OutputOption = OutputFormat.TABLE,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Move a version to a stage."""
    moved = _client(tracking_uri).transition_model_version_stage(
        name, version, stage, archive_existing
    )
    emit(output, rows=[_version_row(moved)], columns=_VERSION_COLUMNS)


@app.command("set-alias")
def set_alias(
    name: NameOption,
    alias: Annotated[str, typer.Option("--alias", "-a", help="The alias, e.g. champion.")],
    version: VersionOption,
    output: OutputOption = OutputFormat.TABLE,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Point an alias at a version (moving it from the version that held it)."""
    client = _client(tracking_uri)
    client.set_registered_model_alias(name, alias, version)
    emit(
        output,
        rows=[_version_row(client.get_model_version(name, version))],
        columns=_VERSION_COLUMNS,
    )


@app.command("promote")
def promote(
    name: NameOption,
    version: VersionOption,
    gate: Annotated[
        Path, typer.Option("--gate", "-g", help="The promotion gate (YAML).", dir_okay=False)
    ],
    to_alias: Annotated[
        str | None,
        typer.Option(
            "--to-alias", help="The alias to move (default champion).", show_default=False
        ),
    ] = None,
    to_stage: Annotated[
        str | None,
        typer.Option(
            "--to-stage", help="The stage to move to, e.g. Production.", show_default=False
        ),
    ] = None,
    archive_existing: Annotated[
        bool,
        typer.Option(
            "--archive-existing/--keep-existing",
            help="With --to-stage: archive the versions now in the stage.",
        ),
    ] = True,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit with status 1 when the version is rejected.")
    ] = False,
    output: OutputOption = OutputFormat.TABLE,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Promote a version if it passes the gate; record the decision on it as tags."""
    from flowtrack.registry import PromotionGate
    from flowtrack.registry import promote as run_promotion

    if to_alias is not None and to_stage is not None:
        raise fail("pass --to-alias or --to-stage, not both")
    decision = run_promotion(
        name,
        version,
        PromotionGate.from_yaml(gate),
        to_alias=to_alias if to_alias is not None or to_stage is not None else "champion",
        to_stage=to_stage,
        archive_existing=archive_existing,
        client=_client(tracking_uri),
    )
    if output is OutputFormat.JSON:
        emit(output, rows=[decision.model_dump(mode="json")], columns=[])
    else:
        verdict = "promoted" if decision.promoted else "rejected"
        compared = decision.compared_to if decision.compared_to is not None else "none"
        emit(
            output,
            rows=[check.model_dump() for check in decision.checks],
            columns=["check", "passed", "value", "reference", "reason"],
            title=f"{name} version {decision.version}: {verdict} (champion: {compared})",
        )
    if strict and not decision.promoted:
        raise fail(
            f"version {decision.version} of {name!r} was rejected: " + "; ".join(decision.reasons)
        )
