"""Writing many rows with one statement: executemany on SQLite, ``unnest()`` on PostgreSQL.

SQLite's executemany steps one prepared statement in C, which is as fast as SQLite inserts get.
psycopg's executemany sends one statement per row (pipelined), ~8x slower here than a single
``INSERT ... SELECT * FROM unnest(%s::BIGINT[], %s::VARCHAR[], ...)`` binding one array per
column, so PostgreSQL gets that form for batches of more than one row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

__all__ = ["BulkWrite", "compile_bulk_insert", "compile_positional"]

#: Adds the ON CONFLICT clause to a dialect INSERT (it needs the statement's ``excluded``).
ConflictClause = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class BulkWrite:
    """An INSERT for row tuples in its column order.

    Attributes:
        one: Positional SQL taking one row.
        many: Positional SQL taking one array per column (PostgreSQL), or ``None`` to use
            executemany with ``one``.
    """

    one: str
    many: str | None

    def run(self, cursor: Any, rows: Sequence[tuple[Any, ...]]) -> None:
        """Write ``rows`` (tuples in the statement's column order) through ``cursor``."""
        if len(rows) == 1:
            cursor.execute(self.one, rows[0])
        elif self.many is None:
            cursor.executemany(self.one, rows)
        elif rows:
            cursor.execute(self.many, [list(column) for column in zip(*rows, strict=True)])


def compile_positional(
    statement: Any, dialect: Dialect, expected: tuple[str, ...] | None = None
) -> tuple[str, tuple[str, ...]]:
    """Compile a statement to positional SQL and the order of its parameters.

    Raises:
        AssertionError: The parameter order is not ``expected`` (a programming error).
    """
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    names = tuple(getattr(compiled, "positiontup", None) or ())
    if expected is not None and names != expected:  # pragma: no cover - programming error
        raise AssertionError(f"Parameter order {names} != {expected} in {compiled}")
    return str(compiled), names


def compile_bulk_insert(
    entity: Any,
    columns: tuple[str, ...],
    conflict: ConflictClause,
    dialect: Dialect,
) -> BulkWrite:
    """Compile ``INSERT INTO entity (columns) ... ON CONFLICT ...`` for one row and for many.

    Args:
        entity: The ORM class written to.
        columns: The columns each row tuple holds, in order.
        conflict: Adds the ON CONFLICT clause, e.g. ``lambda s: s.on_conflict_do_nothing()``.
        dialect: A positional dialect (see ``database.py``).
    """
    values: dict[str, Any] = {name: sa.bindparam(name) for name in columns}
    if dialect.name == "sqlite":
        one, _ = compile_positional(
            conflict(sqlite.insert(entity).values(values)), dialect, columns
        )
        return BulkWrite(one, None)
    one, _ = compile_positional(
        conflict(postgresql.insert(entity).values(values)), dialect, columns
    )
    table = entity.__table__
    arrays = [sa.bindparam(name, type_=postgresql.ARRAY(table.c[name].type)) for name in columns]
    source = sa.func.unnest(*arrays).table_valued(*columns).render_derived(name="batch")
    many_statement = postgresql.insert(entity).from_select(
        list(columns), sa.select(*(source.c[name] for name in columns))
    )
    many, _ = compile_positional(conflict(many_statement), dialect, columns)
    return BulkWrite(one, many)
