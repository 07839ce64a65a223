"""Fluent search_runs: experiment resolution, paging, output formats, errors."""

from __future__ import annotations

import pytest

import flowtrack as mlflow
from flowtrack.entities import Run, ViewType
from flowtrack.exceptions import InvalidParameterError

pytestmark = pytest.mark.usefixtures("tracking_uri")


def make_runs(experiment: str, scores: list[float]) -> list[str]:
    mlflow.set_experiment(experiment)
    run_ids = []
    for score in scores:
        with mlflow.start_run() as run:
            mlflow.log_metric("score", score)
            mlflow.log_param("model", "rf" if score > 0.5 else "lr")
        run_ids.append(run.info.run_id)
    return run_ids


def test_defaults_to_the_active_experiment() -> None:
    make_runs("a", [0.1])
    b_ids = make_runs("b", [0.2, 0.3])
    runs = mlflow.search_runs(output_format="list")
    assert sorted(r.info.run_id for r in runs) == sorted(b_ids)
    assert all(isinstance(r, Run) for r in runs)


def test_by_ids_names_and_all_experiments() -> None:
    a_ids = make_runs("a", [0.1])
    b_ids = make_runs("b", [0.9])
    a_id = mlflow.get_experiment_by_name("a").experiment_id  # type: ignore[union-attr]
    by_id = mlflow.search_runs(experiment_ids=[a_id], output_format="list")
    assert [r.info.run_id for r in by_id] == a_ids
    by_single_id = mlflow.search_runs(experiment_ids=a_id, output_format="list")
    assert [r.info.run_id for r in by_single_id] == a_ids
    by_name = mlflow.search_runs(experiment_names=["b", "no such"], output_format="list")
    assert [r.info.run_id for r in by_name] == b_ids
    assert mlflow.search_runs(experiment_names=["no such"], output_format="list") == []
    everything = mlflow.search_runs(search_all_experiments=True, output_format="list")
    assert sorted(r.info.run_id for r in everything) == sorted(a_ids + b_ids)


def test_filter_order_and_frame() -> None:
    make_runs("scores", [0.2, 0.8, 0.6])
    frame = mlflow.search_runs(filter_string="params.model = 'rf'", order_by=["metrics.score"])
    assert frame["metrics.score"].tolist() == [0.6, 0.8]
    assert frame["params.model"].tolist() == ["rf", "rf"]
    assert set(frame["status"]) == {"FINISHED"}
    assert str(frame["start_time"].dt.tz) == "UTC"
    assert "tags.mlflow.runName" in frame.columns


def test_max_results_pages_through_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    from flowtrack.tracking.fluent import search

    monkeypatch.setattr(search, "_RUN_PAGE_SIZE", 2)
    make_runs("many", [i / 10 for i in range(7)])
    assert len(mlflow.search_runs(output_format="list")) == 7
    top = mlflow.search_runs(max_results=3, order_by=["metrics.score DESC"], output_format="list")
    assert [r.data.metrics["score"] for r in top] == [0.6, 0.5, 0.4]


def test_deleted_runs_by_view_type() -> None:
    run_ids = make_runs("deleting", [0.1, 0.2])
    mlflow.delete_run(run_ids[0])
    assert len(mlflow.search_runs(output_format="list")) == 1
    deleted = mlflow.search_runs(run_view_type=ViewType.DELETED_ONLY, output_format="list")
    assert [r.info.run_id for r in deleted] == [run_ids[0]]


def test_errors_name_the_bad_value() -> None:
    with pytest.raises(InvalidParameterError, match=r"'polars'.*'pandas' or 'list'"):
        mlflow.search_runs(output_format="polars")
    with pytest.raises(InvalidParameterError, match="not both"):
        mlflow.search_runs(experiment_ids=["0"], experiment_names=["Default"])
    with pytest.raises(InvalidParameterError, match=r"metrics\.x >>"):
        mlflow.search_runs(filter_string="metrics.x >> 1", output_format="list")


def test_empty_result_frame_has_base_columns() -> None:
    frame = mlflow.search_runs()
    assert list(frame.columns) == [
        "run_id",
        "experiment_id",
        "status",
        "artifact_uri",
        "start_time",
        "end_time",
    ]
    assert len(frame) == 0


@pytest.mark.parametrize("max_results", [0, -1, 2.5, True])
def test_max_results_must_be_positive(max_results: object) -> None:
    with pytest.raises(InvalidParameterError, match=f"Invalid max_results {max_results!r}"):
        mlflow.search_runs(max_results=max_results, output_format="list")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="Invalid max_results"):
        mlflow.search_experiments(max_results=max_results)  # type: ignore[arg-type]
