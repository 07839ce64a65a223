"""Registered models: create, read, update, rename, delete, search, tags."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import validate_key, validate_tag_value
from flowtrack.entities import PagedList, RegisteredModel
from flowtrack.search.paging import decode_page_token, validate_max_results
from flowtrack.search.registry import (
    parse_registered_model_filter,
    parse_registered_model_order_by,
)
from flowtrack.stores.model_registry import rules
from flowtrack.stores.model_registry.sql.database import (
    MODEL_COLUMNS,
    RegistryDatabase,
    load_models,
    model_id,
)
from flowtrack.stores.model_registry.sql.search import fetch_page, registered_model_query
from flowtrack.stores.model_registry.validation import (
    name_collision_key,
    validate_description,
    validate_model_name,
    validate_tags,
)
from flowtrack.stores.sql.schema import SqlRegisteredModel, SqlRegisteredModelTag

__all__ = [
    "create_registered_model",
    "delete_registered_model",
    "delete_registered_model_tag",
    "get_registered_model",
    "rename_registered_model",
    "search_registered_models",
    "set_registered_model_tag",
    "touch_model",
    "update_registered_model",
]


def _name_key(name: str) -> str:
    """The stored collision key: SHA-256 (hex) of the NFKC-casefold name.

    Hashed because NFKC can expand a 256-character name past any index's key size limit
    (U+FDFA alone becomes 18 characters).
    """
    return hashlib.sha256(name_collision_key(name).encode()).hexdigest()


def _check_new_name(connection: sa.Connection, name: str, renaming: int | None = None) -> None:
    """Raise if another model's name (or collision key) equals ``name``'s."""
    statement = sa.select(SqlRegisteredModel.name).where(
        SqlRegisteredModel.name_key == _name_key(name)
    )
    if renaming is not None:
        statement = statement.where(SqlRegisteredModel.id != renaming)
    existing = connection.execute(statement.limit(1)).scalar_one_or_none()
    if existing is not None:
        raise rules.name_collision(name, existing)


def _get(connection: sa.Connection, key: int) -> RegisteredModel:
    row = connection.execute(sa.select(*MODEL_COLUMNS).where(SqlRegisteredModel.id == key)).one()
    return load_models(connection, [row])[0]


def touch_model(connection: sa.Connection, key: int, now: int) -> None:
    """Bump a model's ``last_updated_timestamp``."""
    connection.execute(
        sa.update(SqlRegisteredModel)
        .where(SqlRegisteredModel.id == key)
        .values(last_updated_timestamp=now)
    )


def create_registered_model(
    db: RegistryDatabase, name: str, tags: Mapping[str, str] | None, description: str | None
) -> RegisteredModel:
    """See :meth:`RegistryStore.create_registered_model`."""
    validate_model_name(name)
    checked_tags = validate_tags(tags)
    validate_description(description)
    now = now_ms()
    try:
        with db.writer.begin() as connection:
            _check_new_name(connection, name)
            key = connection.execute(
                sa.insert(SqlRegisteredModel)
                .values(
                    name=name,
                    name_key=_name_key(name),
                    creation_timestamp=now,
                    last_updated_timestamp=now,
                    description=description,
                    next_version=1,
                )
                .returning(SqlRegisteredModel.id)
            ).scalar_one()
            if checked_tags:
                connection.execute(
                    sa.insert(SqlRegisteredModelTag),
                    [{"model_id": key, "key": k, "value": v} for k, v in checked_tags.items()],
                )
            return _get(connection, key)
    except sa.exc.IntegrityError:
        # A concurrent writer (PostgreSQL) took the name between our check and insert.
        with db.engine.connect() as connection:
            _check_new_name(connection, name)
        raise


def get_registered_model(db: RegistryDatabase, name: str) -> RegisteredModel:
    """See :meth:`RegistryStore.get_registered_model`."""
    with db.engine.connect() as connection:
        return _get(connection, model_id(connection, name))


def update_registered_model(
    db: RegistryDatabase, name: str, description: str | None
) -> RegisteredModel:
    """See :meth:`RegistryStore.update_registered_model`."""
    validate_description(description)
    with db.writer.begin() as connection:
        key = model_id(connection, name)
        connection.execute(
            sa.update(SqlRegisteredModel)
            .where(SqlRegisteredModel.id == key)
            .values(description=description, last_updated_timestamp=now_ms())
        )
        return _get(connection, key)


def rename_registered_model(db: RegistryDatabase, name: str, new_name: str) -> RegisteredModel:
    """See :meth:`RegistryStore.rename_registered_model`."""
    validate_model_name(new_name)
    try:
        with db.writer.begin() as connection:
            key = model_id(connection, name)
            if new_name != name:
                _check_new_name(connection, new_name, renaming=key)
                connection.execute(
                    sa.update(SqlRegisteredModel)
                    .where(SqlRegisteredModel.id == key)
                    .values(
                        name=new_name,
                        name_key=_name_key(new_name),
                        last_updated_timestamp=now_ms(),
                    )
                )
            return _get(connection, key)
    except sa.exc.IntegrityError:
        with db.engine.connect() as connection:
            _check_new_name(connection, new_name, renaming=model_id(connection, name))
        raise


def delete_registered_model(db: RegistryDatabase, name: str) -> None:
    """See :meth:`RegistryStore.delete_registered_model`; versions, tags, aliases cascade."""
    with db.writer.begin() as connection:
        key = model_id(connection, name)
        connection.execute(sa.delete(SqlRegisteredModel).where(SqlRegisteredModel.id == key))


def search_registered_models(
    db: RegistryDatabase,
    filter_string: str | None,
    max_results: int,
    order_by: Sequence[str] | None,
    page_token: str | None,
) -> PagedList[RegisteredModel]:
    """See :meth:`RegistryStore.search_registered_models`."""
    comparisons = parse_registered_model_filter(filter_string)
    order_bys = parse_registered_model_order_by(order_by)
    validate_max_results(max_results)
    offset = decode_page_token(page_token)
    statement = registered_model_query(MODEL_COLUMNS, comparisons, order_bys, db.sqlite)
    with db.engine.connect() as connection:
        rows, token = fetch_page(connection, statement, max_results, offset)
        return PagedList(load_models(connection, rows), token)


def set_registered_model_tag(db: RegistryDatabase, name: str, key: str, value: str) -> None:
    """See :meth:`RegistryStore.set_registered_model_tag`."""
    value = validate_tag_value(validate_key("tag", key), value)
    with db.writer.begin() as connection:
        owner = model_id(connection, name)
        connection.execute(
            db.insert(SqlRegisteredModelTag)
            .values(model_id=owner, key=key, value=value)
            .on_conflict_do_update(index_elements=["model_id", "key"], set_={"value": value})
        )
        touch_model(connection, owner, now_ms())


def delete_registered_model_tag(db: RegistryDatabase, name: str, key: str) -> None:
    """See :meth:`RegistryStore.delete_registered_model_tag`."""
    validate_key("tag", key)
    with db.writer.begin() as connection:
        owner = model_id(connection, name)
        deleted = connection.execute(
            sa.delete(SqlRegisteredModelTag).where(
                SqlRegisteredModelTag.model_id == owner, SqlRegisteredModelTag.key == key
            )
        ).rowcount
        if not deleted:
            raise rules.model_tag_not_found(name, key)
        touch_model(connection, owner, now_ms())
