"""``models:/`` URIs in every loader, and ``log_model(..., registered_model_name=...)``."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

import flowtrack as mlflow
from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.models.uri import parse_model_uri
from flowtrack.tracking import MlflowClient
from flowtrack.tracking.models_uri import resolve_model_version


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest, clean_context: None, tmp_path: Path) -> str:
    """Tracking and registry in a fresh memory store, or in one SQLite file."""
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
def forest(iris: Any) -> RandomForestClassifier:
    X, y = iris
    return RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def linear(iris: Any) -> LogisticRegression:
    X, y = iris
    return LogisticRegression(max_iter=500).fit(X, y)


@pytest.mark.usefixtures("backend")
def test_the_seed_flow(iris: Any, forest: RandomForestClassifier) -> None:
    X, _ = iris
    with mlflow.start_run() as run:
        mlflow.sklearn.log_model(forest, "random_forest_model")
    run_id = run.info.run_id
    client = MlflowClient()
    client.create_registered_model("RandomForestClassifier")
    client.create_model_version(
        "RandomForestClassifier", f"runs:/{run_id}/random_forest_model", run_id
    )
    client.transition_model_version_stage("RandomForestClassifier", version=1, stage="Production")
    model = mlflow.pyfunc.load_model("models:/RandomForestClassifier/Production")
    np.testing.assert_array_equal(model.predict(X), forest.predict(X))


def log_two_versions(forest: Any, linear: Any) -> None:
    with mlflow.start_run():
        first = mlflow.sklearn.log_model(forest, name="m", registered_model_name="iris")
        second = mlflow.sklearn.log_model(linear, name="m2", registered_model_name="iris")
    assert (first.registered_model_version, second.registered_model_version) == (1, 2)


@pytest.mark.usefixtures("backend")
def test_log_model_registers_version_1_then_2(forest: Any, linear: Any) -> None:
    log_two_versions(forest, linear)
    versions = MlflowClient().search_model_versions("name = 'iris'")
    names = [(v.version, mlflow.get_logged_model(v.model_id).name) for v in versions]
    assert names == [(2, "m2"), (1, "m")]
    assert [v.source for v in versions] == [f"models:/{v.model_id}" for v in versions]
    assert isinstance(mlflow.sklearn.load_model("models:/iris/1"), RandomForestClassifier)
    assert isinstance(mlflow.sklearn.load_model("models:/iris/2"), LogisticRegression)
    assert isinstance(mlflow.sklearn.load_model("models:/iris/latest"), LogisticRegression)


@pytest.mark.usefixtures("backend")
def test_an_alias_follows_its_version(iris: Any, forest: Any, linear: Any) -> None:
    X, _ = iris
    log_two_versions(forest, linear)
    client = MlflowClient()
    client.set_registered_model_alias("iris", "champion", 1)
    champion = mlflow.pyfunc.load_model("models:/iris@champion")
    np.testing.assert_array_equal(champion.predict(X), forest.predict(X))
    client.set_registered_model_alias("iris", "champion", 2)
    assert isinstance(mlflow.sklearn.load_model("models:/iris@champion"), LogisticRegression)


@pytest.mark.usefixtures("backend")
def test_stages_resolve_case_insensitively_to_their_highest_version(
    forest: Any, linear: Any
) -> None:
    log_two_versions(forest, linear)
    client = MlflowClient()
    client.transition_model_version_stage("iris", 1, "Staging")
    client.transition_model_version_stage("iris", 2, "Staging")
    assert resolve_model_version("models:/iris/staging", client).version == 2
    assert resolve_model_version("models:/iris/STAGING/", client).version == 2
    location = parse_model_uri("models:/iris/1")
    logged = mlflow.get_logged_model(client.get_model_version("iris", 1).model_id or "")
    assert location.local_path is None and location.path == ""
    assert location.root_uri == logged.artifact_location


def test_models_serve_loads_registered_models(tracking_uri: str, iris: Any, forest: Any) -> None:
    from starlette.exceptions import StarletteDeprecationWarning

    from flowtrack.serving.app import build_app
    from flowtrack.serving.server import load_servable_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from starlette.testclient import TestClient

    X, _ = iris
    with mlflow.start_run():
        mlflow.sklearn.log_model(forest, name="m", registered_model_name="iris")
    MlflowClient().set_registered_model_alias("iris", "prod", 1)
    app = build_app(load_servable_model("models:/iris@prod"))
    body = {"dataframe_split": X.head(3).to_dict(orient="split")}
    response = TestClient(app).post("/invocations", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["predictions"] == forest.predict(X.head(3)).tolist()


@pytest.mark.parametrize(
    ("uri", "error", "message"),
    [
        ("models:/nope/1", NotFoundError, "'models:/nope/1'.*Registered model 'nope' does not"),
        ("models:/iris/7", NotFoundError, "Model version 7 of registered model 'iris'"),
        ("models:/iris/Production", NotFoundError, "'iris' has no version in stage 'Production'"),
        ("models:/iris@gold", NotFoundError, "'iris' has no alias 'gold'"),
        ("models:/empty/latest", NotFoundError, "'empty' has no versions"),
        ("models:/iris/prod", InvalidParameterError, "'prod' is neither a version number"),
        ("models:/iris", InvalidParameterError, "Invalid model URI 'models:/iris'"),
        ("models:/iris/1/extra", InvalidParameterError, "'models:/iris/1/extra'"),
        ("models://host/iris/1", InvalidParameterError, "'models://host/iris/1'"),
        ("models:/iris@", InvalidParameterError, "'models:/iris@'"),
    ],
)
def test_unknown_or_malformed_models_uris_are_named(
    tracking_uri: str, forest: Any, uri: str, error: type[Exception], message: str
) -> None:
    with mlflow.start_run():
        mlflow.sklearn.log_model(forest, name="m", registered_model_name="iris")
    MlflowClient().create_registered_model("empty")
    with pytest.raises(error, match=message):
        mlflow.pyfunc.load_model(uri)


def test_invalid_registered_model_names_fail_before_anything_is_logged(
    tracking_uri: str, forest: Any
) -> None:
    with mlflow.start_run() as run, pytest.raises(InvalidParameterError, match="'a/b'"):
        mlflow.sklearn.log_model(forest, name="m", registered_model_name="a/b")
    assert MlflowClient().list_artifacts(run.info.run_id) == []
