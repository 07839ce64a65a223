"""Conformance tests for runs: create, read, update, names, delete/restore and purge."""

from __future__ import annotations

import re

import pytest

from flowtrack._private.clock import now_ms
from flowtrack.entities import LifecycleStage, Param, RunStatus, RunTag, ViewType
from flowtrack.exceptions import (
    AlreadyExistsError,
    InvalidParameterError,
    InvalidStateError,
    NotFoundError,
)
from flowtrack.stores.tracking.base import TrackingStore
from flowtrack.testing._tracking_common import (
    RUN_NAME_TAG,
    UNKNOWN_EXPERIMENT_ID,
    UNKNOWN_RUN_ID,
    StoreTestsBase,
    dataset_input,
    metric,
    new_run,
)

__all__ = ["RunTests"]


class RunTests(StoreTestsBase):
    """Runs: fields, names, status and end time, lifecycle, deleted-run listing and purge."""

    def test_create_run_fields(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("exp")
        run = store.create_run(
            experiment_id, "alice", 1234, tags=[RunTag(key="t", value="v")], run_name="my-run"
        )
        info = run.info
        assert re.fullmatch("[0-9a-f]{32}", info.run_id)
        assert info.run_name == "my-run"
        assert info.experiment_id == experiment_id
        assert info.user_id == "alice"
        assert info.status is RunStatus.RUNNING
        assert info.start_time == 1234
        assert info.end_time is None
        assert info.lifecycle_stage is LifecycleStage.ACTIVE
        location = store.get_experiment(experiment_id).artifact_location
        assert info.artifact_uri == f"{location}/{info.run_id}/artifacts"
        assert run.data.tags == {"t": "v", RUN_NAME_TAG: "my-run"}
        assert store.get_run(info.run_id) == run

    def test_run_name_from_tag(self, store: TrackingStore) -> None:
        run = store.create_run("0", "u", 0, tags=[RunTag(key=RUN_NAME_TAG, value="tagged")])
        assert run.info.run_name == "tagged"
        assert run.data.tags[RUN_NAME_TAG] == "tagged"

    def test_generated_run_name(self, store: TrackingStore) -> None:
        run = store.create_run("0", None, 0)
        assert run.info.run_name
        assert run.data.tags[RUN_NAME_TAG] == run.info.run_name
        assert run.info.user_id is None

    def test_create_run_without_start_time_uses_now(self, store: TrackingStore) -> None:
        before = now_ms()
        run = store.create_run("0", "u", None)
        assert run.info.start_time is not None
        assert before <= run.info.start_time <= now_ms()

    @pytest.mark.parametrize("bad_time", [2**63, 10**30, -1, 1.5])
    def test_run_times_out_of_range_are_refused(
        self, store: TrackingStore, bad_time: object
    ) -> None:
        with pytest.raises(InvalidParameterError, match="Invalid start_time"):
            store.create_run("0", "u", bad_time)  # type: ignore[arg-type]
        run_id = new_run(store)
        with pytest.raises(InvalidParameterError, match="Invalid end_time"):
            store.update_run_info(run_id, end_time=bad_time)  # type: ignore[arg-type]
        assert store.get_run(run_id).info.end_time is None

    def test_create_run_with_given_id(self, store: TrackingStore) -> None:
        run_id = "0194f1c2a3b44c5d8e6f708192a3b4c5"
        run = store.create_run("0", "u", 0, run_id=run_id)
        assert run.info.run_id == run_id
        assert (run.info.artifact_uri or "").endswith(f"/{run_id}/artifacts")
        assert store.get_run(run_id) == run

    def test_create_run_with_existing_id_is_refused(self, store: TrackingStore) -> None:
        run = store.create_run("0", "u", 0, tags=[RunTag(key="t", value="kept")])
        with pytest.raises(AlreadyExistsError, match=run.info.run_id):
            store.create_run("0", "other", 5, run_id=run.info.run_id)
        assert store.get_run(run.info.run_id) == run  # nothing overwritten

    @pytest.mark.parametrize("bad_id", ["", "../x", "a b", "-leading-dash"])
    def test_create_run_with_invalid_id(self, store: TrackingStore, bad_id: str) -> None:
        with pytest.raises(InvalidParameterError, match="Invalid run id"):
            store.create_run("0", "u", 0, run_id=bad_id)
        assert list(store.search_runs(["0"], run_view_type=ViewType.ALL)) == []

    def test_create_run_in_unknown_experiment(self, store: TrackingStore) -> None:
        with pytest.raises(NotFoundError, match=UNKNOWN_EXPERIMENT_ID):
            store.create_run(UNKNOWN_EXPERIMENT_ID, "u", 0)

    def test_unknown_run(self, store: TrackingStore) -> None:
        with pytest.raises(NotFoundError, match=UNKNOWN_RUN_ID):
            store.get_run(UNKNOWN_RUN_ID)
        with pytest.raises(NotFoundError, match=UNKNOWN_RUN_ID):
            store.log_batch(UNKNOWN_RUN_ID, params=[Param(key="p", value="v")])
        with pytest.raises(NotFoundError, match=UNKNOWN_RUN_ID):
            store.update_run_info(UNKNOWN_RUN_ID, run_status=RunStatus.FINISHED)
        with pytest.raises(NotFoundError, match=UNKNOWN_RUN_ID):
            store.delete_run(UNKNOWN_RUN_ID)
        with pytest.raises(NotFoundError, match=UNKNOWN_RUN_ID):
            store.delete_tag(UNKNOWN_RUN_ID, "t")
        with pytest.raises(NotFoundError, match=UNKNOWN_RUN_ID):
            store.log_inputs(UNKNOWN_RUN_ID, [dataset_input("d", "1")])
        with pytest.raises(NotFoundError, match=UNKNOWN_RUN_ID):
            store.get_metric_history(UNKNOWN_RUN_ID, "m")

    def test_update_run_info(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        info = store.update_run_info(run_id, run_status=RunStatus.FAILED, end_time=5000)
        assert info.status is RunStatus.FAILED
        assert info.end_time == 5000
        assert store.get_run(run_id).info == info

    def test_update_run_name_updates_tag(self, store: TrackingStore) -> None:
        run_id = new_run(store, name="before")
        info = store.update_run_info(run_id, run_name="after")
        assert info.run_name == "after"
        run = store.get_run(run_id)
        assert run.info.run_name == "after"
        assert run.data.tags[RUN_NAME_TAG] == "after"
        assert run.info.status is RunStatus.RUNNING

    def test_run_name_tag_updates_run_name(self, store: TrackingStore) -> None:
        run_id = new_run(store, name="before")
        store.set_tag(run_id, RunTag(key=RUN_NAME_TAG, value="after"))
        assert store.get_run(run_id).info.run_name == "after"

    def test_set_terminated(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        info = store.set_terminated(run_id, end_time=9000)
        assert (info.status, info.end_time) == (RunStatus.FINISHED, 9000)
        info = store.set_terminated(run_id, RunStatus.KILLED, end_time=9500)
        assert (info.status, info.end_time) == (RunStatus.KILLED, 9500)

    def test_delete_and_restore_run(self, store: TrackingStore) -> None:
        run_id = new_run(store, params={"p": "v"})
        store.delete_run(run_id)
        deleted = store.get_run(run_id)
        assert deleted.info.lifecycle_stage is LifecycleStage.DELETED
        assert deleted.data.params == {"p": "v"}
        store.restore_run(run_id)
        assert store.get_run(run_id).info.lifecycle_stage is LifecycleStage.ACTIVE
        assert store.list_deleted_runs() == []

    def test_writes_to_deleted_run_fail(self, store: TrackingStore) -> None:
        run_id = new_run(store, tags={"t": "v"})
        store.delete_run(run_id)
        with pytest.raises(InvalidStateError):
            store.log_metric(run_id, metric("m", 1.0))
        with pytest.raises(InvalidStateError):
            store.log_param(run_id, Param(key="p", value="v"))
        with pytest.raises(InvalidStateError):
            store.set_tag(run_id, RunTag(key="t", value="w"))
        with pytest.raises(InvalidStateError):
            store.delete_tag(run_id, "t")
        with pytest.raises(InvalidStateError):
            store.log_inputs(run_id, [dataset_input("d", "1")])
        with pytest.raises(InvalidStateError):
            store.update_run_info(run_id, run_status=RunStatus.FINISHED)
        data = store.get_run(run_id).data
        assert (data.metrics, data.params, data.tags["t"]) == ({}, {}, "v")

    def test_list_deleted_runs_older_than(self, store: TrackingStore) -> None:
        kept, deleted = new_run(store), new_run(store)
        store.delete_run(deleted)
        assert store.list_deleted_runs() == [deleted]
        assert store.list_deleted_runs(older_than_ms=0) == [deleted]
        assert store.list_deleted_runs(older_than_ms=10**12) == []
        assert kept not in store.list_deleted_runs()

    def test_purge_runs(self, store: TrackingStore) -> None:
        a, b = new_run(store, metrics={"m": 1.0}), new_run(store)
        store.delete_run(a)
        with pytest.raises(InvalidStateError, match=b):
            store.purge_runs([a, b])
        assert store.get_run(a).info.lifecycle_stage is LifecycleStage.DELETED  # nothing purged
        store.purge_runs([a])
        with pytest.raises(NotFoundError):
            store.get_run(a)
        assert store.list_deleted_runs() == []
        with pytest.raises(NotFoundError):
            store.purge_runs([UNKNOWN_RUN_ID])
