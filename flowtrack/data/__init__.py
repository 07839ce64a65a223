"""Datasets: describe the data a run used, as MLflow's ``mlflow.data`` does.

Example:
    >>> import pandas as pd
    >>> import flowtrack.data
    >>> dataset = flowtrack.data.from_pandas(
    ...     pd.DataFrame({"x": [1.0, 2.0], "label": [0, 1]}),
    ...     source="s3://bucket/train.parquet",
    ...     targets="label",
    ...     name="train",
    ... )
    >>> dataset.source.source_type
    's3'

Importing this package does not import numpy or pandas; they load when a dataset is built.
"""

from flowtrack.data._get_source import get_source
from flowtrack.data.dataset import Dataset
from flowtrack.data.numpy_dataset import NumpyDataset, from_numpy
from flowtrack.data.pandas_dataset import PandasDataset, from_pandas
from flowtrack.data.sources import DatasetSource

__all__ = [
    "Dataset",
    "DatasetSource",
    "NumpyDataset",
    "PandasDataset",
    "from_numpy",
    "from_pandas",
    "get_source",
]
