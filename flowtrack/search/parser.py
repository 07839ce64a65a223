"""Parsing MLflow's filter and order-by strings into :mod:`flowtrack.search.ast`.

IN PROGRESS: being written now; the signatures below are the contract.
"""

from __future__ import annotations

from collections.abc import Sequence

from flowtrack.search.ast import Comparison, OrderBy

__all__ = [
    "parse_experiment_filter",
    "parse_experiment_order_by",
    "parse_run_filter",
    "parse_run_order_by",
]


def parse_run_filter(filter_string: str | None) -> list[Comparison]:
    """Parse a run filter (``metrics.x > 1 AND params.p = 'a'``); ``None``/``""`` -> ``[]``."""
    raise NotImplementedError


def parse_run_order_by(order_by: Sequence[str] | None) -> list[OrderBy]:
    """Parse run order-by clauses (``["metrics.x DESC", "start_time"]``)."""
    raise NotImplementedError


def parse_experiment_filter(filter_string: str | None) -> list[Comparison]:
    """Parse an experiment filter (``name LIKE 'x%' AND tags.k = 'v'``)."""
    raise NotImplementedError


def parse_experiment_order_by(order_by: Sequence[str] | None) -> list[OrderBy]:
    """Parse experiment order-by clauses (``["name ASC", "creation_time DESC"]``)."""
    raise NotImplementedError
