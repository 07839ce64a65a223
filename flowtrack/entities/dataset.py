"""Datasets and dataset inputs: which data a run consumed, identified by digest."""

from __future__ import annotations

import warnings

from pydantic import Field

from flowtrack.entities._base import Entity
from flowtrack.entities.tags import MLFLOW_DATASET_CONTEXT

__all__ = ["DATASET_CONTEXT_TAG", "Dataset", "DatasetInput", "InputTag"]

#: The input tag that says how a run used a dataset ("training", "evaluation", ...).
DATASET_CONTEXT_TAG = MLFLOW_DATASET_CONTEXT

with warnings.catch_warnings():
    # ``schema`` is MLflow's field name; it shadows pydantic's deprecated ``BaseModel.schema()``.
    warnings.filterwarnings("ignore", message=".*shadows an attribute in parent.*")

    class Dataset(Entity):
        """A dataset's identity and description.

        Attributes:
            name: A human-readable name.
            digest: A short content hash identifying this version of the data.
            source_type: Where the data came from (``"local"``, ``"s3"``, ``"code"``, ...).
            source: A JSON string describing the source (e.g. ``{"uri": "s3://b/k"}``).
            schema: A JSON string of the data's schema, when known.
            profile: A JSON string of summary statistics (row count, ...), when known.
        """

        name: str
        digest: str
        source_type: str
        source: str
        schema: str | None = Field(default=None)  # type: ignore[assignment]
        profile: str | None = None


class InputTag(Entity):
    """A key/value tag on a dataset input, e.g. its context."""

    key: str
    value: str


class DatasetInput(Entity):
    """A dataset used by a run, with tags such as ``mlflow.data.context``."""

    dataset: Dataset
    tags: list[InputTag] = []

    @property
    def context(self) -> str | None:
        """The ``mlflow.data.context`` tag ("training", "evaluation", ...), if set."""
        for tag in self.tags:
            if tag.key == DATASET_CONTEXT_TAG:
                return tag.value
        return None
