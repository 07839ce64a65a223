"""Payloads: the bytes of log_text, log_dict, log_figure, log_image and log_table artifacts."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from flowtrack.exceptions import InvalidParameterError
from flowtrack.tracking.payloads import (
    dict_bytes,
    figure_bytes,
    image_bytes,
    table_bytes,
    text_bytes,
)


def test_payloads_import_no_optional_dependency() -> None:
    code = (
        "import sys, flowtrack.tracking.payloads; "
        "print(sorted(m for m in ('numpy', 'pandas', 'matplotlib', 'PIL') if m in sys.modules))"
    )
    assert subprocess.check_output([sys.executable, "-c", code], text=True).strip() == "[]"


def test_text_is_utf8() -> None:
    assert text_bytes("héllo\n✓") == "héllo\n✓".encode()
    with pytest.raises(InvalidParameterError, match="Invalid text of type bytes"):
        text_bytes(b"raw")  # type: ignore[arg-type]


def test_dict_as_json_with_indent_2() -> None:
    payload = {"b": 1, "a": {"nested": [1, 2.5, None, True]}}
    data = dict_bytes(payload, "config.json")
    assert data.decode() == json.dumps(payload, indent=2)
    assert json.loads(data) == payload


@pytest.mark.parametrize("name", ["config.yaml", "dir/config.YML"])
def test_dict_as_yaml_keeps_key_order(name: str) -> None:
    text = dict_bytes({"zeta": 1, "alpha": {"y": [1, 2], "x": "é"}}, name).decode()
    assert text == "zeta: 1\nalpha:\n  y:\n  - 1\n  - 2\n  x: é\n"
    assert yaml.safe_load(text) == {"zeta": 1, "alpha": {"y": [1, 2], "x": "é"}}


def test_dict_with_another_extension_is_json() -> None:
    assert json.loads(dict_bytes({"a": 1}, "notes.txt")) == {"a": 1}


def test_dict_errors_name_the_problem() -> None:
    with pytest.raises(InvalidParameterError, match="log_dict takes a mapping"):
        dict_bytes([1, 2], "x.json")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match=r"Cannot write the dictionary as JSON"):
        dict_bytes({"a": {1, 2}}, "x.json")
    with pytest.raises(InvalidParameterError, match=r"as YAML to 'x.yaml'"):
        dict_bytes({"a": OrderedDict(b=1)}, "x.yaml")


@pytest.fixture
def figure() -> object:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1, 2], [2, 0, 1])
    return fig


@pytest.mark.parametrize(
    ("name", "magic"),
    [
        ("plot.png", b"\x89PNG"),
        ("plot.jpg", b"\xff\xd8\xff"),
        ("plot.pdf", b"%PDF"),
        ("plots/plot.svg", b"<?xml"),
    ],
)
def test_figure_in_the_format_of_the_extension(figure: object, name: str, magic: bytes) -> None:
    assert figure_bytes(figure, name).startswith(magic)


def test_figure_save_kwargs_are_passed_to_savefig(figure: object) -> None:
    small = Image.open(io.BytesIO(figure_bytes(figure, "p.png", {"dpi": 50})))
    large = Image.open(io.BytesIO(figure_bytes(figure, "p.png", {"dpi": 100})))
    assert large.size == (200, 200)
    assert small.size == (100, 100)


def test_figure_errors(figure: object) -> None:
    with pytest.raises(InvalidParameterError, match=r"'plot\.xyz'.*one of .*png.*svg"):
        figure_bytes(figure, "plot.xyz")
    with pytest.raises(InvalidParameterError, match=r"save_kwargs asks for 'svg'.*says 'png'"):
        figure_bytes(figure, "plot.png", {"format": "svg"})
    assert figure_bytes(figure, "plot.png", {"format": "PNG"}).startswith(b"\x89PNG")
    with pytest.raises(InvalidParameterError, match="Unsupported figure of type dict"):
        figure_bytes({}, "plot.png")


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def test_uint8_rgb_array_round_trips() -> None:
    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    image = decode(image_bytes(pixels))
    assert image.mode == "RGB"
    assert image.size == (3, 2)
    assert np.array_equal(np.asarray(image), pixels)


def test_grayscale_rgba_and_single_channel_arrays() -> None:
    gray = np.array([[0, 255], [128, 7]], dtype=np.int64)
    assert decode(image_bytes(gray)).mode == "L"
    assert np.array_equal(np.asarray(decode(image_bytes(gray[:, :, None]))), gray)
    rgba = np.zeros((4, 5, 4), dtype=np.uint8)
    assert decode(image_bytes(rgba)).mode == "RGBA"


def test_floats_in_unit_range_and_booleans_scale_to_uint8() -> None:
    floats = np.array([[0.0, 0.5], [1.0, 0.25]])
    assert np.asarray(decode(image_bytes(floats))).tolist() == [[0, 128], [255, 64]]
    booleans = np.array([[True, False]])
    assert np.asarray(decode(image_bytes(booleans))).tolist() == [[255, 0]]


def test_pil_image_and_format_from_the_file_name() -> None:
    image = Image.new("RGB", (4, 3), color=(10, 20, 30))
    assert decode(image_bytes(image)).getpixel((0, 0)) == (10, 20, 30)
    assert image_bytes(image, "photo.jpg").startswith(b"\xff\xd8\xff")
    assert image_bytes(image, "no_extension").startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (np.zeros((2, 2, 2)), r"Invalid image shape \(2, 2, 2\)"),
        (np.zeros(5), r"Invalid image shape \(5,\)"),
        (np.zeros((0, 3)), r"Invalid image shape \(0, 3\)"),
        (np.array([[0.5, 1.5]]), r"min 0.5, max 1.5.*in \[0, 1\]"),
        (np.array([[np.nan, 0.5]]), r"not NaN"),
        (np.array([[-1, 3]]), r"min -1, max 3.*\[0, 255\]"),
        (np.array([["a"]]), "Invalid image dtype <U1"),
        ([[0, 1]], "Unsupported image of type list"),
    ],
)
def test_image_errors_name_the_bad_value(image: object, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        image_bytes(image)


def test_rgba_as_jpeg_is_a_clear_error() -> None:
    with pytest.raises(InvalidParameterError, match="Cannot save a RGBA image as JPEG"):
        image_bytes(Image.new("RGBA", (2, 2)), "photo.jpg")


def test_table_from_a_dataframe_is_mlflow_split_json() -> None:
    frame = pd.DataFrame(
        {
            "n": [1, 2],
            "x": [0.5, float("nan")],
            "s": ["a", None],
            "t": pd.to_datetime(["2024-01-02", "2024-01-03"]),
        }
    )
    table = json.loads(table_bytes(frame))
    assert table == {
        "columns": ["n", "x", "s", "t"],
        "data": [
            [1, 0.5, "a", "2024-01-02T00:00:00.000"],
            [2, None, None, "2024-01-03T00:00:00.000"],
        ],
    }


def test_table_from_a_dict_of_columns() -> None:
    table = json.loads(table_bytes({"q": ["why?", "how?"], "score": np.array([0.1, 0.2])}))
    assert table == {"columns": ["q", "score"], "data": [["why?", 0.1], ["how?", 0.2]]}


def test_table_appends_to_an_existing_artifact_with_the_union_of_columns() -> None:
    first = table_bytes({"a": [1, 2], "b": ["x", "y"]})
    second = table_bytes({"b": ["z"], "c": [True]}, existing=first)
    assert json.loads(second) == {
        "columns": ["a", "b", "c"],
        "data": [[1, "x", None], [2, "y", None], [None, "z", True]],
    }
    third = table_bytes(pd.DataFrame({"a": [3], "b": ["w"], "c": [False]}), existing=second)
    assert json.loads(third)["data"][-1] == [3, "w", False]
    assert len(json.loads(third)["data"]) == 4


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"a": [1, 2], "b": [1]}, r"same length, got \{'a': 2, 'b': 1\}"),
        ({"a": 1}, "Invalid table column 'a' of type int"),
        ({"a": "abc"}, "Invalid table column 'a' of type str"),
        ([[1, 2]], "Unsupported table of type list"),
    ],
)
def test_table_errors_name_the_bad_value(data: object, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        table_bytes(data)


@pytest.mark.parametrize(
    ("existing", "match"),
    [
        (b"not json", "not valid JSON"),
        (b'{"columns": ["a"], "data": [[1, 2]]}', "is not a table"),
        (b"[1, 2]", "is not a table"),
        (b'{"columns": ["a", "a"], "data": []}', "duplicate column names"),
    ],
)
def test_appending_to_a_broken_table_is_an_error(existing: bytes, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        table_bytes({"a": [1]}, existing=existing)
