"""Conformance tests for search_logged_models: filters, datasets, ordering, scope and paging.

The semantics are those documented in :mod:`flowtrack.search.logged_models`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from flowtrack.entities import (
    LoggedModel,
    LoggedModelParameter,
    LoggedModelStatus,
    LoggedModelTag,
)
from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores.tracking.base import TrackingStore
from flowtrack.testing._logged_models_lifecycle import model_metric
from flowtrack.testing._tracking_common import StoreTestsBase, new_run

__all__ = ["LoggedModelSearchTests"]

VAL = ("val", "d1")
TRAIN = ("train", "d2")


def model_names(models: Sequence[LoggedModel]) -> list[str]:
    """The names of search results, in order."""
    return [model.name for model in models]


def _default_order(models: Sequence[LoggedModel]) -> list[str]:
    ordered = sorted(models, key=lambda m: (-m.creation_timestamp, m.model_id))
    return model_names(ordered)


class LoggedModelSearchTests(StoreTestsBase):
    """search_logged_models on a small zoo of models."""

    @pytest.fixture
    def zoo(self, store: TrackingStore) -> dict[str, str]:
        """Models ``forest`` (READY, classifier), ``Boost`` (FAILED), ``linear`` (PENDING, no
        type) in experiment ``zoo``, with params, tags and metrics on two datasets; returns
        name -> model id (and ``"experiment"`` -> the experiment id)."""
        experiment_id = store.create_experiment("zoo")
        run_id = new_run(store, experiment_id)
        ids = {"experiment": experiment_id}
        specs = [
            ("forest", "classifier", {"depth": "10", "kind": "tree"}, {"team": "red"}),
            ("Boost", "classifier", {"depth": "3", "kind": "tree"}, {"team": "Blue"}),
            ("linear", None, {"kind": "linear"}, {}),
        ]
        for name, model_type, params, tags in specs:
            ids[name] = store.create_logged_model(
                experiment_id,
                name=name,
                source_run_id=run_id if name != "linear" else None,
                model_type=model_type,
                params=[LoggedModelParameter(key=k, value=v) for k, v in params.items()],
                tags=[LoggedModelTag(key=k, value=v) for k, v in tags.items()],
            ).model_id
        store.finalize_logged_model(ids["forest"], LoggedModelStatus.READY)
        store.finalize_logged_model(ids["Boost"], LoggedModelStatus.FAILED)
        forest, boost, linear = ids["forest"], ids["Boost"], ids["linear"]
        store.log_batch(
            run_id,
            metrics=[
                model_metric("acc", 0.9, forest, step=1, timestamp=10, dataset=VAL),
                model_metric("acc", 0.5, forest, step=1, timestamp=10, dataset=TRAIN),
                model_metric("acc", 0.7, boost, step=1, timestamp=10, dataset=VAL),
                model_metric("acc", 0.95, boost, step=0, timestamp=5, dataset=TRAIN),
                model_metric("loss", math.nan, linear, step=0, timestamp=1),
            ],
        )
        return ids

    def search(self, store: TrackingStore, zoo: dict[str, str], **kwargs: object) -> list[str]:
        """Names of every match in the zoo's experiment, in order."""
        return model_names(store.search_logged_models([zoo["experiment"]], **kwargs))  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("filter_string", "expected"),
        [
            ("name = 'forest'", {"forest"}),
            ("name != 'forest'", {"Boost", "linear"}),
            ("name LIKE 'B%'", {"Boost"}),
            ("name LIKE 'b%'", set()),
            ("name ILIKE 'b%'", {"Boost"}),
            ("name IN ('forest', 'linear')", {"forest", "linear"}),
            ("name NOT IN ('forest', 'linear')", {"Boost"}),
            ("attributes.model_type = 'classifier'", {"forest", "Boost"}),
            ("model_type != 'classifier'", set()),  # unset model_type never matches
            ("status = 'READY'", {"forest"}),
            ("status IN ('FAILED', 'PENDING')", {"Boost", "linear"}),
            ("creation_timestamp > 0", {"forest", "Boost", "linear"}),
            ("creation_time < 0", set()),
            ("last_updated_timestamp >= 1", {"forest", "Boost", "linear"}),
            ("params.depth = '10'", {"forest"}),
            ("params.kind = 'tree' AND params.depth != '10'", {"Boost"}),
            ("params.depth != '10'", {"Boost"}),  # a missing param never matches
            ("params.kind LIKE 'lin%'", {"linear"}),
            ("tags.team ILIKE 'blue'", {"Boost"}),
            ("tags.team IN ('red', 'Blue')", {"forest", "Boost"}),
            ("tags.team NOT IN ('red')", {"Boost"}),
            ("metrics.acc > 0.8", {"forest", "Boost"}),  # any point of the metric
            ("metrics.acc < 0.6", {"forest"}),
            ("metrics.acc = 0.7", {"Boost"}),
            ("metrics.loss != 1", {"linear"}),  # NaN satisfies only !=
            ("metrics.loss < 1", set()),
            ("metrics.acc > 0.8 AND tags.team = 'red' AND status = 'READY'", {"forest"}),
        ],
    )
    def test_filters(
        self, store: TrackingStore, zoo: dict[str, str], filter_string: str, expected: set[str]
    ) -> None:
        assert set(self.search(store, zoo, filter_string=filter_string)) == expected

    def test_source_run_and_model_id_filters(
        self, store: TrackingStore, zoo: dict[str, str]
    ) -> None:
        run_id = store.get_logged_model(zoo["forest"]).source_run_id
        found = self.search(store, zoo, filter_string=f"source_run_id = '{run_id}'")
        assert set(found) == {"forest", "Boost"}
        assert self.search(store, zoo, filter_string=f"model_id = '{zoo['linear']}'") == ["linear"]

    @pytest.mark.parametrize(
        ("filter_string", "datasets", "expected"),
        [
            ("metrics.acc > 0.8", [{"dataset_name": "val"}], {"forest"}),
            ("metrics.acc > 0.8", [{"dataset_name": "train", "dataset_digest": "d2"}], {"Boost"}),
            ("metrics.acc > 0.8", [{"dataset_name": "train", "dataset_digest": "zz"}], set()),
            (
                "metrics.acc < 0.8",
                [{"dataset_name": "val"}, {"dataset_name": "train"}],
                {
                    "forest",
                    "Boost",
                },
            ),
            (None, [{"dataset_name": "val"}], {"forest", "Boost"}),
            ("name = 'linear'", [{"dataset_name": "val"}], set()),
        ],
    )
    def test_datasets_restrict_metrics(
        self,
        store: TrackingStore,
        zoo: dict[str, str],
        filter_string: str | None,
        datasets: list[dict[str, str]],
        expected: set[str],
    ) -> None:
        found = self.search(store, zoo, filter_string=filter_string, datasets=datasets)
        assert set(found) == expected

    def test_default_order_and_scope(self, store: TrackingStore, zoo: dict[str, str]) -> None:
        elsewhere = store.create_logged_model("0", name="elsewhere")
        models = list(store.search_logged_models([zoo["experiment"]]))
        assert model_names(models) == _default_order(models)
        assert len(models) == 3
        both = store.search_logged_models([zoo["experiment"], "0", "987654321"])
        assert set(model_names(both)) == {"forest", "Boost", "linear", elsewhere.name}
        assert list(store.search_logged_models(["987654321"])) == []

    def test_order_by_attributes(self, store: TrackingStore, zoo: dict[str, str]) -> None:
        by_name = self.search(store, zoo, order_by=[{"field_name": "name"}])
        assert by_name == ["Boost", "forest", "linear"]  # code-point order
        by_name_desc = self.search(
            store, zoo, order_by=[{"field_name": "name", "ascending": False}]
        )
        assert by_name_desc == ["linear", "forest", "Boost"]
        by_type = self.search(
            store, zoo, order_by=[{"field_name": "model_type"}, {"field_name": "name"}]
        )
        assert by_type == ["Boost", "forest", "linear"]  # unset type last
        by_status = self.search(store, zoo, order_by=[{"field_name": "status", "ascending": False}])
        assert by_status == ["forest", "linear", "Boost"]

    def test_order_by_metrics_with_datasets(
        self, store: TrackingStore, zoo: dict[str, str]
    ) -> None:
        # Latest point: forest's acc at timestamp 10 (0.9 on val and 0.5 on train tie: the
        # first logged, 0.9, counts); Boost's latest is 0.7 (timestamp 10); linear has none.
        latest = self.search(
            store, zoo, order_by=[{"field_name": "metrics.acc", "ascending": False}]
        )
        assert latest == ["forest", "Boost", "linear"]
        on_train = self.search(
            store,
            zoo,
            order_by=[
                {
                    "field_name": "metrics.acc",
                    "ascending": False,
                    "dataset_name": "train",
                    "dataset_digest": "d2",
                }
            ],
        )
        assert on_train == ["Boost", "forest", "linear"]
        ascending = self.search(
            store, zoo, order_by=[{"field_name": "metrics.acc", "dataset_name": "train"}]
        )
        assert ascending == ["forest", "Boost", "linear"]  # missing last in both directions
        nan_last = self.search(
            store, zoo, order_by=[{"field_name": "metrics.loss"}, {"field_name": "name"}]
        )
        assert nan_last == ["Boost", "forest", "linear"]

    def test_paging(self, store: TrackingStore, zoo: dict[str, str]) -> None:
        for index in range(4):
            store.create_logged_model(zoo["experiment"], name=f"extra{index}")
        everything = self.search(store, zoo, order_by=[{"field_name": "name"}])
        assert len(everything) == 7
        pages: list[str] = []
        token = None
        while True:
            page = store.search_logged_models(
                [zoo["experiment"]],
                order_by=[{"field_name": "name"}],
                max_results=3,
                page_token=token,
            )
            assert len(page) <= 3
            pages.extend(model_names(page))
            token = page.token
            if token is None:
                break
        assert pages == everything
        assert len(store.search_logged_models([zoo["experiment"]], max_results=7)) == 7
        assert store.search_logged_models([zoo["experiment"]], max_results=7).token is None

    def test_default_page_size_is_100(self, store: TrackingStore) -> None:
        for _ in range(101):
            store.create_logged_model("0")
        first = store.search_logged_models(["0"])
        assert len(first) == 100
        assert first.token is not None
        assert len(store.search_logged_models(["0"], page_token=first.token)) == 1

    @pytest.mark.parametrize(
        ("kwargs", "named"),
        [
            ({"filter_string": "metrics.acc > 'high'"}, "'high'"),
            ({"filter_string": "name > 'a'"}, "'>'"),
            ({"filter_string": "colour = 'red'"}, "colour"),
            ({"filter_string": "datasets.name = 'val'"}, "datasets"),
            ({"filter_string": "name = 'a' OR name = 'b'"}, "OR"),
            ({"order_by": [{"field_name": "colour"}]}, "colour"),
            ({"order_by": [{"field_name": "params.depth"}]}, "params.depth"),
            ({"order_by": ["name DESC"]}, "name DESC"),
            ({"order_by": [{"field_name": "name", "ascending": "no"}]}, "'no'"),
            ({"order_by": [{"field_name": "name", "dataset_name": "val"}]}, "val"),
            ({"order_by": [{"field_name": "metrics.acc", "dataset_digest": "d1"}]}, "d1"),
            ({"datasets": [{"dataset_digest": "d1"}]}, "dataset_name"),
            ({"datasets": [{"dataset_name": "val", "size": 1}]}, "size"),
            ({"max_results": 0}, "max_results 0"),
            ({"page_token": "not-a-token"}, "not-a-token"),
        ],
    )
    def test_invalid_arguments_name_the_bad_value(
        self, store: TrackingStore, kwargs: dict[str, object], named: str
    ) -> None:
        with pytest.raises(InvalidParameterError) as raised:
            store.search_logged_models(["0"], **kwargs)  # type: ignore[arg-type]
        assert named in str(raised.value)
