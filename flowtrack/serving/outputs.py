"""Model output to response bodies: JSON-safe predictions and CSV tables.

Predictions go back as MLflow's ``{"predictions": ...}``: numpy arrays and scalars become lists
and numbers, a DataFrame becomes a list of records (a Series the records of a one-column frame,
as in MLflow), timestamps ISO 8601 strings, bytes base64 text, and NaN and infinities ``null``,
so the body is strict JSON.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

from flowtrack.exceptions import MissingDependencyError

try:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd
except ImportError as exc:  # pragma: no cover - exercised only without the extras
    raise MissingDependencyError(
        "scoring needs pandas and numpy: pip install 'flowtrack[server,pandas]'"
    ) from exc

__all__ = ["dumps_predictions", "predictions_to_csv", "to_jsonable"]


def to_jsonable(predictions: Any) -> Any:
    """Convert model output to plain JSON values, with ``None`` for NaN and infinities.

    DataFrames become lists of records (a Series becomes the records of a one-column frame, as
    in MLflow), numpy arrays nested lists, numpy scalars Python numbers, timestamps ISO 8601
    strings and bytes base64 text.

    Args:
        predictions: What the model's ``predict`` returned.

    Returns:
        A value ``json.dumps`` accepts with ``allow_nan=False``.

    Raises:
        TypeError: The output holds a value with no JSON form.

    Example:
        >>> to_jsonable(np.array([0.5, np.nan]))
        [0.5, None]
    """
    if isinstance(predictions, np.ndarray):
        return _array_to_list(predictions)
    if isinstance(predictions, pd.Series):
        predictions = predictions.to_frame()
    if isinstance(predictions, pd.DataFrame):
        return [
            {str(k): _scalar(v) for k, v in row.items()}
            for row in predictions.to_dict(orient="records")
        ]
    if isinstance(predictions, Mapping):
        return {str(key): to_jsonable(value) for key, value in predictions.items()}
    if isinstance(predictions, list | tuple):
        return [to_jsonable(value) for value in predictions]
    return _scalar(predictions)


def _array_to_list(array: npt.NDArray[Any]) -> Any:
    kind = array.dtype.kind
    if kind in "biu":
        return array.tolist()
    if kind == "f":
        if np.isfinite(array).all():
            return array.tolist()
        cleaned = array.astype(object)
        cleaned[~np.isfinite(array)] = None
        return cleaned.tolist()
    if kind == "M":
        return np.datetime_as_string(array).tolist()
    return to_jsonable(array.tolist()) if kind in "OSUV" else array.tolist()


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.ndarray | list | tuple | Mapping | pd.Series | pd.DataFrame):
        return to_jsonable(value)
    if isinstance(value, np.generic):
        return _scalar(value.item())
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.datetime | dt.date | dt.time):  # includes pandas.Timestamp
        return value.isoformat()
    if isinstance(value, complex):
        raise TypeError(f"Prediction value {value!r} is complex; JSON has no complex numbers")
    raise TypeError(
        f"Prediction value {value!r} of type {type(value).__name__} has no JSON form; return "
        "numbers, strings, booleans, lists, dicts, numpy arrays or pandas objects"
    )


def dumps_predictions(predictions: Any) -> bytes:
    """Serialize model output as the scoring server's response body.

    Args:
        predictions: What the model's ``predict`` returned.

    Returns:
        ``{"predictions": ...}`` as compact UTF-8 JSON.

    Raises:
        TypeError: The output holds a value with no JSON form.

    Example:
        >>> dumps_predictions(np.array([1, 0]))
        b'{"predictions":[1,0]}'
    """
    document = {"predictions": to_jsonable(predictions)}
    return json.dumps(document, allow_nan=False, separators=(",", ":")).encode()


def predictions_to_csv(predictions: Any) -> str:
    """Render model output as CSV: one line per prediction, with a header row.

    A DataFrame keeps its columns, a Series its name; a 1-D array or list becomes the column
    ``predictions``, a 2-D array the columns ``0``, ``1``, ...; a dict of arrays one column per key.

    Args:
        predictions: What the model's ``predict`` returned.

    Returns:
        The CSV text (``DataFrame.to_csv(index=False)``).

    Raises:
        TypeError: The output cannot be laid out as a table.

    Example:
        >>> predictions_to_csv(np.array([1, 0]))
        'predictions\\n1\\n0\\n'
    """
    if isinstance(predictions, pd.DataFrame):
        frame = predictions
    elif isinstance(predictions, pd.Series):
        frame = predictions.to_frame(
            predictions.name if predictions.name is not None else "predictions"
        )
    elif isinstance(predictions, Mapping):
        frame = pd.DataFrame(
            {str(key): list(np.asarray(value)) for key, value in predictions.items()}
        )
    else:
        array = np.asarray(predictions)
        if array.ndim == 0:
            array = array.reshape(1)
        if array.ndim == 1:
            frame = pd.DataFrame({"predictions": array})
        elif array.ndim == 2:
            frame = pd.DataFrame(array)
        else:
            raise TypeError(
                f"Predictions of shape {array.shape} cannot be written as CSV; use a .json output"
            )
    return frame.to_csv(index=False)
