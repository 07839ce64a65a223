"""Conformance tests for experiments: create, read, rename, delete/restore, tags, purge, search."""

from __future__ import annotations

import re

import pytest

from flowtrack._private.clock import now_ms
from flowtrack.entities import ExperimentTag, LifecycleStage, ViewType
from flowtrack.exceptions import (
    AlreadyExistsError,
    InvalidParameterError,
    InvalidStateError,
    NotFoundError,
)
from flowtrack.stores.tracking.base import DEFAULT_EXPERIMENT_ID, TrackingStore
from flowtrack.testing._tracking_common import UNKNOWN_EXPERIMENT_ID, StoreTestsBase, new_run

__all__ = ["ExperimentTests"]


def _experiment_names(
    store: TrackingStore,
    filter_string: str | None = None,
    order_by: list[str] | None = None,
    view_type: ViewType = ViewType.ACTIVE_ONLY,
) -> list[str]:
    """The names of the experiments a search finds, in order."""
    found = store.search_experiments(
        view_type=view_type, filter_string=filter_string, order_by=order_by
    )
    return [e.name for e in found]


class ExperimentTests(StoreTestsBase):
    """Experiments: the Default experiment, names, tags, lifecycle, purge and search."""

    def test_default_experiment_exists(self, store: TrackingStore) -> None:
        default = store.get_experiment(DEFAULT_EXPERIMENT_ID)
        assert default.name == "Default"
        assert default.lifecycle_stage is LifecycleStage.ACTIVE
        assert default.artifact_location.endswith("/0")
        assert store.get_experiment_by_name("Default") == default

    def test_create_experiment_fields(self, store: TrackingStore) -> None:
        before = now_ms()
        experiment_id = store.create_experiment("exp", tags=[ExperimentTag(key="k", value="v")])
        experiment = store.get_experiment(experiment_id)
        assert experiment_id.isdigit()
        assert experiment_id != DEFAULT_EXPERIMENT_ID
        assert experiment.experiment_id == experiment_id
        assert experiment.name == "exp"
        assert experiment.lifecycle_stage is LifecycleStage.ACTIVE
        assert experiment.tags == {"k": "v"}
        assert experiment.artifact_location.endswith(f"/{experiment_id}")
        assert experiment.creation_time is not None
        assert experiment.creation_time >= before
        assert experiment.last_update_time == experiment.creation_time

    def test_experiment_ids_are_distinct(self, store: TrackingStore) -> None:
        ids = [store.create_experiment(f"e{i}") for i in range(5)]
        assert len(set(ids)) == 5
        assert all(i.isdigit() for i in ids)

    def test_explicit_artifact_location(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("exp", artifact_location="memory://elsewhere/x")
        assert store.get_experiment(experiment_id).artifact_location == "memory://elsewhere/x"

    def test_duplicate_experiment_name(self, store: TrackingStore) -> None:
        store.create_experiment("taken")
        with pytest.raises(AlreadyExistsError, match="taken"):
            store.create_experiment("taken")

    def test_name_of_deleted_experiment_stays_taken(self, store: TrackingStore) -> None:
        store.delete_experiment(store.create_experiment("gone"))
        with pytest.raises(AlreadyExistsError, match="deleted"):
            store.create_experiment("gone")

    @pytest.mark.parametrize("bad", ["", "   ", "x" * 501])
    def test_invalid_experiment_name(self, store: TrackingStore, bad: str) -> None:
        with pytest.raises(InvalidParameterError):
            store.create_experiment(bad)

    def test_unknown_experiment(self, store: TrackingStore) -> None:
        with pytest.raises(NotFoundError, match=UNKNOWN_EXPERIMENT_ID):
            store.get_experiment(UNKNOWN_EXPERIMENT_ID)
        with pytest.raises(NotFoundError, match=UNKNOWN_EXPERIMENT_ID):
            store.rename_experiment(UNKNOWN_EXPERIMENT_ID, "x")
        assert store.get_experiment_by_name("nobody") is None

    def test_get_experiment_by_name_finds_deleted(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("gone")
        store.delete_experiment(experiment_id)
        found = store.get_experiment_by_name("gone")
        assert found is not None
        assert found.experiment_id == experiment_id
        assert found.lifecycle_stage is LifecycleStage.DELETED

    def test_experiment_tags_set_overwrite_delete(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("exp")
        store.set_experiment_tag(experiment_id, ExperimentTag(key="a", value="1"))
        store.set_experiment_tag(experiment_id, ExperimentTag(key="b", value="2"))
        store.set_experiment_tag(experiment_id, ExperimentTag(key="a", value="3"))
        assert store.get_experiment(experiment_id).tags == {"a": "3", "b": "2"}
        store.delete_experiment_tag(experiment_id, "a")
        assert store.get_experiment(experiment_id).tags == {"b": "2"}
        with pytest.raises(NotFoundError, match="'a'"):
            store.delete_experiment_tag(experiment_id, "a")

    def test_experiment_tag_name_is_validated(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("exp")
        with pytest.raises(InvalidParameterError, match="tag name"):
            store.set_experiment_tag(experiment_id, ExperimentTag(key="../x", value="v"))
        assert store.get_experiment(experiment_id).tags == {}

    def test_experiment_tag_name_with_trailing_newline(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("exp")
        with pytest.raises(InvalidParameterError, match="tag name"):
            store.set_experiment_tag(experiment_id, ExperimentTag(key="ab\n", value="v"))
        with pytest.raises(InvalidParameterError, match="tag name"):
            store.create_experiment("other", tags=[ExperimentTag(key="ab\n", value="v")])
        assert store.get_experiment(experiment_id).tags == {}
        assert store.get_experiment_by_name("other") is None

    def test_rename_experiment(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("old")
        before = store.get_experiment(experiment_id)
        store.rename_experiment(experiment_id, "new")
        after = store.get_experiment(experiment_id)
        assert after.name == "new"
        assert (after.last_update_time or 0) >= (before.last_update_time or 0) > 0
        assert store.get_experiment_by_name("old") is None
        store.create_experiment("old")  # the old name is free again

    def test_rename_to_taken_name(self, store: TrackingStore) -> None:
        store.create_experiment("a")
        experiment_id = store.create_experiment("b")
        with pytest.raises(AlreadyExistsError, match="'a'"):
            store.rename_experiment(experiment_id, "a")
        assert store.get_experiment(experiment_id).name == "b"

    def test_rename_deleted_experiment(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("a")
        store.delete_experiment(experiment_id)
        with pytest.raises(InvalidStateError):
            store.rename_experiment(experiment_id, "b")

    def test_delete_experiment_deletes_its_runs(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("exp")
        run_id = new_run(store, experiment_id)
        store.delete_experiment(experiment_id)
        assert store.get_experiment(experiment_id).lifecycle_stage is LifecycleStage.DELETED
        assert store.get_run(run_id).info.lifecycle_stage is LifecycleStage.DELETED
        assert run_id in store.list_deleted_runs()
        with pytest.raises(InvalidStateError):
            store.create_run(experiment_id, "u", 0)

    def test_restore_experiment_restores_only_cascaded_runs(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("exp")
        deleted_before = new_run(store, experiment_id)
        live = new_run(store, experiment_id)
        store.delete_run(deleted_before)
        store.delete_experiment(experiment_id)
        store.restore_experiment(experiment_id)
        assert store.get_experiment(experiment_id).lifecycle_stage is LifecycleStage.ACTIVE
        assert store.get_run(live).info.lifecycle_stage is LifecycleStage.ACTIVE
        assert store.get_run(deleted_before).info.lifecycle_stage is LifecycleStage.DELETED
        assert store.list_deleted_runs() == [deleted_before]

    def test_default_experiment_cannot_be_deleted(self, store: TrackingStore) -> None:
        run_id = new_run(store, DEFAULT_EXPERIMENT_ID)
        with pytest.raises(InvalidStateError, match="Default"):
            store.delete_experiment(DEFAULT_EXPERIMENT_ID)
        with pytest.raises(InvalidStateError, match="Default"):
            store.update_experiment(
                DEFAULT_EXPERIMENT_ID, name="renamed", lifecycle_stage=LifecycleStage.DELETED
            )
        default = store.get_experiment(DEFAULT_EXPERIMENT_ID)
        assert (default.name, default.lifecycle_stage) == ("Default", LifecycleStage.ACTIVE)
        assert store.get_run(run_id).info.lifecycle_stage is LifecycleStage.ACTIVE
        assert store.list_deleted_runs() == []
        with pytest.raises(InvalidStateError):
            store.purge_experiment(DEFAULT_EXPERIMENT_ID)
        store.restore_experiment(DEFAULT_EXPERIMENT_ID)  # restoring an active one changes nothing
        assert new_run(store, DEFAULT_EXPERIMENT_ID)

    def test_purge_experiment(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("exp")
        run_id = new_run(store, experiment_id, metrics={"m": 1.0})
        with pytest.raises(InvalidStateError):
            store.purge_experiment(experiment_id)
        store.delete_experiment(experiment_id)
        store.purge_experiment(experiment_id)
        with pytest.raises(NotFoundError):
            store.get_experiment(experiment_id)
        with pytest.raises(NotFoundError):
            store.get_run(run_id)
        assert store.get_experiment_by_name("exp") is None
        assert run_id not in store.list_deleted_runs()

    # ------------------------------------------------------------------ search_experiments

    def test_search_experiments_view_types(self, store: TrackingStore) -> None:
        store.create_experiment("live")
        store.delete_experiment(store.create_experiment("dead"))
        assert sorted(_experiment_names(store)) == ["Default", "live"]
        deleted = _experiment_names(store, view_type=ViewType.DELETED_ONLY)
        assert deleted == ["dead"]
        everything = _experiment_names(store, view_type=ViewType.ALL)
        assert sorted(everything) == ["Default", "dead", "live"]

    def test_search_experiments_default_order(self, store: TrackingStore) -> None:
        for i in range(4):
            store.create_experiment(f"e{i}")
        found = store.search_experiments()
        assert len(found) == 5
        expected = sorted(found, key=lambda e: (-(e.creation_time or 0), int(e.experiment_id)))
        assert [e.experiment_id for e in found] == [e.experiment_id for e in expected]

    @pytest.mark.parametrize(
        ("filter_string", "expected"),
        [
            ("name = 'alpha'", ["alpha"]),
            ("attributes.name != 'alpha'", ["Alpha-2", "beta", "Default"]),
            ("name LIKE 'alpha%'", ["alpha"]),
            ("name ILIKE 'alpha%'", ["alpha", "Alpha-2"]),
            ("name LIKE '_eta'", ["beta"]),
            ("tags.team = 'red'", ["alpha"]),
            ("tags.team != 'red'", ["Alpha-2", "beta"]),
            ("tags.team LIKE 'r%'", ["alpha"]),
            ("tags.team ILIKE 'R%'", ["alpha", "Alpha-2"]),
            ("tags.team ILIKE 'R%' AND name LIKE 'A%'", ["Alpha-2"]),
        ],
    )
    def test_search_experiments_filters(
        self, store: TrackingStore, filter_string: str, expected: list[str]
    ) -> None:
        store.create_experiment("alpha", tags=[ExperimentTag(key="team", value="red")])
        store.create_experiment("Alpha-2", tags=[ExperimentTag(key="team", value="Red")])
        store.create_experiment("beta", tags=[ExperimentTag(key="team", value="blue")])
        found = _experiment_names(store, filter_string=filter_string)
        assert sorted(found) == sorted(expected)

    def test_search_experiments_by_id_and_times(self, store: TrackingStore) -> None:
        a, b = store.create_experiment("a"), store.create_experiment("b")
        created = store.get_experiment(b).creation_time
        assert created is not None
        in_list = _experiment_names(store, filter_string=f"experiment_id IN ('{a}', '{b}')")
        assert sorted(in_list) == ["a", "b"]
        assert _experiment_names(store, filter_string=f"experiment_id = '{a}'") == ["a"]
        not_in = _experiment_names(store, filter_string=f"experiment_id NOT IN ('{a}')")
        assert sorted(not_in) == ["Default", "b"]
        assert _experiment_names(store, filter_string=f"creation_time > {created}") == []
        later = _experiment_names(store, filter_string=f"creation_time >= {created}")
        assert "b" in later
        assert _experiment_names(store, filter_string="last_update_time < 0") == []

    def test_search_experiments_order_by(self, store: TrackingStore) -> None:
        for name in ["b", "C", "a"]:
            store.create_experiment(name)
        assert _experiment_names(store, order_by=["name"]) == ["C", "Default", "a", "b"]
        assert _experiment_names(store, order_by=["name DESC"]) == ["b", "a", "Default", "C"]
        by_update = store.search_experiments(order_by=["last_update_time ASC"])
        times = [e.last_update_time or 0 for e in by_update]
        assert times == sorted(times)

    def test_search_experiments_order_by_id_is_numeric(self, store: TrackingStore) -> None:
        ids = [store.create_experiment(f"e{i}") for i in range(11)]
        found = store.search_experiments(order_by=["experiment_id ASC"])
        assert [e.experiment_id for e in found] == sorted(["0", *ids], key=int)
        found = store.search_experiments(order_by=["attributes.experiment_id DESC"])
        assert [e.experiment_id for e in found] == sorted(["0", *ids], key=int, reverse=True)

    def test_search_experiments_paging(self, store: TrackingStore) -> None:
        for i in range(6):
            store.create_experiment(f"e{i}")
        everything = [e.experiment_id for e in store.search_experiments()]
        seen: list[str] = []
        token: str | None = None
        for _ in range(10):
            page = store.search_experiments(max_results=2, page_token=token)
            assert len(page) <= 2
            seen.extend(e.experiment_id for e in page)
            token = page.token
            if token is None:
                break
        assert seen == everything
        assert len(seen) == 7

    def test_search_experiments_bad_arguments(self, store: TrackingStore) -> None:
        with pytest.raises(InvalidParameterError, match=re.escape("'name >> 1'")):
            store.search_experiments(filter_string="name >> 1")
        with pytest.raises(InvalidParameterError, match="order_by"):
            store.search_experiments(order_by=["tags.x"])
        with pytest.raises(InvalidParameterError, match="max_results"):
            store.search_experiments(max_results=0)
        with pytest.raises(InvalidParameterError, match="page token"):
            store.search_experiments(page_token="not-a-token")
