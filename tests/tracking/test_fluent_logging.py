"""Fluent params, metrics, tags and inputs: values, batching, async metrics, explicit run ids."""

from __future__ import annotations

import math
import uuid

import pytest

import flowtrack as mlflow
from flowtrack.entities import Dataset
from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.tracking.fluent import _state

pytestmark = pytest.mark.usefixtures("tracking_uri")


def history(run_id: str, key: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in mlflow.MlflowClient().get_metric_history(run_id, key)]


def test_log_metric_steps_timestamps_and_special_values() -> None:
    with mlflow.start_run() as run:
        for step, value in enumerate((0.9, 0.5, 0.25)):
            mlflow.log_metric("loss", value, step=step)
        mlflow.log_metric("nan", float("nan"))
        mlflow.log_metric("inf", float("-inf"))
        mlflow.log_metric("int", 3)
        mlflow.log_metric("at", 1.0, timestamp=1234)
    run_id = run.info.run_id
    assert history(run_id, "loss") == [(0, 0.9), (1, 0.5), (2, 0.25)]
    metrics = mlflow.get_run(run_id).data.metrics
    assert math.isnan(metrics["nan"])
    assert metrics["inf"] == float("-inf")
    assert metrics["int"] == 3.0
    client = mlflow.MlflowClient()
    assert [m.timestamp for m in client.get_metric_history(run_id, "at")] == [1234]


@pytest.mark.parametrize(
    ("key", "value", "step", "message"),
    [
        ("loss", "0.5", None, "Invalid value '0.5' for metric 'loss'"),
        ("loss", True, None, "Invalid value True for metric 'loss'"),
        ("bad name!", 1.0, None, "Invalid metric name 'bad name!'"),
        ("loss", 1.0, 1.5, "Invalid step 1.5 for metric 'loss'"),
        (7, 1.0, None, "Invalid metric name 7"),
    ],
)
def test_log_metric_rejects_bad_input(
    key: object, value: object, step: object, message: str
) -> None:
    with mlflow.start_run(), pytest.raises(InvalidParameterError, match=message):
        mlflow.log_metric(key, value, step=step)  # type: ignore[arg-type]


def test_log_param_returns_value_and_rejects_changes() -> None:
    with mlflow.start_run() as run:
        assert mlflow.log_param("alpha", 0.5) == 0.5
        assert mlflow.log_param("alpha", 0.5) == 0.5  # same value again is fine
        with pytest.raises(InvalidParameterError, match="alpha"):
            mlflow.log_param("alpha", 0.7)
    assert mlflow.get_run(run.info.run_id).data.params == {"alpha": "0.5"}


def test_large_batches_are_split_into_store_sized_calls() -> None:
    params = {f"p{i}": i for i in range(250)}
    tags = {f"t{i}": f"v{i}" for i in range(250)}
    metrics = {f"m{i}": float(i) for i in range(2500)}
    with mlflow.start_run() as run:
        mlflow.log_params(params)
        mlflow.set_tags(tags)
        mlflow.log_metrics(metrics, step=4, timestamp=99)
    data = mlflow.get_run(run.info.run_id).data
    assert data.params == {key: str(value) for key, value in params.items()}
    assert {k: v for k, v in data.tags.items() if k.startswith("t")} == tags
    assert data.metrics == metrics
    point = mlflow.MlflowClient().get_metric_history(run.info.run_id, "m2499")
    assert [(p.step, p.timestamp) for p in point] == [(4, 99)]


def test_set_and_delete_tag() -> None:
    with mlflow.start_run() as run:
        mlflow.set_tag("developer", "Ahmad")
        mlflow.set_tag("version", 2)
        mlflow.delete_tag("developer")
        with pytest.raises(NotFoundError):
            mlflow.delete_tag("developer")
    tags = mlflow.get_run(run.info.run_id).data.tags
    assert "developer" not in tags
    assert tags["version"] == "2"


def test_async_metrics_are_written_by_flush_and_end_run() -> None:
    with mlflow.start_run() as run:
        for step in range(50):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step, synchronous=False)
        mlflow.flush_async_logging()
        assert len(history(run.info.run_id, "loss")) == 50
        mlflow.log_metrics({"a": 1.0, "b": 2.0}, synchronous=False)
    # end_run wrote the run's queue before ending it
    assert mlflow.get_run(run.info.run_id).data.metrics == {"loss": 1.0 / 50, "a": 1.0, "b": 2.0}


def test_async_logging_setting_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWTRACK_ASYNC_LOGGING", "true")
    mlflow.set_tracking_uri(f"memory:{uuid.uuid4().hex}")  # a new client reads the setting
    with mlflow.start_run() as run:
        mlflow.log_metric("queued", 1.0)
        client = _state.RUN_STACK.get()[-1].client
        assert client._queue is not None  # went through the queue
        mlflow.log_metric("direct", 2.0, synchronous=True)
        assert mlflow.get_run(run.info.run_id).data.metrics["direct"] == 2.0
    assert mlflow.get_run(run.info.run_id).data.metrics["queued"] == 1.0


def test_explicit_run_id_logs_to_that_run() -> None:
    other = mlflow.MlflowClient().create_run("0")
    with mlflow.start_run() as active:
        mlflow.log_metric("m", 1.0, run_id=other.info.run_id)
        mlflow.log_metrics({"n": 2.0}, run_id=other.info.run_id)
        mlflow.log_params({"p": "x"}, run_id=other.info.run_id)
        mlflow.log_metric("own", 3.0, run_id=active.info.run_id)
    assert mlflow.get_run(other.info.run_id).data.metrics == {"m": 1.0, "n": 2.0}
    assert mlflow.get_run(other.info.run_id).data.params == {"p": "x"}
    assert mlflow.get_run(active.info.run_id).data.metrics == {"own": 3.0}


def test_log_input_with_context_and_tags() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [0, 1, 0]})
    dataset = mlflow.data.from_pandas(frame, name="toy", targets="y")
    entity = Dataset(name="raw", digest="abc123", source_type="code", source="{}")
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training", tags={"split": "train"})
        mlflow.log_input(entity)
    inputs = mlflow.get_run(run.info.run_id).inputs.dataset_inputs
    by_name = {i.dataset.name: i for i in inputs}
    assert set(by_name) == {"toy", "raw"}
    assert by_name["toy"].context == "training"
    assert {t.key: t.value for t in by_name["toy"].tags}["split"] == "train"
    assert by_name["toy"].dataset.digest == dataset.to_entity().digest
    assert by_name["raw"].context is None


def test_log_inputs_logs_parallel_lists() -> None:
    np = pytest.importorskip("numpy")
    train = mlflow.data.from_numpy(np.asarray([[1, 2, 3], [4, 5, 6]]), source="data.csv")
    test = mlflow.data.from_numpy(np.asarray([[-1, 2, 3]]), source="data2.csv", name="test")
    with mlflow.start_run() as run:
        mlflow.log_inputs(
            [train, test, None],
            contexts=["training", "test", None],
            tags_list=[None, {"my_tag": "tag_value"}, None],
            models=None,
        )
    inputs = {i.dataset.name: i for i in mlflow.get_run(run.info.run_id).inputs.dataset_inputs}
    assert len(inputs) == 2
    by_context = {i.context: i for i in inputs.values()}
    assert set(by_context) == {"training", "test"}
    assert {t.key: t.value for t in by_context["test"].tags}["my_tag"] == "tag_value"
    assert by_context["training"].dataset.digest == train.to_entity().digest


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"datasets": [None], "contexts": [], "tags_list": []}, "same length; got 1, 0 and 0"),
        ({"datasets": [None], "contexts": ["training"], "tags_list": [None]}, "no dataset"),
    ],
)
def test_log_inputs_refuses_bad_lists(kwargs: dict[str, object], message: str) -> None:
    with mlflow.start_run(), pytest.raises(InvalidParameterError, match=message):
        mlflow.log_inputs(**kwargs)  # type: ignore[arg-type]
    with mlflow.start_run() as run:
        mlflow.log_inputs()  # nothing to log is fine, as in MLflow
    assert mlflow.get_run(run.info.run_id).inputs.dataset_inputs == []
