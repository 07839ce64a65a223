"""Run inputs: datasets stored once per experiment, linked to a run once per context; models."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from flowtrack._private.validation import validate_model_id
from flowtrack.entities import DatasetInput, LifecycleStage, LoggedModelInput
from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores.sql.schema import SqlDataset, SqlRun, SqlRunInput
from flowtrack.stores.tracking import rules
from flowtrack.stores.tracking.sql.batch import run_not_found
from flowtrack.stores.tracking.sql.database import Database
from flowtrack.stores.tracking.sql.logged_models import link_models

__all__ = ["log_inputs"]

#: Column widths of the dataset identity (see schema.py).
_MAX_NAME = 500
_MAX_DIGEST = 500
_MAX_CONTEXT = 250


def _check_lengths(dataset_input: DatasetInput) -> None:
    dataset = dataset_input.dataset
    for what, value, limit in (
        ("name", dataset.name, _MAX_NAME),
        ("digest", dataset.digest, _MAX_DIGEST),
        ("context", dataset_input.context or "", _MAX_CONTEXT),
    ):
        if len(value) > limit:
            raise InvalidParameterError(
                f"Invalid dataset {what} '{value[:80]}...': at most {limit} characters, "
                f"got {len(value)}"
            )


def log_inputs(
    db: Database,
    run_id: str,
    datasets: Sequence[DatasetInput],
    models: Sequence[LoggedModelInput] = (),
) -> None:
    """Record dataset and logged-model inputs of an active run in one transaction."""
    model_links = [(validate_model_id(m.model_id), 0) for m in models]
    for dataset_input in datasets:
        _check_lengths(dataset_input)
    with db.writer.begin() as connection:
        found = connection.execute(
            sa.select(SqlRun.id, SqlRun.experiment_id, SqlRun.lifecycle_stage).where(
                SqlRun.run_uuid == run_id
            )
        ).first()
        if found is None:
            raise run_not_found(run_id)
        run_key, experiment, stage = found
        if stage != LifecycleStage.ACTIVE.value:
            raise rules.run_not_active(run_id, "log inputs")
        if model_links:
            link_models(db, connection, run_key, "input", model_links)
        if not datasets:
            return
        unique: dict[tuple[str, str], dict[str, Any]] = {}
        for dataset_input in datasets:
            dataset = dataset_input.dataset
            unique.setdefault(
                (dataset.name, dataset.digest),
                {"experiment_id": experiment, **dataset.model_dump()},
            )
        connection.execute(db.insert(SqlDataset).on_conflict_do_nothing(), list(unique.values()))
        ids = {
            (name, digest): key
            for key, name, digest in connection.execute(
                sa.select(SqlDataset.id, SqlDataset.name, SqlDataset.digest).where(
                    SqlDataset.experiment_id == experiment,
                    sa.tuple_(SqlDataset.name, SqlDataset.digest).in_(list(unique)),
                )
            )
        }
        links: dict[tuple[int, str], dict[str, Any]] = {}
        for dataset_input in datasets:
            dataset_key = ids[(dataset_input.dataset.name, dataset_input.dataset.digest)]
            context = dataset_input.context or ""
            links.setdefault(
                (dataset_key, context),
                {
                    "run_id": run_key,
                    "dataset_id": dataset_key,
                    "context": context,
                    "tags": json.dumps([[tag.key, tag.value] for tag in dataset_input.tags]),
                },
            )
        connection.execute(db.insert(SqlRunInput).on_conflict_do_nothing(), list(links.values()))
