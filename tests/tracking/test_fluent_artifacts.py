"""Fluent artifact logging: files, directories, text, dicts, figures, images, tables, URIs."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import yaml

import flowtrack as mlflow
from flowtrack.exceptions import InvalidParameterError

pytestmark = pytest.mark.usefixtures("tracking_uri")


def read(run_id: str, path: str, tmp_path: Path) -> bytes:
    dst = tmp_path / uuid.uuid4().hex
    dst.mkdir()
    return Path(mlflow.MlflowClient().download_artifacts(run_id, path, str(dst))).read_bytes()


def listing(run_id: str, path: str | None = None) -> list[str]:
    return [f.path for f in mlflow.MlflowClient().list_artifacts(run_id, path)]


def test_log_artifact_and_artifacts(tmp_path: Path) -> None:
    (tmp_path / "out" / "sub").mkdir(parents=True)
    (tmp_path / "out" / "a.txt").write_text("a")
    (tmp_path / "out" / "sub" / "b.txt").write_text("b")
    (tmp_path / "single.txt").write_text("s")
    with mlflow.start_run() as run:
        mlflow.log_artifact(tmp_path / "single.txt", artifact_path="files")
        mlflow.log_artifacts(str(tmp_path / "out"), artifact_path="outputs")
    run_id = run.info.run_id
    assert listing(run_id) == ["files", "outputs"]
    assert listing(run_id, "outputs") == ["outputs/a.txt", "outputs/sub"]
    assert read(run_id, "outputs/sub/b.txt", tmp_path) == b"b"
    assert read(run_id, "files/single.txt", tmp_path) == b"s"


def test_log_artifact_of_a_directory_keeps_its_name(tmp_path: Path) -> None:
    (tmp_path / "mymodel" / "sub").mkdir(parents=True)
    (tmp_path / "mymodel" / "MLmodel").write_text("flavors: {}")
    (tmp_path / "mymodel" / "sub" / "w.bin").write_bytes(b"w")
    with mlflow.start_run() as run:
        mlflow.log_artifact(tmp_path / "mymodel", artifact_path="models")
        mlflow.log_artifact(str(tmp_path / "mymodel") + "/")  # the root, under its own name
    run_id = run.info.run_id
    assert listing(run_id) == ["models", "mymodel"]
    assert listing(run_id, "models/mymodel") == ["models/mymodel/MLmodel", "models/mymodel/sub"]
    assert read(run_id, "models/mymodel/sub/w.bin", tmp_path) == b"w"
    assert read(run_id, "mymodel/MLmodel", tmp_path) == b"flavors: {}"


def test_log_artifact_of_a_missing_path_names_it(tmp_path: Path) -> None:
    with mlflow.start_run(), pytest.raises(InvalidParameterError, match="nothing-here"):
        mlflow.log_artifact(tmp_path / "nothing-here")


def test_log_text_and_dict(tmp_path: Path) -> None:
    with mlflow.start_run() as run:
        mlflow.log_text("héllo", "notes/hello.txt")
        mlflow.log_dict({"lr": 0.1, "layers": [1, 2]}, "config.json")
        mlflow.log_dict({"lr": 0.1}, "config.yaml")
    run_id = run.info.run_id
    assert read(run_id, "notes/hello.txt", tmp_path).decode() == "héllo"
    assert json.loads(read(run_id, "config.json", tmp_path)) == {"lr": 0.1, "layers": [1, 2]}
    assert yaml.safe_load(read(run_id, "config.yaml", tmp_path)) == {"lr": 0.1}


def test_log_table_appends(tmp_path: Path) -> None:
    with mlflow.start_run() as run:
        mlflow.log_table({"question": ["a"], "answer": ["b"]}, "qa.json")
        mlflow.log_table({"question": ["c"], "answer": ["d"]}, "qa.json")
    table = json.loads(read(run.info.run_id, "qa.json", tmp_path))
    assert table == {"columns": ["question", "answer"], "data": [["a", "b"], ["c", "d"]]}


def test_log_figure(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    figure = Figure()
    figure.add_subplot().plot([1, 2, 3])
    with mlflow.start_run() as run:
        mlflow.log_figure(figure, "plots/line.png", save_kwargs={"dpi": 20})
        mlflow.log_figure(figure, "plots/line.svg")
    assert read(run.info.run_id, "plots/line.png", tmp_path).startswith(b"\x89PNG")
    assert b"<svg" in read(run.info.run_id, "plots/line.svg", tmp_path)


def test_get_artifact_uri_starts_a_run_and_confines_paths() -> None:
    root = mlflow.get_artifact_uri()
    run = mlflow.active_run()
    assert run is not None
    assert root == run.info.artifact_uri
    assert mlflow.get_artifact_uri("model/MLmodel") == f"{root}/model/MLmodel"
    with pytest.raises(InvalidParameterError):
        mlflow.get_artifact_uri("../escape")


def test_artifact_paths_are_confined(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    with mlflow.start_run(), pytest.raises(InvalidParameterError):
        mlflow.log_artifact(tmp_path / "f.txt", artifact_path="../../elsewhere")


def test_log_stream_writes_the_bytes_in_chunks(tmp_path: Path) -> None:
    import io

    payload = bytes(range(256)) * 100  # several 8 KiB chunks
    with mlflow.start_run() as run:
        mlflow.log_stream(io.BytesIO(payload), "blobs/data.bin")
        mlflow.log_stream(io.BytesIO(b"top"), "top.bin")
    run_id = run.info.run_id
    assert read(run_id, "blobs/data.bin", tmp_path) == payload
    assert read(run_id, "top.bin", tmp_path) == b"top"
    with (tmp_path / "local.bin").open("wb") as f:
        f.write(b"from a file")
    with (tmp_path / "local.bin").open("rb") as f:
        mlflow.MlflowClient().log_stream(run_id, f, "copy.bin")
    assert read(run_id, "copy.bin", tmp_path) == b"from a file"


def test_log_stream_errors() -> None:
    import io

    with mlflow.start_run() as run:
        with pytest.raises(InvalidParameterError, match="read\\(\\) returned str"):
            mlflow.log_stream(io.StringIO("text"), "a.txt")  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match="must name a file"):
            mlflow.log_stream(io.BytesIO(b"x"), "dir/")
        with pytest.raises(InvalidParameterError):
            mlflow.log_stream(io.BytesIO(b"x"), "../escape.bin")
    assert listing(run.info.run_id) == []


def test_flush_artifact_async_logging_finds_images_already_written(tmp_path: Path) -> None:
    import numpy as np

    mlflow.flush_artifact_async_logging()  # no run: nothing to wait for, no run started
    assert mlflow.active_run() is None
    with mlflow.start_run() as run:
        mlflow.log_image(np.zeros((4, 4, 3), dtype=np.uint8), "img.png", synchronous=False)
        mlflow.flush_artifact_async_logging()
        assert listing(run.info.run_id) == ["img.png"]
