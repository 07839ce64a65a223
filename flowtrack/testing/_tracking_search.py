"""Conformance tests for search_runs: filters, ordering, scope, view types and paging.

The expected results follow the semantics documented in :mod:`flowtrack.search.evaluate`.
"""

from __future__ import annotations

import math
import re

import pytest

from flowtrack.entities import ViewType
from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores.tracking.base import DEFAULT_EXPERIMENT_ID, TrackingStore
from flowtrack.testing._tracking_common import (
    RUN_NAME_TAG,
    UNKNOWN_EXPERIMENT_ID,
    StoreTestsBase,
    dataset_input,
    names,
    new_run,
)

__all__ = ["SearchRunsTests"]


def _search_world(store: TrackingStore) -> dict[str, str]:
    """Runs a-d in one experiment; returns run name -> run id.

    a: acc 0.5, loss 1, model 'rf', lr '0.1', team 'Red', alice, FINISHED, start 3000, end 4000
    b: acc 0.9, model 'RF-large', team 'red', bob, start 2000
    c: acc NaN, model 'svm', alice, start 1000
    d: no metrics or params, team 'blue', start 2000
    """
    experiment_id = store.create_experiment("search")
    ids = {
        "a": new_run(
            store,
            experiment_id,
            name="a",
            start_time=3000,
            user_id="alice",
            metrics={"acc": 0.5, "loss": 1.0},
            params={"model": "rf", "lr": "0.1"},
            tags={"team": "Red"},
        ),
        "b": new_run(
            store,
            experiment_id,
            name="b",
            start_time=2000,
            user_id="bob",
            metrics={"acc": 0.9},
            params={"model": "RF-large"},
            tags={"team": "red"},
        ),
        "c": new_run(
            store,
            experiment_id,
            name="c",
            start_time=1000,
            user_id="alice",
            metrics={"acc": math.nan},
            params={"model": "svm"},
        ),
        "d": new_run(store, experiment_id, name="d", start_time=2000, tags={"team": "blue"}),
    }
    store.set_terminated(ids["a"], end_time=4000)
    return ids


def _matching(store: TrackingStore, filter_string: str) -> list[str]:
    """The sorted names of the runs in the "search" experiment that match a filter."""
    experiment = store.get_experiment_by_name("search")
    assert experiment is not None
    return sorted(names(store.search_runs([experiment.experiment_id], filter_string)))


def _ordered(store: TrackingStore, order_by: list[str]) -> list[str]:
    """The names of all runs in the "search" experiment, in the order an order_by gives."""
    experiment = store.get_experiment_by_name("search")
    assert experiment is not None
    return names(store.search_runs([experiment.experiment_id], order_by=order_by))


class SearchRunsTests(StoreTestsBase):
    """search_runs over a small world of runs a-d: every operator, key type and order."""

    @pytest.mark.parametrize(
        ("filter_string", "expected"),
        [
            ("", ["a", "b", "c", "d"]),
            ("metrics.acc = 0.5", ["a"]),
            ("metrics.acc != 0.5", ["b", "c"]),
            ("metrics.acc <> 0.5", ["b", "c"]),
            ("metrics.acc < 0.9", ["a"]),
            ("metrics.acc <= 0.9", ["a", "b"]),
            ("metrics.acc > 0.5", ["b"]),
            ("metrics.acc >= 0.5", ["a", "b"]),
            ("metrics.acc > -1e308", ["a", "b"]),
            ("metrics.loss = 1", ["a"]),
            ("metrics.loss != 2", ["a"]),
            ("metrics.missing != 0", []),
        ],
    )
    def test_search_metrics(
        self, store: TrackingStore, filter_string: str, expected: list[str]
    ) -> None:
        _search_world(store)
        assert _matching(store, filter_string) == expected

    @pytest.mark.parametrize(
        ("filter_string", "expected"),
        [
            ("params.model = 'rf'", ["a"]),
            ("params.model != 'rf'", ["b", "c"]),
            ("params.model LIKE 'rf%'", ["a"]),
            ("params.model ILIKE 'rf%'", ["a", "b"]),
            ("params.model LIKE '_f'", ["a"]),
            ("params.model LIKE '%-%'", ["b"]),
            ("params.model LIKE 'r'", []),
            ("params.model IN ('rf', 'svm')", ["a", "c"]),
            ("params.model NOT IN ('rf')", ["b", "c"]),
            ("params.lr = '0.1'", ["a"]),
            ("params.lr != 'x'", ["a"]),
            ("params.lr NOT IN ('x')", ["a"]),
            ("params.lr LIKE '0_1'", ["a"]),
            ("params.lr LIKE '0.%' AND params.model = 'rf'", ["a"]),
        ],
    )
    def test_search_params(
        self, store: TrackingStore, filter_string: str, expected: list[str]
    ) -> None:
        _search_world(store)
        assert _matching(store, filter_string) == expected

    @pytest.mark.parametrize(
        ("filter_string", "expected"),
        [
            ("tags.team = 'red'", ["b"]),
            ("tags.team != 'red'", ["a", "d"]),
            ("tags.team LIKE 'R%'", ["a"]),
            ("tags.team ILIKE 'RED'", ["a", "b"]),
            ("tags.team ILIKE '%E%'", ["a", "b", "d"]),
            ("tags.team IN ('Red', 'blue')", ["a", "d"]),
            ("tags.team NOT IN ('blue')", ["a", "b"]),
            (f"tags.`{RUN_NAME_TAG}` = 'c'", ["c"]),
        ],
    )
    def test_search_tags(
        self, store: TrackingStore, filter_string: str, expected: list[str]
    ) -> None:
        _search_world(store)
        assert _matching(store, filter_string) == expected

    @pytest.mark.parametrize(
        ("filter_string", "expected"),
        [
            ("status = 'FINISHED'", ["a"]),
            ("attributes.status != 'FINISHED'", ["b", "c", "d"]),
            ("status IN ('RUNNING')", ["b", "c", "d"]),
            ("run_name = 'b'", ["b"]),
            ("attributes.run_name IN ('a', 'c')", ["a", "c"]),
            ("run_name LIKE '%'", ["a", "b", "c", "d"]),
            ("user_id = 'alice'", ["a", "c"]),
            ("user_id ILIKE 'BOB'", ["b"]),
            ("lifecycle_stage = 'active'", ["a", "b", "c", "d"]),
            ("artifact_uri LIKE '%/artifacts'", ["a", "b", "c", "d"]),
            ("start_time >= 2000", ["a", "b", "d"]),
            ("attributes.start_time < 2000", ["c"]),
            ("start_time = 2000", ["b", "d"]),
            ("created > 2500", ["a"]),
            ("end_time > 0", ["a"]),
            ("end_time != 1", ["a"]),
            ("start_time >= 2000 AND user_id = 'alice' AND status = 'FINISHED'", ["a"]),
        ],
    )
    def test_search_attributes(
        self, store: TrackingStore, filter_string: str, expected: list[str]
    ) -> None:
        _search_world(store)
        assert _matching(store, filter_string) == expected

    def test_search_by_run_id(self, store: TrackingStore) -> None:
        ids = _search_world(store)
        assert _matching(store, f"run_id = '{ids['a']}'") == ["a"]
        assert _matching(store, f"attributes.run_id IN ('{ids['b']}', '{ids['d']}')") == [
            "b",
            "d",
        ]
        assert _matching(store, f"run_id NOT IN ('{ids['b']}')") == ["a", "c", "d"]

    @pytest.mark.parametrize(
        ("filter_string", "expected"),
        [
            ("datasets.name = 'mnist'", ["a", "b"]),
            ("datasets.name != 'mnist'", ["a"]),
            ("datasets.digest IN ('d2')", ["a"]),
            ("datasets.digest NOT IN ('d1')", ["a"]),
            ("datasets.context = 'training'", ["a"]),
            ("datasets.context != 'training'", ["a"]),
            ("datasets.name LIKE 'mnist%' AND datasets.context = 'evaluation'", ["a"]),
            ("datasets.name ILIKE 'MNIST'", ["a", "b"]),
        ],
    )
    def test_search_datasets(
        self, store: TrackingStore, filter_string: str, expected: list[str]
    ) -> None:
        ids = _search_world(store)
        store.log_inputs(
            ids["a"],
            [
                dataset_input("mnist", "d1", "training"),
                dataset_input("mnist-test", "d2", "evaluation"),
            ],
        )
        store.log_inputs(ids["b"], [dataset_input("mnist", "d1")])
        assert _matching(store, filter_string) == expected

    def test_search_special_floats(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("search")
        values = {"inf": math.inf, "ninf": -math.inf, "nan": math.nan, "one": 1.0}
        for name, value in values.items():
            new_run(store, experiment_id, name=name, metrics={"m": value})
        assert _matching(store, "metrics.m > 1e308") == ["inf"]
        assert _matching(store, "metrics.m < -1e308") == ["ninf"]
        assert _matching(store, "metrics.m = 1") == ["one"]
        assert _matching(store, "metrics.m != 1") == ["inf", "nan", "ninf"]
        assert _matching(store, "metrics.m >= -1e308 AND metrics.m <= 1e308") == ["one"]

    # ------------------------------------------------------------------ ordering

    def test_default_order(self, store: TrackingStore) -> None:
        ids = _search_world(store)
        middle = sorted(["b", "d"], key=lambda n: ids[n])
        assert _ordered(store, []) == ["a", *middle, "c"]
        assert _ordered(store, ["start_time ASC"]) == ["c", *middle, "a"]
        # b, c and d have no end_time: they sort last, by the tie-breakers
        assert _ordered(store, ["end_time DESC"]) == ["a", *middle, "c"]
        assert _ordered(store, ["end_time ASC"]) == ["a", *middle, "c"]

    @pytest.mark.parametrize(
        ("order_by", "expected"),
        [
            (["metrics.acc ASC"], ["a", "b", "d", "c"]),
            (["metrics.acc DESC"], ["b", "a", "d", "c"]),
            (["metrics.acc"], ["a", "b", "d", "c"]),
            (["params.model"], ["b", "a", "c", "d"]),
            (["params.model DESC"], ["c", "a", "b", "d"]),
            (["tags.team ASC"], ["a", "d", "b", "c"]),
            (["tags.team DESC"], ["b", "d", "a", "c"]),
            (["run_name DESC"], ["d", "c", "b", "a"]),
            (["params.lr ASC", "metrics.acc DESC"], ["a", "b", "d", "c"]),
            (["user_id", "run_name DESC"], ["c", "a", "b", "d"]),
        ],
    )
    def test_order_by(self, store: TrackingStore, order_by: list[str], expected: list[str]) -> None:
        _search_world(store)
        assert _ordered(store, order_by) == expected

    # ------------------------------------------------------------------ scope and paging

    def test_search_across_experiments(self, store: TrackingStore) -> None:
        first, second = store.create_experiment("one"), store.create_experiment("two")
        new_run(store, first, name="r1", start_time=1)
        new_run(store, second, name="r2", start_time=2)
        new_run(store, DEFAULT_EXPERIMENT_ID, name="r0", start_time=3)
        assert names(store.search_runs([first])) == ["r1"]
        assert names(store.search_runs([first, second])) == ["r2", "r1"]
        assert names(store.search_runs([second, first, second])) == ["r2", "r1"]
        assert names(store.search_runs([UNKNOWN_EXPERIMENT_ID])) == []
        assert names(store.search_runs([])) == []

    def test_search_view_types(self, store: TrackingStore) -> None:
        ids = _search_world(store)
        store.delete_run(ids["c"])
        experiment = store.get_experiment_by_name("search")
        assert experiment is not None
        eid = [experiment.experiment_id]
        assert sorted(names(store.search_runs(eid))) == ["a", "b", "d"]
        assert names(store.search_runs(eid, run_view_type=ViewType.DELETED_ONLY)) == ["c"]
        everything = store.search_runs(eid, run_view_type=ViewType.ALL)
        assert sorted(names(everything)) == ["a", "b", "c", "d"]

    def test_search_returns_full_runs(self, store: TrackingStore) -> None:
        ids = _search_world(store)
        store.log_inputs(ids["a"], [dataset_input("mnist", "d1", "training")])
        (found,) = store.search_runs([store.get_run(ids["a"]).info.experiment_id], "run_name='a'")
        assert found == store.get_run(ids["a"])
        assert found.data.metrics == {"acc": 0.5, "loss": 1.0}
        assert found.inputs.dataset_inputs[0].dataset.name == "mnist"

    def test_search_paging_covers_every_run_once(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("paged")
        for i in range(7):
            new_run(
                store, experiment_id, name=f"r{i}", start_time=i % 3, metrics={"m": float(i % 2)}
            )
        order = ["metrics.m DESC"]
        everything = names(store.search_runs([experiment_id], order_by=order))
        seen: list[str] = []
        token: str | None = None
        for _ in range(10):
            page = store.search_runs(
                [experiment_id], max_results=3, order_by=order, page_token=token
            )
            assert len(page) <= 3
            seen.extend(names(page))
            token = page.token
            if token is None:
                break
        assert seen == everything
        assert sorted(seen) == [f"r{i}" for i in range(7)]

    @pytest.mark.parametrize("max_results", [0, -1, 50_001])
    def test_search_max_results_is_validated(self, store: TrackingStore, max_results: int) -> None:
        with pytest.raises(InvalidParameterError, match="max_results"):
            store.search_runs(["0"], max_results=max_results)

    def test_search_bad_input(self, store: TrackingStore) -> None:
        with pytest.raises(InvalidParameterError, match=re.escape("'metrics.acc >> 1'")):
            store.search_runs(["0"], "metrics.acc >> 1")
        with pytest.raises(InvalidParameterError, match="only AND"):
            store.search_runs(["0"], "metrics.a > 1 OR metrics.b > 1")
        with pytest.raises(InvalidParameterError, match="quote"):
            store.search_runs(["0"], "params.p = 1")
        with pytest.raises(InvalidParameterError, match="order_by"):
            store.search_runs(["0"], order_by=["metrics.m SIDEWAYS"])
        with pytest.raises(InvalidParameterError, match="page token"):
            store.search_runs(["0"], page_token="garbage")
