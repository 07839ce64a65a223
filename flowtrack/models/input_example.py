"""Input examples saved next to a model, in MLflow's format.

:func:`save_input_example` writes ``input_example.json`` (the example as the model takes it) and
``serving_input_example.json`` (a request body for the scoring server), and returns MLflow's
``saved_input_example_info`` for ``MLmodel``:

================================  ===============================  ===========================
example                           ``input_example.json``           info ``type``
================================  ===============================  ===========================
``pandas.DataFrame`` (or Series)  ``{"columns": [...], "data":``   ``dataframe``, with
                                  ``[[...], ...]}`` (no index)     ``pandas_orient: split``
``numpy.ndarray``                 nested lists                     ``ndarray``
dict of name → ``numpy.ndarray``  ``{name: nested lists}``         ``ndarray``
dict, list or scalar              the JSON value                   ``json_object``
``(example, params)``             ``{"inputs": ..., "params":``    adds ``params: "true"``
================================  ===============================  ===========================

The serving file wraps the example as ``{"dataframe_split": ...}`` or ``{"inputs": ...}``, except
a dict with ``messages``, ``prompt`` or ``input`` (an LLM request), which MLflow's scoring server
takes as it is. NaN, NaT and ``pandas.NA`` become ``null`` (MLflow would write ``NaN``), datetimes
ISO 8601 strings, bytes base64 strings.
:func:`load_input_example` reads either file layout back, including MLflow's pre-2.16
``{"inputs": ...}`` ndarray examples (``format: tf-serving``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, Union

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models._inference import infer_param_schema, is_missing
from flowtrack.models.types import ColSpec, DataType, Schema, TensorSpec, require

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "EXAMPLE_FILENAME",
    "SERVING_INPUT_FILENAME",
    "ModelInputExample",
    "convert_input_example_to_serving_input",
    "encode_input_example",
    "load_input_example",
    "load_input_example_params",
    "load_serving_input_example",
    "save_input_example",
]

#: What ``input_example=`` takes (MLflow's ``ModelInputExample``): a DataFrame, an array, a dict
#: of columns or arrays, a list of rows or strings, a string or bytes, or a tuple
#: ``(example, params)`` with a dict of inference params. (MLflow also lists scipy sparse
#: matrices, which flowtrack's input examples do not store.)
ModelInputExample: TypeAlias = Union[
    "pd.DataFrame", "np.ndarray[Any, Any]", dict[str, Any], list[Any], str, bytes, tuple[Any, ...]
]

EXAMPLE_FILENAME = "input_example.json"
SERVING_INPUT_FILENAME = "serving_input_example.json"
_LLM_KEYS = frozenset({"messages", "prompt", "input"})


def _jsonable(value: Any) -> Any:
    """Return ``value`` as plain JSON types (see the module docstring for the conversions)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if is_missing(value):
        return None
    if isinstance(value, dt.date | dt.time):  # datetime and pandas.Timestamp too
        return value.isoformat()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.ndarray):
            return _array_list(value)
        if isinstance(value, numpy.datetime64):
            return str(numpy.datetime_as_string(value))
        if isinstance(value, numpy.generic):
            return _jsonable(value.item())
    raise InvalidParameterError(
        f"Invalid input example value {value!r:.60} of type {type(value).__name__}: it cannot be "
        "saved as JSON"
    )


def _array_list(array: Any) -> Any:
    numpy = require("numpy", "save_input_example")
    if array.dtype.kind == "M":
        text = numpy.where(numpy.isnat(array), None, numpy.datetime_as_string(array))
        return text.tolist()
    return _jsonable(array.tolist())


def _split_params(example: Any) -> tuple[Any, dict[str, Any] | None]:
    if isinstance(example, tuple) and len(example) == 2 and isinstance(example[1], dict):
        infer_param_schema(example[1])  # raises on params a signature could not describe
        return example[0], example[1]
    return example, None


def _encode(data: Any, info: dict[str, str]) -> tuple[Any, dict[str, Any]]:
    """Return (input_example.json payload, serving payload), and set the info's type."""
    pandas = sys.modules.get("pandas")
    numpy = sys.modules.get("numpy")
    if pandas is not None and isinstance(data, pandas.Series):
        data = data.to_frame()
    if pandas is not None and isinstance(data, pandas.DataFrame):
        payload = data.to_dict(orient="split")
        del payload["index"]
        columns = list(data.columns)
        if columns == list(range(len(columns))):  # default labels are not written
            del payload["columns"]
        info["type"] = "dataframe"
        info["pandas_orient"] = "split" if "columns" in payload else "values"
        return payload, {"dataframe_split": payload}
    is_array = numpy is not None and isinstance(data, numpy.ndarray)
    if isinstance(data, Mapping) and numpy is not None:
        arrays = [isinstance(value, numpy.ndarray) for value in data.values()]
        if any(arrays) and not all(arrays):
            raise InvalidParameterError(
                "Invalid input example: the dict mixes numpy arrays and other values; use only "
                "arrays (tensors) or only JSON values"
            )
        is_array = bool(arrays) and all(arrays)
    if is_array:
        info["type"] = "ndarray"
        payload = (
            {key: _array_list(value) for key, value in data.items()}
            if isinstance(data, Mapping)
            else _array_list(data)
        )
        return payload, {"inputs": payload}
    if isinstance(data, Mapping | list) or _is_json_scalar(data):
        info["type"] = "json_object"
        if _is_llm_request(data):  # MLflow's scoring server takes these bodies unwrapped
            return data, dict(data)
        return data, {"inputs": data}
    raise InvalidParameterError(
        f"Invalid input example of type {type(data).__name__}: expected a pandas.DataFrame, a "
        "numpy.ndarray, a dict of name -> numpy.ndarray, a dict, a list, a scalar, or a tuple "
        "(example, params dict)"
    )


def _is_llm_request(data: Any) -> bool:
    """Whether ``data`` is a chat, completions or embeddings request (MLflow's LLM input)."""
    return isinstance(data, Mapping) and bool(_LLM_KEYS & set(data))


def _is_json_scalar(value: Any) -> bool:
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.generic):
        return True
    return isinstance(value, str | bytes | bool | int | float | dt.date)


def save_input_example(model_dir: str | os.PathLike[str], example: Any) -> dict[str, str]:
    """Save an input example into a model directory, as MLflow does.

    Args:
        model_dir: The model directory (it must exist).
        example: The example; a tuple ``(example, params)`` with a dict of inference params
            saves both.

    Returns:
        MLflow's ``saved_input_example_info`` for ``MLmodel``, e.g. ``{"artifact_path":
        "input_example.json", "type": "dataframe", "pandas_orient": "split",
        "serving_input_path": "serving_input_example.json"}``.

    Raises:
        InvalidParameterError: The example is of an unsupported type or holds values that
            cannot be saved as JSON; the message names the type.

    Example:
        >>> import pathlib, tempfile
        >>> import pandas as pd
        >>> model_dir = pathlib.Path(tempfile.mkdtemp())
        >>> info = save_input_example(model_dir, pd.DataFrame({"x": [1.5, None]}))
        >>> info["type"], (model_dir / "input_example.json").read_text()
        ('dataframe', '{"columns": ["x"], "data": [[1.5], [null]]}')
    """
    info, example_text, serving_text = encode_input_example(example)
    directory = Path(model_dir)
    (directory / EXAMPLE_FILENAME).write_text(example_text, encoding="utf-8")
    (directory / SERVING_INPUT_FILENAME).write_text(serving_text, encoding="utf-8")
    info["serving_input_path"] = SERVING_INPUT_FILENAME
    return info


def encode_input_example(example: Any) -> tuple[dict[str, str], str, str]:
    """Encode an input example as MLflow does, without writing it.

    Args:
        example: The example; a tuple ``(example, params)`` with a dict of inference params.

    Returns:
        The ``saved_input_example_info`` (without ``serving_input_path``), the text of
        ``input_example.json`` and the text of ``serving_input_example.json`` (the scoring
        server's request body).

    Raises:
        InvalidParameterError: The example is of an unsupported type or holds values that
            cannot be saved as JSON.
    """
    data, params = _split_params(example)
    info: dict[str, str] = {"artifact_path": EXAMPLE_FILENAME}
    if params is not None:
        info["params"] = "true"
    payload, serving = _encode(data, info)
    if params is not None:
        payload = {"inputs": payload, "params": params}
        extra = params if _is_llm_request(data) else {"params": params}
        serving = {**serving, **extra}
    return info, json.dumps(_jsonable(payload)), json.dumps(_jsonable(serving), indent=2)


def _read_payload(model_dir: str | os.PathLike[str], info: Mapping[str, Any]) -> Any:
    if not isinstance(info, Mapping) or "artifact_path" not in info:
        raise InvalidParameterError(
            f"Invalid saved_input_example_info {info!r}: it needs an 'artifact_path'"
        )
    path = Path(model_dir) / str(info["artifact_path"])
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InvalidParameterError(f"Invalid input example file {path}: {exc}") from None


def _frame_from_split(payload: Any, schema: Schema | None) -> pd.DataFrame:
    pandas = require("pandas", "load_input_example")
    if not isinstance(payload, Mapping) or "data" not in payload:
        raise InvalidParameterError(
            "Invalid dataframe input example: expected an object with 'data' (and 'columns')"
        )
    frame: pd.DataFrame = pandas.DataFrame(payload["data"], columns=payload.get("columns"))
    if schema is None or schema.is_tensor_spec() or not schema.has_input_names():
        return frame
    for spec in schema:
        if not isinstance(spec, ColSpec) or spec.name not in frame.columns:
            continue
        column = frame[spec.name]
        if spec.type is DataType.binary:
            frame[spec.name] = [
                None if is_missing(v) else base64.b64decode(v) for v in column.tolist()
            ]
        elif spec.type is DataType.datetime:
            frame[spec.name] = column.astype("datetime64[ns]")
        elif spec.type not in (DataType.string, DataType.boolean) and not column.isna().any():
            frame[spec.name] = column.astype(spec.type.to_numpy())
    return frame


def _arrays(payload: Any, schema: Schema | None) -> Any:
    numpy = require("numpy", "load_input_example")
    dtypes: dict[str | None, Any] = {}
    if schema is not None and schema.is_tensor_spec():
        dtypes = {spec.name: spec.type for spec in schema if isinstance(spec, TensorSpec)}

    def to_array(value: Any, dtype: Any) -> Any:
        array = numpy.asarray(value, dtype)
        if array.dtype.kind == "O" and all(  # numbers with nulls (saved NaNs): floats again
            item is None or (isinstance(item, int | float) and not isinstance(item, bool))
            for item in array.ravel()
        ):
            array = numpy.asarray(value, dtype=float)
        return array

    if isinstance(payload, Mapping):
        return {key: to_array(value, dtypes.get(key)) for key, value in payload.items()}
    return to_array(payload, dtypes.get(None))


def load_input_example(
    model_dir: str | os.PathLike[str], info: Mapping[str, Any], schema: Schema | None = None
) -> Any:
    """Load a saved input example back.

    Args:
        model_dir: The model directory.
        info: The model's ``saved_input_example_info``.
        schema: The signature's input schema, if any: it restores column dtypes (datetime,
            binary, narrow numbers) and tensor dtypes that JSON does not carry.

    Returns:
        A ``pandas.DataFrame`` (type ``dataframe``), a numpy array or dict of arrays
        (``ndarray``), or the JSON value (``json_object``).

    Raises:
        InvalidParameterError: The info or the file is malformed, or the type is unsupported.
        FileNotFoundError: The example file is missing.
    """
    payload = _read_payload(model_dir, info)
    if info.get("params"):
        payload = payload["inputs"]
    kind = info.get("type")
    if kind == "json_object":
        return payload
    if kind == "ndarray":
        if info.get("format") == "tf-serving" and isinstance(payload, Mapping):
            # MLflow before 2.16 wrapped arrays as a TF serving request body
            payload = payload.get("inputs", payload.get("instances"))
        return _arrays(payload, schema)
    if kind == "dataframe":
        return _frame_from_split(payload, schema)
    raise InvalidParameterError(
        f"Invalid input example type {kind!r}: flowtrack loads 'dataframe', 'ndarray' and "
        "'json_object' examples"
    )


def load_input_example_params(
    model_dir: str | os.PathLike[str], info: Mapping[str, Any]
) -> dict[str, Any] | None:
    """Return the inference params saved with the input example, or ``None`` if there are none."""
    if not info.get("params"):
        return None
    params = _read_payload(model_dir, info).get("params")
    return dict(params) if isinstance(params, Mapping) else None


def load_serving_input_example(
    model_dir: str | os.PathLike[str], info: Mapping[str, Any]
) -> str | None:
    """Return the saved scoring-server request body (JSON text), or ``None`` if there is none."""
    serving_path = info.get("serving_input_path")
    if not serving_path:
        return None
    return (Path(model_dir) / str(serving_path)).read_text(encoding="utf-8")


def convert_input_example_to_serving_input(input_example: Any) -> str | None:
    """Return the scoring-server request body (JSON text) for an input example.

    Args:
        input_example: A DataFrame, numpy array, dict of arrays, dict, list or scalar; or a tuple
            ``(example, params)`` with a dict of inference params.

    Returns:
        The JSON request body (``{"dataframe_split": ...}``, ``{"inputs": ...}``...), or ``None``
        when ``input_example`` is ``None``.

    Raises:
        InvalidParameterError: The example is of an unsupported type or cannot be JSON.

    Example:
        >>> convert_input_example_to_serving_input({"a": [1, 2]})
        '{\\n  "inputs": {\\n    "a": [\\n      1,\\n      2\\n    ]\\n  }\\n}'
    """
    if input_example is None:
        return None
    return encode_input_example(input_example)[2]
