"""Scoring payloads: request bodies in, JSON-safe predictions out.

The scoring server and ``flowtrack models predict`` read the same inputs as MLflow's scoring
server. A JSON body is an object with exactly one input key and, optionally, ``params``:

- ``{"dataframe_split": {"columns": [...], "data": [[...], ...], "index": [...]}}``
- ``{"dataframe_records": [{"a": 1, "b": 2}, ...]}``
- ``{"instances": [{"a": 1, "b": 2}, ...]}`` (rows) or ``{"instances": [[1, 2], ...]}``
- ``{"inputs": {"a": [1, 3], "b": [2, 4]}}`` (named tensors) or ``{"inputs": [[1, 2], ...]}``
- ``"params": {"temperature": 0.5}`` next to any of them.

A CSV body (``text/csv``) is a header row followed by data rows (``DataFrame.to_csv(index=False)``);
a Parquet body (``application/vnd.apache.parquet``, as MLflow 3 accepts) is a table file.

The ``dataframe_*`` keys and ``instances`` of objects become a :class:`pandas.DataFrame`; other
``instances`` and ``inputs`` become a :class:`numpy.ndarray`, or a dict of them for named tensors.
Every malformed payload raises :class:`~flowtrack.exceptions.InvalidParameterError` naming what
was wrong and what is allowed; the server answers it with HTTP 400. Predictions go back through
:mod:`flowtrack.serving.outputs`.
"""

from __future__ import annotations

import importlib.util
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError

try:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd
except ImportError as exc:  # pragma: no cover - exercised only without the extras
    raise MissingDependencyError(
        "scoring needs pandas and numpy: pip install 'flowtrack[server,pandas]'"
    ) from exc

__all__ = [
    "CONTENT_TYPE_CSV",
    "CONTENT_TYPE_JSON",
    "CONTENT_TYPE_PARQUET",
    "INPUT_FORMATS",
    "ModelInput",
    "ParsedInput",
    "UnsupportedContentTypeError",
    "parse_csv",
    "parse_json",
    "parse_parquet",
    "parse_request",
]

CONTENT_TYPE_JSON: Final = "application/json"
CONTENT_TYPE_CSV: Final = "text/csv"
CONTENT_TYPE_PARQUET: Final = "application/vnd.apache.parquet"
_CONTENT_TYPES: Final = (CONTENT_TYPE_JSON, CONTENT_TYPE_CSV, CONTENT_TYPE_PARQUET)

#: The top-level keys that carry the model input; a JSON body has exactly one of them.
INPUT_FORMATS: Final = ("dataframe_split", "dataframe_records", "instances", "inputs")
_PARAMS_KEY: Final = "params"
_ALLOWED_FORMATS = ", ".join(INPUT_FORMATS)
_SPLIT_KEYS: Final = frozenset({"columns", "data", "index"})

#: What a payload parses to: a DataFrame, one array, or named arrays.
ModelInput: TypeAlias = "pd.DataFrame | npt.NDArray[Any] | dict[str, npt.NDArray[Any]]"


class UnsupportedContentTypeError(InvalidParameterError):
    """The request's Content-Type is neither JSON nor CSV (HTTP 415 at the server)."""


@dataclass(frozen=True, slots=True)
class ParsedInput:
    """A parsed scoring payload.

    Attributes:
        data: The model input.
        params: The inference parameters sent next to the input, or None.
        format: Which input key carried the data (``"dataframe_split"``, ..., or ``"csv"``).
    """

    data: ModelInput
    params: dict[str, Any] | None
    format: str


def parse_request(body: bytes | str, content_type: str | None) -> ParsedInput:
    """Parse a scoring request body according to its Content-Type header.

    Args:
        body: The raw request body.
        content_type: The Content-Type header, e.g. ``"application/json; charset=utf-8"``.

    Returns:
        The parsed input and params.

    Raises:
        UnsupportedContentTypeError: The media type is not JSON, CSV or Parquet, the charset is
            not UTF-8, or the header carries other parameters.
        InvalidParameterError: The body is malformed.

    Example:
        >>> parse_request(b'{"inputs": [[1, 2]]}', "application/json").data.shape
        (1, 2)
    """
    media_type = _media_type(content_type)
    if media_type == CONTENT_TYPE_JSON:
        return parse_json(body)
    if media_type == CONTENT_TYPE_PARQUET:
        return parse_parquet(body.encode() if isinstance(body, str) else body)
    return parse_csv(body)


def _media_type(content_type: str | None) -> str:
    allowed = f"use {', '.join(_CONTENT_TYPES[:-1])} or {_CONTENT_TYPES[-1]}"
    if not content_type:
        raise UnsupportedContentTypeError(f"The request has no Content-Type header; {allowed}")
    media_type, *parameters = (part.strip() for part in content_type.split(";"))
    media_type = media_type.lower()
    if media_type not in _CONTENT_TYPES:
        raise UnsupportedContentTypeError(f"Unsupported Content-Type {media_type!r}; {allowed}")
    for parameter in parameters:
        if not parameter:
            continue
        name, _, value = parameter.partition("=")
        name, value = name.strip().lower(), value.strip().strip('"').lower()
        if name != "charset":
            raise UnsupportedContentTypeError(
                f"Unsupported Content-Type parameter {name!r}; only charset=utf-8 is allowed"
            )
        if value not in ("utf-8", "utf8"):
            raise UnsupportedContentTypeError(
                f"Unsupported charset {value!r}; the scoring server reads UTF-8 only"
            )
    return media_type


def parse_json(body: bytes | str | Mapping[str, Any]) -> ParsedInput:
    """Parse a JSON scoring payload (MLflow's ``dataframe_split`` / ``inputs`` / ... format).

    Args:
        body: The JSON text, or an already decoded object.

    Returns:
        The parsed input and params.

    Raises:
        InvalidParameterError: The text is not JSON, is not an object, has no input key, several
            input keys or an unknown key, or the input under the key is malformed.

    Example:
        >>> parsed = parse_json('{"dataframe_records": [{"a": 1}], "params": {"k": 2}}')
        >>> list(parsed.data.columns), parsed.params
        (['a'], {'k': 2})
    """
    document = body if isinstance(body, Mapping) else _decode_json(body)
    if not isinstance(document, Mapping):
        raise InvalidParameterError(
            f"The input must be a JSON object with exactly one of the keys {_ALLOWED_FORMATS}; "
            f"received a JSON {_json_type(document)}"
        )
    unknown = sorted(str(key) for key in document if key not in INPUT_FORMATS and key != "params")
    if unknown:
        raise InvalidParameterError(
            f"Unknown key(s) {', '.join(map(repr, unknown))} in the input; allowed keys are "
            f"{_ALLOWED_FORMATS} (exactly one) and {_PARAMS_KEY}"
        )
    present = [key for key in INPUT_FORMATS if key in document]
    if len(present) != 1:
        received = ", ".join(present) if present else "none"
        raise InvalidParameterError(
            f"The input must have exactly one of the keys {_ALLOWED_FORMATS}; received {received}"
        )
    key = present[0]
    return ParsedInput(_PARSERS[key](document[key]), _params(document.get(_PARAMS_KEY)), key)


def _decode_json(body: bytes | str) -> Any:
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise InvalidParameterError(f"The request body is not valid UTF-8: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InvalidParameterError(f"The request body is not valid JSON: {exc}") from None


def _json_type(value: Any) -> str:
    names = {list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _params(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidParameterError(
            f"'params' must be a JSON object of parameter names to values; "
            f"received a JSON {_json_type(value)}"
        )
    return value


def _dataframe_split(value: Any) -> pd.DataFrame:
    if not isinstance(value, dict):
        raise InvalidParameterError(
            "'dataframe_split' must be an object with 'columns', 'data' and optionally 'index'; "
            f"received a JSON {_json_type(value)}"
        )
    unknown = sorted(set(value) - _SPLIT_KEYS)
    if unknown:
        raise InvalidParameterError(
            f"Unknown key(s) {', '.join(map(repr, unknown))} in 'dataframe_split'; "
            "allowed keys are columns, data and index"
        )
    data = value.get("data")
    if not isinstance(data, list) or not all(isinstance(row, list) for row in data):
        raise InvalidParameterError(
            "'dataframe_split.data' must be an array of rows, each an array of values"
        )
    columns = value.get("columns")
    if columns is not None and not isinstance(columns, list):
        raise InvalidParameterError("'dataframe_split.columns' must be an array of column names")
    index = value.get("index")
    if index is not None and (not isinstance(index, list) or len(index) != len(data)):
        raise InvalidParameterError(
            f"'dataframe_split.index' must be an array with one label per row ({len(data)})"
        )
    if columns is not None:
        for number, row in enumerate(data):
            if len(row) != len(columns):
                raise InvalidParameterError(
                    f"Row {number} of 'dataframe_split.data' has {len(row)} values; "
                    f"expected {len(columns)}, one per column"
                )
    try:
        return pd.DataFrame(data, columns=columns, index=index)
    except (ValueError, TypeError) as exc:
        raise InvalidParameterError(f"'dataframe_split' is not a valid table: {exc}") from None


def _dataframe_records(value: Any) -> pd.DataFrame:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise InvalidParameterError(
            "'dataframe_records' must be an array of objects, one per row, mapping column "
            "names to values"
        )
    return pd.DataFrame.from_records(value) if value else pd.DataFrame()


def _instances(value: Any) -> ModelInput:
    if not isinstance(value, list):
        raise InvalidParameterError(
            "'instances' must be an array of rows (objects or arrays); "
            f"received a JSON {_json_type(value)}"
        )
    if value and all(isinstance(row, dict) for row in value):
        return pd.DataFrame.from_records(value)
    if any(isinstance(row, dict) for row in value):
        raise InvalidParameterError(
            "'instances' must be all objects (named columns) or all values/arrays, not a mix"
        )
    return _array(value, "instances")


def _inputs(value: Any) -> ModelInput:
    if isinstance(value, dict):
        arrays = {str(name): _array(tensor, f"inputs.{name}") for name, tensor in value.items()}
        lengths = {name: len(a) for name, a in arrays.items() if a.ndim > 0}
        if len(set(lengths.values())) > 1:
            described = ", ".join(f"{name}={n}" for name, n in lengths.items())
            raise InvalidParameterError(
                f"The named tensors in 'inputs' must have the same length; got {described}"
            )
        return arrays
    if isinstance(value, list):
        return _array(value, "inputs")
    raise InvalidParameterError(
        "'inputs' must be an array (one tensor) or an object of named tensors; "
        f"received a JSON {_json_type(value)}"
    )


def _array(value: Any, where: str) -> npt.NDArray[Any]:
    try:
        return np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        raise InvalidParameterError(
            f"'{where}' must be a rectangular array (every row the same shape): {exc}"
        ) from None


_PARSERS = {
    "dataframe_split": _dataframe_split,
    "dataframe_records": _dataframe_records,
    "instances": _instances,
    "inputs": _inputs,
}


def parse_csv(body: bytes | str) -> ParsedInput:
    """Parse a CSV scoring payload: a header row, then one line per row.

    Args:
        body: The CSV text.

    Returns:
        The table as a DataFrame (CSV carries no params).

    Raises:
        InvalidParameterError: The body is empty, not UTF-8 or not a well-formed CSV table.

    Example:
        >>> parse_csv("a,b\\n1,2\\n").data.to_dict("records")
        [{'a': 1, 'b': 2}]
    """
    raw = body.encode() if isinstance(body, str) else body
    if not raw.strip():
        raise InvalidParameterError("The CSV input is empty; send a header row and data rows")
    try:
        frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidParameterError(f"The CSV input is not valid UTF-8: {exc}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise InvalidParameterError(
            f"The CSV input is not a table produced by DataFrame.to_csv(): {exc}"
        ) from None
    return ParsedInput(frame, None, "csv")


def parse_parquet(body: bytes) -> ParsedInput:
    """Parse a Parquet file into a DataFrame (for batch scoring; needs pyarrow).

    Args:
        body: The file's bytes.

    Returns:
        The table as a DataFrame (Parquet carries no params).

    Raises:
        InvalidParameterError: The bytes are not a Parquet file.
        MissingDependencyError: pyarrow is not installed.
    """
    if importlib.util.find_spec("pyarrow") is None:
        raise MissingDependencyError(
            "reading Parquet needs pyarrow: pip install 'flowtrack[parquet]'"
        )
    try:
        frame = pd.read_parquet(io.BytesIO(body))
    except (OSError, ValueError) as exc:
        raise InvalidParameterError(f"The input is not a readable Parquet file: {exc}") from None
    return ParsedInput(frame, None, "parquet")
