"""Schema enforcement: check model input against a signature before predict, as MLflow does.

:func:`enforce_schema` takes the input a caller hands to ``predict`` (or the scoring server
parsed from JSON) and returns what the model should see:

* **Column schemas** give a ``pandas.DataFrame`` with exactly the schema's columns, in order.
  DataFrames, Series, dicts of columns, lists of row dicts, lists of scalars, scalars and 1-D/2-D
  numpy arrays are accepted. A missing required column is an error; extra columns are dropped.
  Only safe conversions apply: widening (int32 → long, float32 → double), int → float/double
  when every value is exactly representable, and datetime strings or dates → datetime64.
  Anything else (float → long, double → float, numbers → string) is an error naming the column,
  its dtype and the expected type.
* **Tensor schemas** give a numpy array (unnamed) or a dict of arrays (named). Shapes must match,
  ``-1`` matching any size; dtypes are cast only when ``numpy.can_cast(..., "safe")``.

:func:`enforce_params` checks inference params against a :class:`ParamSchema` and fills defaults.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models._inference import is_missing
from flowtrack.models._params import coerce_param_value, enforce_params
from flowtrack.models.types import ColSpec, DataType, Schema, TensorSpec, require

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["coerce_param_value", "enforce_params", "enforce_schema", "validate_schema"]

_LOGGER = logging.getLogger("flowtrack")
_INTEGERS = (DataType.integer, DataType.long)
#: Integers up to 2**bits in magnitude convert exactly to the float type.
_MANTISSA_BITS = {DataType.float: 24, DataType.double: 53}


def enforce_schema(data: Any, schema: Schema) -> Any:
    """Check ``data`` against ``schema`` and return it in the form the model expects.

    Args:
        data: The model input.
        schema: The signature's input schema.

    Returns:
        A ``pandas.DataFrame`` for a column schema; a numpy array (unnamed) or a dict of name →
        array (named) for a tensor schema.

    Raises:
        InvalidParameterError: The input does not fit; the message names the column or tensor,
            what it is and what the schema expects.
        MissingDependencyError: pandas (column schemas) or numpy (tensor schemas) is missing.

    Example:
        >>> import pandas as pd
        >>> schema = Schema([ColSpec("double", "x")])
        >>> enforce_schema(pd.DataFrame({"x": [1, 2], "extra": ["a", "b"]}), schema).dtypes.x
        dtype('float64')
    """
    if not isinstance(schema, Schema):
        raise InvalidParameterError(
            f"Invalid schema of type {type(schema).__name__}: expected flowtrack.models.Schema"
        )
    if schema.is_tensor_spec():
        return _enforce_tensor_schema(data, schema)
    return _enforce_column_schema(data, schema)


def validate_schema(data: Any, expected_schema: Schema) -> None:
    """Check that ``data`` fits ``expected_schema`` (MLflow's ``mlflow.models.validate_schema``).

    The same check a pyfunc model's ``predict`` runs on its input (see :func:`enforce_schema`).

    Args:
        data: A DataFrame, Series, array, list, dict or string.
        expected_schema: The schema, e.g. ``get_model_info(uri).signature.inputs``.

    Raises:
        InvalidParameterError: The input does not fit; the message names the column or tensor,
            what it is and what the schema expects.

    Example:
        >>> validate_schema(pd.DataFrame({"x": [1.0]}), Schema([ColSpec("double", "x")]))
    """
    enforce_schema(data, expected_schema)


# -- column schemas ---------------------------------------------------------------------------


def _is_scalar(value: Any) -> bool:
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.generic):
        return True
    return value is None or isinstance(value, str | bytes | bool | int | float | dt.date)


def _to_frame(data: Any, schema: Schema) -> pd.DataFrame:
    """Return the input as a DataFrame, the form column-based signatures describe."""
    frame: pd.DataFrame = _frame_of(data, schema)
    return frame


def _frame_of(data: Any, schema: Schema) -> Any:
    pandas = require("pandas", "Column-based schema enforcement")
    numpy = require("numpy", "Column-based schema enforcement")
    if isinstance(data, pandas.DataFrame):
        return data
    if isinstance(data, pandas.Series):
        return data.to_frame()
    if isinstance(data, numpy.ndarray):
        if data.ndim == 1 and schema.has_input_names() and len(schema) == 1:
            return pandas.DataFrame({schema.input_names()[0]: data})
        if data.ndim > 2:
            raise InvalidParameterError(
                f"Invalid input: a {data.ndim}-D array of shape {data.shape} for a column-based "
                "signature; pass a 2-D array or a DataFrame"
            )
        return pandas.DataFrame(numpy.atleast_1d(data))
    if isinstance(data, Mapping):
        if not data:
            raise InvalidParameterError("Invalid input: the dict of columns is empty")
        if all(_is_scalar(value) for value in data.values()):
            return pandas.DataFrame([dict(data)])  # one row
        for key, value in data.items():
            if isinstance(value, numpy.ndarray) and value.ndim > 1:
                raise InvalidParameterError(
                    f"Invalid input column {key!r}: a {value.ndim}-D array of shape "
                    f"{value.shape}; columns are 1-D"
                )
        try:
            return pandas.DataFrame(dict(data))
        except (TypeError, ValueError) as exc:
            lengths = {key: len(v) if hasattr(v, "__len__") else 1 for key, v in data.items()}
            raise InvalidParameterError(
                f"Invalid input: cannot build a table from the dict of columns ({exc}); column "
                f"lengths: {lengths}"
            ) from None
    if isinstance(data, list | tuple):
        if not data:
            raise InvalidParameterError("Invalid input: the list is empty")
        dicts = [isinstance(row, Mapping) for row in data]
        if any(dicts) and not all(dicts):
            raise InvalidParameterError(
                "Invalid input: the list mixes row dicts and other values; pass only row dicts"
            )
        if schema.has_input_names() and len(schema) == 1 and all(_is_scalar(v) for v in data):
            return pandas.DataFrame({schema.input_names()[0]: list(data)})
        return pandas.DataFrame(list(data))
    if _is_scalar(data):
        return pandas.DataFrame([data])
    raise InvalidParameterError(
        f"Invalid input of type {type(data).__name__} for a column-based signature: expected a "
        "pandas.DataFrame, a dict of columns, a list of row dicts, a list of scalars or a numpy "
        "array"
    )


def _enforce_column_schema(data: Any, schema: Schema) -> pd.DataFrame:
    pandas = require("pandas", "Column-based schema enforcement")
    frame = _to_frame(data, schema)
    specs = [spec for spec in schema if isinstance(spec, ColSpec)]
    columns: dict[str | int, pd.Series[Any]] = {}
    if schema.has_input_names():
        positions: dict[str, int] = {}
        for position, label in enumerate(frame.columns):
            positions.setdefault(str(label), position)
        declared = {str(s.name) for s in specs}
        missing = [s.name for s in specs if s.required and str(s.name) not in positions]
        if missing:
            optional = [s.name for s in specs if not s.required]
            raise InvalidParameterError(
                f"Model input is missing required column(s) {missing}: the signature expects "
                f"columns {[s.name for s in specs]}"
                + (f" (optional: {optional})" if optional else "")
                + f"; the input has {list(frame.columns)}"
            )
        extra = sorted(set(positions) - declared)
        if extra:
            _LOGGER.warning(
                "Dropping input columns %s: the model signature does not declare them", extra
            )
        for spec in specs:
            name = spec.name if spec.name is not None else ""
            if str(name) in positions:
                column = frame.iloc[:, positions[str(name)]]
                columns[name] = _enforce_column(str(name), column, spec.type)
    else:
        if len(frame.columns) < len(specs):
            raise InvalidParameterError(
                f"Model input has {len(frame.columns)} column(s), but the signature expects "
                f"{len(specs)} unnamed column(s) of types {[s.type.name for s in specs]}"
            )
        for position, spec in enumerate(specs):
            label = frame.columns[position]
            columns[label] = _enforce_column(str(label), frame.iloc[:, position], spec.type)
    result: pd.DataFrame = pandas.DataFrame(columns, index=frame.index)
    return result


def _mismatch(name: str, values: pd.Series[Any], expected: DataType, hint: str = "") -> Exception:
    label = _NUMPY_LABELS.get(expected)
    return InvalidParameterError(
        f"Incompatible input column {name!r}: cannot safely convert dtype {values.dtype} to "
        f"{expected.name}{f' ({label})' if label else ''}.{hint}"
    )


_NUMPY_LABELS = {
    DataType.integer: "int32",
    DataType.long: "int64",
    DataType.float: "float32",
    DataType.double: "float64",
}


def _check_values(name: str, values: pd.Series[Any], expected: DataType, types: Any) -> None:
    for value in values:
        if not is_missing(value) and not isinstance(value, types):
            raise InvalidParameterError(
                f"Incompatible input column {name!r}: expected {expected.name} values, got "
                f"{value!r:.60} of type {type(value).__name__}"
            )


def _enforce_column(name: str, values: pd.Series[Any], expected: DataType) -> pd.Series[Any]:
    pandas = require("pandas", "Column-based schema enforcement")
    dtype = values.dtype
    is_text = isinstance(dtype, pandas.StringDtype)
    if expected is DataType.string:
        if is_text:
            return values
        if dtype.kind == "O":
            _check_values(name, values, expected, str)
            return values
        raise _mismatch(name, values, expected)
    if expected is DataType.binary:
        if dtype.kind == "S":
            return values
        if dtype.kind == "O" and not is_text:
            _check_values(name, values, expected, bytes | bytearray)
            return values
        raise _mismatch(name, values, expected)
    if dtype.kind == "O" and not is_text:
        values = values.infer_objects()
        dtype = values.dtype
    if expected is DataType.datetime:
        if dtype.kind == "M":
            return values
        if dtype.kind == "O":  # strings, dates, or a mix with missing values
            try:
                return values.astype("datetime64[ns]")
            except (TypeError, ValueError) as exc:
                raise InvalidParameterError(
                    f"Incompatible input column {name!r}: cannot convert its {dtype} values to "
                    f"datetime ({exc})"
                ) from None
        raise _mismatch(name, values, expected)
    if expected is DataType.boolean:
        if dtype.kind == "b":
            return values
        if dtype.kind == "O" and not is_text:  # booleans with missing values
            _check_values(name, values, expected, bool)
            return values
        raise _mismatch(name, values, expected)
    return _enforce_number(name, values, expected)


def _enforce_number(name: str, values: pd.Series[Any], expected: DataType) -> pd.Series[Any]:
    pandas = require("pandas", "Column-based schema enforcement")
    dtype: Any = values.dtype
    target = expected.to_numpy()
    if not isinstance(dtype, pandas.api.extensions.ExtensionDtype) and dtype == target:
        return values
    kind = dtype.kind
    if kind in ("i", "u") and expected in _INTEGERS:
        fits = (
            dtype.itemsize <= target.itemsize if kind == "i" else dtype.itemsize < target.itemsize
        )
        if not fits:
            raise _mismatch(name, values, expected)
        if bool(values.isna().any()):
            raise _mismatch(
                name,
                values,
                expected,
                " The column has missing values, which integers cannot hold.",
            )
        return values.astype(target)
    if kind in ("i", "u") and expected in _MANTISSA_BITS:
        bits = _MANTISSA_BITS[expected]
        source_bits = dtype.itemsize * 8 - (1 if kind == "i" else 0)
        present = values.dropna()
        largest = max(abs(int(present.min())), abs(int(present.max()))) if len(present) else 0
        if source_bits > bits and largest > 2**bits:
            raise _mismatch(
                name,
                values,
                expected,
                f" Its value {largest} (in magnitude) is not exactly representable.",
            )
        return values.astype(target)
    if kind == "f" and expected in _MANTISSA_BITS:
        if dtype.itemsize <= target.itemsize:
            return values.astype(target)
        raise _mismatch(name, values, expected)
    hint = ""
    if kind == "f" and expected in _INTEGERS and bool(values.isna().any()):
        present = values.dropna()
        if bool((present == present.round()).all()):
            hint = (
                " Hint: integers with missing values arrive as floats; declare the column as "
                "double if it may have missing values."
            )
    raise _mismatch(name, values, expected, hint)


# -- tensor schemas ---------------------------------------------------------------------------


def _frame_column_tensor(values: pd.Series[Any], spec: TensorSpec) -> np.ndarray[Any, Any]:
    numpy = require("numpy", "Tensor-based schema enforcement")
    cells = values.tolist()
    if cells and isinstance(cells[0], list | tuple | numpy.ndarray):
        try:
            stacked: np.ndarray[Any, Any] = numpy.stack([numpy.asarray(cell) for cell in cells])
        except ValueError as exc:
            raise InvalidParameterError(
                f"Invalid input for tensor {spec.name!r}: its cells have different shapes ({exc})"
            ) from None
        return stacked
    array: np.ndarray[Any, Any] = numpy.asarray(cells)
    if len(spec.shape) == 2 and spec.shape[1] in (-1, 1):
        array = array.reshape(-1, 1)
    return array


def _enforce_tensor(label: str, value: Any, spec: TensorSpec) -> Any:
    numpy = require("numpy", "Tensor-based schema enforcement")
    if type(value).__module__.startswith("scipy.sparse"):
        array_dtype = value.dtype
    else:
        if not isinstance(value, numpy.ndarray):
            try:
                value = numpy.asarray(value)
            except ValueError as exc:
                raise InvalidParameterError(
                    f"Invalid {label}: not convertible to an array ({exc})"
                ) from None
        array_dtype = value.dtype
    expected = spec.shape
    if spec.dtype.kind == "O" and expected == (-1,):
        return value
    shape = tuple(value.shape)
    if len(shape) != len(expected) or any(
        e not in (-1, a) for e, a in zip(expected, shape, strict=True)
    ):
        raise InvalidParameterError(
            f"Invalid {label}: shape {shape} does not match the signature's shape "
            f"{expected} (-1 matches any size)"
        )
    if array_dtype == spec.dtype or (
        array_dtype.kind == spec.dtype.kind and array_dtype.kind in "USOM"
    ):
        return value
    if numpy.can_cast(array_dtype, spec.dtype, "safe"):
        return value.astype(spec.dtype)
    raise InvalidParameterError(
        f"Invalid {label}: dtype {array_dtype} cannot be safely cast to the "
        f"signature's dtype {spec.dtype}"
    )


def _enforce_tensor_schema(data: Any, schema: Schema) -> Any:
    pandas = sys.modules.get("pandas")
    is_frame = pandas is not None and isinstance(data, pandas.DataFrame)
    specs = [spec for spec in schema if isinstance(spec, TensorSpec)]
    if not schema.has_input_names():
        spec = specs[0]
        if is_frame:
            if data.empty:
                raise InvalidParameterError("Invalid input: the DataFrame is empty")
            if len(data.columns) == 1:
                return _enforce_tensor(
                    "input tensor", _frame_column_tensor(data.iloc[:, 0], spec), spec
                )
            return _enforce_tensor("input tensor", data.to_numpy(), spec)
        if isinstance(data, Mapping):
            raise InvalidParameterError(
                f"Invalid input: a dict with keys {list(data)} for an unnamed tensor signature; "
                "pass one array"
            )
        return _enforce_tensor("input tensor", data, spec)
    names = [spec.name for spec in specs]
    if is_frame:
        available = {str(label): data[label] for label in data.columns}
    elif isinstance(data, Mapping):
        available = {str(key): value for key, value in data.items()}
    else:
        raise InvalidParameterError(
            f"Invalid input of type {type(data).__name__}: the signature has named tensors "
            f"{names}; pass a dict of name -> array (or a DataFrame with those columns)"
        )
    missing = [name for name in names if name not in available]
    if missing:
        raise InvalidParameterError(
            f"Model input is missing tensor(s) {missing}: the signature expects tensors {names}; "
            f"the input has {list(available)}"
        )
    result = {}
    for spec in specs:
        name = str(spec.name)
        value = available[name]
        if is_frame:
            value = _frame_column_tensor(value, spec)
        result[name] = _enforce_tensor(f"tensor {name!r}", value, spec)
    return result
