"""Schema types of a model signature, as MLflow writes them into ``MLmodel``.

A :class:`Schema` is a list of :class:`ColSpec` (named or unnamed table columns of a
:class:`DataType`) or of :class:`TensorSpec` (numpy arrays of a dtype and shape, ``-1`` marking a
variable dimension), never both. A :class:`ParamSchema` lists the inference parameters
(:class:`ParamSpec`) a model accepts, with their defaults. ``to_json``/``from_json`` produce and
read MLflow's exact JSON, so a signature moves both ways between flowtrack and MLflow.

Example:
    >>> schema = Schema([ColSpec("double", "x"), ColSpec(DataType.string, "city", required=False)])
    >>> schema.input_names(), schema.optional_input_names()
    (['x', 'city'], ['city'])
    >>> ColSpec("double", "x").to_dict()
    {'type': 'double', 'name': 'x', 'required': True}
    >>> Schema.from_json(schema.to_json()) == schema
    True

Importing this module loads neither numpy nor pandas: numpy loads when a tensor spec is built.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models._datatype import (
    DataType,
    check_column_name,
    check_name,
    load_json,
    require,
    to_type,
)
from flowtrack.models._params import ParamSchema, ParamSpec

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ColSpec", "DataType", "ParamSchema", "ParamSpec", "Schema", "TensorSpec", "require"]


class ColSpec:
    """One column of a table: a :class:`DataType`, an optional name, and whether it is required.

    Args:
        type: The data type, or its name (``"double"``).
        name: The column name; ``None`` for a positional column. MLflow names the columns of a
            DataFrame with default labels by int (``0``, ``1``, ...), so ints are kept as such.
        required: ``False`` when the column may be missing from the input.

    Raises:
        InvalidParameterError: The type is unknown or the name is not a string or int.
    """

    __slots__ = ("_name", "_required", "_type")

    def __init__(
        self, type: DataType | str, name: str | int | None = None, required: bool = True
    ) -> None:
        self._type = to_type(type, "column type")
        self._name = check_column_name(name)
        if not isinstance(required, bool):
            raise InvalidParameterError(
                f"Invalid required={required!r} for column {name!r}: expected True or False"
            )
        self._required = required

    @property
    def type(self) -> DataType:
        """The column's data type."""
        return self._type

    @property
    def name(self) -> str | int | None:
        """The column name, or ``None`` when unnamed."""
        return self._name

    @property
    def required(self) -> bool:
        """Whether the input must contain the column."""
        return self._required

    def to_dict(self) -> dict[str, Any]:
        """Return MLflow's JSON form: ``{"type": ..., "name": ..., "required": ...}``."""
        result: dict[str, Any] = {"type": self._type.name}
        if self._name is not None:
            result["name"] = self._name
        result["required"] = self._required
        return result

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> ColSpec:
        """Build a column from its JSON form (``required`` defaults to ``True``, as in MLflow)."""
        if "type" not in spec:
            raise InvalidParameterError(f"Invalid column spec {dict(spec)!r}: it has no 'type'")
        return cls(spec["type"], spec.get("name"), spec.get("required", True))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ColSpec):
            return NotImplemented
        return (self._type, self._name, self._required) == (
            other._type,
            other._name,
            other._required,
        )

    def __hash__(self) -> int:
        return hash((self._type, self._name, self._required))

    def __repr__(self) -> str:
        required = "required" if self._required else "optional"
        if self._name is None:
            return f"{self._type!r} ({required})"
        return f"{self._name!r}: {self._type!r} ({required})"


class TensorSpec:
    """One numpy array: its dtype, its shape (``-1`` for a variable dimension) and optional name.

    Args:
        dtype: A numpy dtype or anything ``numpy.dtype`` accepts (``"float64"``, ``np.int32``).
            Strings and bytes carry no size: use ``"str"``/``"bytes"``, not ``"<U5"``.
        shape: The dimensions, e.g. ``(-1, 4)`` for a batch of rows of 4 values.
        name: The tensor name; ``None`` for a single unnamed tensor.

    Raises:
        InvalidParameterError: The dtype or shape is invalid, or the name is not a string.
        MissingDependencyError: numpy is not installed.
    """

    __slots__ = ("_dtype", "_name", "_shape")

    def __init__(
        self, dtype: np.dtype[Any] | str | type, shape: Sequence[int], name: str | None = None
    ) -> None:
        numpy = require("numpy", "TensorSpec")
        self._name = check_name(name, "tensor")
        try:
            self._dtype: np.dtype[Any] = numpy.dtype(dtype)
        except TypeError as exc:
            raise InvalidParameterError(
                f"Invalid dtype {dtype!r} for tensor {name!r}: expected a numpy dtype ({exc})"
            ) from None
        if self._dtype.kind in ("U", "S") and self._dtype.itemsize:
            plain = "str" if self._dtype.kind == "U" else "bytes"
            raise InvalidParameterError(
                f"Invalid dtype {self._dtype.str!r} for tensor {name!r}: sizes of string dtypes "
                f"are not part of a signature; use {plain!r}"
            )
        if isinstance(shape, str | bytes) or not isinstance(shape, Sequence):
            raise InvalidParameterError(
                f"Invalid shape {shape!r} for tensor {name!r}: expected a tuple of ints"
            )
        for dim in shape:
            if isinstance(dim, bool) or not isinstance(dim, int) or dim < -1:
                raise InvalidParameterError(
                    f"Invalid shape {tuple(shape)!r} for tensor {name!r}: dimensions are ints "
                    ">= 0, or -1 for a variable dimension"
                )
        self._shape: tuple[int, ...] = tuple(shape)

    @property
    def type(self) -> np.dtype[Any]:
        """The numpy dtype (MLflow's name for it)."""
        return self._dtype

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numpy dtype."""
        return self._dtype

    @property
    def shape(self) -> tuple[int, ...]:
        """The dimensions; ``-1`` marks a variable one."""
        return self._shape

    @property
    def name(self) -> str | None:
        """The tensor name, or ``None`` when unnamed."""
        return self._name

    @property
    def required(self) -> bool:
        """Tensors are always required."""
        return True

    def to_dict(self) -> dict[str, Any]:
        """Return MLflow's JSON form: ``{"type": "tensor", "tensor-spec": {dtype, shape}}``."""
        result: dict[str, Any] = {} if self._name is None else {"name": self._name}
        result["type"] = "tensor"
        result["tensor-spec"] = {"dtype": self._dtype.name, "shape": list(self._shape)}
        return result

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> TensorSpec:
        """Build a tensor spec from its JSON form."""
        info = spec.get("tensor-spec")
        if spec.get("type") != "tensor" or not isinstance(info, Mapping):
            raise InvalidParameterError(
                f"Invalid tensor spec {dict(spec)!r}: expected 'type': 'tensor' and a "
                "'tensor-spec' object"
            )
        if "dtype" not in info or "shape" not in info:
            raise InvalidParameterError(
                f"Invalid tensor spec {dict(spec)!r}: 'tensor-spec' needs 'dtype' and 'shape'"
            )
        return cls(info["dtype"], info["shape"], spec.get("name"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TensorSpec):
            return NotImplemented
        return (self._name, self._dtype, self._shape) == (other._name, other._dtype, other._shape)

    def __hash__(self) -> int:
        return hash((self._name, self._dtype, self._shape))

    def __repr__(self) -> str:
        info = f"Tensor({self._dtype.name!r}, {self._shape!r})"
        return info if self._name is None else f"{self._name!r}: {info}"


class Schema:
    """The inputs or outputs of a model: all :class:`ColSpec` or all :class:`TensorSpec`.

    Args:
        inputs: The columns or tensors, in order. Either every one is named or none is.

    Raises:
        InvalidParameterError: The list is empty, mixes columns and tensors, mixes named and
            unnamed entries, repeats a name, has several unnamed tensors, or has unnamed
            optional columns.
    """

    __slots__ = ("_inputs",)

    def __init__(self, inputs: Sequence[ColSpec | TensorSpec]) -> None:
        items: list[ColSpec | TensorSpec] = list(inputs)
        if not items:
            raise InvalidParameterError("Invalid schema: it needs at least one column or tensor")
        for item in items:
            if not isinstance(item, ColSpec | TensorSpec):
                raise InvalidParameterError(
                    f"Invalid schema entry {item!r} of type {type(item).__name__}: expected "
                    "ColSpec or TensorSpec"
                )
        if len({type(item) for item in items}) > 1:
            raise InvalidParameterError(
                f"Invalid schema {items!r}: it mixes ColSpec and TensorSpec; use only one kind"
            )
        names = [item.name for item in items]
        if None in names and any(name is not None for name in names):
            raise InvalidParameterError(
                f"Invalid schema with names {names}: name every entry or none of them"
            )
        duplicates = sorted({name for name in names if name is not None and names.count(name) > 1})
        if duplicates:
            raise InvalidParameterError(f"Invalid schema: duplicated names {duplicates}")
        if names[0] is None and len(items) > 1 and isinstance(items[0], TensorSpec):
            raise InvalidParameterError(
                "Invalid schema: several unnamed tensors; name each TensorSpec"
            )
        if names[0] is None and not all(item.required for item in items):
            raise InvalidParameterError(
                "Invalid schema: unnamed columns must be required; name the optional columns"
            )
        self._inputs: tuple[ColSpec | TensorSpec, ...] = tuple(items)

    @property
    def inputs(self) -> list[ColSpec | TensorSpec]:
        """The columns or tensors, in order."""
        return list(self._inputs)

    def __len__(self) -> int:
        return len(self._inputs)

    def __iter__(self) -> Iterator[ColSpec | TensorSpec]:
        return iter(self._inputs)

    def is_tensor_spec(self) -> bool:
        """Return ``True`` when the schema lists tensors rather than columns."""
        return isinstance(self._inputs[0], TensorSpec)

    def has_input_names(self) -> bool:
        """Return ``True`` when the entries are named."""
        return self._inputs[0].name is not None

    def input_names(self) -> list[str | int]:
        """Return the entry names, or their positions when the schema is unnamed."""
        return [item.name if item.name is not None else i for i, item in enumerate(self._inputs)]

    def required_input_names(self) -> list[str | int]:
        """Return the names (or positions) of the required entries."""
        names = self.input_names()
        return [names[i] for i, item in enumerate(self._inputs) if item.required]

    def optional_input_names(self) -> list[str | int]:
        """Return the names (or positions) of the optional entries."""
        names = self.input_names()
        return [names[i] for i, item in enumerate(self._inputs) if not item.required]

    def input_types(self) -> list[DataType | np.dtype[Any]]:
        """Return the column data types or tensor dtypes, in order."""
        return [item.type for item in self._inputs]

    def input_types_dict(self) -> dict[str | int, DataType | np.dtype[Any]]:
        """Return ``{name: type}``.

        Raises:
            InvalidParameterError: The schema is unnamed.
        """
        return {name: item.type for name, item in self.input_dict().items()}

    def input_dict(self) -> dict[str | int, ColSpec | TensorSpec]:
        """Return ``{name: spec}``.

        Raises:
            InvalidParameterError: The schema is unnamed.
        """
        if not self.has_input_names():
            raise InvalidParameterError("Invalid call: this schema's entries have no names")
        return {item.name: item for item in self._inputs if item.name is not None}

    def numpy_types(self) -> list[np.dtype[Any]]:
        """Return each entry's numpy dtype."""
        return [
            item.type if isinstance(item, TensorSpec) else item.type.to_numpy()
            for item in self._inputs
        ]

    def to_dict(self) -> list[dict[str, Any]]:
        """Return MLflow's JSON-ready list of entry dicts."""
        return [item.to_dict() for item in self._inputs]

    def to_json(self) -> str:
        """Return the JSON string MLflow writes into the ``MLmodel`` signature."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, specs: Sequence[Mapping[str, Any]]) -> Schema:
        """Build a schema from MLflow's list of entry dicts."""
        if isinstance(specs, str | bytes) or not isinstance(specs, Sequence):
            raise InvalidParameterError(
                f"Invalid schema {specs!r}: expected a list of column or tensor specs"
            )
        items: list[ColSpec | TensorSpec] = []
        for spec in specs:
            if not isinstance(spec, Mapping):
                raise InvalidParameterError(f"Invalid schema entry {spec!r}: expected an object")
            is_tensor = spec.get("type") == "tensor"
            items.append(TensorSpec.from_dict(spec) if is_tensor else ColSpec.from_dict(spec))
        return cls(items)

    @classmethod
    def from_json(cls, json_str: str) -> Schema:
        """Build a schema from the JSON string in an ``MLmodel`` signature."""
        return cls.from_dict(load_json(json_str, "schema"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schema):
            return NotImplemented
        return self._inputs == other._inputs

    def __hash__(self) -> int:
        return hash(self._inputs)

    def __repr__(self) -> str:
        return repr(list(self._inputs))
