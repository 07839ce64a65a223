"""Experiments: create, read, search, rename, soft-delete/restore (with their runs), tags, purge."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import (
    validate_experiment_id,
    validate_experiment_name,
    validate_key,
    validate_tag_value,
)
from flowtrack.entities import Experiment, ExperimentTag, LifecycleStage, PagedList, ViewType
from flowtrack.exceptions import (
    AlreadyExistsError,
    NotFoundError,
)
from flowtrack.search.paging import decode_page_token, encode_page_token, validate_max_results
from flowtrack.search.parser import parse_experiment_filter, parse_experiment_order_by
from flowtrack.stores.sql.schema import SqlExperiment, SqlExperimentTag, SqlRun
from flowtrack.stores.tracking import rules
from flowtrack.stores.tracking.base import DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME
from flowtrack.stores.tracking.sql import convert
from flowtrack.stores.tracking.sql.database import Database
from flowtrack.stores.tracking.sql.search import experiment_query

__all__ = [
    "create_experiment",
    "delete_experiment_tag",
    "ensure_default_experiment",
    "experiment_key",
    "experiment_keys",
    "get_experiment",
    "get_experiment_by_name",
    "purge_experiment",
    "search_experiments",
    "set_experiment_tag",
    "update_experiment",
    "view_type_stages",
]

_ACTIVE = LifecycleStage.ACTIVE.value
_DELETED = LifecycleStage.DELETED.value
_INT64_MAX = 2**63 - 1
EXPERIMENT_COLUMNS = (
    SqlExperiment.experiment_id,
    SqlExperiment.name,
    SqlExperiment.artifact_location,
    SqlExperiment.lifecycle_stage,
    SqlExperiment.creation_time,
    SqlExperiment.last_update_time,
)


def experiment_key(experiment_id: object) -> int:
    """The integer key of an experiment id (a string of digits).

    Raises:
        InvalidParameterError: The id is not a string of digits.
        NotFoundError: The id is too large to be any experiment's.
    """
    key = int(validate_experiment_id(experiment_id))
    if key > _INT64_MAX:
        raise rules.experiment_not_found(experiment_id)
    return key


def experiment_keys(experiment_ids: Iterable[object]) -> list[int]:
    """The integer keys of the ids searched; an id too large for any experiment matches nothing.

    Raises:
        InvalidParameterError: An id is not a string of digits.
    """
    keys: list[int] = []
    for experiment_id in experiment_ids:
        try:
            keys.append(experiment_key(experiment_id))
        except NotFoundError:
            continue  # too large to be an experiment id: nothing in it
    return keys


def ensure_default_experiment(db: Database) -> None:
    """Create experiment ``"0"`` (``Default``) unless it exists; safe against races."""
    with db.engine.connect() as connection:
        exists = connection.execute(
            sa.select(SqlExperiment.experiment_id).where(SqlExperiment.experiment_id == 0)
        ).first()
    if exists is not None:
        return
    now = now_ms()
    with db.writer.begin() as connection:
        connection.execute(
            db.insert(SqlExperiment)
            .values(
                experiment_id=int(DEFAULT_EXPERIMENT_ID),
                name=DEFAULT_EXPERIMENT_NAME,
                artifact_location=f"{db.default_artifact_root}/{DEFAULT_EXPERIMENT_ID}",
                lifecycle_stage=_ACTIVE,
                creation_time=now,
                last_update_time=now,
            )
            .on_conflict_do_nothing()
        )


def _validated_tags(tags: Sequence[ExperimentTag]) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in tags:
        found[validate_key("tag", tag.key)] = validate_tag_value(tag.key, tag.value)
    return found


def _name_taken(name: str) -> AlreadyExistsError:
    return AlreadyExistsError(
        f"An experiment named {name!r} already exists (names are unique, deleted experiments "
        "included); choose another name or restore and reuse that one"
    )


def create_experiment(
    db: Database, name: str, artifact_location: str | None, tags: Sequence[ExperimentTag]
) -> str:
    """Insert an experiment; its default artifact location is ``<root>/<id>``."""
    validate_experiment_name(name)
    tag_values = _validated_tags(tags)
    now = now_ms()
    try:
        with db.writer.begin() as connection:
            if connection.execute(
                sa.select(SqlExperiment.experiment_id).where(SqlExperiment.name == name)
            ).first():
                raise _name_taken(name)
            key = connection.execute(
                sa.insert(SqlExperiment)
                .values(
                    name=name,
                    artifact_location=artifact_location or "",
                    lifecycle_stage=_ACTIVE,
                    creation_time=now,
                    last_update_time=now,
                )
                .returning(SqlExperiment.experiment_id)
            ).scalar_one()
            if not artifact_location:
                connection.execute(
                    sa.update(SqlExperiment)
                    .where(SqlExperiment.experiment_id == key)
                    .values(artifact_location=f"{db.default_artifact_root}/{key}")
                )
            if tag_values:
                connection.execute(
                    sa.insert(SqlExperimentTag),
                    [{"experiment_id": key, "key": k, "value": v} for k, v in tag_values.items()],
                )
    except sa.exc.IntegrityError as exc:  # a concurrent create won the race for the name
        raise _name_taken(name) from exc
    return str(key)


def _load(connection: sa.Connection, where: sa.ColumnElement[bool]) -> list[Experiment]:
    rows = connection.execute(sa.select(*EXPERIMENT_COLUMNS).where(where)).all()
    return _with_tags(connection, rows)


def _with_tags(connection: sa.Connection, rows: Sequence[Any]) -> list[Experiment]:
    tags: defaultdict[int, dict[str, str]] = defaultdict(dict)
    if rows:
        for key, tag_key, value in connection.execute(
            sa.select(SqlExperimentTag.experiment_id, SqlExperimentTag.key, SqlExperimentTag.value)
            .where(SqlExperimentTag.experiment_id.in_([row[0] for row in rows]))
            .order_by(SqlExperimentTag.experiment_id, SqlExperimentTag.key)
        ):
            tags[key][tag_key] = value
    return [convert.experiment(row, tags.get(row[0], {})) for row in rows]


def get_experiment(db: Database, experiment_id: str) -> Experiment:
    """One experiment by id (active or deleted)."""
    key = experiment_key(experiment_id)
    with db.engine.connect() as connection:
        found = _load(connection, SqlExperiment.experiment_id == key)
    if not found:
        raise rules.experiment_not_found(experiment_id)
    return found[0]


def get_experiment_by_name(db: Database, name: str) -> Experiment | None:
    """The experiment with that name (active or deleted), or ``None``."""
    with db.engine.connect() as connection:
        found = _load(connection, SqlExperiment.name == name)
    return found[0] if found else None


def search_experiments(
    db: Database,
    view_type: ViewType,
    max_results: int,
    filter_string: str | None,
    order_by: Sequence[str] | None,
    page_token: str | None,
) -> PagedList[Experiment]:
    """One page of experiments matching a filter, in order."""
    limit = validate_max_results(max_results)
    comparisons = parse_experiment_filter(filter_string)
    order_bys = parse_experiment_order_by(order_by)
    offset = decode_page_token(page_token)
    query = experiment_query(
        EXPERIMENT_COLUMNS, view_type_stages(view_type), comparisons, order_bys, db.sqlite
    )
    with db.engine.connect() as connection:
        rows = connection.execute(query.limit(limit + 1).offset(offset)).all()
        found = _with_tags(connection, rows[:limit])
    token = encode_page_token(offset + limit) if len(rows) > limit else None
    return PagedList(found, token)


def view_type_stages(value: Any) -> tuple[LifecycleStage, ...]:
    """The stages a view type (enum or its int) selects.

    Raises:
        InvalidParameterError: Not a view type.
    """
    return rules.parse_view_type(value).stages()


def _locked_stage(connection: sa.Connection, experiment_id: str) -> tuple[int, str]:
    key = experiment_key(experiment_id)
    stage = connection.execute(
        sa.select(SqlExperiment.lifecycle_stage).where(SqlExperiment.experiment_id == key)
    ).scalar_one_or_none()
    if stage is None:
        raise rules.experiment_not_found(experiment_id)
    return key, stage


def update_experiment(
    db: Database,
    experiment_id: str,
    name: str | None,
    lifecycle_stage: LifecycleStage | None,
) -> None:
    """Rename and/or soft-delete/restore an experiment together with its runs."""
    stage_to = None if lifecycle_stage is None else rules.parse_lifecycle_stage(lifecycle_stage)
    target = None if stage_to is None else stage_to.value
    if name is not None:
        validate_experiment_name(name)
    now = now_ms()
    try:
        with db.writer.begin() as connection:
            key, stage = _locked_stage(connection, experiment_id)
            rules.check_experiment_deletable(str(key), stage_to)
            values: dict[str, Any] = {"last_update_time": now}
            if name is not None:
                if stage != _ACTIVE:
                    raise rules.experiment_not_active(str(key), f"renaming it to {name!r}")
                if connection.execute(
                    sa.select(SqlExperiment.experiment_id).where(
                        SqlExperiment.name == name, SqlExperiment.experiment_id != key
                    )
                ).first():
                    raise _name_taken(name)
                values["name"] = name
            if target is not None and target != stage:
                values["lifecycle_stage"] = target
                _cascade_to_runs(connection, key, target, now)
            connection.execute(
                sa.update(SqlExperiment).where(SqlExperiment.experiment_id == key).values(values)
            )
    except sa.exc.IntegrityError as exc:  # a concurrent rename or create took the name
        raise _name_taken(name or "") from exc


def _cascade_to_runs(connection: sa.Connection, key: int, target: str, now: int) -> None:
    """Deleting an experiment deletes its active runs; restoring it restores exactly those."""
    if target == _DELETED:
        connection.execute(
            sa.update(SqlRun)
            .where(SqlRun.experiment_id == key, SqlRun.lifecycle_stage == _ACTIVE)
            .values(lifecycle_stage=_DELETED, deleted_time=now, deleted_by_experiment=True)
        )
        return
    connection.execute(
        sa.update(SqlRun)
        .where(SqlRun.experiment_id == key, SqlRun.deleted_by_experiment == sa.true())
        .values(lifecycle_stage=_ACTIVE, deleted_time=None, deleted_by_experiment=False)
    )


def _active(connection: sa.Connection, experiment_id: str, action: str) -> int:
    key, stage = _locked_stage(connection, experiment_id)
    if stage != _ACTIVE:
        raise rules.experiment_not_active(str(key), action)
    return key


def set_experiment_tag(db: Database, experiment_id: str, tag: ExperimentTag) -> None:
    """Insert or overwrite one tag of an active experiment."""
    value = validate_tag_value(validate_key("tag", tag.key), tag.value)
    with db.writer.begin() as connection:
        key = _active(connection, experiment_id, "setting tags")
        insert = db.insert(SqlExperimentTag).values(experiment_id=key, key=tag.key, value=value)
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=[SqlExperimentTag.experiment_id, SqlExperimentTag.key],
                set_={"value": insert.excluded.value},
            )
        )


def delete_experiment_tag(db: Database, experiment_id: str, key: str) -> None:
    """Delete one tag of an active experiment."""
    with db.writer.begin() as connection:
        experiment = _active(connection, experiment_id, "deleting tags")
        deleted = connection.execute(
            sa.delete(SqlExperimentTag).where(
                SqlExperimentTag.experiment_id == experiment, SqlExperimentTag.key == key
            )
        )
        if deleted.rowcount == 0:
            raise NotFoundError(f"Experiment {experiment_id!r} has no tag {key!r}")


def purge_experiment(db: Database, experiment_id: str) -> None:
    """Delete a deleted experiment and everything in it (runs cascade)."""
    with db.writer.begin() as connection:
        key, stage = _locked_stage(connection, experiment_id)
        rules.check_experiment_purgeable(str(key), LifecycleStage(stage))
        connection.execute(sa.delete(SqlExperiment).where(SqlExperiment.experiment_id == key))
