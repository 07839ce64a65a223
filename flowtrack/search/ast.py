"""The typed AST of MLflow's search grammar.

A filter is a conjunction (``AND``) of comparisons; an order-by is a list of keys with a direction.
Examples::

    metrics.rmse < 1 AND params.model = 'rf'   ->  [Comparison(metric rmse < 1.0),
                                                    Comparison(param model = 'rf')]
    tags.`my tag` IN ('a', 'b')                ->  [Comparison(tag "my tag" IN ('a', 'b'))]
    metrics.r2 DESC                            ->  OrderBy(metric r2, ascending=False)
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

__all__ = [
    "NUMERIC_ATTRIBUTES",
    "NUMERIC_COMPARATORS",
    "NUMERIC_OPERATORS",
    "RUN_ATTRIBUTES",
    "STRING_ATTRIBUTES",
    "STRING_OPERATORS",
    "Comparison",
    "EntityType",
    "Identifier",
    "OrderBy",
    "Value",
]


class EntityType(StrEnum):
    """What an identifier refers to."""

    METRIC = "metric"
    PARAM = "param"
    TAG = "tag"
    ATTRIBUTE = "attribute"
    DATASET = "dataset"


#: Run attributes compared as strings.
STRING_ATTRIBUTES = frozenset(
    {"run_id", "run_name", "status", "user_id", "artifact_uri", "lifecycle_stage"}
)
#: Run attributes compared as numbers (milliseconds since the epoch).
NUMERIC_ATTRIBUTES = frozenset({"start_time", "end_time"})
RUN_ATTRIBUTES = STRING_ATTRIBUTES | NUMERIC_ATTRIBUTES

NUMERIC_OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">="})
STRING_OPERATORS = frozenset({"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"})

#: The function of each numeric operator; it works on floats (the memory store) and on
#: SQLAlchemy columns (the SQL stores) alike.
NUMERIC_COMPARATORS: Mapping[str, Callable[[Any, Any], Any]] = MappingProxyType(
    {
        "=": operator.eq,
        "!=": operator.ne,
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
    }
)

#: A comparison's right-hand side: a number, a string, or a tuple of strings for IN / NOT IN.
Value = float | str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Identifier:
    """A searchable key, e.g. ``metrics.rmse`` -> ``Identifier(EntityType.METRIC, "rmse")``.

    For ``DATASET`` the key is one of ``name``, ``digest``, ``context``. For ``ATTRIBUTE`` it is a
    canonical attribute name (``run_id``, ``run_name``, ``status``, ``start_time``, ...; for
    experiments ``name``, ``experiment_id``, ``creation_time``, ``last_update_time``).
    """

    type: EntityType
    key: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """``identifier <op> value``.

    ``op`` is one of ``=, !=, <, <=, >, >=`` (numbers) or ``=, !=, LIKE, ILIKE, IN, NOT IN``
    (strings). ``value`` is a float for metrics and numeric attributes, a str otherwise, and a
    tuple of str for ``IN`` / ``NOT IN``. LIKE patterns use SQL's ``%`` and ``_`` wildcards.
    """

    identifier: Identifier
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class OrderBy:
    """One order-by key: ``metrics.rmse DESC`` -> ``OrderBy(Identifier(METRIC, "rmse"), False)``.

    Runs missing the key sort last whatever the direction, as in MLflow.
    """

    identifier: Identifier
    ascending: bool = True
