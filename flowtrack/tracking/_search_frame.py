"""Runs as a pandas DataFrame, with MLflow's ``search_runs`` columns.

pandas is optional (``pip install 'flowtrack[pandas]'``) and imported only here, on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flowtrack.entities import Run
from flowtrack.exceptions import MissingDependencyError

if TYPE_CHECKING:
    import pandas

__all__ = ["BASE_COLUMNS", "runs_to_frame"]

#: The columns every ``search_runs`` frame has, before ``metrics.*``, ``params.*``, ``tags.*``.
BASE_COLUMNS = ("run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time")


def _keys(runs: Sequence[Run], field: str) -> list[str]:
    """Every key of ``run.data.<field>`` across the runs, in first-seen order."""
    seen: dict[str, None] = {}
    for run in runs:
        seen.update(dict.fromkeys(getattr(run.data, field)))
    return list(seen)


def runs_to_frame(runs: Sequence[Run]) -> pandas.DataFrame:
    """Build MLflow's ``search_runs`` DataFrame.

    Columns: ``run_id``, ``experiment_id``, ``status``, ``artifact_uri``, ``start_time`` and
    ``end_time`` (UTC datetimes, ``NaT`` when unset), then ``metrics.<key>`` (float, NaN when a
    run lacks it), ``params.<key>`` and ``tags.<key>`` (str, ``None`` when missing). An empty
    list gives the base columns only.

    Args:
        runs: The runs, in the order of the rows.

    Returns:
        One row per run.

    Raises:
        MissingDependencyError: pandas is not installed.

    Example:
        >>> runs_to_frame(flowtrack.search_runs(output_format="list")).columns[:3].tolist()
        ['run_id', 'experiment_id', 'status']
    """
    try:
        import pandas as pd
    except ImportError as exc:
        raise MissingDependencyError(
            "search_runs(output_format='pandas') needs pandas: pip install 'flowtrack[pandas]' "
            "(or pass output_format='list')"
        ) from exc
    infos = [run.info for run in runs]

    def times(values: list[int | None]) -> pandas.Series:
        return pd.to_datetime(pd.Series(values, dtype="float64"), unit="ms", utc=True)

    columns: dict[str, Any] = {
        "run_id": pd.Series([info.run_id for info in infos], dtype="object"),
        "experiment_id": pd.Series([info.experiment_id for info in infos], dtype="object"),
        "status": pd.Series([str(info.status) for info in infos], dtype="object"),
        "artifact_uri": pd.Series([info.artifact_uri for info in infos], dtype="object"),
        "start_time": times([info.start_time for info in infos]),
        "end_time": times([info.end_time for info in infos]),
    }
    for key in _keys(runs, "metrics"):
        values = [run.data.metrics.get(key, float("nan")) for run in runs]
        columns[f"metrics.{key}"] = pd.Series(values, dtype="float64")
    for field in ("params", "tags"):
        for key in _keys(runs, field):
            values = [getattr(run.data, field).get(key) for run in runs]
            columns[f"{field}.{key}"] = pd.Series(values, dtype="object")
    return pd.DataFrame(columns)
