"""MLflow's column data types, and helpers shared by the schema modules.

Importing this module loads neither numpy nor pandas.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import numbers
from enum import Enum
from typing import TYPE_CHECKING, Any, Final

from flowtrack._private.optional import require
from flowtrack.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["DataType", "check_column_name", "check_name", "load_json", "require", "to_type"]

_UNSUPPORTED_TYPES: Final = ("array", "object", "map", "any", "sparkml_vector")
_NUMPY_NAMES: Final = {
    "boolean": "bool",
    "integer": "int32",
    "long": "int64",
    "float": "float32",
    "double": "float64",
    "string": "str",
    "binary": "bytes",
    "datetime": "datetime64[ns]",
}


class DataType(Enum):
    """MLflow's column data types; ``DataType["double"]`` looks one up by its MLmodel name."""

    boolean = 1
    """Logical values (``True``/``False``); numpy ``bool``."""
    integer = 2
    """32-bit signed integers; numpy ``int32``."""
    long = 3
    """64-bit signed integers; numpy ``int64``."""
    float = 4
    """32-bit floating point numbers; numpy ``float32``."""
    double = 5
    """64-bit floating point numbers; numpy ``float64``."""
    string = 6
    """Text."""
    binary = 7
    """Raw bytes."""
    datetime = 8
    """Timestamps; numpy ``datetime64``."""

    def __repr__(self) -> str:
        return self.name

    def to_numpy(self) -> np.dtype[Any]:
        """Return the equivalent numpy dtype (``string`` is numpy ``str``, ``binary`` ``bytes``)."""
        numpy = require("numpy", "DataType.to_numpy")
        dtype: np.dtype[Any] = numpy.dtype(_NUMPY_NAMES[self.name])
        return dtype

    def to_pandas(self) -> np.dtype[Any]:
        """Return the dtype pandas holds the type in (``object`` for string and binary)."""
        numpy = require("numpy", "DataType.to_pandas")
        dtype: np.dtype[Any] = numpy.dtype(object)
        return dtype if self.name in ("string", "binary") else self.to_numpy()

    def to_python(self) -> type:
        """Return the equivalent Python type (``datetime.date`` for datetime)."""
        python: dict[str, type] = {
            "boolean": bool,
            "integer": int,
            "long": int,
            "float": builtins.float,
            "double": builtins.float,
            "string": str,
            "binary": bytes,
            "datetime": dt.date,
        }
        return python[self.name]

    @classmethod
    def from_name(cls, name: str, what: str = "type") -> DataType:
        """Look a type up by its MLmodel name.

        Args:
            name: e.g. ``"double"``.
            what: What the name is, for the error message.

        Raises:
            InvalidParameterError: No such type; the message lists the allowed names.
        """
        try:
            return cls[name]
        except KeyError:
            allowed = [member.name for member in cls]
            hint = ""
            if name in _UNSUPPORTED_TYPES:
                hint = f" (MLflow's {name!r} type is not supported by flowtrack signatures)"
            raise InvalidParameterError(
                f"Invalid {what} {name!r}{hint}: expected one of {allowed}"
            ) from None


def check_name(name: object, what: str) -> str | None:
    if name is not None and not isinstance(name, str):
        raise InvalidParameterError(
            f"Invalid {what} name {name!r} of type {type(name).__name__}: expected a string or None"
        )
    return name


def check_column_name(name: object) -> str | int | None:
    """Accept a column name: a string, or an int as MLflow writes a DataFrame's default labels."""
    if isinstance(name, numbers.Integral) and not isinstance(name, bool):
        return int(name)
    if name is not None and not isinstance(name, str):
        raise InvalidParameterError(
            f"Invalid column name {name!r} of type {type(name).__name__}: expected a string, an "
            "int (a DataFrame's default column labels) or None"
        )
    return name


def to_type(value: object, what: str) -> DataType:
    if isinstance(value, DataType):
        return value
    if isinstance(value, str):
        return DataType.from_name(value, what)
    raise InvalidParameterError(
        f"Invalid {what} {value!r} of type {type(value).__name__}: expected a DataType or one of "
        f"{[member.name for member in DataType]}"
    )


def load_json(json_str: str, what: str) -> Any:
    try:
        return json.loads(json_str)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"Invalid {what} JSON {json_str!r}: {exc}") from None
