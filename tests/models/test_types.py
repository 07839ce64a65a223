"""Schema types: MLflow's exact JSON both ways, validation messages, and light imports."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pytest

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models import ColSpec, DataType, ParamSchema, ParamSpec, Schema, TensorSpec

# Signature parts exactly as MLflow 2.x/3.x write them into MLmodel.
MLFLOW_COLUMNS = (
    '[{"type": "double", "name": "sepal length (cm)", "required": true}, '
    '{"type": "string", "name": "city", "required": false}, '
    '{"type": "datetime", "name": "ts", "required": true}]'
)
MLFLOW_TENSOR = '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]'
MLFLOW_NAMED_TENSORS = (
    '[{"name": "image", "type": "tensor", "tensor-spec": {"dtype": "uint8", "shape": '
    '[-1, 28, 28]}}, {"name": "mask", "type": "tensor", "tensor-spec": {"dtype": "bool", '
    '"shape": [-1, 28, 28]}}]'
)
MLFLOW_PARAMS = (
    '[{"name": "temperature", "default": 0.5, "shape": null, "type": "double"}, '
    '{"name": "stop", "default": ["a", "b"], "shape": [-1], "type": "string"}]'
)


def test_data_types_have_mlflow_names_and_numpy_equivalents() -> None:
    assert [t.name for t in DataType] == [
        "boolean",
        "integer",
        "long",
        "float",
        "double",
        "string",
        "binary",
        "datetime",
    ]
    assert DataType["long"] is DataType.long
    assert DataType.integer.to_numpy() == np.dtype("int32")
    assert DataType.float.to_numpy() == np.dtype("float32")
    assert DataType.datetime.to_numpy() == np.dtype("datetime64[ns]")
    assert DataType.string.to_pandas() == np.dtype(object)
    assert DataType.double.to_python() is float
    assert DataType.datetime.to_python() is dt.date
    assert repr(DataType.double) == "double"


def test_unknown_type_names_list_the_allowed_ones() -> None:
    with pytest.raises(InvalidParameterError, match=r"'decimal'.*\['boolean', 'integer'"):
        DataType.from_name("decimal")
    with pytest.raises(InvalidParameterError, match="MLflow's 'array' type is not supported"):
        ColSpec("array", "tokens")
    with pytest.raises(InvalidParameterError, match="of type int: expected a DataType"):
        ColSpec(3)  # type: ignore[arg-type]


def test_colspec_json_matches_mlflow() -> None:
    assert ColSpec("double", "x").to_dict() == {"type": "double", "name": "x", "required": True}
    assert ColSpec(DataType.string).to_dict() == {"type": "string", "required": True}
    assert ColSpec("long", "n", required=False).to_dict()["required"] is False
    assert repr(ColSpec("double", "x", required=False)) == "'x': double (optional)"
    assert repr(ColSpec("long")) == "long (required)"


def test_colspec_rejects_bad_names_and_required_flags() -> None:
    with pytest.raises(InvalidParameterError, match=r"column name 1\.5 of type float"):
        ColSpec("double", 1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="tensor name 3 of type int"):
        TensorSpec("float64", (-1,), 3)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="required='yes' for column 'x'"):
        ColSpec("double", "x", required="yes")  # type: ignore[arg-type]


def test_colspec_equality_includes_required() -> None:
    assert ColSpec("double", "x") == ColSpec(DataType.double, "x")
    assert ColSpec("double", "x") != ColSpec("double", "x", required=False)
    assert len({ColSpec("double", "x"), ColSpec("double", "x")}) == 1


def test_tensor_spec_accepts_numpy_dtypes_types_and_names() -> None:
    spec = TensorSpec(np.float32, (-1, 28, 28), "image")
    assert spec.dtype == spec.type == np.dtype("float32")
    assert spec.shape == (-1, 28, 28)
    assert spec.required is True
    assert TensorSpec("str", [-1]).dtype == np.dtype(str)
    assert TensorSpec(np.dtype("float64"), [-1, 4]) == TensorSpec("float64", (-1, 4))
    assert repr(spec) == "'image': Tensor('float32', (-1, 28, 28))"
    assert spec.to_dict() == {
        "name": "image",
        "type": "tensor",
        "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]},
    }


@pytest.mark.parametrize(
    ("dtype", "shape", "message"),
    [
        ("<U5", (-1,), "sizes of string dtypes are not part of a signature; use 'str'"),
        ("no-such-dtype", (-1,), "Invalid dtype 'no-such-dtype' for tensor 't'"),
        ("float64", (-2, 3), r"Invalid shape \(-2, 3\) for tensor 't'"),
        ("float64", (-1, 2.5), r"dimensions are ints >= 0, or -1"),
        ("float64", "ab", "expected a tuple of ints"),
    ],
)
def test_tensor_spec_rejects_bad_dtypes_and_shapes(dtype: str, shape: object, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        TensorSpec(dtype, shape, "t")  # type: ignore[arg-type]


def test_column_schema_json_round_trips_mlflow_text() -> None:
    schema = Schema.from_json(MLFLOW_COLUMNS)
    assert schema.to_json() == MLFLOW_COLUMNS
    assert schema.input_names() == ["sepal length (cm)", "city", "ts"]
    assert schema.required_input_names() == ["sepal length (cm)", "ts"]
    assert schema.optional_input_names() == ["city"]
    assert schema.input_types() == [DataType.double, DataType.string, DataType.datetime]
    assert schema.has_input_names() and not schema.is_tensor_spec()
    assert schema.input_types_dict()["ts"] is DataType.datetime
    assert schema.numpy_types()[0] == np.dtype("float64")
    assert len(schema) == 3 and next(iter(schema)).name == "sepal length (cm)"


def test_tensor_schema_json_round_trips_mlflow_text() -> None:
    schema = Schema.from_json(MLFLOW_TENSOR)
    assert schema.to_json() == MLFLOW_TENSOR
    assert schema.is_tensor_spec() and not schema.has_input_names()
    assert schema.input_names() == [0]
    assert schema.input_types() == [np.dtype("float64")]
    named = Schema.from_json(MLFLOW_NAMED_TENSORS)
    assert named.to_json() == MLFLOW_NAMED_TENSORS
    assert named.input_dict()["mask"] == TensorSpec("bool", (-1, 28, 28), "mask")


def test_schema_reads_mlflow_json_written_before_required_existed() -> None:
    old = '[{"name": "x", "type": "double"}, {"name": "y", "type": "long"}]'
    schema = Schema.from_json(old)
    assert schema == Schema([ColSpec("double", "x"), ColSpec("long", "y")])
    assert json.loads(schema.to_json())[0] == {"type": "double", "name": "x", "required": True}


def test_int_column_names_stay_ints_as_mlflow_writes_them() -> None:
    text = '[{"type": "long", "name": 0, "required": true}, {"type": "long", "name": 1, ' + (
        '"required": true}]'
    )
    schema = Schema.from_json(text)
    assert schema.input_names() == [0, 1] and schema.has_input_names()
    assert schema.to_json() == text
    assert ColSpec("long", np.int64(2)).name == 2  # type: ignore[arg-type]


def test_unnamed_columns_are_positional() -> None:
    schema = Schema([ColSpec("double"), ColSpec("string")])
    assert schema.input_names() == [0, 1]
    assert schema.to_json() == '[{"type": "double", "required": true}, {"type": "string", ' + (
        '"required": true}]'
    )
    with pytest.raises(InvalidParameterError, match="entries have no names"):
        schema.input_dict()


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ([], "at least one column or tensor"),
        ([ColSpec("double", "x"), TensorSpec("float64", (-1,), "t")], "mixes ColSpec and Tensor"),
        ([ColSpec("double", "x"), ColSpec("double")], r"names \['x', None\]: name every entry"),
        ([ColSpec("double", "x"), ColSpec("long", "x")], r"duplicated names \['x'\]"),
        ([TensorSpec("float64", (-1,)), TensorSpec("int64", (-1,))], "several unnamed tensors"),
        ([ColSpec("double", required=False)], "unnamed columns must be required"),
        (["x"], "Invalid schema entry 'x' of type str"),
    ],
)
def test_schema_rejects_invalid_combinations(inputs: list[object], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        Schema(inputs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "Invalid schema JSON 'not json'"),
        ('{"type": "double"}', "expected a list of column or tensor specs"),
        ('[{"name": "x"}]', "it has no 'type'"),
        ('[{"type": "tensor", "tensor-spec": {"dtype": "float64"}}]', "needs 'dtype' and 'shape'"),
        ('[{"type": "map", "name": "m", "values": {"type": "string"}}]', "'map' type is not"),
    ],
)
def test_schema_from_json_errors_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        Schema.from_json(text)


def test_schema_equality_and_repr() -> None:
    one = Schema([ColSpec("double", "x")])
    assert one == Schema.from_json(one.to_json())
    assert one != Schema([ColSpec("float", "x")])
    assert hash(one) == hash(Schema([ColSpec("double", "x")]))
    assert repr(one) == "['x': double (required)]"


def test_param_schema_json_round_trips_mlflow_text() -> None:
    schema = ParamSchema.from_json(MLFLOW_PARAMS)
    assert schema.to_json() == MLFLOW_PARAMS
    temperature, stop = schema.params
    assert (temperature.name, temperature.dtype, temperature.default) == (
        "temperature",
        DataType.double,
        0.5,
    )
    assert stop.shape == (-1,) and stop.default == ["a", "b"]
    assert repr(temperature) == "'temperature': double (default: 0.5)"
    assert len(schema) == 2 and [p.name for p in schema] == ["temperature", "stop"]


def test_param_spec_reads_the_older_dtype_key_and_datetime_defaults() -> None:
    old = '[{"name": "when", "dtype": "datetime", "default": "2024-05-01T12:30:00", "shape": null}]'
    (when,) = ParamSchema.from_json(old).params
    assert when.default == dt.datetime(2024, 5, 1, 12, 30)
    assert when.to_dict() == {
        "name": "when",
        "default": "2024-05-01T12:30:00",
        "shape": None,
        "type": "datetime",
    }


def test_param_spec_converts_defaults_safely() -> None:
    assert ParamSpec("t", "double", 1).default == 1.0
    assert isinstance(ParamSpec("t", "double", 1).default, float)
    assert ParamSpec("k", "long", np.int64(3)).default == 3
    assert ParamSpec("stop", "string", ("a",), shape=(-1,)).default == ["a"]
    assert ParamSpec("opt", "long", None).default is None
    assert ParamSpec("t", DataType.double, 0.5) == ParamSpec("t", "double", 0.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dtype": "binary", "default": b"x"}, "Invalid type 'binary' for param 'p'"),
        ({"dtype": "long", "default": 1.5}, r"value 1.5 for param 'p' \(long\): expected int"),
        ({"dtype": "integer", "default": 2**40}, "out of the integer range"),
        ({"dtype": "long", "default": True}, "expected int, not bool"),
        ({"dtype": "string", "default": 3}, "expected str, got int"),
        ({"dtype": "double", "default": [1.0]}, "expected a scalar"),
        ({"dtype": "double", "default": 1.0, "shape": (-1,)}, "expected a list of values"),
        ({"dtype": "double", "default": [1.0], "shape": (2,)}, r"Invalid shape \(2,\)"),
        ({"dtype": "datetime", "default": "soon"}, "param 'p' \\(datetime\\)"),
    ],
)
def test_param_spec_rejects_bad_types_shapes_and_defaults(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        ParamSpec("p", **kwargs)  # type: ignore[arg-type]


def test_param_schema_rejects_duplicates_and_bad_json() -> None:
    with pytest.raises(InvalidParameterError, match=r"duplicated params \['k'\]"):
        ParamSchema([ParamSpec("k", "long", 1), ParamSpec("k", "long", 2)])
    with pytest.raises(InvalidParameterError, match="expected keys 'name', 'type' and 'default'"):
        ParamSchema.from_json('[{"name": "k", "type": "long"}]')
    with pytest.raises(InvalidParameterError, match="Invalid param schema JSON"):
        ParamSchema.from_json("[")


def test_importing_the_schema_modules_loads_neither_numpy_nor_pandas() -> None:
    code = (
        "import sys, flowtrack.models, flowtrack.models.signature, flowtrack.models.types\n"
        "import flowtrack.models.enforce, flowtrack.models.input_example\n"
        "from flowtrack.models import ColSpec, ModelSignature, Schema, infer_signature\n"
        "s = infer_signature({'x': [1.5, 2.0]}, ['a', 'b'], params={'k': 1})\n"
        "assert ModelSignature.from_dict(s.to_dict()) == s\n"
        "print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
