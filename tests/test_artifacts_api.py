"""flowtrack.artifacts: MLflow's download/list/load functions, by run id or by URI."""

from __future__ import annotations

from pathlib import Path

import pytest

import flowtrack as mlflow
from flowtrack.exceptions import InvalidParameterError, NotFoundError


@pytest.fixture
def run_id(clean_context: None, tmp_path: Path) -> str:
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/flowtrack.db")
    with mlflow.start_run() as run:
        mlflow.log_dict({"alpha": 0.5, "layers": [1, 2]}, "config.json")
        mlflow.log_dict({"beta": 2}, "more/config.yaml")
        mlflow.log_text("hello", "notes/readme.txt")
    return run.info.run_id


def test_load_by_runs_uri(run_id: str) -> None:
    assert mlflow.artifacts.load_dict(f"runs:/{run_id}/config.json") == {
        "alpha": 0.5,
        "layers": [1, 2],
    }
    assert mlflow.artifacts.load_dict(f"runs:/{run_id}/more/config.yaml") == {"beta": 2}
    assert mlflow.artifacts.load_text(f"runs:/{run_id}/notes/readme.txt") == "hello"


def test_load_by_the_runs_artifact_uri(run_id: str) -> None:
    root = mlflow.get_run(run_id).info.artifact_uri
    assert root is not None
    assert mlflow.artifacts.load_text(f"{root}/notes/readme.txt") == "hello"
    names = sorted(item.path for item in mlflow.artifacts.list_artifacts(artifact_uri=root))
    assert names == ["config.json", "more", "notes"]


def test_download_by_run_id_and_path(run_id: str, tmp_path: Path) -> None:
    local = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="notes", dst_path=tmp_path / "out"
    )
    assert (Path(local) / "readme.txt").read_text() == "hello"
    everything = Path(mlflow.artifacts.download_artifacts(run_id=run_id))
    assert (everything / "more" / "config.yaml").is_file()
    listed = mlflow.artifacts.list_artifacts(run_id=run_id, artifact_path="notes")
    assert [item.path for item in listed] == ["notes/readme.txt"]


def test_tracking_uri_argument(run_id: str, tmp_path: Path) -> None:
    uri = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/other.db")
    text = Path(
        mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path="notes/readme.txt", tracking_uri=uri
        )
    ).read_text()
    assert text == "hello"


def test_bad_arguments_and_contents(run_id: str) -> None:
    with pytest.raises(InvalidParameterError, match="not both"):
        mlflow.artifacts.download_artifacts(artifact_uri=f"runs:/{run_id}/x", run_id=run_id)
    with pytest.raises(InvalidParameterError, match="Pass artifact_uri, or run_id"):
        mlflow.artifacts.download_artifacts()
    with pytest.raises(InvalidParameterError, match="not valid JSON"):
        mlflow.artifacts.load_dict(f"runs:/{run_id}/notes/readme.txt")
    with pytest.raises(InvalidParameterError, match="is a directory"):
        mlflow.artifacts.load_text(f"runs:/{run_id}/notes")
    with pytest.raises(NotFoundError):
        mlflow.artifacts.load_text(f"runs:/{run_id}/missing.txt")


def test_load_image(clean_context: None, tmp_path: Path) -> None:
    from PIL import Image

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/flowtrack.db")
    with mlflow.start_run() as run:
        mlflow.log_image(Image.new("RGB", (4, 3), "red"), "images/red.png")
    image = mlflow.artifacts.load_image(f"runs:/{run.info.run_id}/images/red.png")
    assert image.size == (4, 3)


def test_download_registered_model_files_through_the_registry_uri(
    run_id: str, tmp_path: Path
) -> None:
    tracking_uri = mlflow.get_tracking_uri()
    registry_uri = f"sqlite:///{tmp_path}/registry.db"
    client = mlflow.MlflowClient(tracking_uri, registry_uri)
    client.create_registered_model("fraud")
    client.create_model_version("fraud", f"runs:/{run_id}/notes", run_id)
    client.set_registered_model_alias("fraud", "champion", 1)
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/elsewhere.db")  # neither store is current

    for uri in ("models:/fraud/1/readme.txt", "models:/fraud@champion/readme.txt"):
        local = mlflow.artifacts.download_artifacts(
            uri, tracking_uri=tracking_uri, registry_uri=registry_uri
        )
        assert Path(local).read_text() == "hello"
    whole = mlflow.artifacts.download_artifacts(
        "models:/fraud/latest",
        dst_path=tmp_path / "dst",
        tracking_uri=tracking_uri,
        registry_uri=registry_uri,
    )
    assert Path(whole) == tmp_path / "dst" / "notes"
    assert [p.name for p in Path(whole).iterdir()] == ["readme.txt"]
    with pytest.raises(NotFoundError, match="'fraud'"):
        mlflow.artifacts.download_artifacts("models:/fraud/1/readme.txt")  # current registry
    with pytest.raises(InvalidParameterError):
        mlflow.artifacts.download_artifacts(
            "models:/fraud/1/../../x", tracking_uri=tracking_uri, registry_uri=registry_uri
        )
