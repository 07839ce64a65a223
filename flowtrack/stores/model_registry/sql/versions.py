"""Model versions: race-safe numbering, read, update, delete, stages, search, tags, aliases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import validate_key, validate_tag_value
from flowtrack.entities import ModelVersion, ModelVersionStage, ModelVersionStatus, PagedList
from flowtrack.search.paging import decode_page_token, validate_max_results
from flowtrack.search.registry import parse_model_version_filter, parse_model_version_order_by
from flowtrack.stores.model_registry import rules
from flowtrack.stores.model_registry.sql.database import (
    VERSION_COLUMNS,
    RegistryDatabase,
    load_versions,
    model_id,
    version_key,
)
from flowtrack.stores.model_registry.sql.registered_models import touch_model
from flowtrack.stores.model_registry.sql.search import fetch_page, model_version_query
from flowtrack.stores.model_registry.validation import (
    validate_alias,
    validate_description,
    validate_model_name,
    validate_tags,
)
from flowtrack.stores.sql.schema import (
    SqlModelVersion,
    SqlModelVersionTag,
    SqlRegisteredModel,
    SqlRegisteredModelAlias,
)

__all__ = [
    "create_model_version",
    "delete_model_version",
    "delete_model_version_tag",
    "delete_registered_model_alias",
    "get_model_version",
    "search_model_versions",
    "set_model_version_tag",
    "set_registered_model_alias",
    "transition_model_version_stage",
    "update_model_version",
]


def _get(connection: sa.Connection, key: int, number: int) -> ModelVersion:
    row = connection.execute(
        sa.select(*VERSION_COLUMNS)
        .join(SqlRegisteredModel, SqlRegisteredModel.id == SqlModelVersion.model_id)
        .where(SqlModelVersion.model_id == key, SqlModelVersion.version == number)
    ).one()
    return load_versions(connection, [row])[0]


def _touch_version(connection: sa.Connection, key: int, number: int, now: int) -> None:
    connection.execute(
        sa.update(SqlModelVersion)
        .where(SqlModelVersion.model_id == key, SqlModelVersion.version == number)
        .values(last_updated_timestamp=now)
    )
    touch_model(connection, key, now)


def create_model_version(
    db: RegistryDatabase,
    name: str,
    source: str,
    run_id: str | None,
    tags: Mapping[str, str] | None,
    run_link: str | None,
    description: str | None,
    user_id: str | None,
    model_id: str | None = None,
) -> ModelVersion:
    """See :meth:`RegistryStore.create_model_version`; the caller validated the source."""
    validate_model_name(name)
    checked_tags = validate_tags(tags)
    validate_description(description)
    rules.check_version_fields(run_link, user_id, model_id)
    now = now_ms()
    with db.writer.begin() as connection:
        # The increment is the first write of the transaction: SQLite's BEGIN IMMEDIATE and
        # PostgreSQL's row lock serialize concurrent registrations of the same model.
        claimed = connection.execute(
            sa.update(SqlRegisteredModel)
            .where(SqlRegisteredModel.name == name)
            .values(next_version=SqlRegisteredModel.next_version + 1, last_updated_timestamp=now)
            .returning(SqlRegisteredModel.id, SqlRegisteredModel.next_version)
        ).first()
        if claimed is None:
            raise rules.model_not_found(name)
        key, number = int(claimed[0]), int(claimed[1]) - 1
        connection.execute(
            sa.insert(SqlModelVersion).values(
                model_id=key,
                version=number,
                creation_timestamp=now,
                last_updated_timestamp=now,
                description=description,
                user_id=user_id,
                current_stage=ModelVersionStage.NONE.value,
                source=source,
                run_id=run_id,
                run_link=run_link,
                status=ModelVersionStatus.READY.value,
                logged_model_id=model_id,
            )
        )
        if checked_tags:
            connection.execute(
                sa.insert(SqlModelVersionTag),
                [
                    {"model_id": key, "version": number, "key": k, "value": v}
                    for k, v in checked_tags.items()
                ],
            )
        return _get(connection, key, number)


def get_model_version(db: RegistryDatabase, name: str, version: int | str) -> ModelVersion:
    """See :meth:`RegistryStore.get_model_version`."""
    with db.engine.connect() as connection:
        return _get(connection, *version_key(connection, name, version))


def update_model_version(
    db: RegistryDatabase, name: str, version: int | str, description: str | None
) -> ModelVersion:
    """See :meth:`RegistryStore.update_model_version`."""
    validate_description(description)
    with db.writer.begin() as connection:
        key, number = version_key(connection, name, version)
        connection.execute(
            sa.update(SqlModelVersion)
            .where(SqlModelVersion.model_id == key, SqlModelVersion.version == number)
            .values(description=description)
        )
        _touch_version(connection, key, number, now_ms())
        return _get(connection, key, number)


def delete_model_version(db: RegistryDatabase, name: str, version: int | str) -> None:
    """See :meth:`RegistryStore.delete_model_version`; its tags and aliases cascade."""
    with db.writer.begin() as connection:
        key, number = version_key(connection, name, version)
        connection.execute(
            sa.delete(SqlModelVersion).where(
                SqlModelVersion.model_id == key, SqlModelVersion.version == number
            )
        )
        touch_model(connection, key, now_ms())


def transition_model_version_stage(
    db: RegistryDatabase, name: str, version: int | str, stage: str, archive_existing: bool
) -> ModelVersion:
    """See :meth:`RegistryStore.transition_model_version_stage`."""
    target = rules.transition_target(stage, archive_existing)
    with db.writer.begin() as connection:
        key, number = version_key(connection, name, version)
        now = now_ms()
        if archive_existing:
            connection.execute(
                sa.update(SqlModelVersion)
                .where(
                    SqlModelVersion.model_id == key,
                    SqlModelVersion.version != number,
                    SqlModelVersion.current_stage == target.value,
                )
                .values(current_stage=ModelVersionStage.ARCHIVED.value, last_updated_timestamp=now)
            )
        connection.execute(
            sa.update(SqlModelVersion)
            .where(SqlModelVersion.model_id == key, SqlModelVersion.version == number)
            .values(current_stage=target.value)
        )
        _touch_version(connection, key, number, now)
        return _get(connection, key, number)


def search_model_versions(
    db: RegistryDatabase,
    filter_string: str | None,
    max_results: int,
    order_by: Sequence[str] | None,
    page_token: str | None,
) -> PagedList[ModelVersion]:
    """See :meth:`RegistryStore.search_model_versions`."""
    comparisons = parse_model_version_filter(filter_string)
    order_bys = parse_model_version_order_by(order_by)
    validate_max_results(max_results)
    offset = decode_page_token(page_token)
    statement = model_version_query(VERSION_COLUMNS, comparisons, order_bys, db.sqlite)
    with db.engine.connect() as connection:
        rows, token = fetch_page(connection, statement, max_results, offset)
        return PagedList(load_versions(connection, rows), token)


def set_model_version_tag(
    db: RegistryDatabase, name: str, version: int | str, key: str, value: str
) -> None:
    """See :meth:`RegistryStore.set_model_version_tag`."""
    value = validate_tag_value(validate_key("tag", key), value)
    with db.writer.begin() as connection:
        owner, number = version_key(connection, name, version)
        connection.execute(
            db.insert(SqlModelVersionTag)
            .values(model_id=owner, version=number, key=key, value=value)
            .on_conflict_do_update(
                index_elements=["model_id", "version", "key"], set_={"value": value}
            )
        )
        _touch_version(connection, owner, number, now_ms())


def delete_model_version_tag(db: RegistryDatabase, name: str, version: int | str, key: str) -> None:
    """See :meth:`RegistryStore.delete_model_version_tag`."""
    validate_key("tag", key)
    with db.writer.begin() as connection:
        owner, number = version_key(connection, name, version)
        deleted = connection.execute(
            sa.delete(SqlModelVersionTag).where(
                SqlModelVersionTag.model_id == owner,
                SqlModelVersionTag.version == number,
                SqlModelVersionTag.key == key,
            )
        ).rowcount
        if not deleted:
            raise rules.version_tag_not_found(name, number, key)
        _touch_version(connection, owner, number, now_ms())


def set_registered_model_alias(
    db: RegistryDatabase, name: str, alias: str, version: int | str
) -> None:
    """See :meth:`RegistryStore.set_registered_model_alias`."""
    validate_alias(alias)
    with db.writer.begin() as connection:
        key, number = version_key(connection, name, version)
        connection.execute(
            db.insert(SqlRegisteredModelAlias)
            .values(model_id=key, alias=alias, version=number)
            .on_conflict_do_update(index_elements=["model_id", "alias"], set_={"version": number})
        )
        touch_model(connection, key, now_ms())


def delete_registered_model_alias(db: RegistryDatabase, name: str, alias: str) -> None:
    """See :meth:`RegistryStore.delete_registered_model_alias`."""
    validate_alias(alias)
    with db.writer.begin() as connection:
        key = model_id(connection, name)
        deleted = connection.execute(
            sa.delete(SqlRegisteredModelAlias).where(
                SqlRegisteredModelAlias.model_id == key, SqlRegisteredModelAlias.alias == alias
            )
        ).rowcount
        if not deleted:
            raise rules.alias_not_found(name, alias)
        touch_model(connection, key, now_ms())
