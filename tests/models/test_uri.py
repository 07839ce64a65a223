"""Model URIs: local paths, file://, memory://, runs:/ and s3:// (models:/ in test_models_uri)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

import flowtrack
import flowtrack.pyfunc
from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.models.uri import download_model, download_model_file, parse_model_uri
from flowtrack.stores.artifacts import get_artifact_store

pytestmark = pytest.mark.usefixtures("tracking_uri")


def double(data: list[int]) -> list[int]:
    return [value * 2 for value in data]


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "saved" / "model"
    flowtrack.pyfunc.save_model(path, python_model=double)
    return path


def test_a_local_path_is_used_in_place(saved: Path) -> None:
    assert download_model(str(saved)) == str(saved)
    assert flowtrack.pyfunc.load_model(str(saved)).predict([1]) == [2]


def test_a_relative_path_and_a_file_url(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(saved.parent)
    assert download_model("model") == str(saved)
    assert download_model(saved.as_uri()) == str(saved)
    assert flowtrack.pyfunc.load_model(saved.as_uri()).predict([3]) == [6]


def test_dst_path_copies_a_local_model(saved: Path, tmp_path: Path) -> None:
    copied = download_model(str(saved), dst_path=tmp_path / "dst")
    assert copied == str(tmp_path / "dst" / "model")
    assert os.path.isfile(os.path.join(copied, "MLmodel"))


def test_a_memory_url_is_downloaded(saved: Path, tmp_path: Path) -> None:
    root = f"memory://flowtrack-test-{uuid.uuid4().hex}"
    get_artifact_store(root).log_artifacts(saved, "models/m1")
    local = download_model(f"{root}/models/m1", dst_path=tmp_path / "dl")
    assert local == str(tmp_path / "dl" / "m1")
    assert flowtrack.pyfunc.load_model(f"{root}/models/m1").predict([5]) == [10]
    assert download_model_file(f"{root}/models/m1", "MLmodel").endswith("MLmodel")


def test_a_runs_uri_resolves_through_the_tracking_store(tmp_path: Path) -> None:
    with flowtrack.start_run() as run:
        info = flowtrack.pyfunc.log_model(name="model", python_model=double)
        flowtrack.pyfunc.save_model(tmp_path / "saved", python_model=double)
        flowtrack.log_artifacts(str(tmp_path / "saved"), "nested/model")  # the old way
    # runs:/<run_id>/<name> resolves through the run's logged model named <name> (MLflow 3)...
    location = parse_model_uri(f"runs:/{run.info.run_id}/model")
    logged = flowtrack.get_logged_model(info.model_id)
    assert (location.root_uri, location.path) == (logged.artifact_location, "")
    # ...and falls back to the run's artifacts.
    location = parse_model_uri(f"runs:/{run.info.run_id}/nested/model")
    assert location.local_path is None
    assert location.root_uri == run.info.artifact_uri
    assert location.path == "nested/model"
    for path in ("model", "nested/model"):
        model = flowtrack.pyfunc.load_model(f"runs:/{run.info.run_id}/{path}")
        assert model.predict([4]) == [8]


@pytest.mark.parametrize(
    ("uri", "error", "message"),
    [
        ("models:/iris/1", NotFoundError, "Registered model 'iris' does not exist"),
        ("models:/iris@champion", NotFoundError, "Registered model 'iris' does not exist"),
        ("runs:/", InvalidParameterError, "expected 'runs:/<run_id>/<path>'"),
        ("runs:/no such run/model", InvalidParameterError, "Invalid run id"),
        ("", InvalidParameterError, "Invalid model URI"),
        ("file://remote-host/x", InvalidParameterError, "remote-host"),
    ],
)
def test_refused_uris(uri: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        download_model(uri)


def test_missing_models_are_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no model directory"):
        download_model(str(tmp_path / "absent"))
    (tmp_path / "not_a_model").mkdir()
    with pytest.raises(NotFoundError, match="no 'MLmodel' file"):
        download_model(str(tmp_path / "not_a_model"))
    with flowtrack.start_run() as run:
        pass
    with pytest.raises(NotFoundError):
        download_model(f"runs:/{run.info.run_id}/absent")
    with pytest.raises(NotFoundError):
        download_model(f"runs:/{uuid.uuid4().hex}/model")


@pytest.mark.s3
def test_s3_urls_and_runs_uris_on_s3(s3_bucket: str, tmp_path: Path) -> None:
    experiment = flowtrack.create_experiment(
        "s3-models", artifact_location=f"s3://{s3_bucket}/experiments"
    )
    with flowtrack.start_run(experiment_id=experiment) as run:
        info = flowtrack.pyfunc.log_model(name="model", python_model=double)
    assert run.info.artifact_uri.startswith(f"s3://{s3_bucket}/")
    assert flowtrack.pyfunc.load_model(info.model_uri).predict([1, 2]) == [2, 4]
    location = flowtrack.get_logged_model(info.model_id).artifact_location
    assert location == f"s3://{s3_bucket}/experiments/models/{info.model_id}/artifacts"
    local = download_model(f"runs:/{run.info.run_id}/model", dst_path=tmp_path / "s3")
    assert local == str(tmp_path / "s3" / "model")
    assert flowtrack.pyfunc.load_model(location).predict([3]) == [6]
