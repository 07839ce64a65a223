"""``flowtrack gc``: permanently delete deleted runs (with their artifacts) and experiments."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from flowtrack._private.clock import now_ms
from flowtrack.cli._options import TrackingUriOption, open_store
from flowtrack.entities import LifecycleStage, ViewType
from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores.tracking.base import TrackingStore

__all__ = ["gc", "parse_duration_ms"]

_DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration_ms(text: str) -> int:
    """Parse a duration such as ``30d``, ``12h``, ``1d2h30m`` or ``90s`` into milliseconds.

    Raises:
        InvalidParameterError: The text is not of the form ``#d#h#m#s`` (each part optional).
    """
    match = _DURATION_RE.match(text.strip())
    if not text.strip() or match is None or not any(match.groups()):
        raise InvalidParameterError(
            f"Invalid duration {text!r}: use days, hours, minutes and seconds like "
            "'30d', '12h', '1d2h30m' or '90s'"
        )
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000


def _purge_runs(store: TrackingStore, run_ids: list[str]) -> int:
    from flowtrack.stores.artifacts.store import get_artifact_store

    purged = 0
    for run_id in run_ids:
        run = store.get_run(run_id)
        if run.info.lifecycle_stage != LifecycleStage.DELETED:
            raise InvalidParameterError(
                f"Run {run_id} is not deleted (lifecycle stage {run.info.lifecycle_stage!s}); "
                "`flowtrack gc` only purges deleted runs"
            )
        if run.info.artifact_uri:
            get_artifact_store(run.info.artifact_uri).delete_artifacts()
        store.purge_runs([run_id])
        purged += 1
    return purged


def _delete_experiment_artifacts(store: TrackingStore, experiment_id: str) -> int:
    """Delete the artifacts of every run of an experiment; return how many runs it had."""
    from flowtrack.stores.artifacts.store import get_artifact_store

    count = 0
    token: str | None = None
    while True:
        page = store.search_runs(
            [experiment_id], run_view_type=ViewType.ALL, max_results=1000, page_token=token
        )
        for run in page:
            if run.info.artifact_uri:
                get_artifact_store(run.info.artifact_uri).delete_artifacts()
        count += len(page)
        token = page.token
        if not token:
            return count


def gc(
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            help="Only runs deleted longer ago than this, e.g. 30d, 12h, 1d2h30m, 90s.",
        ),
    ] = None,
    run_ids: Annotated[
        str | None,
        typer.Option("--run-ids", help="Comma-separated deleted run ids (default: all)."),
    ] = None,
    experiment_ids: Annotated[
        str | None,
        typer.Option(
            "--experiment-ids",
            help="Comma-separated deleted experiment ids to purge with all their runs "
            "(default: every deleted experiment, unless --run-ids is given).",
        ),
    ] = None,
    tracking_uri: TrackingUriOption = None,
) -> None:
    """Permanently delete runs in the deleted stage, with their artifacts.

    Deleted experiments are purged too (with all their runs and artifacts). This cannot be
    undone.
    """
    store = open_store(tracking_uri)
    older_ms = parse_duration_ms(older_than) if older_than else None
    if run_ids:
        targets = [r.strip() for r in run_ids.split(",") if r.strip()]
    else:
        targets = store.list_deleted_runs(older_than_ms=older_ms)
    purged_runs = _purge_runs(store, targets)

    purged_experiments = 0
    if experiment_ids or not run_ids:
        if experiment_ids:
            wanted = [store.get_experiment(e.strip()) for e in experiment_ids.split(",")]
        else:
            wanted = list(store.search_experiments(view_type=ViewType.DELETED_ONLY))
        cutoff = now_ms() - older_ms if older_ms is not None else None
        for experiment in wanted:
            if experiment.lifecycle_stage != LifecycleStage.DELETED:
                raise InvalidParameterError(
                    f"Experiment {experiment.experiment_id} is not deleted; "
                    "`flowtrack gc` only purges deleted experiments"
                )
            if cutoff is not None and (experiment.last_update_time or 0) > cutoff:
                continue
            purged_runs += _delete_experiment_artifacts(store, experiment.experiment_id)
            store.purge_experiment(experiment.experiment_id)
            purged_experiments += 1
    typer.echo(f"Purged {purged_runs} run(s) and {purged_experiments} experiment(s)")
