"""Dataset sources: where a dataset's data came from, as MLflow records it."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flowtrack.entities.tags import MLFLOW_SOURCE_NAME, MLFLOW_SOURCE_TYPE
from flowtrack.exceptions import InvalidParameterError

__all__ = ["DatasetSource"]

#: URI scheme -> MLflow's source type. Other schemes keep their own name as the type.
_SOURCE_TYPES = {
    "": "local",
    "file": "local",
    "s3": "s3",
    "s3a": "s3",
    "s3n": "s3",
    "http": "http",
    "https": "http",
    "gs": "gs",
    "gcs": "gs",
}


class DatasetSource:
    """Where a dataset came from: a source type and a JSON-serializable description.

    MLflow's source types and descriptions are kept, so MLflow clients and UIs read them:
    ``local`` and ``s3`` (``{"uri": ...}``), ``http`` (``{"url": ...}``) and ``code``
    (``{"tags": {"mlflow.source.name": ..., "mlflow.source.type": "LOCAL"}}``, data built in code).

    Args:
        source_type: The type, e.g. ``"local"``, ``"s3"``, ``"http"`` or ``"code"``.
        details: The description, serialized by :meth:`to_json`.

    Example:
        >>> source = DatasetSource.from_uri("s3://bucket/train.parquet")
        >>> source.source_type, source.to_json()
        ('s3', '{"uri": "s3://bucket/train.parquet"}')
    """

    __slots__ = ("_details", "_source_type")

    def __init__(self, source_type: str, details: Mapping[str, Any]) -> None:
        if not isinstance(source_type, str) or not source_type:
            raise InvalidParameterError(
                f"Invalid dataset source type {source_type!r}: it must be a non-empty string "
                "such as 'local', 's3', 'http' or 'code'"
            )
        self._source_type = source_type
        self._details = dict(details)
        try:
            json.dumps(self._details)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(
                f"Invalid dataset source description {self._details!r}: it must be JSON "
                f"serializable ({exc})"
            ) from exc

    @classmethod
    def from_uri(cls, uri: str) -> DatasetSource:
        """Describe data read from a URI or local path; the type follows the scheme.

        Args:
            uri: A local path, ``file://``, ``s3://``, ``https://``, ``gs://`` or other URI.

        Raises:
            InvalidParameterError: ``uri`` is not a non-empty string.
        """
        if not isinstance(uri, str) or not uri:
            raise InvalidParameterError(
                f"Invalid dataset source {uri!r}: pass a non-empty URI or path string, a "
                "DatasetSource, or None for data built in code"
            )
        scheme = urlsplit(uri).scheme.lower()
        if len(scheme) == 1:  # a Windows drive letter, "C:\\data.csv"
            scheme = ""
        source_type = _SOURCE_TYPES.get(scheme, scheme)
        key = "url" if source_type == "http" else "uri"
        return cls(source_type, {key: uri})

    @classmethod
    def code(cls) -> DatasetSource:
        """Describe data built in code, naming the running script as MLflow does."""
        script = sys.argv[0] if sys.argv and sys.argv[0] else "<unknown>"
        return cls("code", {"tags": {MLFLOW_SOURCE_NAME: script, MLFLOW_SOURCE_TYPE: "LOCAL"}})

    @classmethod
    def from_json(cls, source_type: str, source_json: str) -> DatasetSource:
        """Rebuild a source from what :meth:`to_json` wrote (a stored dataset's fields).

        Raises:
            InvalidParameterError: ``source_json`` is not a JSON object.
        """
        try:
            details = json.loads(source_json)
        except ValueError as exc:
            raise InvalidParameterError(
                f"Invalid dataset source JSON {source_json!r}: {exc}"
            ) from exc
        if not isinstance(details, dict):
            raise InvalidParameterError(
                f"Invalid dataset source JSON {source_json!r}: expected a JSON object"
            )
        return cls(source_type, details)

    @classmethod
    def from_dict(
        cls, source_dict: Mapping[str, Any], source_type: str | None = None
    ) -> DatasetSource:
        """Rebuild a source from its description (what :meth:`to_dict` returns).

        Args:
            source_dict: The description, e.g. ``{"uri": "s3://bucket/train.parquet"}``.
            source_type: The source type. ``None`` reads it from MLflow's descriptions:
                ``{"uri": ...}`` takes the URI's type (``local``, ``s3``...), ``{"url": ...}``
                is ``http`` and ``{"tags": {...}}`` is ``code``.

        Raises:
            InvalidParameterError: Not a mapping, or ``source_type`` is ``None`` and the
                description is none of the above.

        Example:
            >>> DatasetSource.from_dict({"uri": "s3://bucket/train.parquet"}).source_type
            's3'
        """
        if not isinstance(source_dict, Mapping):
            raise InvalidParameterError(
                f"Invalid dataset source description {source_dict!r}: expected a mapping"
            )
        if source_type is not None:
            return cls(source_type, source_dict)
        uri = source_dict.get("uri")
        if set(source_dict) == {"uri"} and isinstance(uri, str) and uri:
            return cls.from_uri(uri)
        if set(source_dict) == {"url"} and isinstance(source_dict["url"], str):
            return cls("http", source_dict)
        if set(source_dict) == {"tags"} and isinstance(source_dict["tags"], Mapping):
            return cls("code", source_dict)
        raise InvalidParameterError(
            f"Cannot tell the type of dataset source {dict(source_dict)!r}: pass source_type, "
            "or a description {'uri': ...}, {'url': ...} or {'tags': {...}}"
        )

    @classmethod
    def resolve(cls, source: str | DatasetSource | None) -> DatasetSource:
        """Return ``source`` as a :class:`DatasetSource`: as is, from a URI, or code if None."""
        if source is None:
            return cls.code()
        if isinstance(source, DatasetSource):
            return source
        if isinstance(source, str):
            return cls.from_uri(source)
        raise InvalidParameterError(
            f"Invalid dataset source of type {type(source).__name__}: pass a URI or path "
            "string, a DatasetSource, or None for data built in code"
        )

    @property
    def source_type(self) -> str:
        """The source type, e.g. ``"s3"``."""
        return self._source_type

    @property
    def uri(self) -> str | None:
        """The source's URI or URL, when it has one."""
        value = self._details.get("uri", self._details.get("url"))
        return value if isinstance(value, str) else None

    def load(self, dst_path: str | os.PathLike[str] | None = None) -> str:
        """Download the source's data and return its local path (MLflow's ``load``).

        Args:
            dst_path: A local directory to download into (created when missing). ``None``: a
                local source's own path is returned; a remote one goes to a new temporary
                directory.

        Returns:
            The local file or directory.

        Raises:
            InvalidStateError: The source has no URI (data built in code).
            NotFoundError: Nothing exists at the URI.
            MissingDependencyError: The URI's protocol needs an fsspec implementation that is
                not installed.

        Example:
            >>> run = flowtrack.get_run(run_id)
            >>> source = flowtrack.data.get_source(run.inputs.dataset_inputs[0])
            >>> pandas.read_csv(source.load())
        """
        from flowtrack.data._download import download_source

        uri = self.uri
        if uri is None:
            from flowtrack.exceptions import InvalidStateError

            raise InvalidStateError(
                f"Cannot load a {self._source_type!r} dataset source {self._details!r}: it names "
                "no URI to download (data built in code has nothing to load)"
            )
        try:
            return download_source(uri, dst_path)
        except ImportError as exc:
            from flowtrack.exceptions import MissingDependencyError

            raise MissingDependencyError(
                f"Cannot load dataset source {uri!r}: its protocol needs a package that is not "
                f"installed ({exc})"
            ) from exc

    def to_dict(self) -> dict[str, Any]:
        """Return the description as a dict (a copy)."""
        return json.loads(json.dumps(self._details))  # type: ignore[no-any-return]

    def to_json(self) -> str:
        """Return the description as the JSON string stored with the dataset."""
        return json.dumps(self._details)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DatasetSource):
            return NotImplemented
        return (self._source_type, self.to_json()) == (other._source_type, other.to_json())

    def __hash__(self) -> int:
        return hash((self._source_type, self.to_json()))

    def __repr__(self) -> str:
        return f"DatasetSource({self._source_type!r}, {self._details!r})"
