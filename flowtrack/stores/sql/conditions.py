"""Search building blocks both SQL stores compile filters with, the same on both dialects.

``LIKE`` is case-sensitive (SQLite connections set ``case_sensitive_like``), ``ILIKE``
lower-cases both sides with Python's ``str.lower`` on SQLite (its ``lower()`` folds ASCII only)
and there is no escape character; strings order by code point (``COLLATE "C"`` on PostgreSQL).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from flowtrack.stores.sql.engine import SQLITE_LOWER_FUNCTION

__all__ = ["ordered", "string_condition"]

_Column = sa.ColumnElement[Any]


def _lower(value: Any, sqlite: bool) -> _Column:
    # SQLite's lower() folds ASCII only; its connections register Python's str.lower instead.
    return getattr(sa.func, SQLITE_LOWER_FUNCTION)(value) if sqlite else sa.func.lower(value)


def string_condition(column: Any, op: str, value: Any, sqlite: bool) -> _Column:
    """``column <op> value`` for a string operator (``=, !=, LIKE, ILIKE, IN, NOT IN``)."""
    escape = None if sqlite else ""  # PostgreSQL's LIKE escapes with '\' unless told otherwise
    if op == "=":
        return column == value  # type: ignore[no-any-return]
    if op == "!=":
        return column != value  # type: ignore[no-any-return]
    if op == "LIKE":
        return column.like(value, escape=escape)  # type: ignore[no-any-return]
    if op == "ILIKE":
        return _lower(column, sqlite).like(_lower(sa.literal(value), sqlite), escape=escape)
    if op == "IN":
        return column.in_(value)  # type: ignore[no-any-return]
    if op == "NOT IN":
        return column.not_in(value)  # type: ignore[no-any-return]
    raise AssertionError(f"unknown string operator {op!r}")  # pragma: no cover - parser's job


def ordered(expression: Any, ascending: bool, string: bool, sqlite: bool) -> Any:
    """``expression ASC`` or ``DESC``; strings by code point on both dialects."""
    if string and not sqlite:
        expression = expression.collate("C")
    return expression.asc() if ascending else expression.desc()
