"""The memory store: the conformance suite, plus what only an in-process store can show."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from flowtrack.entities import (
    Dataset,
    DatasetInput,
    InputTag,
    LifecycleStage,
    Metric,
    Param,
    RunStatus,
    RunTag,
)
from flowtrack.exceptions import InvalidParameterError, InvalidStateError
from flowtrack.stores.tracking.base import TrackingStore
from flowtrack.stores.tracking.memory import MemoryTrackingStore
from flowtrack.stores.tracking.selection import resolve_tracking_store_class
from flowtrack.testing.logged_models import LoggedModelTests
from flowtrack.testing.tracking import TrackingStoreTests


class TestMemoryStore(TrackingStoreTests, LoggedModelTests):
    """Runs the whole conformance suite against a fresh memory store per test."""

    @pytest.fixture
    def store(self) -> Iterator[TrackingStore]:
        store = MemoryTrackingStore("memory:")
        yield store
        store.close()


def test_selected_by_the_memory_scheme() -> None:
    store = resolve_tracking_store_class("memory:")("memory:")
    assert isinstance(store, MemoryTrackingStore)
    assert store.get_experiment("0").artifact_location == "memory://flowtrack-artifacts/0"


def test_artifact_root_override() -> None:
    store = MemoryTrackingStore("memory:", default_artifact_root="s3://bucket/root/")
    experiment_id = store.create_experiment("exp")
    run = store.create_run(experiment_id, "u", 0)
    assert (
        store.get_experiment(experiment_id).artifact_location == f"s3://bucket/root/{experiment_id}"
    )
    assert run.info.artifact_uri == f"s3://bucket/root/{experiment_id}/{run.info.run_id}/artifacts"


def test_stores_are_independent() -> None:
    first, second = MemoryTrackingStore(), MemoryTrackingStore()
    first.create_experiment("only-in-first")
    assert second.get_experiment_by_name("only-in-first") is None


def test_returned_entities_do_not_alias_store_state() -> None:
    store = MemoryTrackingStore()
    run = store.create_run("0", "u", 0)
    logged = DatasetInput(dataset=Dataset(name="d", digest="1", source_type="local", source="{}"))
    store.log_inputs(run.info.run_id, [logged])
    logged.tags.append(InputTag(key="sneaky", value="x"))
    run = store.get_run(run.info.run_id)
    run.data.tags["sneaky"] = "x"
    run.inputs.dataset_inputs[0].tags.append(InputTag(key="sneaky", value="x"))
    store.get_experiment("0").tags["sneaky"] = "x"
    again = store.get_run(run.info.run_id)
    assert "sneaky" not in again.data.tags
    assert again.inputs.dataset_inputs[0].tags == []
    assert store.get_experiment("0").tags == {}


def test_enum_arguments_accept_strings_and_reject_unknown_values() -> None:
    store = MemoryTrackingStore()
    run_id = store.create_run("0", "u", 0).info.run_id
    info = store.update_run_info(run_id, run_status="FAILED")  # type: ignore[arg-type]
    assert info.status is RunStatus.FAILED
    with pytest.raises(InvalidParameterError, match=r"'DONE'.*FINISHED"):
        store.update_run_info(run_id, run_status="DONE")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="view type 7"):
        store.search_runs(["0"], run_view_type=7)  # type: ignore[arg-type]


def test_default_experiment_cannot_be_deleted_or_purged() -> None:
    store = MemoryTrackingStore()
    with pytest.raises(InvalidStateError, match="Default experiment '0' cannot be deleted"):
        store.delete_experiment("0")
    with pytest.raises(InvalidStateError, match="Default experiment '0' cannot be purged"):
        store.purge_experiment("0")
    assert store.get_experiment("0").lifecycle_stage is LifecycleStage.ACTIVE


def test_run_in_deleted_experiment_cannot_be_restored_alone() -> None:
    store = MemoryTrackingStore()
    experiment_id = store.create_experiment("exp")
    run_id = store.create_run(experiment_id, "u", 0).info.run_id
    store.delete_experiment(experiment_id)
    with pytest.raises(InvalidStateError, match="restore it before restoring run"):
        store.restore_run(run_id)


def test_list_deleted_runs_rejects_negative_age() -> None:
    with pytest.raises(InvalidParameterError, match="older_than_ms -1"):
        MemoryTrackingStore().list_deleted_runs(older_than_ms=-1)


def test_concurrent_writers_lose_nothing() -> None:
    store = MemoryTrackingStore()
    run_id = store.create_run("0", "u", 0).info.run_id
    threads, points = 8, 250

    def work(worker: int) -> str:
        for step in range(points):
            store.log_metric(run_id, Metric(key="shared", value=step, timestamp=worker, step=step))
        store.log_batch(
            run_id,
            metrics=[Metric(key=f"w{worker}", value=i, timestamp=0, step=i) for i in range(points)],
            params=[Param(key=f"p{worker}", value=str(worker))],
            tags=[RunTag(key="last", value=str(worker))],
        )
        experiment_id = store.create_experiment(f"exp-{worker}")
        return store.create_run(experiment_id, "u", worker).info.run_id

    with ThreadPoolExecutor(max_workers=threads) as pool:
        created = list(pool.map(work, range(threads)))

    run = store.get_run(run_id)
    assert len(store.get_metric_history(run_id, "shared")) == threads * points
    for worker in range(threads):
        assert len(store.get_metric_history(run_id, f"w{worker}")) == points
        assert run.data.params[f"p{worker}"] == str(worker)
    assert run.data.metrics["shared"] == points - 1
    assert run.data.tags["last"] in {str(w) for w in range(threads)}
    assert len(set(created)) == threads
    experiments = store.search_experiments(filter_string="name LIKE 'exp-%'")
    assert sorted(int(e.experiment_id) for e in experiments) == list(range(1, threads + 1))
