"""``flowtrack.data.get_source``: the source of a dataset, a stored dataset or a run input."""

from __future__ import annotations

from typing import Any

from flowtrack.data.dataset import Dataset
from flowtrack.data.sources import DatasetSource
from flowtrack.entities import Dataset as DatasetEntity
from flowtrack.entities import DatasetInput
from flowtrack.exceptions import InvalidParameterError

__all__ = ["get_source"]


def get_source(dataset: Dataset | DatasetEntity | DatasetInput | Any) -> DatasetSource:
    """Return where a dataset came from (MLflow's ``mlflow.data.get_source``).

    Args:
        dataset: A :class:`flowtrack.data.Dataset` (``from_pandas``...), a stored
            :class:`flowtrack.entities.Dataset`, or a run's
            :class:`flowtrack.entities.DatasetInput` (``run.inputs.dataset_inputs[i]``).

    Returns:
        The dataset's source, rebuilt from its stored JSON for entities and inputs.

    Raises:
        InvalidParameterError: Another type, or a stored source that is not a JSON object.

    Example:
        >>> run = flowtrack.get_run(run_id)
        >>> flowtrack.data.get_source(run.inputs.dataset_inputs[0]).to_json()
        '{"uri": "s3://bucket/train.parquet"}'
    """
    if isinstance(dataset, DatasetInput):
        dataset = dataset.dataset
    if isinstance(dataset, DatasetEntity):
        return DatasetSource.from_json(dataset.source_type, dataset.source)
    if isinstance(dataset, Dataset):
        return dataset.source
    raise InvalidParameterError(
        f"Unrecognized dataset of type {type(dataset).__name__}: get_source takes a "
        "flowtrack.data.Dataset, a flowtrack.entities.Dataset or a flowtrack.entities.DatasetInput"
    )
