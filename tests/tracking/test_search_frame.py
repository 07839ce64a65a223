"""runs_to_frame: MLflow's search_runs DataFrame columns, dtypes and missing values."""

from __future__ import annotations

import math
import sys

import pytest

from flowtrack.entities import Run, RunData, RunInfo, RunStatus
from flowtrack.exceptions import MissingDependencyError
from flowtrack.tracking._search_frame import BASE_COLUMNS, runs_to_frame

pd = pytest.importorskip("pandas")


def make_run(
    run_id: str,
    *,
    end_time: int | None = None,
    metrics: dict[str, float] | None = None,
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
) -> Run:
    return Run(
        info=RunInfo(
            run_id=run_id,
            experiment_id="3",
            status=RunStatus.FINISHED if end_time else RunStatus.RUNNING,
            start_time=1_700_000_000_123,
            end_time=end_time,
            artifact_uri=f"memory://a/3/{run_id}/artifacts",
        ),
        data=RunData(metrics=metrics or {}, params=params or {}, tags=tags or {}),
    )


def test_columns_values_and_missing_values() -> None:
    runs = [
        make_run("r1", end_time=1_700_000_060_000, metrics={"rmse": 0.5}, params={"a": "1"}),
        make_run("r2", metrics={"r2": 0.9}, tags={"team": "risk"}),
    ]
    frame = runs_to_frame(runs)
    assert list(frame.columns) == [
        *BASE_COLUMNS,
        "metrics.rmse",
        "metrics.r2",
        "params.a",
        "tags.team",
    ]
    assert frame["run_id"].tolist() == ["r1", "r2"]
    assert frame["experiment_id"].tolist() == ["3", "3"]
    assert frame["status"].tolist() == ["FINISHED", "RUNNING"]
    assert frame["artifact_uri"][0] == "memory://a/3/r1/artifacts"
    assert frame["start_time"][0] == pd.Timestamp(1_700_000_000_123, unit="ms", tz="UTC")
    assert frame["end_time"][0] == pd.Timestamp(1_700_000_060_000, unit="ms", tz="UTC")
    assert frame["end_time"][1] is pd.NaT
    assert str(frame["start_time"].dt.tz) == "UTC"
    assert frame["metrics.rmse"].dtype == "float64"
    assert frame["metrics.rmse"][0] == 0.5
    assert math.isnan(frame["metrics.rmse"][1])
    assert frame["params.a"].tolist() == ["1", None]
    assert frame["tags.team"].tolist() == [None, "risk"]


def test_empty_list_has_base_columns_with_datetime_types() -> None:
    frame = runs_to_frame([])
    assert tuple(frame.columns) == BASE_COLUMNS
    assert len(frame) == 0
    assert str(frame["start_time"].dt.tz) == "UTC"


def test_missing_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes "import pandas" raise ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'flowtrack\[pandas\]'"):
        runs_to_frame([make_run("r1")])
