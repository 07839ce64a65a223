"""Datasets backed by a pandas DataFrame: ``flowtrack.data.from_pandas``."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from flowtrack._private.optional import require
from flowtrack.data.dataset import DIGEST_SAMPLE_ROWS, Dataset, compute_digest
from flowtrack.data.pyfunc_dataset_mixin import PyFuncInputsOutputs
from flowtrack.data.sources import DatasetSource
from flowtrack.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["PandasDataset", "from_pandas"]

_LOGGER = logging.getLogger("flowtrack")

#: pandas.api.types.infer_dtype results of object columns -> MLflow data types.
_INFERRED_TYPES = {
    "string": "string",
    "bytes": "binary",
    "boolean": "boolean",
    "integer": "long",
    "floating": "double",
    "mixed-integer-float": "double",
    "datetime": "datetime",
    "datetime64": "datetime",
    "date": "datetime",
}


def _numpy_type(dtype: np.dtype[Any]) -> str | None:
    """Map a numpy dtype to MLflow's data type name, as ``mlflow.types`` infers it."""
    kind, size = dtype.kind, dtype.itemsize
    if kind == "b":
        return "boolean"
    if kind == "i":
        return "integer" if size <= 4 else "long"
    if kind == "u":  # unsigned values need a wider signed type; uint64 has none
        return "integer" if size < 4 else "long" if size < 8 else None
    if kind == "f":
        return "float" if size <= 4 else "double"
    return {"M": "datetime", "U": "string", "S": "binary"}.get(kind)


def _column_type(column: pd.Series[Any]) -> str | None:
    """Return MLflow's data type for a column, or ``None`` when it has no MLflow equivalent."""
    pandas = require("pandas", "PandasDataset")
    numpy = require("numpy", "PandasDataset")
    dtype: Any = column.dtype
    if isinstance(dtype, pandas.CategoricalDtype):
        dtype = dtype.categories.dtype
    if isinstance(dtype, pandas.StringDtype):
        return "string"
    if isinstance(dtype, pandas.BooleanDtype):
        return "boolean"
    if isinstance(dtype, pandas.DatetimeTZDtype):
        return "datetime"
    if isinstance(dtype, pandas.api.extensions.ExtensionDtype):
        dtype = getattr(dtype, "numpy_dtype", None)
        if dtype is None:
            return None
    if numpy.dtype(dtype).kind == "O":
        inferred = pandas.api.types.infer_dtype(column, skipna=True)
        return _INFERRED_TYPES.get(inferred)
    return _numpy_type(numpy.dtype(dtype))


class PandasDataset(Dataset):
    """A dataset held in a ``pandas.DataFrame``: MLflow's ``PandasDataset``.

    Create one with :func:`from_pandas`.

    Args:
        df: The data.
        source: Where it came from.
        targets: The name of the column holding the labels, if any.
        name: The dataset's name; ``"dataset"`` when ``None``.
        digest: The content digest; computed from a sample of ``df`` when ``None``.
        predictions: The name of the column holding model predictions, if any.

    Raises:
        InvalidParameterError: ``targets`` or ``predictions`` names a column ``df`` lacks.
    """

    def __init__(
        self,
        df: pd.DataFrame,
        source: DatasetSource,
        targets: str | None = None,
        name: str | None = None,
        digest: str | None = None,
        predictions: str | None = None,
    ) -> None:
        columns = list(df.columns)
        for what, column in (("targets", targets), ("predictions", predictions)):
            if column is not None and column not in columns:
                raise InvalidParameterError(
                    f"Invalid {what} column {column!r}: the DataFrame has no such column; its "
                    f"columns are {columns}"
                )
        self._df = df
        self._targets = targets
        self._predictions = predictions
        super().__init__(source, name=name, digest=digest)

    @property
    def df(self) -> pd.DataFrame:
        """The data."""
        return self._df

    @property
    def targets(self) -> str | None:
        """The name of the label column, if any."""
        return self._targets

    @property
    def predictions(self) -> str | None:
        """The name of the prediction column, if any."""
        return self._predictions

    def to_pyfunc(self) -> PyFuncInputsOutputs:
        """Split the data for a pyfunc model: the frame without the targets, and the targets.

        Returns:
            ``inputs`` (the DataFrame without the ``targets`` column) and ``outputs`` (that
            column as a Series); with no targets, the whole frame and ``None``.

        Example:
            >>> split = from_pandas(df, targets="label").to_pyfunc()
            >>> model.predict(split.inputs)
        """
        if self._targets is None:
            return PyFuncInputsOutputs(self._df)
        return PyFuncInputsOutputs(self._df.drop(columns=[self._targets]), self._df[self._targets])

    def _compute_digest(self) -> str:
        pandas = require("pandas", "PandasDataset")
        df = self._df
        sample = df
        if len(df) > 2 * DIGEST_SAMPLE_ROWS:
            sample = pandas.concat([df.head(DIGEST_SAMPLE_ROWS), df.tail(DIGEST_SAMPLE_ROWS)])
        try:
            hashed = pandas.util.hash_pandas_object(sample, index=False)
            content = hashed.to_numpy().tobytes()
        except (TypeError, ValueError):  # unhashable cells: fall back to their JSON text
            text = sample.to_json(
                orient="split", index=False, double_precision=15, default_handler=repr
            )
            content = text.encode("utf-8")
        return compute_digest(
            [
                content,
                json.dumps(list(df.shape)).encode(),
                json.dumps([str(column) for column in df.columns]).encode(),
                json.dumps([str(dtype) for dtype in df.dtypes]).encode(),
            ]
        )

    def _compute_schema(self) -> dict[str, Any] | None:
        colspecs: list[dict[str, Any]] = []
        for position, name in enumerate(self._df.columns):
            column = self._df.iloc[:, position]
            type_name = _column_type(column)
            if type_name is None:
                _LOGGER.warning(
                    "No schema for dataset %r: column %r of dtype %s has no MLflow type "
                    "(boolean, integer, long, float, double, string, binary, datetime)",
                    self.name,
                    name,
                    column.dtype,
                )
                return None
            required = not bool(column.isna().any())
            colspecs.append({"type": type_name, "name": str(name), "required": required})
        return {"mlflow_colspec": colspecs}

    def _compute_profile(self) -> dict[str, Any] | None:
        return {"num_rows": len(self._df), "num_elements": int(self._df.size)}


def from_pandas(
    df: pd.DataFrame,
    source: str | DatasetSource | None = None,
    targets: str | None = None,
    name: str | None = None,
    digest: str | None = None,
    predictions: str | None = None,
) -> PandasDataset:
    """Describe a DataFrame as a dataset to log with ``flowtrack.log_input``.

    Args:
        df: The data.
        source: Where it came from: a URI or path (``"s3://bucket/train.parquet"``), a
            :class:`DatasetSource`, or ``None`` for data built in code.
        targets: The name of the label column, if any.
        name: The dataset's name; ``"dataset"`` when ``None``.
        digest: The content digest; computed from a sample of the data when ``None``.
        predictions: The name of the prediction column, if any.

    Returns:
        The dataset.

    Raises:
        InvalidParameterError: ``df`` is not a DataFrame, or a column name is not in it.
        MissingDependencyError: pandas is not installed.

    Example:
        >>> import pandas as pd
        >>> dataset = from_pandas(pd.DataFrame({"x": [1.0, 2.0], "y": [0, 1]}), targets="y")
        >>> dataset.name, dataset.profile
        ('dataset', {'num_rows': 2, 'num_elements': 4})
    """
    pandas = require("pandas", "from_pandas")
    if not isinstance(df, pandas.DataFrame):
        raise InvalidParameterError(
            f"Invalid df of type {type(df).__name__}: from_pandas takes a pandas.DataFrame"
        )
    return PandasDataset(
        df,
        DatasetSource.resolve(source),
        targets=targets,
        name=name,
        digest=digest,
        predictions=predictions,
    )
