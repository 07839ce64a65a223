"""Schema inference from data, as MLflow's ``mlflow.types.utils._infer_schema`` does it.

numpy and pandas are looked up in ``sys.modules`` rather than imported: data of their types can
only exist once they are loaded, so inferring a schema from plain lists stays light.
"""

from __future__ import annotations

import datetime as dt
import numbers
import sys
from collections.abc import Mapping, Sequence
from copy import deepcopy
from typing import TYPE_CHECKING, Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models.types import ColSpec, DataType, ParamSchema, ParamSpec, Schema, TensorSpec

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "infer_param_schema",
    "infer_schema",
    "is_missing",
    "numpy_dtype_type",
    "scalar_type",
]

_SUPPORTED = (
    "pandas.DataFrame, pandas.Series, numpy.ndarray, scipy.sparse csr/csc matrix, a dict of "
    "column name -> values (or -> numpy.ndarray for tensors), a list of row dicts, a list of "
    "scalars, or a scalar"
)


def is_missing(value: Any) -> bool:
    """Return ``True`` for None, NaN, NaT and ``pandas.NA``."""
    if value is None:
        return True
    pandas = sys.modules.get("pandas")
    if pandas is not None and value is pandas.NA:
        return True
    if isinstance(value, str | bytes | bytearray | list | dict | tuple):
        return False
    try:
        return bool(value != value)  # only NaN and NaT differ from themselves
    except (TypeError, ValueError):
        return False


def numpy_dtype_type(dtype: Any) -> DataType | None:
    """Map a numpy (or pandas extension) dtype to a :class:`DataType`; ``None`` when none fits."""
    kind, size = dtype.kind, dtype.itemsize
    if kind == "b":
        return DataType.boolean
    if kind == "i":
        return DataType.integer if size <= 4 else DataType.long if size == 8 else None
    if kind == "u":  # unsigned values need a wider signed type; uint64 has none
        return DataType.integer if size < 4 else DataType.long if size < 8 else None
    if kind == "f":
        return DataType.float if size <= 4 else DataType.double if size == 8 else None
    return {"U": DataType.string, "S": DataType.binary, "M": DataType.datetime}.get(kind)


def scalar_type(value: Any) -> DataType | None:
    """Return the :class:`DataType` of one scalar value, or ``None`` if it is not a scalar."""
    if isinstance(value, bool):
        return DataType.boolean
    if isinstance(value, int):
        return DataType.long
    if isinstance(value, float):
        return DataType.double
    if isinstance(value, str):
        return DataType.string
    if isinstance(value, bytes | bytearray):
        return DataType.binary
    if isinstance(value, dt.date):  # datetime and pandas.Timestamp too
        return DataType.datetime
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.generic):
        return numpy_dtype_type(value.dtype)
    return None


def _merge(first: DataType, second: DataType) -> DataType | None:
    if first is second:
        return first
    numbers = {DataType.integer, DataType.long, DataType.float, DataType.double}
    if {first, second} <= numbers:  # ints next to floats: the column holds doubles
        return DataType.double if {first, second} & {DataType.float, DataType.double} else first
    return None


def _values_type(values: Sequence[Any], where: str) -> tuple[DataType, bool]:
    """Return the type of a column's values and whether none is missing."""
    found: DataType | None = None
    complete = True
    for value in values:
        if is_missing(value):
            complete = False
            continue
        value_type = scalar_type(value)
        if value_type is None:
            raise InvalidParameterError(
                f"Cannot infer the type of {where}: it holds a {type(value).__name__} value "
                f"({value!r:.60}); signature columns hold scalars of types "
                f"{[member.name for member in DataType]}"
            )
        if found is None:
            found = value_type
            continue
        merged = _merge(found, value_type)
        if merged is None:
            raise InvalidParameterError(
                f"Cannot infer the type of {where}: it mixes {found.name} and "
                f"{value_type.name} values; convert it to one type"
            )
        found = merged
    if found is None:
        raise InvalidParameterError(
            f"Cannot infer the type of {where}: it has no non-missing value"
        )
    return found, complete


def _series_type(series: pd.Series[Any], where: str) -> DataType:
    if series.dtype.kind == "O":
        return _values_type(series.tolist(), where)[0]
    found = numpy_dtype_type(series.dtype)
    if found is None:
        raise InvalidParameterError(
            f"Cannot infer the type of {where}: its dtype {series.dtype} has no MLflow type; "
            f"supported are {[member.name for member in DataType]}"
        )
    return found


def _column_name(label: Any) -> str | int:
    """Keep int labels (MLflow writes a default-labelled DataFrame's columns as 0, 1, ...)."""
    if isinstance(label, numbers.Integral) and not isinstance(label, bool):
        return int(label)
    return str(label)


def _frame_schema(frame: pd.DataFrame) -> Schema:
    specs = []
    for position, label in enumerate(frame.columns):
        column = frame.iloc[:, position]
        name = _column_name(label)
        specs.append(
            ColSpec(
                _series_type(column, f"column {name!r}"),
                name,
                required=not bool(column.isna().any()),
            )
        )
    return Schema(specs)


def _tensor_spec(array: np.ndarray[Any, Any], name: str | None) -> TensorSpec:
    if array.ndim == 0:
        label = "the array" if name is None else f"tensor {name!r}"
        raise InvalidParameterError(
            f"Cannot infer a tensor spec for {label}: it is 0-dimensional; pass at least 1 "
            "dimension (rows first)"
        )
    dtype = {"U": "str", "S": "bytes"}.get(array.dtype.kind, array.dtype)
    return TensorSpec(dtype, (-1, *array.shape[1:]), name)


def _dict_schema(data: Mapping[Any, Any]) -> Schema:
    if not data:
        raise InvalidParameterError("Cannot infer a schema from an empty dict")
    for key in data:
        if not isinstance(key, str):
            raise InvalidParameterError(
                f"Cannot infer a schema from a dict with key {key!r} of type "
                f"{type(key).__name__}: keys name the columns or tensors and must be strings"
            )
    numpy = sys.modules.get("numpy")
    arrays = numpy is not None and all(isinstance(v, numpy.ndarray) for v in data.values())
    if arrays:
        return Schema([_tensor_spec(value, name) for name, value in data.items()])
    specs = []
    for name, value in data.items():
        where = f"column {name!r}"
        if numpy is not None and isinstance(value, numpy.ndarray):
            if value.ndim != 1:
                raise InvalidParameterError(
                    f"Cannot infer the type of {where}: it is a {value.ndim}-D array; columns "
                    "are 1-D (pass a dict of only numpy arrays for a tensor schema)"
                )
            value = value.tolist()
        elif _is_pandas(value, "Series"):
            value = value.tolist()
        if isinstance(value, list | tuple):
            value_type, complete = _values_type(value, where)
        else:
            value_type, complete = _values_type([value], where)
        specs.append(ColSpec(value_type, name, required=complete))
    return Schema(specs)


def _rows_schema(rows: Sequence[Mapping[Any, Any]]) -> Schema:
    columns: dict[str, list[Any]] = {}
    for row in rows:
        for key, value in row.items():
            if not isinstance(key, str):
                raise InvalidParameterError(
                    f"Cannot infer a schema from row key {key!r} of type {type(key).__name__}: "
                    "keys name the columns and must be strings"
                )
            columns.setdefault(key, []).append(value)
    specs = []
    for name, values in columns.items():
        value_type, complete = _values_type(values, f"column {name!r}")
        present_everywhere = all(name in row for row in rows)
        specs.append(ColSpec(value_type, name, required=complete and present_everywhere))
    return Schema(specs)


def _is_pandas(data: Any, class_name: str) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(data, getattr(pandas, class_name))


def infer_schema(data: Any) -> Schema:
    """Infer a :class:`Schema` from model input or output data.

    DataFrames, Series, dicts of columns, lists of row dicts, lists of scalars and scalars give
    column schemas; numpy arrays, dicts of numpy arrays and sparse matrices give tensor schemas
    whose first dimension is variable (``-1``).

    Raises:
        InvalidParameterError: The data is of an unsupported kind, or a column has no single
            type; the message names the type or column.
    """
    numpy = sys.modules.get("numpy")
    if _is_pandas(data, "DataFrame"):
        return _frame_schema(data)
    if _is_pandas(data, "Series"):
        if data.name is None:
            return Schema([ColSpec(_series_type(data, "the Series"))])
        name = _column_name(data.name)
        complete = not bool(data.isna().any())
        return Schema([ColSpec(_series_type(data, f"column {name!r}"), name, required=complete)])
    if numpy is not None and isinstance(data, numpy.ndarray):
        return Schema([_tensor_spec(data, None)])
    if type(data).__module__.startswith("scipy.sparse") and type(data).__name__.startswith(
        ("csr_", "csc_")
    ):
        return Schema([TensorSpec(data.data.dtype, (-1, *data.shape[1:]))])
    if isinstance(data, Mapping):
        return _dict_schema(data)
    if isinstance(data, list | tuple):
        if not data:  # MLflow's choice, kept for compatibility
            return Schema([ColSpec(DataType.string)])
        if all(isinstance(row, Mapping) for row in data):
            return _rows_schema(data)
        return Schema([ColSpec(_values_type(data, "the list")[0])])
    found = scalar_type(data)
    if found is None:
        raise InvalidParameterError(
            f"Cannot infer a schema from a {type(data).__module__}.{type(data).__qualname__}: "
            f"expected {_SUPPORTED}"
        )
    return Schema([ColSpec(found)])


def _param_type_and_shape(name: str, value: Any) -> tuple[DataType, tuple[int, ...] | None]:
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.ndarray):
        if value.ndim != 1:
            raise InvalidParameterError(
                f"Invalid param {name!r}: a {value.ndim}-D array; params are scalars or 1-D lists"
            )
        if value.dtype.kind == "M":  # datetime64[ns].tolist() gives ints; microseconds give dates
            value = value.astype("datetime64[us]")
        value = value.tolist()
    if isinstance(value, list | tuple):
        if not value:  # numpy infers float64 for an empty list; MLflow keeps that
            return DataType.double, (-1,)
        for item in value:
            if isinstance(item, list | tuple | Mapping):
                raise InvalidParameterError(
                    f"Invalid param {name!r}: nested lists and dicts are not supported; params "
                    "are scalars or 1-D lists"
                )
        return _values_type(value, f"param {name!r}")[0], (-1,)
    found = scalar_type(value)
    if found is None:
        raise InvalidParameterError(
            f"Invalid param {name!r} of type {type(value).__name__}: params are scalars "
            f"({[member.name for member in DataType if member is not DataType.binary]}) or "
            "1-D lists of them"
        )
    return found, None


def infer_param_schema(params: Mapping[str, Any]) -> ParamSchema:
    """Infer a :class:`ParamSchema` from example inference parameters (their defaults).

    Raises:
        InvalidParameterError: ``params`` is not a dict or some values are not supported; the
            message lists every bad param.
    """
    if not isinstance(params, Mapping):
        raise InvalidParameterError(
            f"Invalid params of type {type(params).__name__}: expected a dict of name -> value"
        )
    specs: list[ParamSpec] = []
    errors: list[str] = []
    for name, value in params.items():
        try:
            dtype, shape = _param_type_and_shape(str(name), value)
            specs.append(ParamSpec(str(name), dtype, deepcopy(value), shape))
        except InvalidParameterError as exc:
            errors.append(exc.message)
    if errors:
        raise InvalidParameterError("Cannot infer the param schema: " + "; ".join(errors))
    return ParamSchema(specs)
