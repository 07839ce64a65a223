"""Scoring payloads: every MLflow input format, CSV, content types, errors, JSON-safe output."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from flowtrack.exceptions import InvalidParameterError
from flowtrack.serving.inputs import (
    UnsupportedContentTypeError,
    parse_csv,
    parse_json,
    parse_parquet,
    parse_request,
)
from flowtrack.serving.outputs import dumps_predictions, predictions_to_csv, to_jsonable

FRAME = pd.DataFrame({"a": [1, 3], "b": [2.5, 4.5], "c": ["x", "y"]})


def test_dataframe_split_keeps_columns_index_and_dtypes() -> None:
    body = {
        "dataframe_split": {
            "columns": ["a", "b", "c"],
            "index": [10, 11],
            "data": [[1, 2.5, "x"], [3, 4.5, "y"]],
        }
    }
    parsed = parse_json(json.dumps(body))
    assert parsed.format == "dataframe_split"
    assert parsed.params is None
    pd.testing.assert_frame_equal(parsed.data, FRAME.set_axis([10, 11]))


def test_dataframe_split_round_trips_pandas_to_json() -> None:
    body = '{"dataframe_split": ' + FRAME.to_json(orient="split") + "}"
    pd.testing.assert_frame_equal(parse_json(body).data, FRAME)


def test_dataframe_records_and_params() -> None:
    body = {"dataframe_records": FRAME.to_dict(orient="records"), "params": {"k": 3}}
    parsed = parse_json(json.dumps(body).encode())
    pd.testing.assert_frame_equal(parsed.data, FRAME)
    assert parsed.params == {"k": 3}
    assert parsed.format == "dataframe_records"


def test_instances_of_objects_are_rows_of_a_frame() -> None:
    parsed = parse_json({"instances": FRAME.to_dict(orient="records")})
    pd.testing.assert_frame_equal(parsed.data, FRAME)


def test_instances_of_arrays_are_one_tensor() -> None:
    parsed = parse_json('{"instances": [[1, 2], [3, 4]]}')
    np.testing.assert_array_equal(parsed.data, np.array([[1, 2], [3, 4]]))


def test_inputs_as_one_tensor_and_as_named_tensors() -> None:
    tensor = parse_json('{"inputs": [[1.0, 2.0], [3.0, 4.0]]}').data
    assert isinstance(tensor, np.ndarray) and tensor.dtype == np.float64
    assert tensor.shape == (2, 2)
    named = parse_json('{"inputs": {"a": [1, 2], "b": [[1, 2], [3, 4]]}, "params": null}').data
    assert isinstance(named, dict)
    np.testing.assert_array_equal(named["a"], [1, 2])
    assert named["b"].shape == (2, 2)


def test_csv_body_is_a_frame_without_params() -> None:
    parsed = parse_csv(FRAME.to_csv(index=False))
    pd.testing.assert_frame_equal(parsed.data, FRAME)
    assert parsed.params is None
    assert parsed.format == "csv"


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", "inputs"),
        ("application/json; charset=utf-8", "inputs"),
        ("Application/JSON;charset=UTF-8", "inputs"),
        ("text/csv", "csv"),
        ("text/csv; charset=utf-8", "csv"),
        ("application/vnd.apache.parquet", "parquet"),
    ],
)
def test_parse_request_dispatches_on_content_type(content_type: str, expected: str) -> None:
    bodies = {"csv": b"a,b\n1,2\n", "inputs": b'{"inputs": [[1, 2]]}'}
    if expected == "parquet":
        buffer = io.BytesIO()
        FRAME.to_parquet(buffer)
        bodies["parquet"] = buffer.getvalue()
    body = bodies[expected]
    assert parse_request(body, content_type).format == expected


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        (None, "no Content-Type"),
        ("", "no Content-Type"),
        ("text/plain", "'text/plain'"),
        ("application/json; format=pandas-split", "'format'"),
        ("text/csv; charset=latin-1", "'latin-1'"),
    ],
)
def test_unsupported_content_types(content_type: str | None, message: str) -> None:
    with pytest.raises(UnsupportedContentTypeError, match=message) as info:
        parse_request(b"{}", content_type)
    assert isinstance(info.value, InvalidParameterError)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid"),
        ("[1, 2]", "received a JSON array"),
        ('"text"', "received a JSON string"),
        ("{}", "received none"),
        ('{"params": {"k": 1}}', "received none"),
        ('{"inputs": [1], "instances": [1]}', "received instances, inputs"),
        ('{"columns": ["a"], "data": [[1]]}', "Unknown key\\(s\\) 'columns', 'data'"),
        ('{"inputs": [1], "extra": 1}', "Unknown key\\(s\\) 'extra'"),
        ('{"inputs": [1], "params": [1]}', "'params' must be a JSON object"),
        ('{"dataframe_split": [[1]]}', "'dataframe_split' must be an object"),
        ('{"dataframe_split": {"data": [[1]], "dtype": {}}}', "Unknown key\\(s\\) 'dtype'"),
        ('{"dataframe_split": {"columns": ["a"]}}', "must be an array of rows"),
        ('{"dataframe_split": {"columns": "a", "data": [[1]]}}', "array of column names"),
        ('{"dataframe_split": {"columns": ["a", "b"], "data": [[1]]}}', "Row 0 .* 1 values"),
        ('{"dataframe_split": {"data": [[1]], "index": [1, 2]}}', "one label per row \\(1\\)"),
        ('{"dataframe_records": {"a": 1}}', "array of objects"),
        ('{"dataframe_records": [[1, 2]]}', "array of objects"),
        ('{"instances": {"a": 1}}', "'instances' must be an array"),
        ('{"instances": [{"a": 1}, [1]]}', "not a mix"),
        ('{"inputs": [[1, 2], [3]]}', "'inputs' must be a rectangular array"),
        ('{"inputs": {"a": [1, 2], "b": [1]}}', "same length; got a=2, b=1"),
        ('{"inputs": 3}', "received a JSON number"),
    ],
)
def test_malformed_json_payloads_name_the_problem(body: str | bytes, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        parse_json(body)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b" \n", "empty"),
        (b"a,b\n1,2\n3,4,5,6,7\n", "DataFrame.to_csv.*Expected 2 fields"),
        (b'"a\n1', "DataFrame.to_csv"),
        (b"\xff,a", "UTF-8"),
    ],
)
def test_malformed_csv_payloads(body: bytes, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        parse_csv(body)


def test_empty_records_and_instances_parse_to_empty_inputs() -> None:
    assert parse_json('{"dataframe_records": []}').data.empty
    assert parse_json('{"instances": []}').data.shape == (0,)


@pytest.mark.parametrize(
    ("predictions", "expected"),
    [
        (np.array([1, 0, 2]), [1, 0, 2]),
        (np.array([0.5, np.nan, np.inf]), [0.5, None, None]),
        (np.array([[1.0, 2.0]], dtype=np.float32), [[1.0, 2.0]]),
        (np.array([True, False]), [True, False]),
        (np.array(["a", "b"]), ["a", "b"]),
        (np.array(["2024-01-02T03:04:05"], dtype="datetime64[s]"), ["2024-01-02T03:04:05"]),
        (np.array([1, None, "x"], dtype=object), [1, None, "x"]),
        (np.int64(3), 3),
        (np.float32(0.25), 0.25),
        (float("nan"), None),
        (pd.Series([1.0, np.nan], name="p"), [{"p": 1.0}, {"p": None}]),
        (
            pd.DataFrame({"a": [1, 2], "t": pd.to_datetime(["2024-01-01", None])}),
            [{"a": 1, "t": "2024-01-01T00:00:00"}, {"a": 2, "t": None}],
        ),
        ({"scores": np.array([0.1]), "label": np.str_("x")}, {"scores": [0.1], "label": "x"}),
        ([np.int32(1), (2.0, float("-inf"))], [1, [2.0, None]]),
        (b"\x00\x01", "AAE="),
        (dt.date(2024, 5, 6), "2024-05-06"),
        (pd.NA, None),
        ("text", "text"),
    ],
)
def test_to_jsonable(predictions: Any, expected: Any) -> None:
    result = to_jsonable(predictions)
    assert result == expected
    json.dumps(result, allow_nan=False)  # strict JSON: would raise on NaN or numpy scalars


@pytest.mark.parametrize("value", [object(), complex(1, 2), {1, 2}])
def test_to_jsonable_rejects_values_without_json_form(value: Any) -> None:
    with pytest.raises(TypeError, match="JSON"):
        to_jsonable([value])


def test_dumps_predictions_is_compact_strict_json() -> None:
    body = dumps_predictions(np.array([0.5, np.nan]))
    assert body == b'{"predictions":[0.5,null]}'
    assert json.loads(body) == {"predictions": [0.5, None]}


def test_parquet_body_is_a_frame() -> None:
    buffer = io.BytesIO()
    FRAME.to_parquet(buffer)
    parsed = parse_parquet(buffer.getvalue())
    pd.testing.assert_frame_equal(parsed.data, FRAME)
    assert parsed.format == "parquet"
    with pytest.raises(InvalidParameterError, match="not a readable Parquet file"):
        parse_parquet(b"a,b\n1,2\n")


@pytest.mark.parametrize(
    ("predictions", "expected"),
    [
        (np.array([1, 0]), "predictions\n1\n0\n"),
        ([0.5], "predictions\n0.5\n"),
        (np.array([[1, 2], [3, 4]]), "0,1\n1,2\n3,4\n"),
        (pd.Series([1.5], name="score"), "score\n1.5\n"),
        (pd.DataFrame({"a": [1], "b": ["x"]}), "a,b\n1,x\n"),
        ({"a": np.array([1, 2]), "b": [3, 4]}, "a,b\n1,3\n2,4\n"),
    ],
)
def test_predictions_to_csv(predictions: Any, expected: str) -> None:
    assert predictions_to_csv(predictions) == expected


def test_predictions_to_csv_rejects_3d_output() -> None:
    with pytest.raises(TypeError, match=r"shape \(1, 1, 1\).*\.json"):
        predictions_to_csv(np.zeros((1, 1, 1)))
