"""The registry store's handle on its database, row lookups, and rows -> entities.

Entities are built in batches (one query per table for a whole page of models or versions),
never one query per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.engine import Engine

from flowtrack.entities import ModelVersion, ModelVersionStage, ModelVersionStatus, RegisteredModel
from flowtrack.stores.model_registry.rules import model_not_found, version_not_found
from flowtrack.stores.model_registry.validation import validate_model_name, validate_version
from flowtrack.stores.sql.engine import is_sqlite, write_engine
from flowtrack.stores.sql.schema import (
    SqlModelVersion,
    SqlModelVersionTag,
    SqlRegisteredModel,
    SqlRegisteredModelAlias,
    SqlRegisteredModelTag,
)

__all__ = [
    "MODEL_COLUMNS",
    "VERSION_COLUMNS",
    "AnyRow",
    "RegistryDatabase",
    "load_models",
    "load_versions",
    "model_id",
    "version_key",
]

#: A result row of any shape (rows are read by column name).
AnyRow: TypeAlias = "sa.Row[*tuple[Any, ...]]"

#: Ids per ``IN (...)`` list, well under SQLite's bound-parameter limit.
_CHUNK = 500

MODEL_COLUMNS = (
    SqlRegisteredModel.id,
    SqlRegisteredModel.name,
    SqlRegisteredModel.creation_timestamp,
    SqlRegisteredModel.last_updated_timestamp,
    SqlRegisteredModel.description,
)
VERSION_COLUMNS = (
    SqlModelVersion.model_id,
    SqlRegisteredModel.name,
    SqlModelVersion.version,
    SqlModelVersion.creation_timestamp,
    SqlModelVersion.last_updated_timestamp,
    SqlModelVersion.description,
    SqlModelVersion.user_id,
    SqlModelVersion.current_stage,
    SqlModelVersion.source,
    SqlModelVersion.run_id,
    SqlModelVersion.run_link,
    SqlModelVersion.status,
    SqlModelVersion.status_message,
    SqlModelVersion.logged_model_id,
)


@dataclass
class RegistryDatabase:
    """The engines of one registry store.

    Attributes:
        engine: Reads (plain ``BEGIN`` on SQLite).
        writer: The same pool, for write transactions (``BEGIN IMMEDIATE`` on SQLite).
        sqlite: Whether the dialect is SQLite.
    """

    engine: Engine
    writer: Engine = field(init=False)
    sqlite: bool = field(init=False)

    def __post_init__(self) -> None:
        self.writer = write_engine(self.engine)
        self.sqlite = is_sqlite(self.engine)

    def insert(self, table: Any) -> SqliteInsert | PostgresInsert:
        """The dialect's INSERT (with ``on_conflict_do_update``)."""
        return sqlite.insert(table) if self.sqlite else postgresql.insert(table)


def model_id(connection: sa.Connection, name: str) -> int:
    """The surrogate key of the model named exactly ``name``.

    Raises:
        InvalidParameterError: The name is invalid.
        NotFoundError: No model has that name.
    """
    found = connection.execute(
        sa.select(SqlRegisteredModel.id).where(SqlRegisteredModel.name == validate_model_name(name))
    ).scalar_one_or_none()
    if found is None:
        raise model_not_found(name)
    return int(found)


def version_key(connection: sa.Connection, name: str, version: int | str) -> tuple[int, int]:
    """``(model id, version number)`` of an existing version.

    Raises:
        InvalidParameterError: The version or the name is invalid.
        NotFoundError: The model or the version does not exist.
    """
    number = validate_version(version)
    key = model_id(connection, name)
    exists = connection.execute(
        sa.select(SqlModelVersion.version).where(
            SqlModelVersion.model_id == key, SqlModelVersion.version == number
        )
    ).first()
    if exists is None:
        raise version_not_found(name, number)
    return key, number


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), _CHUNK):
        yield unique[start : start + _CHUNK]


def _by_model(
    connection: sa.Connection, columns: Sequence[Any], owner: Any, ids: Sequence[int]
) -> list[AnyRow]:
    rows: list[AnyRow] = []
    for chunk in _chunks(ids):
        rows.extend(connection.execute(sa.select(*columns).where(owner.in_(chunk))))
    return rows


def load_versions(connection: sa.Connection, rows: Sequence[AnyRow]) -> list[ModelVersion]:
    """Turn rows of :data:`VERSION_COLUMNS` into entities with their tags and aliases."""
    wanted = {(row.model_id, row.version) for row in rows}
    model_ids = [row.model_id for row in rows]
    tags: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
    for tag in _by_model(
        connection,
        (
            SqlModelVersionTag.model_id,
            SqlModelVersionTag.version,
            SqlModelVersionTag.key,
            SqlModelVersionTag.value,
        ),
        SqlModelVersionTag.model_id,
        model_ids,
    ):
        if (tag.model_id, tag.version) in wanted:
            tags[(tag.model_id, tag.version)][tag.key] = tag.value
    aliases: dict[tuple[int, int], list[str]] = defaultdict(list)
    for alias in _by_model(
        connection,
        (
            SqlRegisteredModelAlias.model_id,
            SqlRegisteredModelAlias.version,
            SqlRegisteredModelAlias.alias,
        ),
        SqlRegisteredModelAlias.model_id,
        model_ids,
    ):
        aliases[(alias.model_id, alias.version)].append(alias.alias)
    return [
        ModelVersion(
            name=row.name,
            version=row.version,
            creation_timestamp=row.creation_timestamp,
            last_updated_timestamp=row.last_updated_timestamp,
            description=row.description,
            user_id=row.user_id,
            current_stage=ModelVersionStage(row.current_stage),
            source=row.source,
            run_id=row.run_id,
            run_link=row.run_link,
            status=ModelVersionStatus(row.status),
            status_message=row.status_message,
            tags=tags[(row.model_id, row.version)],
            aliases=sorted(aliases[(row.model_id, row.version)]),
            model_id=row.logged_model_id,
        )
        for row in rows
    ]


def _latest_versions(
    connection: sa.Connection, ids: Sequence[int]
) -> dict[int, list[ModelVersion]]:
    """The highest version per stage of each model, in stage order."""
    latest = (
        sa.select(
            SqlModelVersion.model_id.label("model_id"),
            sa.func.max(SqlModelVersion.version).label("version"),
        )
        .group_by(SqlModelVersion.model_id, SqlModelVersion.current_stage)
        .subquery()
    )
    rows: list[AnyRow] = []
    for chunk in _chunks(ids):
        rows.extend(
            connection.execute(
                sa.select(*VERSION_COLUMNS)
                .join(SqlRegisteredModel, SqlRegisteredModel.id == SqlModelVersion.model_id)
                .join(
                    latest,
                    sa.and_(
                        latest.c.model_id == SqlModelVersion.model_id,
                        latest.c.version == SqlModelVersion.version,
                    ),
                )
                .where(SqlModelVersion.model_id.in_(chunk))
            )
        )
    order = {stage.value: index for index, stage in enumerate(ModelVersionStage)}
    rows.sort(key=lambda row: order[row.current_stage])
    found: dict[int, list[ModelVersion]] = defaultdict(list)
    for row, version in zip(rows, load_versions(connection, rows), strict=True):
        found[row.model_id].append(version)
    return found


def load_models(connection: sa.Connection, rows: Sequence[AnyRow]) -> list[RegisteredModel]:
    """Turn rows of :data:`MODEL_COLUMNS` into entities with tags, aliases and latest versions."""
    ids = [row.id for row in rows]
    tags: dict[int, dict[str, str]] = defaultdict(dict)
    for tag in _by_model(
        connection,
        (SqlRegisteredModelTag.model_id, SqlRegisteredModelTag.key, SqlRegisteredModelTag.value),
        SqlRegisteredModelTag.model_id,
        ids,
    ):
        tags[tag.model_id][tag.key] = tag.value
    aliases: dict[int, dict[str, int]] = defaultdict(dict)
    for alias in _by_model(
        connection,
        (
            SqlRegisteredModelAlias.model_id,
            SqlRegisteredModelAlias.alias,
            SqlRegisteredModelAlias.version,
        ),
        SqlRegisteredModelAlias.model_id,
        ids,
    ):
        aliases[alias.model_id][alias.alias] = alias.version
    latest = _latest_versions(connection, ids)
    return [
        RegisteredModel(
            name=row.name,
            creation_timestamp=row.creation_timestamp,
            last_updated_timestamp=row.last_updated_timestamp,
            description=row.description,
            tags=tags[row.id],
            aliases=dict(sorted(aliases[row.id].items())),
            latest_versions=latest[row.id],
        )
        for row in rows
    ]
