"""Evaluating search ASTs against entities in Python: filtering and ordering runs and experiments.

The memory store searches with these functions; the SQL store compiles the same AST to SQL and
must give the same answers. The semantics every backend shares:

Filtering

- A filter is a conjunction: an entity matches when every comparison is true.
- Metric comparisons use the run's latest value (``run.data.metrics``).
- A comparison on a key the entity lacks is false, for every operator including ``!=`` and
  ``NOT IN`` (MLflow's inner join). An attribute that is unset (``end_time``, ``user_id`` or
  ``run_name`` is ``None``; an experiment without ``creation_time``) counts as missing.
- A NaN metric makes every comparison false except ``!=``, which is true. ``+inf`` and ``-inf``
  compare as numbers (``inf > 1e308``, ``-inf < -1e308``, ``inf = inf``).
- Numeric values (metrics, ``start_time``, ``end_time``, ``creation_time``,
  ``last_update_time``) compare as floats; everything else compares as strings, exactly
  (code-point order, case-sensitive). ``status`` and ``lifecycle_stage`` compare by their string
  values (``'FINISHED'``, ``'active'``).
- ``LIKE`` is case-sensitive, ``ILIKE`` compares ``str.lower()`` of both sides. ``%`` matches any
  run of characters (also none), ``_`` exactly one; every other character, backslash included,
  is literal (there is no escape character). The pattern must match the whole value.
- ``IN`` is true when the value equals one of the listed strings, ``NOT IN`` when it equals none.
- ``datasets.name``, ``datasets.digest`` and ``datasets.context``: a run matches when ANY of its
  dataset inputs satisfies the comparison (so ``datasets.name != 'a'`` is true when some input is
  not named ``a``); a run without inputs, or an input without a context, does not match.

Ordering

- Each order-by key in turn: metrics numerically; params, tags and string attributes as strings
  (code-point order); times numerically.
- Entities missing the key (absent, unset, or a NaN metric) sort LAST whatever the direction.
- Runs: final tie-breakers ``start_time DESC`` then ``run_id ASC``; with no order-by the order
  is just ``start_time DESC, run_id ASC``.
- Experiments: final tie-breakers ``creation_time DESC`` then ``experiment_id ASC``; with no
  order-by that is the whole order. ``experiment_id`` always orders numerically (``"10"`` after
  ``"9"``) and filters as a string.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from typing import TypeVar

from flowtrack.entities import Experiment, Run
from flowtrack.search.ast import NUMERIC_COMPARATORS, Comparison, EntityType, Identifier, OrderBy

__all__ = [
    "experiment_matches",
    "like_match",
    "run_matches",
    "sort_experiments",
    "sort_runs",
]

_Scalar = float | str
_SortValue = int | float | str | None
T = TypeVar("T")


def like_match(value: str, pattern: str, *, case_sensitive: bool = True) -> bool:
    """Match ``value`` against a SQL ``LIKE`` pattern.

    Args:
        value: The text to test.
        pattern: ``%`` matches any run of characters, ``_`` one character; everything else is
            literal.
        case_sensitive: ``False`` for ``ILIKE`` (both sides compared lower-cased).

    Returns:
        Whether the whole value matches.

    Example:
        >>> like_match("train-loss", "%loss"), like_match("Loss", "l%", case_sensitive=False)
        (True, True)
    """
    if not case_sensitive:
        value, pattern = value.lower(), pattern.lower()
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.fullmatch("".join(parts), value, flags=re.DOTALL) is not None


def _compare(actual: _Scalar, op: str, expected: float | str | tuple[str, ...]) -> bool:
    """Apply one operator; ``actual`` is present (missing keys never reach here)."""
    if isinstance(actual, float):
        if math.isnan(actual):
            return op == "!="
        numeric = NUMERIC_COMPARATORS.get(op)
        return isinstance(expected, float) and numeric is not None and numeric(actual, expected)
    if isinstance(expected, tuple):
        return (actual in expected) if op == "IN" else (op == "NOT IN" and actual not in expected)
    if not isinstance(expected, str):
        return False
    if op in ("LIKE", "ILIKE"):
        return like_match(actual, expected, case_sensitive=op == "LIKE")
    return (op == "=" and actual == expected) or (op == "!=" and actual != expected)


def _attribute(value: object) -> _Scalar | None:
    """Normalise an attribute: ints become floats, enums their string value, None stays."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return str(value)


def _run_values(run: Run, identifier: Identifier) -> list[_Scalar]:
    """The run's values for an identifier: none when missing, several for datasets."""
    key = identifier.key
    found: _Scalar | None
    if identifier.type is EntityType.METRIC:
        found = run.data.metrics.get(key)
    elif identifier.type is EntityType.PARAM:
        found = run.data.params.get(key)
    elif identifier.type is EntityType.TAG:
        found = run.data.tags.get(key)
    elif identifier.type is EntityType.ATTRIBUTE:
        found = _attribute(getattr(run.info, key, None))
    else:
        values: list[_Scalar] = []
        for dataset_input in run.inputs.dataset_inputs:
            if key == "context":
                context = dataset_input.context
                if context is not None:
                    values.append(context)
            elif key in ("name", "digest"):
                values.append(getattr(dataset_input.dataset, key))
        return values
    return [] if found is None else [found]


def _experiment_value(experiment: Experiment, identifier: Identifier) -> _Scalar | None:
    if identifier.type is EntityType.TAG:
        return experiment.tags.get(identifier.key)
    if identifier.type is EntityType.ATTRIBUTE:
        return _attribute(getattr(experiment, identifier.key, None))
    return None


def run_matches(run: Run, comparisons: Sequence[Comparison]) -> bool:
    """Whether a run satisfies every comparison of a parsed run filter.

    Args:
        run: The run, with its latest metrics, params, tags and inputs.
        comparisons: From :func:`flowtrack.search.parser.parse_run_filter`.

    Returns:
        ``True`` when all comparisons hold (always for an empty filter).
    """
    return all(
        any(_compare(value, c.op, c.value) for value in _run_values(run, c.identifier))
        for c in comparisons
    )


def experiment_matches(experiment: Experiment, comparisons: Sequence[Comparison]) -> bool:
    """Whether an experiment satisfies every comparison of a parsed experiment filter.

    Args:
        experiment: The experiment.
        comparisons: From :func:`flowtrack.search.parser.parse_experiment_filter`.

    Returns:
        ``True`` when all comparisons hold (always for an empty filter).
    """
    for comparison in comparisons:
        value = _experiment_value(experiment, comparison.identifier)
        if value is None or not _compare(value, comparison.op, comparison.value):
            return False
    return True


def _sort_value(value: _SortValue) -> _SortValue:
    """NaN sorts like a missing value."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _cmp_one(left: _SortValue, right: _SortValue, ascending: bool) -> int:
    if left is None or right is None:
        return (left is None) - (right is None)  # missing last, whatever the direction
    if left == right:
        return 0
    result = -1 if left < right else 1  # type: ignore[operator]  # same type per key
    return result if ascending else -result


def _ordered(pairs: list[tuple[list[_SortValue], T]], directions: Sequence[bool]) -> list[T]:
    """Sort (sort values, item) pairs key by key, each in its direction, missing values last."""

    def cmp(left: tuple[list[_SortValue], T], right: tuple[list[_SortValue], T]) -> int:
        for a, b, ascending in zip(left[0], right[0], directions, strict=True):
            result = _cmp_one(a, b, ascending)
            if result:
                return result
        return 0

    return [item for _, item in sorted(pairs, key=functools.cmp_to_key(cmp))]


def sort_runs(runs: Iterable[Run], order_bys: Sequence[OrderBy]) -> list[Run]:
    """Order runs by parsed order-by clauses, then ``start_time DESC, run_id ASC``.

    Args:
        runs: The runs to order.
        order_bys: From :func:`flowtrack.search.parser.parse_run_order_by`.

    Returns:
        A new list; runs missing a key (or with a NaN metric) come last for that key.
    """
    directions = [o.ascending for o in order_bys] + [False, True]

    def values(run: Run) -> list[_SortValue]:
        found: list[_SortValue] = []
        for order_by in order_bys:
            candidates = _run_values(run, order_by.identifier)
            found.append(_sort_value(candidates[0]) if candidates else None)
        found.append(_attribute(run.info.start_time))
        found.append(run.info.run_id)
        return found

    return _ordered([(values(run), run) for run in runs], directions)


def sort_experiments(
    experiments: Iterable[Experiment], order_bys: Sequence[OrderBy]
) -> list[Experiment]:
    """Order experiments by parsed order-by clauses, then ``creation_time DESC,
    experiment_id ASC`` (numeric).

    Args:
        experiments: The experiments to order.
        order_bys: From :func:`flowtrack.search.parser.parse_experiment_order_by`.

    Returns:
        A new list; experiments missing a key come last for that key.
    """
    directions = [o.ascending for o in order_bys] + [False, True]

    def numeric_id(experiment: Experiment) -> int:
        return int(experiment.experiment_id)

    def values(experiment: Experiment) -> list[_SortValue]:
        found: list[_SortValue] = []
        for order_by in order_bys:
            if order_by.identifier == Identifier(EntityType.ATTRIBUTE, "experiment_id"):
                found.append(numeric_id(experiment))
            else:
                found.append(_experiment_value(experiment, order_by.identifier))
        found.append(_attribute(experiment.creation_time))
        found.append(numeric_id(experiment))
        return found

    return _ordered([(values(e), e) for e in experiments], directions)
