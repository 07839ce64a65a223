"""The dataset base class: a name, a content digest, a source, and optional schema and profile."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from flowtrack.data.sources import DatasetSource
from flowtrack.entities import Dataset as DatasetEntity
from flowtrack.exceptions import InvalidParameterError

__all__ = ["DEFAULT_DATASET_NAME", "DIGEST_SAMPLE_ROWS", "Dataset", "compute_digest"]

#: The name of a dataset created without one, as in MLflow.
DEFAULT_DATASET_NAME = "dataset"

#: How many rows from each end of the data the digest reads (all rows when fewer than twice this).
DIGEST_SAMPLE_ROWS = 5000


def compute_digest(parts: Iterable[bytes]) -> str:
    """Hash byte strings into a short digest: the first 8 hex characters of their SHA-256.

    Args:
        parts: The byte strings, in order; each is length-prefixed so boundaries count.
    """
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()[:8]


class Dataset(ABC):
    """A dataset a run used: MLflow's ``mlflow.data.Dataset``.

    Subclasses hold the data (:class:`~flowtrack.data.PandasDataset`,
    :class:`~flowtrack.data.NumpyDataset`) and compute the digest, schema and profile from it.
    Log one with ``flowtrack.log_input(dataset, context="training")``.

    Args:
        source: Where the data came from.
        name: A human-readable name; ``"dataset"`` when ``None``.
        digest: The content digest; computed from the data when ``None`` (subclasses set
            their data before calling this initializer).

    Raises:
        InvalidParameterError: ``name`` or ``digest`` is given but is not a non-empty string.
    """

    def __init__(
        self, source: DatasetSource, name: str | None = None, digest: str | None = None
    ) -> None:
        for what, value in (("name", name), ("digest", digest)):
            if value is not None and (not isinstance(value, str) or not value):
                raise InvalidParameterError(
                    f"Invalid dataset {what} {value!r}: it must be a non-empty string or None"
                )
        self._source = source
        self._name = name if name is not None else DEFAULT_DATASET_NAME
        self._digest = digest if digest is not None else self._compute_digest()

    @abstractmethod
    def _compute_digest(self) -> str:
        """Hash a sample of the data (and its shape) into a short, stable digest."""

    @property
    def name(self) -> str:
        """The dataset's name."""
        return self._name

    @property
    def digest(self) -> str:
        """A short hash of the data's content (a sample of rows plus the shape)."""
        return self._digest

    @property
    def source(self) -> DatasetSource:
        """Where the data came from."""
        return self._source

    @cached_property
    def schema(self) -> dict[str, Any] | None:
        """The data's schema as MLflow writes it (JSON-serializable), or ``None`` if unknown."""
        return self._compute_schema()

    @cached_property
    def profile(self) -> dict[str, Any] | None:
        """Summary statistics (row counts, sizes) as MLflow writes them, or ``None``."""
        return self._compute_profile()

    def _compute_schema(self) -> dict[str, Any] | None:
        return None

    def _compute_profile(self) -> dict[str, Any] | None:
        return None

    def to_dict(self) -> dict[str, str]:
        """Return MLflow's dict form: name, digest, source, source_type, and schema/profile JSON."""
        result = {
            "name": self.name,
            "digest": self.digest,
            "source": self.source.to_json(),
            "source_type": self.source.source_type,
        }
        if self.schema is not None:
            result["schema"] = json.dumps(self.schema)
        if self.profile is not None:
            result["profile"] = json.dumps(self.profile)
        return result

    def to_json(self) -> str:
        """Return :meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict())

    def to_entity(self) -> DatasetEntity:
        """Return the :class:`flowtrack.entities.Dataset` record that stores log."""
        fields = self.to_dict()
        return DatasetEntity(
            name=fields["name"],
            digest=fields["digest"],
            source_type=fields["source_type"],
            source=fields["source"],
            schema=fields.get("schema"),
            profile=fields.get("profile"),
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, digest={self.digest!r}, "
            f"source_type={self.source.source_type!r})"
        )
