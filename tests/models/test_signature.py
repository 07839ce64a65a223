"""ModelSignature's MLmodel form and infer_signature for every supported input kind."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import yaml

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models import (
    ColSpec,
    DataType,
    ModelSignature,
    ParamSchema,
    ParamSpec,
    Schema,
    TensorSpec,
    infer_signature,
)

# An MLmodel `signature:` block as MLflow writes it for a scikit-learn classifier.
MLMODEL_SIGNATURE = """\
signature:
  inputs: '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type":
    "double", "name": "sepal width (cm)", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: null
"""


def test_signature_reads_and_writes_the_mlmodel_block() -> None:
    block = yaml.safe_load(MLMODEL_SIGNATURE)["signature"]
    signature = ModelSignature.from_dict(block)
    assert signature.inputs == Schema(
        [ColSpec("double", "sepal length (cm)"), ColSpec("double", "sepal width (cm)")]
    )
    assert signature.outputs == Schema([TensorSpec("int64", (-1,))])
    assert signature.params is None
    assert signature.to_dict() == block
    assert yaml.safe_load(yaml.safe_dump({"signature": signature.to_dict()}))["signature"] == block


def test_signature_to_dict_with_params_is_json_strings() -> None:
    signature = ModelSignature(
        inputs=Schema([ColSpec("string", "text")]),
        params=ParamSchema([ParamSpec("top_k", "long", 3)]),
    )
    assert signature.to_dict() == {
        "inputs": '[{"type": "string", "name": "text", "required": true}]',
        "outputs": None,
        "params": '[{"name": "top_k", "default": 3, "shape": null, "type": "long"}]',
    }
    assert ModelSignature.from_dict(signature.to_dict()) == signature
    assert ModelSignature.from_dict({"inputs": signature.to_dict()["inputs"]}).outputs is None


def test_signature_equality_and_repr() -> None:
    one = ModelSignature(Schema([ColSpec("double", "x")]))
    assert one == ModelSignature(Schema([ColSpec("double", "x")]))
    assert one != ModelSignature(Schema([ColSpec("double", "x")]), Schema([ColSpec("long")]))
    assert (
        repr(one) == "inputs: \n  ['x': double (required)]\noutputs: \n  None\nparams: \n  None\n"
    )


def test_signature_rejects_empty_and_wrongly_typed_parts() -> None:
    with pytest.raises(InvalidParameterError, match="at least one of inputs, outputs or params"):
        ModelSignature()
    with pytest.raises(InvalidParameterError, match="Invalid inputs of type list: expected Schema"):
        ModelSignature([ColSpec("double")])  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="Invalid signature of type str"):
        ModelSignature.from_dict("inputs")  # type: ignore[arg-type]


def test_infer_maps_every_dataframe_dtype_and_marks_missing_values_optional() -> None:
    frame = pd.DataFrame(
        {
            "flag": [True, False],
            "i32": np.array([1, 2], dtype=np.int32),
            "i64": [1, 2],
            "f32": np.array([0.5, 1.5], dtype=np.float32),
            "f64": [0.5, None],
            "text": ["a", "b"],
            "maybe_text": ["a", None],
            "raw": [b"\x00", b"\x01"],
            "when": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "nullable": pd.array([1, None], dtype="Int64"),
        }
    )
    inputs = infer_signature(frame).inputs
    assert inputs is not None
    assert [(spec.name, spec.type, spec.required) for spec in inputs] == [
        ("flag", DataType.boolean, True),
        ("i32", DataType.integer, True),
        ("i64", DataType.long, True),
        ("f32", DataType.float, True),
        ("f64", DataType.double, False),
        ("text", DataType.string, True),
        ("maybe_text", DataType.string, False),
        ("raw", DataType.binary, True),
        ("when", DataType.datetime, True),
        ("nullable", DataType.long, False),
    ]
    assert inputs.to_dict()[4] == {"type": "double", "name": "f64", "required": False}


def test_infer_from_series_dict_of_lists_and_rows() -> None:
    assert infer_signature(pd.Series([1.0, 2.0], name="y")).inputs == Schema(
        [ColSpec("double", "y")]
    )
    assert infer_signature(pd.Series(["a", "b"])).inputs == Schema([ColSpec("string")])
    columns = infer_signature({"x": [1, 2], "w": np.array([0.5, 0.1]), "tag": "a", "n": [1, None]})
    assert columns.inputs == Schema(
        [
            ColSpec("long", "x"),
            ColSpec("double", "w"),
            ColSpec("string", "tag"),
            ColSpec("long", "n", required=False),
        ]
    )
    rows = infer_signature([{"a": 1, "b": "x"}, {"a": 2.5}, {"a": 3, "b": None}])
    assert rows.inputs == Schema([ColSpec("double", "a"), ColSpec("string", "b", required=False)])


def test_infer_keeps_default_int_column_labels_as_mlflow_does() -> None:
    inputs = infer_signature(pd.DataFrame([[1, 2.5]])).inputs
    assert inputs is not None
    assert inputs.to_json() == (
        '[{"type": "long", "name": 0, "required": true}, '
        '{"type": "double", "name": 1, "required": true}]'
    )
    assert infer_signature(pd.DataFrame({("a", "b"): [1]})).inputs == Schema(
        [ColSpec("long", "('a', 'b')")]
    )


def test_infer_tensors_from_arrays_with_a_variable_first_dimension() -> None:
    signature = infer_signature(np.zeros((8, 28, 28), dtype=np.uint8), np.zeros(8))
    assert signature.inputs == Schema([TensorSpec("uint8", (-1, 28, 28))])
    assert signature.outputs == Schema([TensorSpec("float64", (-1,))])
    named = infer_signature({"ids": np.array([[1, 2]]), "text": np.array(["ab", "c"])}).inputs
    assert named is not None
    assert named.to_json() == (
        '[{"name": "ids", "type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1, 2]}}, '
        '{"name": "text", "type": "tensor", "tensor-spec": {"dtype": "str", "shape": [-1]}}]'
    )


def test_infer_outputs_from_lists_and_scalars() -> None:
    signature = infer_signature(["a b", "c"], "summary")
    assert signature.inputs == Schema([ColSpec("string")])
    assert signature.outputs == Schema([ColSpec("string")])
    assert infer_signature([1, 2.5]).inputs == Schema([ColSpec("double")])
    assert infer_signature([]).inputs == Schema([ColSpec("string")])  # as MLflow
    assert infer_signature(dt.datetime(2024, 1, 1)).inputs == Schema([ColSpec("datetime")])
    assert infer_signature(np.float32(1.5)).inputs == Schema([ColSpec("float")])
    assert infer_signature(None, [True, False]).inputs is None


def test_infer_params_gives_types_shapes_and_defaults() -> None:
    params = {
        "top_k": 3,
        "temperature": 0.7,
        "greedy": True,
        "stop": ["\n", "."],
        "since": dt.datetime(2024, 1, 1),
        "scale": np.float32(2.0),
        "weights": np.array([0.5, 0.5]),
    }
    schema = infer_signature({"x": [1.0]}, params=params).params
    assert schema is not None
    assert [(p.name, p.dtype, p.shape) for p in schema] == [
        ("top_k", DataType.long, None),
        ("temperature", DataType.double, None),
        ("greedy", DataType.boolean, None),
        ("stop", DataType.string, (-1,)),
        ("since", DataType.datetime, None),
        ("scale", DataType.float, None),
        ("weights", DataType.double, (-1,)),
    ]
    assert schema.params[0].default == 3
    assert schema.params[6].default == [0.5, 0.5]
    params["top_k"] = 5
    assert schema.params[0].default == 3  # defaults are copies
    assert ParamSchema.from_json(schema.to_json()) == schema
    assert infer_signature({"x": [1.0]}, params={}).params is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({1, 2}, "Cannot infer a schema from a builtins.set: expected pandas.DataFrame"),
        (object(), "from a builtins.object"),
        (pd.DataFrame({"x": [1, "a"]}), r"column 'x': it mixes long and string values"),
        (pd.DataFrame({"x": [None, None]}), "column 'x': it has no non-missing value"),
        (pd.DataFrame({"u": np.array([1], dtype=np.uint64)}), "dtype uint64 has no MLflow type"),
        (pd.DataFrame({"c": [[1, 2]]}), "column 'c': it holds a list value"),
        ({"x": [[1, 2]]}, "column 'x': it holds a list value"),
        ({"x": np.zeros((2, 2)), "y": [1, 2]}, "column 'x': it is a 2-D array"),
        ({1: [1.0]}, "dict with key 1 of type int"),
        ({}, "empty dict"),
        ([{"a": 1}, 2], "the list: it holds a dict value"),
        (np.array(1.0), "0-dimensional"),
    ],
)
def test_infer_errors_name_the_type_or_column(data: object, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        infer_signature(data)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("k=1", "Invalid params of type str: expected a dict"),
        ({"blob": b"x"}, "Invalid type 'binary' for param 'blob'"),
        ({"nested": [[1]]}, "param 'nested': nested lists"),
        ({"cfg": {"a": 1}}, "Invalid param 'cfg' of type dict"),
        ({"m": np.zeros((2, 2))}, "param 'm': a 2-D array"),
    ],
)
def test_infer_params_errors_name_the_param(params: object, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        infer_signature({"x": [1.0]}, params=params)  # type: ignore[arg-type]
