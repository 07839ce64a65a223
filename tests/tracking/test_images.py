"""Images: flowtrack.Image and log_image's two forms (a file, or MLflow 3's image series)."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import flowtrack as mlflow
from flowtrack.exceptions import InvalidParameterError

pytestmark = pytest.mark.usefixtures("tracking_uri")

SERIES_RE = re.compile(
    r"^images/(?P<key>[^+]+)\+step\+(?P<step>\d+)\+timestamp\+(?P<ts>\d+)\+(?P<uuid>[0-9a-f-]{36})"
    r"(?P<compressed>\+compressed)?\.(?P<ext>png|webp)$"
)


def read(run_id: str, path: str, tmp_path: Path) -> bytes:
    dst = tmp_path / uuid.uuid4().hex
    dst.mkdir()
    return Path(mlflow.MlflowClient().download_artifacts(run_id, path, str(dst))).read_bytes()


def listing(run_id: str, path: str | None = None) -> list[str]:
    return [f.path for f in mlflow.MlflowClient().list_artifacts(run_id, path)]


def test_image_wraps_arrays_lists_pil_images_and_files(tmp_path: Path) -> None:
    pixels = np.zeros((10, 20, 3), dtype=np.uint8)
    pixels[:, :10] = [255, 128, 0]
    image = mlflow.Image(pixels)
    assert image.size == (20, 10)
    assert image.to_array().tolist() == pixels.tolist()
    assert image.to_list()[0] == (255, 128, 0)
    assert isinstance(image.to_pil(), PILImage.Image)
    assert mlflow.Image([[0.0, 1.0], [1.0, 0.0]]).to_array().tolist() == [[0, 255], [255, 0]]

    image.save(tmp_path / "orange.png")
    reopened = mlflow.Image(str(tmp_path / "orange.png"))
    assert reopened.to_array().tolist() == pixels.tolist()
    assert mlflow.Image(reopened.to_pil()).resize((4, 2)).size == (4, 2)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (object(), "Unsupported image of type object"),
        (np.zeros((2, 2, 2), dtype=np.uint8), "Invalid image shape"),
        (np.full((2, 2), 300), "integer pixels must be in"),
    ],
)
def test_image_refuses_what_is_not_an_image(value: object, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        mlflow.Image(value)


def test_log_image_to_a_file(tmp_path: Path) -> None:
    with mlflow.start_run() as run:
        mlflow.log_image(np.zeros((4, 5, 3), dtype=np.uint8), "img/black.png")
        mlflow.log_image(mlflow.Image(np.ones((4, 5), dtype=bool)), "img/white.jpg")
    run_id = run.info.run_id
    assert read(run_id, "img/black.png", tmp_path).startswith(b"\x89PNG")
    white = PILImage.open(io.BytesIO(read(run_id, "img/white.jpg", tmp_path)))
    assert (white.format, white.size) == ("JPEG", (5, 4))
    assert "mlflow.loggedImages" not in mlflow.get_run(run_id).data.tags


def test_log_image_series_uses_mlflow3_layout(tmp_path: Path) -> None:
    big = np.zeros((512, 1024, 3), dtype=np.uint8)
    with mlflow.start_run() as run:
        mlflow.log_image(big, key="val/samples", step=3, timestamp=1_700_000_000_000)
        mlflow.log_image(PILImage.new("L", (8, 8)), key="val/samples")
    run_id = run.info.run_id
    assert mlflow.get_run(run_id).data.tags["mlflow.loggedImages"] == "True"

    files = listing(run_id, "images")
    assert len(files) == 4  # one PNG and one thumbnail per call, all directly under images/
    parsed = [SERIES_RE.match(path) for path in files]
    assert all(parsed), files
    by_step = {(m["step"], m["compressed"] is not None): m for m in parsed if m}
    assert {m["key"] for m in by_step.values()} == {"val~samples"}  # "/" never nests
    assert by_step[("3", False)]["ts"] == "1700000000000"
    assert by_step[("3", False)]["uuid"] == by_step[("3", True)]["uuid"]

    full = PILImage.open(io.BytesIO(read(run_id, by_step[("3", False)].string, tmp_path)))
    thumb = PILImage.open(io.BytesIO(read(run_id, by_step[("3", True)].string, tmp_path)))
    assert (full.format, full.size) == ("PNG", (1024, 512))
    assert (thumb.format, thumb.size) == ("WEBP", (256, 128))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of artifact_file"),
        ({"artifact_file": "a.png", "key": "series"}, "pass artifact_file alone"),
        ({"artifact_file": "a.png", "step": 1}, "pass artifact_file alone"),
        ({"key": "bad#key"}, "Invalid image key 'bad#key'"),
        ({"key": "ok", "step": 1.5}, "step"),
    ],
)
def test_log_image_argument_errors(kwargs: dict[str, object], message: str) -> None:
    with mlflow.start_run(), pytest.raises(InvalidParameterError, match=message):
        mlflow.log_image(np.zeros((2, 2), dtype=np.uint8), **kwargs)  # type: ignore[arg-type]
