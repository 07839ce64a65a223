"""Conformance tests for logged models: create, get, finalize, tags, params, delete, run links."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest

from flowtrack.entities import (
    LoggedModelInput,
    LoggedModelOutput,
    LoggedModelParameter,
    LoggedModelStatus,
    LoggedModelTag,
    Metric,
)
from flowtrack.exceptions import (
    InvalidParameterError,
    InvalidStateError,
    NotFoundError,
)
from flowtrack.stores.tracking.base import TrackingStore
from flowtrack.testing._tracking_common import UNKNOWN_RUN_ID, StoreTestsBase, new_run

__all__ = ["UNKNOWN_MODEL_ID", "LoggedModelLifecycleTests", "model_metric"]

UNKNOWN_MODEL_ID = "m-0123456789abcdef0123456789abcdef"


def model_metric(
    key: str,
    value: float,
    model_id: str,
    *,
    step: int = 0,
    timestamp: int = 0,
    dataset: tuple[str, str] | None = None,
) -> Metric:
    """A metric point linked to a logged model, optionally computed on (name, digest)."""
    name, digest = dataset if dataset is not None else (None, None)
    return Metric(
        key=key,
        value=value,
        timestamp=timestamp,
        step=step,
        model_id=model_id,
        dataset_name=name,
        dataset_digest=digest,
    )


class LoggedModelLifecycleTests(StoreTestsBase):
    """Logged models outside search: their life, metadata, metrics and links to runs."""

    def test_create_and_get(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("models")
        run_id = new_run(store, experiment_id)
        created = store.create_logged_model(
            experiment_id,
            name="forest",
            source_run_id=run_id,
            tags=[LoggedModelTag(key="team", value="red")],
            params=[LoggedModelParameter(key="n_estimators", value="100")],
            model_type="classifier",
        )
        assert re.fullmatch(r"m-[0-9a-f]{32}", created.model_id)
        assert created.status is LoggedModelStatus.PENDING
        assert created.status_message is None
        assert (created.name, created.model_type, created.source_run_id) == (
            "forest",
            "classifier",
            run_id,
        )
        assert created.experiment_id == experiment_id
        location = store.get_experiment(experiment_id).artifact_location
        assert created.artifact_location == f"{location}/models/{created.model_id}/artifacts"
        assert created.model_uri == f"models:/{created.model_id}"
        assert created.creation_timestamp == created.last_updated_timestamp > 0
        assert created.tags == {"team": "red"}
        assert created.params == {"n_estimators": "100"}
        assert created.metrics is None
        assert store.get_logged_model(created.model_id) == created

    def test_generated_name_and_defaults(self, store: TrackingStore) -> None:
        first = store.create_logged_model("0")
        second = store.create_logged_model("0")
        assert first.name
        assert second.name
        assert first.model_id != second.model_id
        assert (first.tags, first.params, first.model_type, first.source_run_id) == (
            {},
            {},
            None,
            None,
        )

    def test_finalize_ready_and_failed(self, store: TrackingStore) -> None:
        model = store.create_logged_model("0", name="m")
        ready = store.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
        assert ready.status is LoggedModelStatus.READY
        assert ready.last_updated_timestamp >= model.last_updated_timestamp
        assert store.get_logged_model(model.model_id).status is LoggedModelStatus.READY
        other = store.create_logged_model("0", name="n")
        failed = store.finalize_logged_model(
            other.model_id, LoggedModelStatus.FAILED, status_message="disk full"
        )
        assert (failed.status, failed.status_message) == (LoggedModelStatus.FAILED, "disk full")
        assert store.get_logged_model(other.model_id).status_message == "disk full"
        by_string = store.finalize_logged_model(model.model_id, "READY")  # type: ignore[arg-type]
        assert by_string.status is LoggedModelStatus.READY

    @pytest.mark.parametrize("status", ["PENDING", "UNSPECIFIED"])
    def test_finalize_refuses_non_final_status(self, store: TrackingStore, status: str) -> None:
        model = store.create_logged_model("0")
        with pytest.raises(InvalidParameterError, match=rf"'{status}'.*'READY' or 'FAILED'"):
            store.finalize_logged_model(model.model_id, LoggedModelStatus(status))
        with pytest.raises(InvalidParameterError, match=r"'DONE'.*READY"):
            store.finalize_logged_model(model.model_id, "DONE")  # type: ignore[arg-type]
        assert store.get_logged_model(model.model_id).status is LoggedModelStatus.PENDING

    def test_tags_set_overwrite_and_delete(self, store: TrackingStore) -> None:
        model_id = store.create_logged_model(
            "0", tags=[LoggedModelTag(key="a", value="1")]
        ).model_id
        store.set_logged_model_tags(
            model_id,
            [LoggedModelTag(key="a", value="2"), LoggedModelTag(key="b", value="x")],
        )
        assert store.get_logged_model(model_id).tags == {"a": "2", "b": "x"}
        store.delete_logged_model_tag(model_id, "a")
        assert store.get_logged_model(model_id).tags == {"b": "x"}
        with pytest.raises(NotFoundError, match=r"'a'"):
            store.delete_logged_model_tag(model_id, "a")

    def test_params(self, store: TrackingStore) -> None:
        model_id = store.create_logged_model("0").model_id
        store.log_logged_model_params(
            model_id,
            [LoggedModelParameter(key="lr", value="0.1"), LoggedModelParameter(key="d", value="3")],
        )
        store.log_logged_model_params(model_id, [LoggedModelParameter(key="d", value="4")])
        assert store.get_logged_model(model_id).params == {"lr": "0.1", "d": "4"}

    def test_delete_hides_the_model(self, store: TrackingStore) -> None:
        model = store.create_logged_model("0", name="gone")
        store.delete_logged_model(model.model_id)
        with pytest.raises(NotFoundError, match=model.model_id):
            store.get_logged_model(model.model_id)
        deleted = store.get_logged_model(model.model_id, allow_deleted=True)
        assert deleted.name == "gone"
        with pytest.raises(NotFoundError, match=model.model_id):
            store.delete_logged_model(model.model_id)
        with pytest.raises(NotFoundError, match=model.model_id):
            store.set_logged_model_tags(model.model_id, [LoggedModelTag(key="k", value="v")])
        assert list(store.search_logged_models(["0"])) == []

    def test_unknown_ids_are_not_found(self, store: TrackingStore) -> None:
        calls: list[Callable[[], object]] = [
            lambda: store.get_logged_model(UNKNOWN_MODEL_ID),
            lambda: store.delete_logged_model(UNKNOWN_MODEL_ID),
            lambda: store.finalize_logged_model(UNKNOWN_MODEL_ID, LoggedModelStatus.READY),
            lambda: store.set_logged_model_tags(
                UNKNOWN_MODEL_ID, [LoggedModelTag(key="k", value="v")]
            ),
            lambda: store.delete_logged_model_tag(UNKNOWN_MODEL_ID, "k"),
            lambda: store.log_logged_model_params(
                UNKNOWN_MODEL_ID, [LoggedModelParameter(key="k", value="v")]
            ),
        ]
        for call in calls:
            with pytest.raises(NotFoundError, match=UNKNOWN_MODEL_ID):
                call()

    @pytest.mark.parametrize(
        "bad_id",
        ["", "m-123", "0123456789abcdef0123456789abcdef", "m-0123456789ABCDEF0123456789ABCDEF"],
    )
    def test_malformed_model_ids_are_refused(self, store: TrackingStore, bad_id: str) -> None:
        with pytest.raises(InvalidParameterError, match=re.escape(repr(bad_id))):
            store.get_logged_model(bad_id)
        run_id = new_run(store)
        with pytest.raises(InvalidParameterError, match=re.escape(repr(bad_id))):
            store.log_outputs(run_id, [LoggedModelOutput(model_id=bad_id, step=0)])

    def test_create_validates_and_names_the_bad_value(self, store: TrackingStore) -> None:
        with pytest.raises(InvalidParameterError, match=r"'a/b'"):
            store.create_logged_model("0", name="a/b")
        with pytest.raises(InvalidParameterError, match=r"'bad\*key'"):
            store.create_logged_model("0", tags=[LoggedModelTag(key="bad*key", value="v")])
        with pytest.raises(InvalidParameterError, match=r"'p\?'"):
            store.create_logged_model("0", params=[LoggedModelParameter(key="p?", value="v")])
        with pytest.raises(NotFoundError, match="987654321"):
            store.create_logged_model("987654321")
        with pytest.raises(NotFoundError, match=UNKNOWN_RUN_ID):
            store.create_logged_model("0", source_run_id=UNKNOWN_RUN_ID)
        assert list(store.search_logged_models(["0"])) == []

    def test_deleted_experiment_refuses_new_models(self, store: TrackingStore) -> None:
        experiment_id = store.create_experiment("old")
        store.delete_experiment(experiment_id)
        with pytest.raises(InvalidStateError, match=experiment_id):
            store.create_logged_model(experiment_id)

    def test_outputs_and_inputs_on_get_run(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        first = store.create_logged_model("0", source_run_id=run_id).model_id
        second = store.create_logged_model("0").model_id
        assert store.get_run(run_id).outputs.model_outputs == []
        store.log_outputs(
            run_id,
            [LoggedModelOutput(model_id=first, step=3), LoggedModelOutput(model_id=second)],
        )
        store.log_outputs(run_id, [LoggedModelOutput(model_id=first, step=3)])  # once
        store.log_inputs(run_id, models=[LoggedModelInput(model_id=second)])
        run = store.get_run(run_id)
        assert run.outputs.model_outputs == [
            LoggedModelOutput(model_id=first, step=3),
            LoggedModelOutput(model_id=second, step=0),
        ]
        assert run.inputs.model_inputs == [LoggedModelInput(model_id=second)]
        (found,) = store.search_runs(["0"])
        assert found.outputs.model_outputs == run.outputs.model_outputs
        with pytest.raises(NotFoundError, match=UNKNOWN_MODEL_ID):
            store.log_outputs(run_id, [LoggedModelOutput(model_id=UNKNOWN_MODEL_ID)])
        store.delete_run(run_id)
        with pytest.raises(InvalidStateError, match=run_id):
            store.log_outputs(run_id, [LoggedModelOutput(model_id=first)])

    def test_log_batch_links_metrics_to_models(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        model_id = store.create_logged_model("0").model_id
        store.log_batch(
            run_id,
            metrics=[
                model_metric("acc", 0.9, model_id, step=1, timestamp=5, dataset=("val", "d1")),
                model_metric("loss", math.nan, model_id, step=2, timestamp=6),
                Metric(key="plain", value=1.0, timestamp=0),
            ],
        )
        store.log_batch(  # keys order by code point: "Zeta" before "acc"
            run_id,
            metrics=[model_metric("Zeta", 1.0, model_id), model_metric("beta", 2.0, model_id)],
        )
        store.log_batch(  # the same point again: stored once
            run_id,
            metrics=[
                model_metric("acc", 0.9, model_id, step=1, timestamp=5, dataset=("val", "d1"))
            ],
        )
        metrics = store.get_logged_model(model_id).metrics
        assert metrics is not None
        assert [m.key for m in metrics] == ["Zeta", "acc", "beta", "loss"]
        _, acc, _, loss = metrics
        assert (acc.key, acc.value, acc.step, acc.timestamp) == ("acc", 0.9, 1, 5)
        assert (acc.model_id, acc.run_id) == (model_id, run_id)
        assert (acc.dataset_name, acc.dataset_digest) == ("val", "d1")
        assert loss.key == "loss"
        assert math.isnan(loss.value)
        assert loss.dataset_name is None
        run = store.get_run(run_id)
        assert run.data.metrics["acc"] == 0.9
        assert run.data.metrics["plain"] == 1.0
        history = store.get_metric_history(run_id, "acc")
        assert [(m.value, m.step) for m in history] == [(0.9, 1)]
        # The run's history holds plain points, as MLflow's: the model link lives on the model.
        assert (history[0].model_id, history[0].dataset_name, history[0].run_id) == (None,) * 3

    def test_log_batch_with_unknown_model_writes_nothing(self, store: TrackingStore) -> None:
        run_id = new_run(store)
        with pytest.raises(NotFoundError, match=UNKNOWN_MODEL_ID):
            store.log_batch(
                run_id,
                metrics=[
                    Metric(key="plain", value=1.0, timestamp=0),
                    model_metric("acc", 0.9, UNKNOWN_MODEL_ID),
                ],
            )
        assert store.get_run(run_id).data.metrics == {}
        with pytest.raises(InvalidParameterError, match="'m-1'"):
            store.log_batch(run_id, metrics=[model_metric("acc", 0.9, "m-1")])

    def test_purging_a_run_drops_its_model_metrics(self, store: TrackingStore) -> None:
        run_id, other = new_run(store), new_run(store)
        model_id = store.create_logged_model("0").model_id
        store.log_batch(run_id, metrics=[model_metric("acc", 0.5, model_id)])
        store.log_batch(other, metrics=[model_metric("acc", 0.7, model_id)])
        store.delete_run(run_id)
        store.purge_runs([run_id])
        metrics = store.get_logged_model(model_id).metrics
        assert metrics is not None
        assert [(m.value, m.run_id) for m in metrics] == [(0.7, other)]
