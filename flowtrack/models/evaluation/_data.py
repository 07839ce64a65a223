"""The evaluation data: features for the model, targets, and static predictions.

``data`` is a pandas DataFrame (``targets`` and ``predictions`` name its columns), a numpy array
or list of feature rows (``targets`` is then an array of labels), or a dataset from
:mod:`flowtrack.data` that names its own targets and predictions.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models.evaluation._optional import require

if TYPE_CHECKING:
    import numpy.typing as npt

    from flowtrack.data.dataset import Dataset

    Array = npt.NDArray[Any]

__all__ = ["EvalData", "as_labels", "resolve_data"]


@dataclass(frozen=True)
class EvalData:
    """The evaluation data, checked.

    Attributes:
        features: What the model is called with: the DataFrame's feature columns, or the array.
        targets: The labels, one per row.
        predictions: The static predictions (the ``predictions`` column), or ``None``.
        dataset: The data as a :mod:`flowtrack.data` dataset, logged as the run's ``eval`` input.
    """

    features: Any
    targets: Array
    predictions: Array | None
    dataset: Dataset

    @property
    def rows(self) -> int:
        """The number of rows."""
        return len(self.targets)


def _is_dataframe(value: Any) -> bool:
    pandas = sys.modules.get("pandas")  # a DataFrame means pandas is imported already
    return pandas is not None and isinstance(value, pandas.DataFrame)


def as_labels(values: Any, what: str, rows: int) -> Array:
    """Return ``values`` as a 1-D array of ``rows`` values.

    Args:
        values: An array, list, Series or one-column DataFrame.
        what: What the values are, for messages (``"targets"``).
        rows: How many values there must be (the rows of ``data``).

    Raises:
        InvalidParameterError: Not array-like, more than one column, or the wrong length.
    """
    numpy = require("numpy", "evaluate")
    if values is None or isinstance(values, str | bytes | Mapping) or numpy.ndim(values) == 0:
        raise InvalidParameterError(
            f"Invalid {what} {values!r}: expected an array or list with one value per row of data"
        )
    array: Array = numpy.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.ravel()
    if array.ndim != 1:
        raise InvalidParameterError(
            f"Invalid {what} of shape {array.shape}: expected one value per row (a 1-D array "
            "or a single column)"
        )
    if len(array) != rows:
        raise InvalidParameterError(
            f"Length mismatch: data has {rows} rows but {what} has {len(array)} values"
        )
    return array


def _column(frame: Any, name: Any, what: str) -> str:
    columns = list(frame.columns)
    if not isinstance(name, str):
        raise InvalidParameterError(
            f"Invalid {what} of type {type(name).__name__}: when data is a DataFrame, {what} "
            f"must name one of its columns: {columns}"
        )
    if name not in columns:
        raise InvalidParameterError(
            f"The {what} column {name!r} is not in data; available columns: {columns}"
        )
    return name


def _from_frame(
    frame: Any, targets: Any, predictions: Any, feature_names: Any, has_model: bool
) -> tuple[Any, Array, Array | None]:
    numpy = require("numpy", "evaluate")
    target_column = _column(frame, targets, "targets")
    static: Array | None = None
    excluded = {target_column}
    if not has_model and predictions is not None:
        prediction_column = _column(frame, predictions, "predictions")
        static = numpy.asarray(frame[prediction_column])
        excluded.add(prediction_column)
    elif isinstance(predictions, str) and predictions in frame.columns:
        excluded.add(predictions)  # an earlier model's outputs are not features
    if feature_names is None:
        features = [column for column in frame.columns if column not in excluded]
    else:
        if isinstance(feature_names, str) or not isinstance(feature_names, Sequence):
            raise InvalidParameterError(
                f"Invalid feature_names {feature_names!r}: pass a list of column names"
            )
        features = list(feature_names)
        missing = [name for name in features if name not in frame.columns]
        if missing:
            raise InvalidParameterError(
                f"feature_names {missing} are not columns of data; available columns: "
                f"{list(frame.columns)}"
            )
    return frame[features], numpy.asarray(frame[target_column]), static


def _from_array(data: Any, targets: Any, feature_names: Any) -> tuple[Any, Array]:
    numpy = require("numpy", "evaluate")
    if isinstance(data, str | bytes | Mapping) or numpy.ndim(data) == 0:
        raise InvalidParameterError(
            f"Invalid data of type {type(data).__name__}: pass a pandas DataFrame, a numpy "
            "array or a list of rows"
        )
    try:
        array = numpy.asarray(data)
    except ValueError as exc:
        raise InvalidParameterError(
            f"Invalid data: the rows cannot form an array ({exc}); pass rows of equal length"
        ) from exc
    if isinstance(targets, str):
        raise InvalidParameterError(
            f"Invalid targets {targets!r}: a column name needs data to be a DataFrame; with an "
            "array or list as data, pass the labels as an array"
        )
    labels = as_labels(targets, "targets", len(array))
    if feature_names is None:
        return array, labels
    names = list(feature_names)
    width = 1 if array.ndim == 1 else array.shape[1]
    if array.ndim > 2 or len(names) != width:
        raise InvalidParameterError(
            f"feature_names has {len(names)} names but data has {width} feature columns"
        )
    pandas = require("pandas", "evaluate with feature_names")
    return pandas.DataFrame(array.reshape(len(array), width), columns=names), labels


def _unwrap_dataset(data: Any, targets: Any, predictions: Any) -> tuple[Any, Any, Any]:
    from flowtrack.data import NumpyDataset, PandasDataset

    if isinstance(data, PandasDataset | NumpyDataset) and targets is not None:
        raise InvalidParameterError(
            f"Invalid targets={targets!r}: when data is a flowtrack dataset, name the targets in "
            "the dataset (e.g. from_pandas(df, targets='label')) and pass targets=None"
        )
    if isinstance(data, PandasDataset):
        return data.df, data.targets, predictions if predictions is not None else data.predictions
    if isinstance(data, NumpyDataset):
        return data.features, data.targets, predictions
    return data, targets, predictions


def resolve_data(
    data: Any,
    targets: Any,
    predictions: Any,
    feature_names: Any,
    *,
    has_model: bool,
    col_mapping: Mapping[str, str] | None = None,
) -> EvalData:
    """Check the evaluation data and split it into features, targets and static predictions.

    Args:
        data: A DataFrame, an array or list of rows, or a flowtrack dataset.
        targets: The label column's name (DataFrame), or the labels (array data).
        predictions: With no model: the column of static predictions (DataFrame only).
        feature_names: The feature columns (DataFrame) or names for the array's columns.
        has_model: Whether a model will make the predictions.
        col_mapping: Renames ``targets`` / ``predictions`` column names.

    Returns:
        The checked data.

    Raises:
        InvalidParameterError: Missing or unknown columns, length mismatches, or data of an
            unsupported type.
    """
    from flowtrack.data import Dataset, from_numpy, from_pandas

    if predictions is not None and not isinstance(predictions, str):
        raise InvalidParameterError(
            f"Invalid predictions of type {type(predictions).__name__}: predictions names a "
            "column (of data, or of the model's output); put static predictions in a column"
        )
    mapping = col_mapping or {}
    targets = mapping.get(targets, targets) if isinstance(targets, str) else targets
    predictions = mapping.get(predictions, predictions) if predictions is not None else None
    original = data
    data, targets, predictions = _unwrap_dataset(data, targets, predictions)
    if data is None:
        raise InvalidParameterError(
            "data is required: pass a pandas DataFrame, a numpy array or a list of rows"
        )
    if targets is None:
        raise InvalidParameterError(
            "targets is required for classifier and regressor evaluation: the label column's "
            "name when data is a DataFrame, else an array of labels"
        )
    if not has_model and predictions is None:
        raise InvalidParameterError(
            "Nothing to evaluate: pass a model, or predictions='<column>' naming the column of "
            "data that holds the predictions"
        )
    static: Array | None = None
    if _is_dataframe(data):
        features, labels, static = _from_frame(data, targets, predictions, feature_names, has_model)
        if isinstance(original, Dataset):
            dataset = original
        else:
            static_column = predictions if static is not None else None
            dataset = from_pandas(data, targets=targets, predictions=static_column)
    else:
        if not has_model:
            raise InvalidParameterError(
                f"predictions={predictions!r} names a column, which needs data to be a pandas "
                f"DataFrame, not {type(data).__name__}"
            )
        features, labels = _from_array(data, targets, feature_names)
        if isinstance(original, Dataset):
            dataset = original
        else:
            dataset = from_numpy(require("numpy", "evaluate").asarray(data), targets=labels)
    if len(labels) == 0:
        raise InvalidParameterError("data has no rows: evaluation needs at least one row")
    return EvalData(features=features, targets=labels, predictions=static, dataset=dataset)
