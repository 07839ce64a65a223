"""Conformance tests for writing run data: log_batch, metric history, run tags and inputs."""

from __future__ import annotations

import math

import pytest

from flowtrack.entities import DATASET_CONTEXT_TAG, Dataset, DatasetInput, InputTag, Param, RunTag
from flowtrack.exceptions import InvalidParameterError, NotFoundError, ResourceLimitError
from flowtrack.stores.tracking.base import TrackingStore
from flowtrack.testing._tracking_common import (
    RUN_NAME_TAG,
    StoreTestsBase,
    dataset_input,
    metric,
    new_run,
)

__all__ = ["LoggingTests"]


class LoggingTests(StoreTestsBase):
    """Run data: batches and their validation, metric history and latest values, inputs."""

    def test_log_batch_round_trip(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.log_batch(
            run_id,
            metrics=[metric("acc", 0.5), metric("loss/train", 2)],
            params=[Param(key="lr", value="0.1"), Param(key="model name", value="rf")],
            tags=[RunTag(key="team", value="red")],
        )
        data = store.get_run(run_id).data
        assert data.metrics == {"acc": 0.5, "loss/train": 2.0}
        assert isinstance(data.metrics["loss/train"], float)
        assert data.params == {"lr": "0.1", "model name": "rf"}
        assert data.tags["team"] == "red"

    def test_conveniences_and_empty_batch(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.log_batch(run_id)
        store.log_metric(run_id, metric("m", 3.0))
        store.log_param(run_id, Param(key="p", value="x"))
        store.set_tag(run_id, RunTag(key="t", value="y"))
        data = store.get_run(run_id).data
        assert (data.metrics, data.params, data.tags["t"]) == ({"m": 3.0}, {"p": "x"}, "y")

    def test_special_float_values_round_trip(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        values = {"nan": math.nan, "inf": math.inf, "ninf": -math.inf, "tiny": 1e-300}
        store.log_batch(run_id, metrics=[metric(k, v) for k, v in values.items()])
        metrics = store.get_run(run_id).data.metrics
        assert math.isnan(metrics["nan"])
        assert metrics["inf"] == math.inf
        assert metrics["ninf"] == -math.inf
        assert metrics["tiny"] == 1e-300
        history = {k: store.get_metric_history(run_id, k)[0].value for k in values}
        assert math.isnan(history["nan"])
        assert (history["inf"], history["ninf"]) == (math.inf, -math.inf)

    def test_tags_overwrite(self, store: TrackingStore) -> None:
        run_id = new_run(store, tags={"t": "1"})
        store.set_tag(run_id, RunTag(key="t", value="2"))
        store.log_batch(run_id, tags=[RunTag(key="t", value="3"), RunTag(key="t", value="4")])
        assert store.get_run(run_id).data.tags["t"] == "4"

    def test_param_logged_again_with_same_value(self, store: TrackingStore) -> None:
        run_id = new_run(store, params={"p": "v"})
        store.log_batch(run_id, params=[Param(key="p", value="v"), Param(key="p", value="v")])
        assert store.get_run(run_id).data.params == {"p": "v"}

    def test_param_conflict_writes_nothing(self, store: TrackingStore) -> None:
        run_id = new_run(store, params={"p": "old-value"})
        with pytest.raises(InvalidParameterError) as info:
            store.log_batch(
                run_id,
                metrics=[metric("m", 1.0)],
                params=[Param(key="q", value="x"), Param(key="p", value="new-value")],
                tags=[RunTag(key="t", value="v")],
            )
        assert "'p'" in info.value.message
        assert "old-value" in info.value.message
        assert "new-value" in info.value.message
        run = store.get_run(run_id)
        assert run.data.params == {"p": "old-value"}
        assert run.data.metrics == {}
        assert "t" not in run.data.tags
        assert store.get_metric_history(run_id, "m") == []

    def test_param_conflict_within_one_batch(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        with pytest.raises(InvalidParameterError, match=r"'a'.*'b'"):
            store.log_batch(run_id, params=[Param(key="p", value="a"), Param(key="p", value="b")])
        assert store.get_run(run_id).data.params == {}

    @pytest.mark.parametrize(
        ("metrics", "params", "tags"),
        [(1001, 0, 0), (0, 101, 0), (0, 0, 101), (900, 100, 1)],
    )
    def test_batch_limits(self, store: TrackingStore, metrics: int, params: int, tags: int) -> None:
        run_id = new_run(store)
        with pytest.raises(ResourceLimitError):
            store.log_batch(
                run_id,
                metrics=[metric("m", 1.0, step=i) for i in range(metrics)],
                params=[Param(key=f"p{i}", value="v") for i in range(params)],
                tags=[RunTag(key=f"t{i}", value="v") for i in range(tags)],
            )
        data = store.get_run(run_id).data
        assert (data.metrics, data.params, set(data.tags)) == ({}, {}, {RUN_NAME_TAG})

    def test_batch_at_the_limits(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.log_batch(run_id, metrics=[metric("m", float(i), step=i) for i in range(1000)])
        store.log_batch(run_id, params=[Param(key=f"p{i}", value="v") for i in range(100)])
        store.log_batch(run_id, tags=[RunTag(key=f"t{i}", value="v") for i in range(100)])
        run = store.get_run(run_id)
        assert run.data.metrics == {"m": 999.0}
        assert len(run.data.params) == 100
        assert len(store.get_metric_history(run_id, "m")) == 1000

    @pytest.mark.parametrize("bad", ["", "a\nb", "/abs", "a/../b", "x" * 251, "a*b"])
    def test_invalid_names_write_nothing(self, store: TrackingStore, bad: str) -> None:
        run_id = new_run(store)
        with pytest.raises(InvalidParameterError, match="metric name"):
            store.log_batch(run_id, metrics=[metric("ok", 1.0), metric(bad, 1.0)])
        with pytest.raises(InvalidParameterError, match="param name"):
            store.log_batch(run_id, params=[Param(key="ok", value="v"), Param(key=bad, value="v")])
        with pytest.raises(InvalidParameterError, match="tag name"):
            store.log_batch(run_id, tags=[RunTag(key="ok", value="v"), RunTag(key=bad, value="v")])
        data = store.get_run(run_id).data
        assert (data.metrics, data.params, set(data.tags)) == ({}, {}, {RUN_NAME_TAG})

    def test_name_with_trailing_newline_writes_nothing(self, store: TrackingStore) -> None:
        """A regex anchored with ``$`` accepts ``"ab\\n"``; a store must reject it all the same."""
        run_id = new_run(store)
        with pytest.raises(InvalidParameterError, match="metric name"):
            store.log_metric(run_id, metric("ab\n", 1.0))
        with pytest.raises(InvalidParameterError, match="param name"):
            store.log_param(run_id, Param(key="ab\n", value="v"))
        with pytest.raises(InvalidParameterError, match="tag name"):
            store.set_tag(run_id, RunTag(key="ab\n", value="v"))
        with pytest.raises(InvalidParameterError, match="tag name"):
            store.log_batch(
                run_id,
                metrics=[metric("ab", 1.0)],
                params=[Param(key="ab", value="v")],
                tags=[RunTag(key="ab\n", value="v")],
            )
        data = store.get_run(run_id).data
        assert (data.metrics, data.params, set(data.tags)) == ({}, {}, {RUN_NAME_TAG})
        assert store.get_metric_history(run_id, "ab") == []
        with pytest.raises(InvalidParameterError, match="tag name"):
            store.create_run("0", "u", 0, tags=[RunTag(key="ab\n", value="v")])
        assert [r.info.run_id for r in store.search_runs(["0"])] == [run_id]

    def test_too_long_values(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        with pytest.raises(ResourceLimitError, match="6000"):
            store.log_param(run_id, Param(key="p", value="x" * 6001))
        with pytest.raises(ResourceLimitError, match="8000"):
            store.set_tag(run_id, RunTag(key="t", value="x" * 8001))
        store.log_param(run_id, Param(key="p", value="x" * 6000))
        store.set_tag(run_id, RunTag(key="t", value="x" * 8000))
        assert len(store.get_run(run_id).data.tags["t"]) == 8000

    # ------------------------------------------------------------------ metric history

    def test_history_is_ordered_by_step_then_timestamp(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        points = [metric("m", 1.0, 2, 10), metric("m", 2.0, 0, 30), metric("m", 3.0, 1, 5)]
        points += [metric("m", 4.0, 0, 20), metric("other", 9.0, 0, 0)]
        store.log_batch(run_id, metrics=points)
        history = store.get_metric_history(run_id, "m")
        assert [(p.step, p.timestamp, p.value) for p in history] == [
            (0, 20, 4.0),
            (0, 30, 2.0),
            (1, 5, 3.0),
            (2, 10, 1.0),
        ]
        assert all(p.key == "m" for p in history)
        assert history.token is None
        assert store.get_metric_history(run_id, "missing") == []

    def test_identical_points_are_stored_once(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.log_batch(run_id, metrics=[metric("m", 1.0, 1, 1), metric("m", 1.0, 1, 1)])
        store.log_metric(run_id, metric("m", 1.0, 1, 1))
        store.log_metric(run_id, metric("n", math.nan, 1, 1))
        store.log_metric(run_id, metric("n", math.nan, 1, 1))
        store.log_metric(run_id, metric("m", 2.0, 1, 1))  # same step and time, new value
        assert [p.value for p in store.get_metric_history(run_id, "m")] == [1.0, 2.0]
        assert len(store.get_metric_history(run_id, "n")) == 1

    def test_history_paging(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.log_batch(run_id, metrics=[metric("m", float(i), step=i) for i in range(7)])
        steps: list[int] = []
        token: str | None = None
        for _ in range(10):
            page = store.get_metric_history(run_id, "m", max_results=3, page_token=token)
            assert len(page) <= 3
            steps.extend(p.step for p in page)
            token = page.token
            if token is None:
                break
        assert steps == list(range(7))
        with pytest.raises(InvalidParameterError):
            store.get_metric_history(run_id, "m", max_results=0)

    def test_latest_metric_is_greatest_step_then_timestamp(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.log_batch(run_id, metrics=[metric("a", 1.0, step=5, timestamp=0)])
        store.log_batch(run_id, metrics=[metric("a", 2.0, step=4, timestamp=99)])
        store.log_batch(run_id, metrics=[metric("b", 1.0, step=1, timestamp=50)])
        store.log_batch(run_id, metrics=[metric("b", 2.0, step=1, timestamp=40)])
        store.log_batch(run_id, metrics=[metric("c", 1.0, step=1, timestamp=1)])
        store.log_batch(run_id, metrics=[metric("c", 2.0, step=1, timestamp=1)])
        store.log_batch(run_id, metrics=[metric("d", 1.0, step=0, timestamp=1)])
        store.log_batch(run_id, metrics=[metric("d", math.nan, step=3, timestamp=1)])
        metrics = store.get_run(run_id).data.metrics
        assert (metrics["a"], metrics["b"], metrics["c"]) == (1.0, 1.0, 2.0)
        assert math.isnan(metrics["d"])

    def test_delete_tag(self, store: TrackingStore) -> None:
        run_id = new_run(store, tags={"a": "1", "b": "2"})
        store.delete_tag(run_id, "a")
        tags = store.get_run(run_id).data.tags
        assert tags == {"b": "2", RUN_NAME_TAG: tags[RUN_NAME_TAG]}
        with pytest.raises(NotFoundError, match="'a'"):
            store.delete_tag(run_id, "a")

    # ------------------------------------------------------------------ inputs

    def test_log_inputs_round_trip(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        full = Dataset(
            name="mnist",
            digest="abc123",
            source_type="s3",
            source='{"uri": "s3://b/k"}',
            schema='{"cols": []}',
            profile='{"rows": 10}',
        )
        tags = [InputTag(key=DATASET_CONTEXT_TAG, value="training"), InputTag(key="x", value="y")]
        store.log_inputs(run_id, [DatasetInput(dataset=full, tags=tags)])
        (logged,) = store.get_run(run_id).inputs.dataset_inputs
        assert logged.dataset == full
        assert sorted(logged.tags, key=lambda t: t.key) == sorted(tags, key=lambda t: t.key)
        assert logged.context == "training"

    def test_log_inputs_links_once_per_context(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        store.log_inputs(run_id, [dataset_input("d", "1", "training")])
        store.log_inputs(run_id, [dataset_input("d", "1", "training")])
        store.log_inputs(run_id, [dataset_input("d", "1", "evaluation"), dataset_input("e", "2")])
        inputs = store.get_run(run_id).inputs.dataset_inputs
        found = sorted((i.dataset.name, i.context or "") for i in inputs)
        assert found == [("d", "evaluation"), ("d", "training"), ("e", "")]

    def test_datasets_are_stored_once_per_experiment(self, store: TrackingStore) -> None:
        """The first dataset logged with a (name, digest) is the one every run links to."""
        first, second = new_run(store), new_run(store)
        store.log_inputs(first, [dataset_input("d", "1", "training")])
        moved = dataset_input("d", "1", "evaluation")
        changed = moved.dataset.model_copy(update={"source": '{"uri": "/elsewhere"}'})
        moved = moved.model_copy(update={"dataset": changed})
        store.log_inputs(second, [moved])
        (a,) = store.get_run(first).inputs.dataset_inputs
        (b,) = store.get_run(second).inputs.dataset_inputs
        assert a.dataset == b.dataset
        assert b.dataset.source == '{"uri": "/d"}'
        assert (a.context, b.context) == ("training", "evaluation")
