"""Fluent run search: MLflow's ``search_runs``, as a pandas DataFrame or a list of runs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from flowtrack.entities import Run, ViewType
from flowtrack.exceptions import InvalidParameterError
from flowtrack.tracking._convert import experiment_id_list
from flowtrack.tracking._paging import collect_pages
from flowtrack.tracking.fluent.config import current_client
from flowtrack.tracking.fluent.experiments import resolve_experiment_id, search_experiments

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["search_runs"]

_logger = logging.getLogger(__name__)
_OUTPUT_FORMATS = ("pandas", "list")
_RUN_PAGE_SIZE = 10_000


@overload
def search_runs(
    experiment_ids: str | Sequence[str] | None = ...,
    filter_string: str = ...,
    run_view_type: ViewType | int = ...,
    max_results: int = ...,
    order_by: Sequence[str] | None = ...,
    output_format: Literal["pandas"] = ...,
    search_all_experiments: bool = ...,
    experiment_names: Sequence[str] | None = ...,
) -> pd.DataFrame: ...


@overload
def search_runs(
    experiment_ids: str | Sequence[str] | None = ...,
    filter_string: str = ...,
    run_view_type: ViewType | int = ...,
    max_results: int = ...,
    order_by: Sequence[str] | None = ...,
    *,
    output_format: Literal["list"],
    search_all_experiments: bool = ...,
    experiment_names: Sequence[str] | None = ...,
) -> list[Run]: ...


def search_runs(
    experiment_ids: str | Sequence[str] | None = None,
    filter_string: str = "",
    run_view_type: ViewType | int = ViewType.ACTIVE_ONLY,
    max_results: int = 100_000,
    order_by: Sequence[str] | None = None,
    output_format: str = "pandas",
    search_all_experiments: bool = False,
    experiment_names: Sequence[str] | None = None,
) -> Any:
    """Search runs, fetching every page up to ``max_results``.

    With neither ``experiment_ids`` nor ``experiment_names``, searches the active experiment
    (or every active experiment with ``search_all_experiments=True``). Unknown experiment names
    are skipped with a logged warning, as in MLflow.

    Args:
        experiment_ids: Experiments to search, by id.
        filter_string: e.g. ``"metrics.r2_score > .70 AND params.model = 'rf'"``.
        run_view_type: Active, deleted or all runs.
        max_results: The most runs to return.
        order_by: e.g. ``["metrics.r2_score DESC"]``; default newest first.
        output_format: ``"pandas"`` (a DataFrame with ``run_id``, ``experiment_id``,
            ``status``, ``artifact_uri``, ``start_time``, ``end_time``, then ``metrics.*``,
            ``params.*`` and ``tags.*`` columns) or ``"list"`` (a list of runs).
        search_all_experiments: Search every active experiment when none is named.
        experiment_names: Experiments to search, by name (instead of ids).

    Returns:
        A pandas DataFrame, or a list of :class:`~flowtrack.entities.Run`.

    Raises:
        InvalidParameterError: A bad filter, order-by or output format, or both ids and names.
        MissingDependencyError: ``output_format="pandas"`` without pandas installed.

    Example:
        >>> flowtrack.search_runs(
        ...     experiment_names=["Unicorn Sklearn Experiments"],
        ...     filter_string="metrics.r2_score > .70",
        ...     order_by=["metrics.r2_score DESC"],
        ... )
    """
    if output_format not in _OUTPUT_FORMATS:
        raise InvalidParameterError(
            f"Unsupported output format {output_format!r}: use 'pandas' or 'list'"
        )
    if experiment_ids and experiment_names:
        raise InvalidParameterError(
            "Only experiment_ids or experiment_names can be used, but not both "
            f"(got experiment_ids={experiment_ids!r}, experiment_names={experiment_names!r})"
        )
    client = current_client()
    if experiment_names:
        ids = []
        for name in experiment_names:
            experiment = client.get_experiment_by_name(name)
            if experiment is None:
                _logger.warning("Cannot retrieve experiment by name %r", name)
            else:
                ids.append(experiment.experiment_id)
    elif experiment_ids:
        ids = experiment_id_list(experiment_ids)
    elif search_all_experiments:
        ids = [experiment.experiment_id for experiment in search_experiments()]
    else:
        ids = [resolve_experiment_id(client)]
    runs: list[Run] = []
    if ids:
        runs = collect_pages(
            lambda size, token: client.search_runs(
                ids, filter_string, run_view_type, size, order_by, token
            ),
            max_results,
            _RUN_PAGE_SIZE,
        )
    if output_format == "list":
        return runs
    from flowtrack.tracking._search_frame import runs_to_frame

    return runs_to_frame(runs)
