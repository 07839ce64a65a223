"""The code snippets and capabilities of the user notes in ``/work/shared/seeds/*.txt``.

Each test runs one snippet as its author wrote it, changed only where unavoidable:
``import mlflow`` becomes ``import flowtrack as mlflow``, data comes from scikit-learn or is
generated, and the store is a fresh in-memory one (``tracking_uri``) or a SQLite file in
``tmp_path``. Snippets that need what flowtrack does not have yet (the tracking server and UI,
Projects, Docker builds...) have no test here.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import flowtrack
import flowtrack as mlflow
import flowtrack.pyfunc
import flowtrack.sklearn
from flowtrack.cli.main import app

WINE_COLUMNS = [
    "fixed acidity",
    "volatile acidity",
    "citric acid",
    "residual sugar",
    "chlorides",
    "free sulfur dioxide",
    "total sulfur dioxide",
    "density",
    "pH",
    "sulphates",
    "alcohol",
]


@pytest.fixture
def sqlite_uri(clean_context: None, tmp_path: Path) -> str:
    """A SQLite tracking store in ``tmp_path`` (artifacts under ``tmp_path`` too)."""
    uri = f"sqlite:///{tmp_path}/t.db"
    flowtrack.set_tracking_uri(uri)
    return uri


@pytest.fixture
def iris() -> tuple[pd.DataFrame, pd.Series]:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


def _fitted_forest(X: Any, y: Any) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)


def _flowtrack_command() -> list[str]:
    script = Path(sys.executable).with_name("flowtrack")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flowtrack.cli.main"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------------------------
# 000_bca72c255abe06c2.txt
def test_seed000_create_tag_and_set_experiment(tracking_uri: str) -> None:
    # Create new experiment
    mlflow.create_experiment("My experiment")

    # Tag new experiment
    mlflow.set_experiment_tag("scikit-learn", "lr")

    # Set the experiment
    mlflow.set_experiment("My experiment")

    experiment = mlflow.get_experiment_by_name("My experiment")
    assert experiment is not None
    # As in MLflow, the tag went to the experiment active at that point: the default one.
    assert mlflow.get_experiment_by_name("Default").tags == {"scikit-learn": "lr"}
    with mlflow.start_run() as run:
        pass
    assert run.info.experiment_id == experiment.experiment_id


# 000_bca72c255abe06c2.txt
def test_seed000_start_run_returns_run_info(tracking_uri: str) -> None:
    # Set the experiment
    mlflow.set_experiment("My Experiment")

    # Start a run
    run = mlflow.start_run()

    # Print run info
    info = run.info

    assert info.status == "RUNNING"
    assert info.experiment_id == mlflow.get_experiment_by_name("My Experiment").experiment_id
    assert mlflow.active_run().info.run_id == info.run_id
    assert info.start_time > 0 and info.end_time is None
    mlflow.end_run()
    assert mlflow.get_run(info.run_id).info.status == "FINISHED"


# 000_bca72c255abe06c2.txt
def test_seed000_search_runs_r2_filter(tracking_uri: str) -> None:
    scores = {"Unicorn Sklearn Experiments": [0.9, 0.5], "Unicorn Other Experiments": [0.75, 0.6]}
    for name, values in scores.items():
        mlflow.set_experiment(name)
        for value in values:
            with mlflow.start_run():
                mlflow.log_metric("r2_score", value)

    # Create a filter string for R-squared score
    r_squared_filter = "metrics.r2_score > .70"

    # Search runs
    runs = mlflow.search_runs(
        experiment_names=["Unicorn Sklearn Experiments", "Unicorn Other Experiments"],
        filter_string=r_squared_filter,
        order_by=["metrics.r2_score DESC"],
    )

    assert isinstance(runs, pd.DataFrame)
    assert list(runs["metrics.r2_score"]) == [0.9, 0.75]


# 000_bca72c255abe06c2.txt
def test_seed000_sklearn_autolog(tracking_uri: str, iris: tuple[pd.DataFrame, pd.Series]) -> None:
    from sklearn.ensemble import RandomForestClassifier

    X, y = iris
    # Scikit-learn built-in flavor
    mlflow.sklearn.autolog()
    try:
        with mlflow.start_run() as run:
            RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    finally:
        mlflow.sklearn.autolog(disable=True)

    data = mlflow.get_run(run.info.run_id).data
    assert data.params["n_estimators"] == "5"
    assert 0.9 <= data.metrics["training_accuracy_score"] <= 1.0
    model = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/model")
    assert list(model.predict(X.head(3))) == list(y.head(3))


# 000_bca72c255abe06c2.txt ("mlflow.FLAVOR.autolog()": the generic entry point)
def test_seed000_generic_autolog(tracking_uri: str, iris: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = iris
    # Automacally log model and metrics
    mlflow.autolog()
    try:
        with mlflow.start_run() as run:
            _fitted_forest(X, y)
    finally:
        mlflow.autolog(disable=True)

    data = mlflow.get_run(run.info.run_id).data
    assert "training_accuracy_score" in data.metrics
    paths = [f.path for f in mlflow.MlflowClient().list_artifacts(run.info.run_id, "model")]
    assert "model/MLmodel" in paths


# 000_bca72c255abe06c2.txt ("The MLmodel is a YAML file that define important information")
def test_seed000_mlmodel_is_yaml(
    tracking_uri: str, tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    X, y = iris
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(_fitted_forest(X, y), name="model", input_example=X.head(2))
    local = mlflow.artifacts.download_artifacts(
        f"runs:/{run.info.run_id}/model", dst_path=str(tmp_path)
    )

    mlmodel = yaml.safe_load(Path(local, "MLmodel").read_text())
    assert set(mlmodel["flavors"]) == {"python_function", "sklearn"}
    assert mlmodel["run_id"] == run.info.run_id
    assert mlmodel["signature"]["inputs"]


# 000_bca72c255abe06c2.txt ("How to create custom MLflow Models")
def test_seed000_custom_pyfunc_model(tracking_uri: str) -> None:
    class AddN(mlflow.pyfunc.PythonModel):
        def __init__(self, n: int) -> None:
            self.n = n

        def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> Any:
            return model_input.apply(lambda column: column + self.n)

    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(name="add_n_model", python_model=AddN(n=5))

    loaded = mlflow.pyfunc.load_model(info.model_uri)
    result = loaded.predict(pd.DataFrame({"x": [1, 2, 3]}))
    assert list(result["x"]) == [6, 7, 8]


# 000_bca72c255abe06c2.txt ("how to evaluate model performance")
def test_seed000_evaluate_model(tracking_uri: str, iris: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = iris
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(_fitted_forest(X, y), name="model")
        result = mlflow.evaluate(
            info.model_uri, X.assign(label=y), targets="label", model_type="classifier"
        )
        run_id = mlflow.active_run().info.run_id

    assert result.metrics["accuracy_score"] >= 0.9
    assert mlflow.get_run(run_id).data.metrics["accuracy_score"] == result.metrics["accuracy_score"]


# 000_bca72c255abe06c2.txt ("Create and search for models in the Model Registry ... transition
# model between predefined stages ... Deploy models from Model Registry")
def test_seed000_registry_search_transition_and_deploy(
    sqlite_uri: str, tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    X, y = iris
    with mlflow.start_run():
        mlflow.sklearn.log_model(
            _fitted_forest(X, y), name="model", registered_model_name="iris-rf"
        )
    client = mlflow.MlflowClient()
    client.transition_model_version_stage("iris-rf", version=1, stage="Production")

    found = client.search_registered_models(filter_string="name LIKE 'iris%'")
    assert [m.name for m in found] == ["iris-rf"]
    assert [v.current_stage for v in found[0].latest_versions] == ["Production"]

    source = tmp_path / "input.csv"
    X.head(4).to_csv(source, index=False)
    output = tmp_path / "predictions.json"
    result = CliRunner().invoke(
        app,
        [
            "models",
            "predict",
            "-m",
            "models:/iris-rf/Production",
            "-i",
            str(source),
            "-o",
            str(output),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(output.read_text())["predictions"] == list(y.head(4))


# --------------------------------------------------------------------------------------------
# 001_6330f5ee15fe2f71.txt
def test_seed001_log_params_metrics_artifact(tracking_uri: str, tmp_path: Path) -> None:
    # Start an MLflow run
    with mlflow.start_run() as run:
        # Log parameters
        mlflow.log_param("learning_rate", 0.01)
        mlflow.log_param("batch_size", 32)

        # Log metrics
        mlflow.log_metric("accuracy", 0.95)
        mlflow.log_metric("loss", 0.05)

        # Log artifacts
        with open("model_summary.txt", "w") as f:
            f.write("Model achieved 95% accuracy.")
        mlflow.log_artifact("model_summary.txt")

    data = mlflow.get_run(run.info.run_id).data
    assert data.params == {"learning_rate": "0.01", "batch_size": "32"}
    assert data.metrics == {"accuracy": 0.95, "loss": 0.05}
    text = mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/model_summary.txt")
    assert text == "Model achieved 95% accuracy."


# 001_6330f5ee15fe2f71.txt
def test_seed001_sklearn_log_and_load_model(tracking_uri: str) -> None:
    from sklearn.ensemble import RandomForestClassifier

    # Train and save a model
    model = RandomForestClassifier()
    info = mlflow.sklearn.log_model(model, "random_forest_model")

    # MLflow 3 logs a logged model, with no run when none is active; the note's
    # "runs://random_forest_model" names no run (MLflow refuses it too), so the model is loaded
    # by the URI log_model returned, models:/<model_id>.
    assert mlflow.active_run() is None
    # Load the model later for inference
    loaded_model = mlflow.sklearn.load_model(info.model_uri)

    assert isinstance(loaded_model, RandomForestClassifier)
    assert loaded_model.get_params() == model.get_params()


# 001_6330f5ee15fe2f71.txt
def test_seed001_register_and_transition_to_production(
    tracking_uri: str, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    from flowtrack import MlflowClient

    X, y = iris
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(_fitted_forest(X, y), "random_forest_model")

    client = MlflowClient()

    # Register a new model ("runs://random_forest_model" and the run id "Experiment1" name no
    # run: flowtrack checks both, so they become the real run's)
    model_uri = f"runs:/{run.info.run_id}/random_forest_model"
    client.create_registered_model("RandomForestClassifier")
    client.create_model_version("RandomForestClassifier", model_uri, run.info.run_id)

    # Transition the model to production
    client.transition_model_version_stage("RandomForestClassifier", version=1, stage="Production")

    (production,) = client.get_latest_versions("RandomForestClassifier", stages=["Production"])
    assert production.version in (1, "1")
    assert production.run_id == run.info.run_id
    loaded = mlflow.pyfunc.load_model("models:/RandomForestClassifier/Production")
    assert list(loaded.predict(X.head(3))) == list(y.head(3))


# 001_6330f5ee15fe2f71.txt ("Staging ... Production ... Archived")
def test_seed001_lifecycle_stages(tracking_uri: str, iris: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = iris
    client = mlflow.MlflowClient()
    for _ in range(2):
        with mlflow.start_run():
            mlflow.sklearn.log_model(_fitted_forest(X, y), name="model", registered_model_name="rf")

    client.transition_model_version_stage("rf", version=1, stage="Staging")
    client.transition_model_version_stage("rf", version=1, stage="Production")
    client.transition_model_version_stage(
        "rf", version=2, stage="Production", archive_existing_versions=True
    )

    stages = {int(v.version): v.current_stage for v in client.search_model_versions("name = 'rf'")}
    assert stages == {1: "Archived", 2: "Production"}


# --------------------------------------------------------------------------------------------
# 002_2266074b764ad315.txt ("Log model as an artifact")
def test_seed002_log_model_as_artifact(
    tracking_uri: str, tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    X, y = iris
    model = _fitted_forest(X, y)
    mlflow.sklearn.save_model(model, "mymodel")  # "mymodel" is a model directory
    with mlflow.start_run() as run:
        mlflow.log_artifact("mymodel", artifact_path="models")

    client = mlflow.MlflowClient()
    assert [f.path for f in client.list_artifacts(run.info.run_id, "models")] == ["models/mymodel"]
    logged = {f.path for f in client.list_artifacts(run.info.run_id, "models/mymodel")}
    assert {"models/mymodel/MLmodel", "models/mymodel/requirements.txt"} <= logged
    loaded = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/models/mymodel")
    assert list(loaded.predict(X.head(5))) == list(model.predict(X.head(5)))


# 002_2266074b764ad315.txt ("Log model using the method log_model")
def test_seed002_log_model_with_artifact_path(
    tracking_uri: str, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    X, y = iris
    model = _fitted_forest(X, y)
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(model, artifact_path="models")

    loaded = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/models")
    assert list(loaded.predict(X.head(5))) == list(model.predict(X.head(5)))


# 002_2266074b764ad315.txt ("pass a tracking URI and/or a registry URI")
def test_seed002_client_with_tracking_and_registry_uri(clean_context: None, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)

    experiment_id = client.create_experiment("client-experiment")
    run = client.create_run(experiment_id)
    client.log_param(run.info.run_id, "alpha", 0.5)
    client.set_terminated(run.info.run_id)
    client.create_registered_model("client-model")

    other = mlflow.MlflowClient(tracking_uri=uri)
    assert other.get_run(run.info.run_id).data.params == {"alpha": "0.5"}
    assert other.get_run(run.info.run_id).info.status == "FINISHED"
    assert [m.name for m in other.search_registered_models()] == ["client-model"]


# 002_2266074b764ad315.txt ("automatically logs ... source code, git commit, start and end time,
# author")
def test_seed002_automatic_run_metadata(clean_context: None, tmp_path: Path) -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    project = tmp_path / "project"
    (project / ".git" / "refs" / "heads").mkdir(parents=True)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / ".git" / "refs" / "heads" / "main").write_text(commit + "\n")
    script = project / "train.py"
    script.write_text(
        "import flowtrack as mlflow\n"
        f"mlflow.set_tracking_uri('sqlite:///{tmp_path}/t.db')\n"
        "with mlflow.start_run() as run:\n"
        "    mlflow.log_param('alpha', 0.1)\n"
        "print(run.info.run_id)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWTRACK_", "MLFLOW_"))}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=True
    )

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path}/t.db")
    run = client.get_run(done.stdout.strip())
    assert run.data.tags["mlflow.source.name"] == str(script)
    assert run.data.tags["mlflow.source.git.commit"] == commit
    assert run.data.tags["mlflow.user"] == run.info.user_id != ""
    assert 0 < run.info.start_time <= run.info.end_time


# 002_2266074b764ad315.txt ("Parameter Tuning": one child run per trial)
def test_seed002_parameter_tuning_nested_runs(tracking_uri: str) -> None:
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import cross_val_score

    X, y = load_diabetes(return_X_y=True)
    with mlflow.start_run(run_name="tuning") as parent:
        for alpha in (0.01, 0.1, 1.0):
            with mlflow.start_run(nested=True):
                mlflow.log_param("alpha", alpha)
                mlflow.log_metric("r2", cross_val_score(Ridge(alpha=alpha), X, y, cv=3).mean())

    children = mlflow.search_runs(
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
        order_by=["metrics.r2 DESC"],
    )
    assert sorted(children["params.alpha"]) == ["0.01", "0.1", "1.0"]
    assert children["metrics.r2"].is_monotonic_decreasing


# 002_2266074b764ad315.txt ("Model lineage, Model versioning, Stage transitions, Annotations")
def test_seed002_registry_lineage_versions_annotations(
    tracking_uri: str, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    from flowtrack.registry import get_lineage

    X, y = iris
    client = mlflow.MlflowClient()
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(_fitted_forest(X, y), name="model", registered_model_name="rf")
    client.update_model_version("rf", 1, description="Trained on iris.")
    client.set_model_version_tag("rf", 1, "validated", "yes")

    version = client.get_model_version("rf", 1)
    assert version.run_id == run.info.run_id
    assert version.description == "Trained on iris."
    assert version.tags == {"validated": "yes"}
    assert get_lineage("rf", 1).run.info.run_id == run.info.run_id


# --------------------------------------------------------------------------------------------
# 003_f719c74e5e345dd3.txt (MLflow Tracking: string params, PNG artifacts, metric history)
def test_seed003_tracking_params_images_metric_history(tracking_uri: str) -> None:
    image = np.zeros((8, 8, 3), dtype=np.uint8)
    with mlflow.start_run() as run:
        mlflow.log_params({"optimizer": "adam", "layers": "64,32"})
        for step, loss in enumerate([0.9, 0.5, 0.3]):
            mlflow.log_metric("loss", loss, step=step)
        mlflow.log_image(image, "plots/blank.png")

    client = mlflow.MlflowClient()
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 0.9), (1, 0.5), (2, 0.3)]
    assert [f.path for f in client.list_artifacts(run.info.run_id, "plots")] == ["plots/blank.png"]
    assert mlflow.get_run(run.info.run_id).data.params == {"optimizer": "adam", "layers": "64,32"}


# 003_f719c74e5e345dd3.txt (column-based signature and input example)
def test_seed003_column_signature_and_input_example(
    tracking_uri: str, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    from flowtrack.models import infer_signature

    X, y = iris
    model = _fitted_forest(X, y)
    signature = infer_signature(X, model.predict(X))
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            model, name="model", signature=signature, input_example=X.head(3)
        )

    loaded = mlflow.pyfunc.load_model(info.model_uri)
    assert loaded.metadata.get_input_schema().input_names() == list(X.columns)
    assert info.signature.to_dict() == signature.to_dict()
    with pytest.raises(flowtrack.FlowtrackError):
        loaded.predict(X.head(2).drop(columns=[X.columns[0]]))


# 003_f719c74e5e345dd3.txt (tensor-based signature and input example)
def test_seed003_tensor_signature_and_input_example(tracking_uri: str) -> None:
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    from flowtrack.models import infer_signature

    X, y = load_digits(return_X_y=True)
    X, y = X[:300].astype(np.float32), y[:300]
    model = LogisticRegression(max_iter=300).fit(X, y)
    signature = infer_signature(X, model.predict(X))
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            model, name="model", signature=signature, input_example=X[:2]
        )

    inputs = signature.to_dict()["inputs"]
    assert json.loads(inputs)[0]["type"] == "tensor"
    loaded = mlflow.pyfunc.load_model(info.model_uri)
    assert list(loaded.predict(X[:5])) == list(model.predict(X[:5]))


# 003_f719c74e5e345dd3.txt (versions, stages, markdown descriptions on model and version)
def test_seed003_registry_versions_stages_descriptions(
    tracking_uri: str, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    X, y = iris
    client = mlflow.MlflowClient()
    versions = []
    for _ in range(2):
        with mlflow.start_run():
            info = mlflow.sklearn.log_model(
                _fitted_forest(X, y), name="model", registered_model_name="wine-model"
            )
        versions.append(int(info.registered_model_version))
    client.update_registered_model("wine-model", description="# Wine\nAn *ElasticNet*.")
    client.update_model_version("wine-model", 2, description="Trained with `alpha=0.5`.")
    client.transition_model_version_stage("wine-model", 2, "Staging")

    assert versions == [1, 2]
    assert client.get_registered_model("wine-model").description == "# Wine\nAn *ElasticNet*."
    version = client.get_model_version("wine-model", 2)
    assert (version.description, version.current_stage) == ("Trained with `alpha=0.5`.", "Staging")


# 003_f719c74e5e345dd3.txt (MLflow Plugins: a third-party tracking store)
def test_seed003_tracking_store_plugin(
    clean_context: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "plugin"
    (package / "seed_store_plugin").mkdir(parents=True)
    (package / "seed_store_plugin" / "__init__.py").write_text(
        "from flowtrack.stores.tracking.memory import MemoryTrackingStore\n\n"
        "class PluginStore(MemoryTrackingStore):\n"
        "    pass\n"
    )
    dist = package / "seed_store_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: seed-store-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[flowtrack.tracking_stores]\nseedplugin = seed_store_plugin:PluginStore\n"
    )
    monkeypatch.syspath_prepend(str(package))

    mlflow.set_tracking_uri("seedplugin:one")
    with mlflow.start_run() as run:
        mlflow.log_param("alpha", 1)

    assert mlflow.get_run(run.info.run_id).data.params == {"alpha": "1"}
    from flowtrack.stores.tracking.selection import get_tracking_store

    assert type(get_tracking_store("seedplugin:one")).__name__ == "PluginStore"


# 003_f719c74e5e345dd3.txt (the tutorial: train the ElasticNet, then
# "mlflow models serve -m {PATH} -p 1234" and the curl dataframe_split request)
def test_seed003_elasticnet_train_and_serve(sqlite_uri: str, tmp_path: Path) -> None:
    from sklearn.linear_model import ElasticNet
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.uniform(0, 10, (200, len(WINE_COLUMNS))), columns=WINE_COLUMNS)
    data["quality"] = data["alcohol"] * 0.5 + rng.normal(0, 0.1, 200)
    train, test = data.iloc[:150], data.iloc[150:]
    train_x, test_x = train.drop(columns=["quality"]), test.drop(columns=["quality"])
    alpha, l1_ratio = 0.42, 0.1

    with mlflow.start_run():
        lr = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, random_state=42)
        lr.fit(train_x, train["quality"])
        predicted_qualities = lr.predict(test_x)
        rmse = float(np.sqrt(mean_squared_error(test["quality"], predicted_qualities)))
        mlflow.log_param("alpha", alpha)
        mlflow.log_param("l1_ratio", l1_ratio)
        mlflow.log_metric("rmse", rmse)
        mlflow.log_metric("r2", r2_score(test["quality"], predicted_qualities))
        mlflow.log_metric("mae", mean_absolute_error(test["quality"], predicted_qualities))
        info = mlflow.sklearn.log_model(lr, name="model")

    # The "Full Path" of the model, as the UI shows it: the logged model's artifact location.
    path = mlflow.get_logged_model(info.model_id).artifact_location
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*_flowtrack_command(), "models", "serve", "-m", path, "-p", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/ping", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        body = (
            '{"dataframe_split": {"columns":["fixed acidity", "volatile acidity", "citric acid", '
            '"residual sugar", "chlorides", "free sulfur dioxide", "total sulfur dioxide", '
            '"density", "pH", "sulphates", "alcohol"],"data":[[6.2, 0.66, 0.48, 1.2, 0.029, 29, '
            "75, 0.98, 3.33, 0.39, 12.8]]}}"
        )
        response = httpx.post(
            f"{url}/invocations", content=body, headers={"Content-Type": "application/json"}
        )
    finally:
        process.terminate()
        process.wait(timeout=30)

    assert response.status_code == 200, response.text
    row = pd.DataFrame(json.loads(body)["dataframe_split"]["data"], columns=WINE_COLUMNS)
    assert response.json()["predictions"] == pytest.approx(list(lr.predict(row)))


# --------------------------------------------------------------------------------------------
# 004_f7effc3f517ae69d.txt ("MLflow comes with a cli": the commands flowtrack has)
def test_seed004_cli_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("db", "experiments", "gc", "models", "runs"):
        assert command in result.output


# 004_f7effc3f517ae69d.txt ("A typical model directory contains the following files")
def test_seed004_model_directory_files(
    tracking_uri: str, tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    X, y = iris
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(
            _fitted_forest(X, y),
            name="model",
            input_example=X.head(2),
            serialization_format="cloudpickle",
        )
    local = Path(
        mlflow.artifacts.download_artifacts(
            f"runs:/{run.info.run_id}/model", dst_path=str(tmp_path)
        )
    )

    files = {p.name for p in local.iterdir()}
    assert {"MLmodel", "model.pkl", "conda.yaml", "python_env.yaml", "requirements.txt"} <= files
    mlmodel = yaml.safe_load((local / "MLmodel").read_text())
    assert {
        "flavors",
        "utc_time_created",
        "run_id",
        "signature",
        "saved_input_example_info",
    } <= set(mlmodel)
    assert mlmodel["run_id"] == run.info.run_id


# 004_f7effc3f517ae69d.txt ("Each distinct model version can be associated with one stage at a
# time")
def test_seed004_one_stage_at_a_time(
    tracking_uri: str, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    X, y = iris
    client = mlflow.MlflowClient()
    with mlflow.start_run():
        mlflow.sklearn.log_model(_fitted_forest(X, y), name="model", registered_model_name="taxi")

    client.transition_model_version_stage("taxi", 1, "Staging")
    client.transition_model_version_stage("taxi", 1, "Production")

    assert client.get_model_version("taxi", 1).current_stage == "Production"
    assert client.get_latest_versions("taxi", stages=["Staging"]) == []


# 004_f7effc3f517ae69d.txt (the notebook: sqlite backend, set_experiment, tag, params, Lasso, rmse)
def test_seed004_notebook_lasso_run(clean_context: None) -> None:
    from sklearn.datasets import make_regression
    from sklearn.linear_model import Lasso
    from sklearn.metrics import root_mean_squared_error

    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    X_train, X_val, y_train, y_val = X[:150], X[150:], y[:150], y[150:]

    mlflow.set_tracking_uri("sqlite:///mlflow.db")
    experiment = mlflow.set_experiment("nyc_taxi_experiment")
    assert experiment.name == "nyc_taxi_experiment"

    # start logging with mlflow
    with mlflow.start_run() as run:
        # set tag for mlflow
        mlflow.set_tag("developer", "Bengsoon")

        # set data path param
        mlflow.log_param("train-data-path", "./data/fhv_tripdata_2021-01.parquet")
        mlflow.log_param("valid-data-path", "./data/fhv_tripdata_2021-02.parquet")

        # set hyper parameter for Lasso
        alpha = 0.01
        mlflow.log_param("alpha", alpha)
        lr = Lasso(alpha=alpha)

        # train the model
        lr.fit(X_train, y_train)

        # get the y_pred from X_train
        y_pred = lr.predict(X_val)

        # get RMSE and record on mlflow (scikit-learn >= 1.6 has no squared=False)
        rmse = round(root_mean_squared_error(y_val, y_pred), 2)
        mlflow.log_metric("rmse", rmse)

    assert Path("mlflow.db").is_file()
    stored = mlflow.get_run(run.info.run_id)
    assert stored.info.experiment_id == experiment.experiment_id
    assert stored.data.tags["developer"] == "Bengsoon"
    assert stored.data.params == {
        "train-data-path": "./data/fhv_tripdata_2021-01.parquet",
        "valid-data-path": "./data/fhv_tripdata_2021-02.parquet",
        "alpha": "0.01",
    }
    assert stored.data.metrics == {"rmse": rmse}


# 004_f7effc3f517ae69d.txt ("Experiment Tracking ... Data (different versions)")
def test_seed004_track_data_versions(tracking_uri: str) -> None:
    months = {"2021-01": [1.0, 2.0, 3.0], "2021-02": [4.0, 5.0, 6.0]}
    run_ids = {}
    for month, durations in months.items():
        frame = pd.DataFrame({"duration": durations})
        dataset = mlflow.data.from_pandas(
            frame, source=f"./data/fhv_tripdata_{month}.parquet", name="fhv_tripdata"
        )
        with mlflow.start_run() as run:
            mlflow.log_input(dataset, context="training")
        run_ids[month] = (run.info.run_id, dataset.digest)

    for run_id, digest in run_ids.values():
        (logged,) = mlflow.get_run(run_id).inputs.dataset_inputs
        assert (logged.dataset.name, logged.dataset.digest) == ("fhv_tripdata", digest)
    run_id, digest = run_ids["2021-02"]
    found = mlflow.search_runs(filter_string=f"datasets.digest = '{digest}'", output_format="list")
    assert [r.info.run_id for r in found] == [run_id]
