"""Inference parameters of a model signature: :class:`ParamSpec` and :class:`ParamSchema`.

A param has a name, a :class:`DataType` (any but binary), a default and a shape (``None`` for a
scalar, ``(-1,)`` for a list). Values are checked with safe conversions only: int to
long/float/double, float to double, ISO strings and dates to datetime, numpy scalars to Python
scalars. ``to_json``/``from_json`` produce and read MLflow's JSON, e.g.
``[{"name": "top_k", "default": 3, "shape": null, "type": "long"}]``.

Importing this module loads neither numpy nor pandas.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models._datatype import DataType, load_json, to_type

__all__ = ["ParamSchema", "ParamSpec", "coerce_param_value", "enforce_params"]

_LOGGER = logging.getLogger("flowtrack")

_INT_RANGES: dict[DataType, tuple[int, int]] = {
    DataType.integer: (-(2**31), 2**31 - 1),
    DataType.long: (-(2**63), 2**63 - 1),
}
_FLOATS = (DataType.float, DataType.double)


def _coerce_scalar(value: Any, dtype: DataType) -> Any:
    """Return ``value`` as ``dtype``'s Python type, or raise ``ValueError`` with the reason."""
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.generic):
        if isinstance(value, numpy.datetime64):
            value = value.astype("datetime64[us]")
        value = value.item()
    if dtype is DataType.datetime:
        if isinstance(value, str):
            return dt.datetime.fromisoformat(value)
        if isinstance(value, dt.date):
            return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        raise ValueError("expected a datetime, a date or an ISO 8601 string")
    python = dtype.to_python()
    if isinstance(value, bool) and dtype is not DataType.boolean:
        raise ValueError(f"expected {python.__name__}, not bool")
    if isinstance(value, int) and dtype in _INT_RANGES:
        low, high = _INT_RANGES[dtype]
        if not low <= value <= high:
            raise ValueError(f"out of the {dtype.name} range [{low}, {high}]")
        return value
    if isinstance(value, python):
        return value
    if dtype in _FLOATS and isinstance(value, int):
        return float(value)
    raise ValueError(f"expected {python.__name__}, got {type(value).__name__}")


def coerce_param_value(
    name: str, value: Any, dtype: DataType, shape: tuple[int, ...] | None
) -> Any:
    """Check a param value against its type and shape and return it as a Python value.

    Args:
        name: The param name, for messages.
        value: The value (``None`` passes through).
        dtype: The param's type.
        shape: ``None`` for a scalar, ``(-1,)`` for a list.

    Raises:
        InvalidParameterError: The value does not fit; the message names the param.
    """
    if value is None:
        return None
    where = f"Invalid value {value!r:.60} for param {name!r} ({dtype.name}"
    numpy = sys.modules.get("numpy")
    if shape is not None:
        if numpy is not None and isinstance(value, numpy.ndarray) and value.ndim == 1:
            value = list(value)
        if not isinstance(value, list | tuple):
            raise InvalidParameterError(f"{where}, shape (-1,)): expected a list of values")
        try:
            return [None if v is None else _coerce_scalar(v, dtype) for v in value]
        except ValueError as exc:
            raise InvalidParameterError(f"{where}, shape (-1,)): {exc}") from None
    if isinstance(value, list | tuple | Mapping | set) or (
        numpy is not None and isinstance(value, numpy.ndarray)
    ):
        raise InvalidParameterError(f"{where}): expected a scalar")
    try:
        return _coerce_scalar(value, dtype)
    except ValueError as exc:
        raise InvalidParameterError(f"{where}): {exc}") from None


class ParamSpec:
    """One inference parameter: name, data type, default and shape (``None`` or ``(-1,)``).

    Args:
        name: The parameter name.
        dtype: Its data type, or the type's name; ``binary`` is not allowed.
        default: The value used when a caller omits the parameter (may be ``None``).
        shape: ``None`` for a scalar, ``(-1,)`` for a list of values.

    Raises:
        InvalidParameterError: The type or shape is not allowed, or the default does not fit.
    """

    __slots__ = ("_default", "_dtype", "_name", "_shape")

    def __init__(
        self,
        name: str,
        dtype: DataType | str,
        default: Any,
        shape: Sequence[int] | None = None,
    ) -> None:
        self._name = str(name)
        self._dtype = to_type(dtype, f"type of param {self._name!r}")
        if self._dtype is DataType.binary:
            raise InvalidParameterError(
                f"Invalid type 'binary' for param {self._name!r}: params may be any type but binary"
            )
        if shape is not None and (not isinstance(shape, Sequence) or tuple(shape) != (-1,)):
            raise InvalidParameterError(
                f"Invalid shape {shape!r} for param {self._name!r}: expected None for a "
                "scalar or (-1,) for a list"
            )
        self._shape: tuple[int, ...] | None = None if shape is None else (-1,)
        self._default = self.validate_value(default)

    @property
    def name(self) -> str:
        """The parameter name."""
        return self._name

    @property
    def dtype(self) -> DataType:
        """The parameter's data type."""
        return self._dtype

    @property
    def type(self) -> DataType:
        """The parameter's data type (alias of :attr:`dtype`)."""
        return self._dtype

    @property
    def default(self) -> Any:
        """The default value."""
        return self._default

    @property
    def shape(self) -> tuple[int, ...] | None:
        """``None`` for a scalar, ``(-1,)`` for a list."""
        return self._shape

    def validate_value(self, value: Any) -> Any:
        """Check a value against this spec and return it as a Python value.

        Safe conversions apply: int to long/float/double, float to double, ISO strings and
        dates to datetime; numpy scalars become Python scalars.

        Raises:
            InvalidParameterError: The value does not fit; the message names the param.
        """
        return coerce_param_value(self._name, value, self._dtype, self._shape)

    def to_dict(self) -> dict[str, Any]:
        """Return MLflow's JSON form: ``{"name", "default", "shape", "type"}``."""
        default = self._default
        if self._dtype is DataType.datetime and default is not None:
            if self._shape is None:
                default = default.isoformat()
            else:
                default = [None if v is None else v.isoformat() for v in default]
        shape = None if self._shape is None else list(self._shape)
        return {"name": self._name, "default": default, "shape": shape, "type": self._dtype.name}

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> ParamSpec:
        """Build a param spec from its JSON form (``dtype`` is accepted for ``type``)."""
        if not isinstance(spec, Mapping) or "name" not in spec or "default" not in spec:
            raise InvalidParameterError(
                f"Invalid param spec {spec!r}: expected keys 'name', 'type' and 'default'"
            )
        type_name = spec.get("type", spec.get("dtype"))
        if type_name is None:
            raise InvalidParameterError(f"Invalid param spec {dict(spec)!r}: it has no 'type'")
        return cls(spec["name"], type_name, spec["default"], spec.get("shape"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParamSpec):
            return NotImplemented
        mine = (self._name, self._dtype, self._default, self._shape)
        return mine == (other._name, other._dtype, other._default, other._shape)

    def __hash__(self) -> int:
        return hash((self._name, self._dtype, self._shape))

    def __repr__(self) -> str:
        shape = "" if self._shape is None else f" (shape: {self._shape})"
        return f"{self._name!r}: {self._dtype!r} (default: {self._default}){shape}"


class ParamSchema:
    """The inference parameters a model accepts: a list of :class:`ParamSpec`.

    Raises:
        InvalidParameterError: An entry is not a ParamSpec, or a name repeats.
    """

    __slots__ = ("_params",)

    def __init__(self, params: Sequence[ParamSpec]) -> None:
        for param in params:
            if not isinstance(param, ParamSpec):
                raise InvalidParameterError(
                    f"Invalid param schema entry {param!r} of type {type(param).__name__}: "
                    "expected ParamSpec"
                )
        names = [param.name for param in params]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise InvalidParameterError(f"Invalid param schema: duplicated params {duplicates}")
        self._params: tuple[ParamSpec, ...] = tuple(params)

    @property
    def params(self) -> list[ParamSpec]:
        """The parameter specs, in order."""
        return list(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __iter__(self) -> Iterator[ParamSpec]:
        return iter(self._params)

    def to_dict(self) -> list[dict[str, Any]]:
        """Return MLflow's JSON-ready list of param dicts."""
        return [param.to_dict() for param in self._params]

    def to_json(self) -> str:
        """Return the JSON string MLflow writes into the ``MLmodel`` signature."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, specs: Sequence[Mapping[str, Any]]) -> ParamSchema:
        """Build a param schema from MLflow's list of param dicts."""
        if isinstance(specs, str | bytes) or not isinstance(specs, Sequence):
            raise InvalidParameterError(f"Invalid param schema {specs!r}: expected a list")
        return cls([ParamSpec.from_dict(spec) for spec in specs])

    @classmethod
    def from_json(cls, json_str: str) -> ParamSchema:
        """Build a param schema from the JSON string in an ``MLmodel`` signature."""
        return cls.from_dict(load_json(json_str, "param schema"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParamSchema):
            return NotImplemented
        return self._params == other._params

    def __hash__(self) -> int:
        return hash(self._params)

    def __repr__(self) -> str:
        return repr(list(self._params))


def enforce_params(
    params: Mapping[str, Any] | None, param_schema: ParamSchema | None
) -> dict[str, Any] | None:
    """Check inference params against the signature's param schema and fill in defaults.

    Args:
        params: The params a caller passed to ``predict``, or ``None``.
        param_schema: The signature's param schema, or ``None`` if the model takes no params.

    Returns:
        Every param of the schema: the caller's value (converted) or the default. Params the
        schema does not declare are dropped with a warning, as MLflow does; with no schema,
        ``params`` is returned when empty and ``{}`` otherwise.

    Raises:
        InvalidParameterError: ``params`` is not a dict, or values do not fit; the message lists
            every bad param.
    """
    if param_schema is None:
        if params:
            _LOGGER.warning(
                "Ignoring params %s: the model signature declares no params", list(params)
            )
            return {}
        return None if params is None else dict(params)
    if params is not None and not isinstance(params, Mapping):
        raise InvalidParameterError(
            f"Invalid params of type {type(params).__name__}: expected a dict of name -> value"
        )
    given = {str(key): value for key, value in (params or {}).items()}
    declared = [spec.name for spec in param_schema]
    ignored = sorted(set(given) - set(declared))
    if ignored:
        _LOGGER.warning(
            "Ignoring params %s: the model signature declares only %s", ignored, declared
        )
    result: dict[str, Any] = {}
    errors: list[str] = []
    for spec in param_schema:
        if spec.name not in given:
            result[spec.name] = spec.default
            continue
        try:
            result[spec.name] = spec.validate_value(given[spec.name])
        except InvalidParameterError as exc:
            errors.append(exc.message)
    if errors:
        raise InvalidParameterError("; ".join(errors))
    return result
