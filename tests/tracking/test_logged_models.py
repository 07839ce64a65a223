"""MLflow 3's logged models through the fluent API and the client, on memory and SQLite stores."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import flowtrack as mlflow
from flowtrack.entities import LoggedModelInput, LoggedModelOutput, LoggedModelStatus
from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.tracking import MlflowClient


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest, clean_context: None, tmp_path: Path) -> str:
    """A fresh memory store, or one SQLite file with artifacts on the local disk."""
    if request.param == "memory":
        mlflow.set_tracking_uri(f"memory:{os.urandom(8).hex()}")
    else:
        mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'flowtrack.db'}")
    return str(request.param)


@pytest.fixture(scope="module")
def iris() -> tuple[pd.DataFrame, pd.Series]:
    data = load_iris(as_frame=True)
    return data.data, data.target


@pytest.fixture(scope="module")
def classifier(iris: Any) -> LogisticRegression:
    X, y = iris
    return LogisticRegression(max_iter=500).fit(X, y)


@pytest.mark.usefixtures("backend")
def test_log_model_creates_a_ready_logged_model_linked_to_the_run(
    iris: Any, classifier: LogisticRegression
) -> None:
    X, _ = iris
    with mlflow.start_run() as run:
        mlflow.log_param("C", 1.0)
        mlflow.log_metric("train_accuracy", 0.9)
        mlflow.log_metric("train_accuracy", 0.95, step=1)
        info = mlflow.sklearn.log_model(
            classifier, name="model", params={"solver": "lbfgs"}, tags={"team": "fraud"}
        )
        assert mlflow.active_run().outputs.model_outputs == [
            LoggedModelOutput(model_id=info.model_id, step=0)
        ]

    assert info.model_id.startswith("m-") and len(info.model_id) == 34
    assert info.model_uri == f"models:/{info.model_id}"
    assert info.name == "model"
    assert info.run_id == run.info.run_id
    assert info.model_uuid == info.model_id
    assert info.params == {"C": "1.0", "solver": "lbfgs"}
    assert info.tags["team"] == "fraud" and "mlflow.user" in info.tags
    assert info.creation_timestamp is not None

    model = mlflow.get_logged_model(info.model_id)
    assert model.status == LoggedModelStatus.READY
    assert model.source_run_id == run.info.run_id
    assert info.artifact_path == model.artifact_location
    assert model.artifact_location.rstrip("/").endswith(f"models/{info.model_id}/artifacts")
    # The run's metrics at the model's step (0) are linked to it, the later step's are not.
    assert [(m.key, m.value, m.step, m.run_id) for m in model.metrics or []] == [
        ("train_accuracy", 0.9, 0, run.info.run_id)
    ]
    finished = mlflow.get_run(run.info.run_id)
    assert finished.outputs.model_outputs == [LoggedModelOutput(model_id=info.model_id, step=0)]
    assert mlflow.last_logged_model().model_id == info.model_id
    files = {f.path for f in MlflowClient().list_logged_model_artifacts(info.model_id)}
    assert {"MLmodel", "model.skops", "requirements.txt"} <= files
    expected = classifier.predict(X)
    for uri in (info.model_uri, f"runs:/{run.info.run_id}/model"):
        np.testing.assert_array_equal(mlflow.pyfunc.load_model(uri).predict(X), expected)
        np.testing.assert_array_equal(mlflow.sklearn.load_model(uri).predict(X), expected)
    read = mlflow.models.get_model_info(info.model_uri)
    assert (read.model_id, read.name, read.run_id) == (info.model_id, "model", run.info.run_id)


@pytest.mark.usefixtures("backend")
def test_models_uri_downloads_and_runs_uri_lists_the_model_files(
    classifier: LogisticRegression, tmp_path: Path
) -> None:
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(classifier, name="model")
    run_id = run.info.run_id
    by_id = Path(mlflow.artifacts.download_artifacts(info.model_uri, dst_path=tmp_path / "a"))
    assert (by_id / "MLmodel").is_file()
    by_run = Path(mlflow.artifacts.download_artifacts(f"runs:/{run_id}/model", dst_path=tmp_path))
    assert by_run == tmp_path / "model" and (by_run / "model.skops").is_file()
    mlmodel = Path(mlflow.artifacts.download_artifacts(f"runs:/{run_id}/model/MLmodel"))
    assert f"model_id: {info.model_id}" in mlmodel.read_text()
    listed = {f.path for f in MlflowClient().list_artifacts(run_id, "model")}
    assert "model/MLmodel" in listed
    assert mlflow.artifacts.list_artifacts(run_id=run_id) == []  # nothing under the run itself


@pytest.mark.usefixtures("backend")
def test_runs_uri_falls_back_to_a_model_logged_in_the_run_artifacts(
    iris: Any, classifier: LogisticRegression, tmp_path: Path
) -> None:
    X, _ = iris
    saved = tmp_path / "saved"
    mlflow.sklearn.save_model(classifier, saved)
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(saved), "old_style")  # an MLflow 2 layout: no logged model
    loaded = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/old_style")
    np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))
    assert loaded.model_id is None


@pytest.mark.usefixtures("backend")
def test_artifact_path_still_works_with_the_deprecation_warning(
    classifier: LogisticRegression, caplog: pytest.LogCaptureFixture
) -> None:
    with mlflow.start_run(), caplog.at_level(logging.WARNING, "flowtrack.models"):
        info = mlflow.sklearn.log_model(classifier, artifact_path="legacy")
    assert "`artifact_path` is deprecated. Please use `name` instead." in caplog.text
    assert info.name == "legacy" and info.model_uri == f"models:/{info.model_id}"
    with pytest.raises(InvalidParameterError, match="Please only specify `name`"):
        mlflow.sklearn.log_model(classifier, artifact_path="a", name="a")


@pytest.mark.usefixtures("backend")
def test_log_model_extras_step_model_type_and_an_initialized_model(
    classifier: LogisticRegression, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("trained on iris")
    with mlflow.start_run() as run:
        mlflow.log_metric("loss", 0.3, step=5)
        pending = mlflow.initialize_logged_model(name="candidate", model_type="classifier")
        assert pending.status == LoggedModelStatus.PENDING
        info = mlflow.sklearn.log_model(
            classifier,
            name="candidate",
            extra_files=[str(notes)],
            step=5,
            model_id=pending.model_id,
        )
    assert info.model_id == pending.model_id
    model = mlflow.get_logged_model(pending.model_id)
    assert (model.status, model.model_type) == (LoggedModelStatus.READY, "classifier")
    assert [(m.key, m.step) for m in model.metrics or []] == [("loss", 5)]
    assert mlflow.get_run(run.info.run_id).outputs.model_outputs == [
        LoggedModelOutput(model_id=pending.model_id, step=5)
    ]
    local = Path(mlflow.artifacts.download_artifacts(info.model_uri))
    assert (local / "extra_files" / "notes.txt").read_text() == "trained on iris"
    assert info.flavors["sklearn"]["extra_files"] == [{"path": "extra_files/notes.txt"}]


@pytest.mark.usefixtures("backend")
def test_log_model_without_a_run_and_a_failed_save(classifier: LogisticRegression) -> None:
    info = mlflow.sklearn.log_model(classifier, name="orphan")
    assert mlflow.active_run() is None  # MLflow 3 starts no run
    assert info.run_id is None and mlflow.get_logged_model(info.model_id).source_run_id is None
    with pytest.raises(InvalidParameterError):
        mlflow.sklearn.log_model(classifier, name="broken", pyfunc_predict_fn="nope")
    failed = mlflow.last_logged_model()
    assert failed.name == "broken" and failed.status == LoggedModelStatus.FAILED
    assert "nope" in (failed.status_message or "")


@pytest.mark.usefixtures("backend")
def test_registered_model_name_registers_the_logged_model(
    iris: Any, classifier: LogisticRegression
) -> None:
    X, _ = iris
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(
            classifier, name="model", registered_model_name="iris", await_registration_for=0
        )
    assert info.registered_model_version == 1
    version = MlflowClient().get_model_version("iris", 1)
    assert (version.model_id, version.source) == (info.model_id, info.model_uri)
    assert version.run_id == run.info.run_id
    np.testing.assert_array_equal(
        mlflow.pyfunc.load_model("models:/iris/1").predict(X), classifier.predict(X)
    )
    download = MlflowClient().get_model_version_download_uri("iris", 1)
    assert download == mlflow.get_logged_model(info.model_id).artifact_location
    tagged = mlflow.get_logged_model(info.model_id).tags["mlflow.modelVersions"]
    assert tagged == '[{"name": "iris", "version": 1}]'
    # runs:/<run_id>/<name> naming a logged model registers that model.
    again = mlflow.register_model(f"runs:/{run.info.run_id}/model", "iris")
    assert (again.model_id, again.source) == (info.model_id, info.model_uri)


@pytest.mark.usefixtures("backend")
def test_search_logged_models_as_frame_and_list(classifier: LogisticRegression) -> None:
    with mlflow.start_run():
        first = mlflow.sklearn.log_model(classifier, name="first")
        mlflow.log_metric("accuracy", 0.7, model_id=first.model_id)
        second = mlflow.sklearn.log_model(classifier, name="second")
        mlflow.log_metric("accuracy", 0.9, model_id=second.model_id)

    found = mlflow.search_logged_models(output_format="list")
    assert [m.name for m in found] == ["second", "first"]
    good = mlflow.search_logged_models(filter_string="metrics.accuracy > 0.8", output_format="list")
    assert [m.model_id for m in good] == [second.model_id]
    frame = mlflow.search_logged_models(
        order_by=[{"field_name": "metrics.accuracy", "ascending": True}]
    )
    assert list(frame["model_id"]) == [first.model_id, second.model_id]
    assert list(frame.columns) == [
        "artifact_location",
        "creation_timestamp",
        "experiment_id",
        "last_updated_timestamp",
        "metrics",
        "model_id",
        "model_type",
        "name",
        "params",
        "source_run_id",
        "status",
        "status_message",
        "tags",
    ]
    assert list(frame["status"]) == ["READY", "READY"]
    assert len(mlflow.search_logged_models(max_results=1, output_format="list")) == 1
    with pytest.raises(InvalidParameterError, match="Unsupported output format"):
        mlflow.search_logged_models(output_format="json")  # type: ignore[call-overload]


@pytest.mark.usefixtures("backend")
def test_active_model_links_metrics_and_becomes_a_run_input() -> None:
    assert mlflow.get_active_model_id() is None
    with mlflow.set_active_model(name="agent") as active:
        assert mlflow.get_active_model_id() == active.model_id
        assert active.tags["mlflow.model.isExternal"] == "true"
        with mlflow.start_run() as run:
            mlflow.log_metric("quality", 0.8)
            mlflow.log_metrics({"latency": 12.0, "cost": 0.5}, step=2)
    assert mlflow.get_active_model_id() is None
    model = mlflow.get_logged_model(active.model_id)
    assert sorted((m.key, m.step) for m in model.metrics or []) == [
        ("cost", 2),
        ("latency", 2),
        ("quality", 0),
    ]
    assert mlflow.get_run(run.info.run_id).inputs.model_inputs == [
        LoggedModelInput(model_id=active.model_id)
    ]
    # The same name again: the existing model becomes active.
    assert mlflow.set_active_model(name="agent").model_id == active.model_id
    mlflow.clear_active_model()
    assert mlflow.get_active_model_id() is None
    with pytest.raises(InvalidParameterError, match="Either name or model_id"):
        mlflow.set_active_model()


@pytest.mark.usefixtures("backend")
def test_active_model_from_the_environment_and_per_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = mlflow.create_external_model(name="from-env")
    assert model.status == LoggedModelStatus.READY
    monkeypatch.setenv("MLFLOW_ACTIVE_MODEL_ID", model.model_id)
    assert mlflow.get_active_model_id() == model.model_id
    mlflow.set_active_model(model_id=model.model_id)
    seen: list[str | None] = []
    # A new thread starts from the environment, not from this context's choice.
    mlflow.clear_active_model()
    monkeypatch.delenv("MLFLOW_ACTIVE_MODEL_ID", raising=False)
    mlflow.set_active_model(model_id=model.model_id)
    thread = threading.Thread(target=lambda: seen.append(mlflow.get_active_model_id()))
    thread.start()
    thread.join()
    assert seen == [None]
    assert mlflow.get_active_model_id() == model.model_id
    with pytest.raises(InvalidParameterError, match="does not match the provided name"):
        mlflow.set_active_model(name="other", model_id=model.model_id)


@pytest.mark.usefixtures("backend")
def test_metrics_with_model_id_and_dataset(classifier: LogisticRegression, iris: Any) -> None:
    X, y = iris
    dataset = mlflow.data.from_pandas(X.assign(target=y), name="iris", targets="target")
    other = mlflow.create_external_model(name="baseline")
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(classifier, name="model")
        mlflow.log_metric("accuracy", 0.97, model_id=info.model_id, dataset=dataset)
        mlflow.log_metric("accuracy", 0.91, model_id=other.model_id, step=3)
        mlflow.log_input(model=LoggedModelInput(model_id=other.model_id))
    model = mlflow.get_logged_model(info.model_id)
    point = next(m for m in model.metrics or [] if m.value == 0.97)
    assert (point.dataset_name, point.dataset_digest) == ("iris", dataset.digest)
    finished = mlflow.get_run(run.info.run_id)
    assert [i.dataset.name for i in finished.inputs.dataset_inputs] == ["iris"]
    # The output model is not also an input; the other model is an input once.
    assert finished.inputs.model_inputs == [LoggedModelInput(model_id=other.model_id)]
    history = MlflowClient().get_metric_history(run.info.run_id, "accuracy")
    assert sorted(m.value for m in history) == [0.91, 0.97]


@pytest.mark.usefixtures("backend")
def test_client_logged_model_methods(tmp_path: Path) -> None:
    client = MlflowClient()
    experiment_id = client.create_experiment("logged")
    run = client.create_run(experiment_id)
    model = client.create_logged_model(
        experiment_id, name="m", source_run_id=run.info.run_id, params={"alpha": 0.5}
    )
    assert (model.status, model.params) == (LoggedModelStatus.PENDING, {"alpha": "0.5"})
    client.log_model_params(model.model_id, {"beta": 2})
    client.set_logged_model_tags(model.model_id, {"stage": "dev", "owner": "ada"})
    client.delete_logged_model_tag(model.model_id, "owner")
    weights = tmp_path / "weights.txt"
    weights.write_text("1 2 3")
    client.log_model_artifact(model.model_id, str(weights))
    client.log_model_artifact(model.model_id, str(weights), artifact_path="copies")
    assert [f.path for f in client.list_logged_model_artifacts(model.model_id)] == [
        "copies",
        "weights.txt",
    ]
    client.log_outputs(run.info.run_id, [LoggedModelOutput(model_id=model.model_id, step=1)])
    client.log_inputs(run.info.run_id, models=[LoggedModelInput(model_id=model.model_id)])
    client.log_metric(run.info.run_id, "rmse", 0.25, model_id=model.model_id)
    ready = client.finalize_logged_model(model.model_id, "READY")
    assert ready.status == LoggedModelStatus.READY
    assert ready.params == {"alpha": "0.5", "beta": "2"}
    assert ready.tags["stage"] == "dev" and "owner" not in ready.tags
    assert [(m.key, m.value) for m in ready.metrics or []] == [("rmse", 0.25)]
    fetched = client.get_run(run.info.run_id)
    assert fetched.outputs.model_outputs == [LoggedModelOutput(model_id=model.model_id, step=1)]
    assert fetched.inputs.model_inputs == [LoggedModelInput(model_id=model.model_id)]
    page = client.search_logged_models([experiment_id], "params.alpha = '0.5'")
    assert [m.model_id for m in page] == [model.model_id]
    with pytest.raises(InvalidParameterError, match="READY"):
        client.finalize_logged_model(model.model_id, "PENDING")
    with pytest.raises(InvalidParameterError, match="list of experiment id"):
        client.search_logged_models(experiment_id)
    with pytest.raises(InvalidParameterError, match="give both or neither"):
        client.log_metric(run.info.run_id, "rmse", 0.2, dataset_name="only-a-name")
    client.delete_logged_model(model.model_id)
    with pytest.raises(NotFoundError):
        client.get_logged_model(model.model_id)


@pytest.mark.usefixtures("backend")
def test_models_predict_cli_loads_models_and_runs_uris(
    iris: Any, classifier: LogisticRegression, tmp_path: Path
) -> None:
    import json

    from typer.testing import CliRunner

    from flowtrack.cli.main import app

    X, _ = iris
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(classifier, name="model")
    source = tmp_path / "input.json"
    source.write_text(json.dumps({"dataframe_records": X.head(5).to_dict(orient="records")}))
    expected = [int(v) for v in classifier.predict(X.head(5))]
    for uri in (info.model_uri, f"runs:/{run.info.run_id}/model"):
        result = CliRunner().invoke(app, ["models", "predict", "-m", uri, "-i", str(source)])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {"predictions": expected}
