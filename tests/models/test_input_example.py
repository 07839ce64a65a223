"""Input examples: MLflow's files and saved_input_example_info, and round trips back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models import ColSpec, Schema, TensorSpec
from flowtrack.models.input_example import (
    load_input_example,
    load_input_example_params,
    load_serving_input_example,
    save_input_example,
)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_dataframe_example_is_split_orient_without_index(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "x": [1.5, np.nan],
            "city": ["Oslo", None],
            "when": pd.to_datetime(pd.Series(["2024-01-01 10:00", None], index=[10, 11])),
            "raw": [b"hi", b"yo"],
        },
        index=[10, 11],
    )
    info = save_input_example(tmp_path, frame)
    assert info == {
        "artifact_path": "input_example.json",
        "type": "dataframe",
        "pandas_orient": "split",
        "serving_input_path": "serving_input_example.json",
    }
    assert read(tmp_path / "input_example.json") == (
        '{"columns": ["x", "city", "when", "raw"], "data": [[1.5, "Oslo", '
        '"2024-01-01T10:00:00", "aGk="], [null, null, null, "eW8="]]}'
    )
    serving = json.loads(read(tmp_path / "serving_input_example.json"))
    assert serving == {"dataframe_split": json.loads(read(tmp_path / "input_example.json"))}
    assert load_serving_input_example(tmp_path, info) == read(
        tmp_path / "serving_input_example.json"
    )


def test_dataframe_example_loads_back_with_schema_dtypes(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "n": np.array([1, 2], dtype=np.int32),
            "when": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "raw": [b"\x00\x01", b"\xff"],
            "x": [0.5, None],
        }
    )
    info = save_input_example(tmp_path, frame)
    schema = Schema(
        [
            ColSpec("integer", "n"),
            ColSpec("datetime", "when"),
            ColSpec("binary", "raw"),
            ColSpec("double", "x", required=False),
        ]
    )
    loaded = load_input_example(tmp_path, info, schema)
    assert loaded["n"].dtype == np.int32
    assert loaded["when"].tolist() == frame["when"].tolist()
    assert loaded["raw"].tolist() == [b"\x00\x01", b"\xff"]
    assert loaded["x"].iloc[0] == 0.5 and pd.isna(loaded["x"].iloc[1])
    plain = load_input_example(tmp_path, info)
    assert plain["when"].tolist() == ["2024-01-01T00:00:00", "2024-01-02T00:00:00"]


def test_dataframe_with_default_columns_uses_values_orient(tmp_path: Path) -> None:
    info = save_input_example(tmp_path, pd.DataFrame([[1, 2], [3, 4]]))
    assert info["pandas_orient"] == "values"
    assert read(tmp_path / "input_example.json") == '{"data": [[1, 2], [3, 4]]}'
    assert load_input_example(tmp_path, info).to_numpy().tolist() == [[1, 2], [3, 4]]


def test_series_example_is_saved_as_a_one_column_frame(tmp_path: Path) -> None:
    info = save_input_example(tmp_path, pd.Series([1.0, 2.0], name="y"))
    assert info["type"] == "dataframe"
    assert read(tmp_path / "input_example.json") == '{"columns": ["y"], "data": [[1.0], [2.0]]}'


def test_ndarray_example_round_trips_with_nan_as_null(tmp_path: Path) -> None:
    array = np.array([[1.0, np.nan], [3.0, 4.0]])
    info = save_input_example(tmp_path, array)
    assert info == {
        "artifact_path": "input_example.json",
        "type": "ndarray",
        "serving_input_path": "serving_input_example.json",
    }
    assert read(tmp_path / "input_example.json") == "[[1.0, null], [3.0, 4.0]]"
    assert json.loads(read(tmp_path / "serving_input_example.json")) == {
        "inputs": [[1.0, None], [3.0, 4.0]]
    }
    loaded = load_input_example(tmp_path, info)
    assert loaded.dtype == np.float64
    np.testing.assert_array_equal(loaded, array)
    typed = load_input_example(tmp_path, info, Schema([TensorSpec("float32", (-1, 2))]))
    assert typed.dtype == np.float32


def test_dict_of_arrays_is_a_named_tensor_example(tmp_path: Path) -> None:
    example = {"ids": np.array([[1, 2]]), "mask": np.array([[True, False]])}
    info = save_input_example(tmp_path, example)
    assert info["type"] == "ndarray"
    assert read(tmp_path / "input_example.json") == '{"ids": [[1, 2]], "mask": [[true, false]]}'
    loaded = load_input_example(tmp_path, info)
    assert loaded["ids"].tolist() == [[1, 2]] and loaded["mask"].dtype == np.bool_


def test_datetime_arrays_are_saved_as_iso_strings(tmp_path: Path) -> None:
    array = np.array(["2024-01-01T12:00", "NaT"], dtype="datetime64[s]")
    info = save_input_example(tmp_path, array)
    assert read(tmp_path / "input_example.json") == '["2024-01-01T12:00:00", null]'
    loaded = load_input_example(tmp_path, info, Schema([TensorSpec("datetime64[s]", (-1,))]))
    np.testing.assert_array_equal(loaded, array)


@pytest.mark.parametrize(
    ("example", "text"),
    [
        ({"question": "hi", "n": [1, 2]}, '{"question": "hi", "n": [1, 2]}'),
        (["a", "b"], '["a", "b"]'),
        ("question", '"question"'),
        (3.5, "3.5"),
        (
            {
                "at": dt.datetime(2024, 1, 1, 9, 30),
                "x": float("nan"),
                "b": b"\x01",
                "k": np.int64(2),
            },
            '{"at": "2024-01-01T09:30:00", "x": null, "b": "AQ==", "k": 2}',
        ),
    ],
)
def test_json_objects_are_saved_as_json(tmp_path: Path, example: object, text: str) -> None:
    info = save_input_example(tmp_path, example)
    assert info["type"] == "json_object"
    assert read(tmp_path / "input_example.json") == text
    assert json.loads(read(tmp_path / "serving_input_example.json")) == {"inputs": json.loads(text)}
    assert load_input_example(tmp_path, info) == json.loads(text)


def test_llm_requests_are_served_unwrapped_as_in_mlflow(tmp_path: Path) -> None:
    chat = {"messages": [{"role": "user", "content": "hi"}]}
    info = save_input_example(tmp_path, (chat, {"temperature": 0.5}))
    assert json.loads(read(tmp_path / "serving_input_example.json")) == {
        **chat,
        "temperature": 0.5,
    }
    assert read(tmp_path / "input_example.json") == (
        '{"inputs": {"messages": [{"role": "user", "content": "hi"}]}, '
        '"params": {"temperature": 0.5}}'
    )
    assert load_input_example(tmp_path, info) == chat


def test_example_with_params(tmp_path: Path) -> None:
    info = save_input_example(tmp_path, (pd.DataFrame({"x": [1]}), {"top_k": 3}))
    assert info["params"] == "true"
    assert read(tmp_path / "input_example.json") == (
        '{"inputs": {"columns": ["x"], "data": [[1]]}, "params": {"top_k": 3}}'
    )
    assert json.loads(read(tmp_path / "serving_input_example.json")) == {
        "dataframe_split": {"columns": ["x"], "data": [[1]]},
        "params": {"top_k": 3},
    }
    assert load_input_example(tmp_path, info)["x"].tolist() == [1]
    assert load_input_example_params(tmp_path, info) == {"top_k": 3}
    assert load_input_example_params(tmp_path, {"artifact_path": "input_example.json"}) is None


def test_loads_mlflow_tf_serving_examples_from_before_2_16(tmp_path: Path) -> None:
    (tmp_path / "input_example.json").write_text('{"inputs": [[1, 2], [3, 4]]}')
    info = {"artifact_path": "input_example.json", "type": "ndarray", "format": "tf-serving"}
    assert load_input_example(tmp_path, info).tolist() == [[1, 2], [3, 4]]
    assert load_serving_input_example(tmp_path, info) is None


@pytest.mark.parametrize(
    ("example", "message"),
    [
        ({1, 2}, "Invalid input example of type set"),
        ({"a": np.zeros(2), "b": [1]}, "mixes numpy arrays and other values"),
        ({"f": print}, "value <built-in function print> of type builtin_function_or_method"),
        ((pd.DataFrame({"x": [1]}), {"cfg": {"a": 1}}), "Invalid param 'cfg' of type dict"),
    ],
)
def test_unsupported_examples_are_refused(tmp_path: Path, example: object, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        save_input_example(tmp_path, example)


def test_malformed_info_and_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="it needs an 'artifact_path'"):
        load_input_example(tmp_path, {"type": "ndarray"})
    (tmp_path / "input_example.json").write_text("{")
    with pytest.raises(InvalidParameterError, match="Invalid input example file"):
        load_input_example(tmp_path, {"artifact_path": "input_example.json", "type": "ndarray"})
    (tmp_path / "input_example.json").write_text("[]")
    with pytest.raises(InvalidParameterError, match="'sparse_matrix_csr': flowtrack loads"):
        load_input_example(
            tmp_path, {"artifact_path": "input_example.json", "type": "sparse_matrix_csr"}
        )
    with pytest.raises(InvalidParameterError, match="expected an object with 'data'"):
        load_input_example(tmp_path, {"artifact_path": "input_example.json", "type": "dataframe"})
