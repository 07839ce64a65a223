"""Schema and params enforcement: safe conversions apply, every error names the column."""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd
import pytest

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models import ColSpec, ParamSchema, ParamSpec, Schema, TensorSpec
from flowtrack.models.enforce import enforce_params, enforce_schema

SCHEMA = Schema(
    [
        ColSpec("double", "x"),
        ColSpec("long", "n"),
        ColSpec("string", "city"),
        ColSpec("datetime", "when", required=False),
    ]
)


def test_safe_conversions_apply_and_columns_follow_the_schema() -> None:
    frame = pd.DataFrame(
        {
            "when": ["2024-01-01", "2024-02-03 10:00"],
            "extra": [0, 0],
            "city": ["Oslo", "Lima"],
            "n": np.array([1, 2], dtype=np.int32),
            "x": [1, 2],
        }
    )
    result = enforce_schema(frame, SCHEMA)
    assert list(result.columns) == ["x", "n", "city", "when"]
    assert result["x"].dtype == np.float64 and result["x"].tolist() == [1.0, 2.0]
    assert result["n"].dtype == np.int64
    assert result["when"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-03 10:00")]
    assert frame["x"].dtype == np.int64  # the caller's frame is untouched


def test_float32_widens_and_small_ints_become_floats() -> None:
    schema = Schema([ColSpec("double", "a"), ColSpec("float", "b"), ColSpec("long", "c")])
    frame = pd.DataFrame(
        {
            "a": np.array([0.5], dtype=np.float32),
            "b": np.array([7], dtype=np.int16),
            "c": np.array([3], dtype=np.uint32),
        }
    )
    result = enforce_schema(frame, schema)
    assert result.dtypes.tolist() == [np.float64, np.float32, np.int64]


def test_dates_and_datetime_objects_become_datetime64() -> None:
    schema = Schema([ColSpec("datetime", "d")])
    frame = pd.DataFrame({"d": pd.Series([dt.date(2024, 1, 2), None], dtype=object)})
    result = enforce_schema(frame, schema)
    assert result["d"].dtype.kind == "M"
    assert result["d"].iloc[0] == pd.Timestamp("2024-01-02") and pd.isna(result["d"].iloc[1])


def test_extra_columns_are_dropped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="flowtrack"):
        result = enforce_schema({"x": [1.0], "n": [1], "city": ["a"], "zz": [0], "aa": [0]}, SCHEMA)
    assert list(result.columns) == ["x", "n", "city"]
    assert "Dropping input columns ['aa', 'zz']" in caplog.text


def test_accepted_input_forms() -> None:
    expected = pd.DataFrame({"x": [1.0], "n": [2], "city": ["a"]})
    for data in (
        {"x": 1.0, "n": 2, "city": "a"},  # one row of scalars
        {"x": [1.0], "n": [2], "city": ["a"]},
        [{"x": 1.0, "n": 2, "city": "a"}],
        pd.DataFrame({"x": [1.0], "n": [2], "city": ["a"]}),
    ):
        result = enforce_schema(data, SCHEMA)
        assert result[["x", "n"]].equals(expected[["x", "n"]]), data
        assert result["city"].tolist() == ["a"]
    series = enforce_schema(pd.Series([1, 2], name="y"), Schema([ColSpec("double", "y")]))
    assert series["y"].tolist() == [1.0, 2.0]
    single = enforce_schema(np.array([3, 4]), Schema([ColSpec("double", "y")]))
    assert single["y"].tolist() == [3.0, 4.0]
    texts = enforce_schema(["a b", "c"], Schema([ColSpec("string", "text")]))
    assert texts["text"].tolist() == ["a b", "c"]
    assert enforce_schema("hello", Schema([ColSpec("string")])).iloc[0, 0] == "hello"


def test_unnamed_schemas_take_the_first_columns_by_position() -> None:
    schema = Schema([ColSpec("double"), ColSpec("double")])
    result = enforce_schema(np.array([[1, 2, 9], [3, 4, 9]]), schema)
    assert result.to_numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(
        InvalidParameterError, match=r"has 1 column\(s\), but the signature expects"
    ):
        enforce_schema(np.array([1.0, 2.0]), schema)


def test_int_named_columns_match_default_dataframe_labels() -> None:
    schema = Schema([ColSpec("double", 0), ColSpec("long", 1)])
    result = enforce_schema(np.array([[1, 2], [3, 4]]), schema)
    assert list(result.columns) == [0, 1]
    assert result.dtypes.tolist() == [np.float64, np.int64]
    with pytest.raises(InvalidParameterError, match=r"missing required column\(s\) \[1\]"):
        enforce_schema(pd.DataFrame({0: [1.0]}), schema)


def test_missing_required_columns_are_named_with_the_expected_ones() -> None:
    with pytest.raises(InvalidParameterError) as info:
        enforce_schema(pd.DataFrame({"x": [1.0], "other": [1]}), SCHEMA)
    assert str(info.value) == (
        "Model input is missing required column(s) ['n', 'city']: the signature expects columns "
        "['x', 'n', 'city', 'when'] (optional: ['when']); the input has ['x', 'other']"
    )


@pytest.mark.parametrize(
    ("column", "values", "spec", "message"),
    [
        (
            "n",
            [1.5, 2.0],
            ColSpec("long", "n"),
            r"column 'n': cannot safely convert dtype float64 to long \(int64\)\.$",
        ),
        ("n", [1.0, None], ColSpec("long", "n"), "missing values arrive as floats"),
        ("n", np.array([1], dtype=np.int64), ColSpec("integer", "n"), "int64 to integer"),
        ("x", [0.1], ColSpec("float", "x"), r"float64 to float \(float32\)"),
        ("x", [2**60], ColSpec("double", "x"), "value 1152921504606846976 .* not exactly"),
        ("x", [True], ColSpec("double", "x"), "dtype bool to double"),
        ("x", ["1.5"], ColSpec("double", "x"), "dtype str to double"),
        ("s", [1, 2], ColSpec("string", "s"), "column 's': cannot safely convert dtype int64"),
        ("s", pd.Series(["a", 3], dtype=object), ColSpec("string", "s"), "got 3 of type int"),
        ("b", ["a"], ColSpec("binary", "b"), "column 'b': cannot safely convert dtype str"),
        ("b", pd.Series([b"a", "x"], dtype=object), ColSpec("binary", "b"), "'x' of type str"),
        ("f", [1, 0], ColSpec("boolean", "f"), "dtype int64 to boolean"),
        ("t", ["2024-01-01", "soon"], ColSpec("datetime", "t"), "column 't': cannot convert"),
        ("t", [1, 2], ColSpec("datetime", "t"), "dtype int64 to datetime"),
    ],
)
def test_unsafe_conversions_are_refused_naming_column_dtype_and_type(
    column: str, values: object, spec: ColSpec, message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        enforce_schema(pd.DataFrame({column: values}), Schema([spec]))


def test_integers_with_missing_values_are_refused_for_integer_columns() -> None:
    frame = pd.DataFrame({"n": pd.array([1, None], dtype="Int64")})
    with pytest.raises(InvalidParameterError, match="missing values, which integers cannot hold"):
        enforce_schema(frame, Schema([ColSpec("long", "n")]))
    as_double = enforce_schema(frame, Schema([ColSpec("double", "n")]))["n"]
    assert as_double.dtype == np.float64 and pd.isna(as_double.iloc[1])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({1, 2}, "Invalid input of type set for a column-based signature"),
        (np.zeros((2, 2, 2)), r"a 3-D array of shape \(2, 2, 2\)"),
        ({}, "dict of columns is empty"),
        ({"x": [1.0, 2.0], "n": [1]}, r"column lengths: \{'x': 2, 'n': 1\}"),
        ({"x": np.zeros((2, 2)), "n": [1, 2]}, "input column 'x': a 2-D array"),
        ([{"x": 1.0}, 5], "mixes row dicts and other values"),
        ([], "the list is empty"),
    ],
)
def test_bad_column_inputs_are_refused(data: object, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        enforce_schema(data, SCHEMA)


def test_tensor_dtypes_cast_only_when_safe_and_shapes_match() -> None:
    schema = Schema([TensorSpec("float64", (-1, 2))])
    result = enforce_schema(np.array([[1, 2], [3, 4]], dtype=np.int32), schema)
    assert result.dtype == np.float64 and result.shape == (2, 2)
    assert enforce_schema([[1.0, 2.0]], schema).shape == (1, 2)
    with pytest.raises(InvalidParameterError) as info:
        enforce_schema(np.zeros((3, 5)), schema)
    assert str(info.value) == (
        "Invalid input tensor: shape (3, 5) does not match the signature's shape (-1, 2) "
        "(-1 matches any size)"
    )
    with pytest.raises(InvalidParameterError, match="dtype complex128 cannot be safely cast"):
        enforce_schema(np.zeros((1, 2), dtype=np.complex128), schema)
    with pytest.raises(InvalidParameterError, match=r"shape \(2,\) does not match"):
        enforce_schema(np.zeros(2), schema)


def test_named_tensors_are_checked_by_name() -> None:
    schema = Schema([TensorSpec("float32", (-1,), "a"), TensorSpec("int64", (-1, 2), "b")])
    result = enforce_schema(
        {"b": np.array([[1, 2]], dtype=np.int8), "a": np.zeros(1, np.float32), "c": 0}, schema
    )
    assert sorted(result) == ["a", "b"] and result["b"].dtype == np.int64
    with pytest.raises(InvalidParameterError, match=r"missing tensor\(s\) \['b'\]"):
        enforce_schema({"a": np.zeros(1, np.float32)}, schema)
    with pytest.raises(InvalidParameterError, match="tensor 'a': dtype float64 cannot be safely"):
        enforce_schema({"a": np.zeros(1), "b": np.zeros((1, 2), np.int64)}, schema)
    with pytest.raises(InvalidParameterError, match="named tensors \\['a', 'b'\\]; pass a dict"):
        enforce_schema(np.zeros(3), schema)


def test_tensors_from_dataframes() -> None:
    named = Schema([TensorSpec("float64", (-1, 2), "v"), TensorSpec("int64", (-1, 1), "k")])
    frame = pd.DataFrame({"v": [[1.0, 2.0], [3.0, 4.0]], "k": [1, 2]})
    result = enforce_schema(frame, named)
    assert result["v"].shape == (2, 2) and result["k"].tolist() == [[1], [2]]
    unnamed = Schema([TensorSpec("float64", (-1, 2))])
    assert enforce_schema(pd.DataFrame({"a": [1.0], "b": [2.0]}), unnamed).tolist() == [[1.0, 2.0]]
    with pytest.raises(InvalidParameterError, match="the DataFrame is empty"):
        enforce_schema(pd.DataFrame(), unnamed)
    with pytest.raises(InvalidParameterError, match=r"a dict with keys \['a'\] for an unnamed"):
        enforce_schema({"a": np.zeros((1, 2))}, unnamed)


def test_string_and_object_tensors() -> None:
    text = Schema([TensorSpec("str", (-1,))])
    assert enforce_schema(np.array(["ab", "c"]), text).tolist() == ["ab", "c"]
    ragged = Schema([TensorSpec("object", (-1,))])
    value = np.array([[1], [1, 2]], dtype=object)
    assert enforce_schema(value, ragged) is value


PARAMS = ParamSchema(
    [
        ParamSpec("top_k", "long", 3),
        ParamSpec("temperature", "double", 0.5),
        ParamSpec("since", "datetime", None),
        ParamSpec("stop", "string", ["."], shape=(-1,)),
    ]
)


def test_params_get_defaults_and_safe_conversions(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="flowtrack"):
        result = enforce_params(
            {"temperature": 1, "since": "2024-05-01", "stop": np.array(["a", "b"]), "x": 1}, PARAMS
        )
    assert result == {
        "top_k": 3,
        "temperature": 1.0,
        "since": dt.datetime(2024, 5, 1),
        "stop": ["a", "b"],
    }
    assert isinstance(result["temperature"], float)
    assert "Ignoring params ['x']" in caplog.text
    assert enforce_params(None, PARAMS) == {
        "top_k": 3,
        "temperature": 0.5,
        "since": None,
        "stop": ["."],
    }


def test_params_without_a_schema(caplog: pytest.LogCaptureFixture) -> None:
    assert enforce_params(None, None) is None
    assert enforce_params({}, None) == {}
    with caplog.at_level(logging.WARNING, logger="flowtrack"):
        assert enforce_params({"k": 1}, None) == {}
    assert "the model signature declares no params" in caplog.text


def test_param_errors_list_every_bad_param() -> None:
    with pytest.raises(InvalidParameterError) as info:
        enforce_params({"top_k": 2.5, "temperature": "hot", "stop": "."}, PARAMS)
    message = str(info.value)
    assert "Invalid value 2.5 for param 'top_k' (long): expected int, got float" in message
    assert "param 'temperature' (double): expected float, got str" in message
    assert "param 'stop' (string, shape (-1,)): expected a list of values" in message
    with pytest.raises(InvalidParameterError, match="Invalid params of type list"):
        enforce_params([1], PARAMS)  # type: ignore[arg-type]


def test_enforce_schema_wants_a_schema() -> None:
    with pytest.raises(InvalidParameterError, match="Invalid schema of type dict"):
        enforce_schema([1], {"x": "double"})  # type: ignore[arg-type]
