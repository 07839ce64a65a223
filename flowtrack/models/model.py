"""The ``MLmodel`` file: what a model directory holds, read and written in MLflow's format.

A model is a directory with an ``MLmodel`` YAML file, the serialized model and its environment
files (``requirements.txt``, ``python_env.yaml``, ``conda.yaml``). ``MLmodel`` uses MLflow's keys,
so MLflow reads flowtrack's models and flowtrack reads MLflow's::

    artifact_path: /.../models/m-0a1b.../artifacts
    flavors:
      python_function:
        env: {conda: conda.yaml, virtualenv: python_env.yaml}
        loader_module: mlflow.sklearn
        model_path: model.skops
        predict_fn: predict
        python_version: 3.11.7
      sklearn:
        pickled_model: model.skops
        serialization_format: skops
        skops_trusted_types: [sklearn.tree._tree.Tree]
        sklearn_version: 1.9.1
    flowtrack_version: 0.1.0
    model_id: m-0a1b...
    model_uuid: m-0a1b...
    run_id: 9f2c...
    saved_input_example_info: {artifact_path: input_example.json, type: ndarray, format: tf-serving}
    signature: {inputs: '[...]', outputs: '[...]', params: null}
    utc_time_created: '2026-01-02 03:04:05.678901'

flowtrack writes ``flowtrack_version`` and never an ``mlflow_version`` it is not; MLflow's loader
treats a missing ``mlflow_version`` as unknown. Keys flowtrack does not know (``mlflow_version``,
``databricks_runtime``, ``prompts``...) are kept as they are and written back.

A model logged with MLflow 3's ``log_model(model, name=...)`` is a *logged model*: its ``MLmodel``
records the ``model_id`` (``m-`` + 32 hex digits, also its ``model_uuid``) and, as
``artifact_path``, the logged model's artifact location.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any, overload
from urllib.parse import unquote, urlsplit

from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.models.model_info import ModelInfo

if TYPE_CHECKING:
    from flowtrack.entities import LoggedModel
    from flowtrack.models.signature import ModelSignature

__all__ = [
    "FLOWTRACK_VERSION_KEY",
    "MLMODEL_FILE_NAME",
    "Model",
    "ModelInfo",
]

#: The name of the metadata file in every model directory.
MLMODEL_FILE_NAME = "MLmodel"
#: The key that records the flowtrack version that wrote a model.
FLOWTRACK_VERSION_KEY = "flowtrack_version"

# Keys the Model class owns; every other key of an MLmodel file is kept in ``extras``.
_OWN_KEYS = frozenset(
    {
        "artifact_path",
        "flavors",
        "model_id",
        "model_uuid",
        "run_id",
        "saved_input_example_info",
        "signature",
        "utc_time_created",
        "metadata",
        "env_vars",
        "model_size_bytes",
        FLOWTRACK_VERSION_KEY,
        "is_signature_from_type_hint",
        "type_hint_from_example",
    }
)


def _utc_now() -> str:
    # MLflow's format: str() of a naive UTC datetime, e.g. '2026-01-02 03:04:05.678901'.
    return str(datetime.now(UTC).replace(tzinfo=None))


def _flowtrack_version() -> str:
    from flowtrack.version import __version__

    return __version__


class Model:
    """An ``MLmodel`` file: the flavors a model can be loaded as, and its metadata.

    Args:
        artifact_path: The model's path under the run's artifact root, when logged.
        run_id: The run the model is logged to.
        utc_time_created: Creation time; default now (UTC).
        flavors: ``{flavor name: configuration}``; add more with :meth:`add_flavor`.
        signature: The model's input/output/params signature.
        saved_input_example_info: What ``save_input_example`` returned, if an example was saved.
        model_uuid: The model's unique id; default a new random one.
        metadata: User metadata (any YAML-serializable mapping).
        model_size_bytes: The size of the model directory's files, in bytes (the flavors'
            ``save_model`` records it, as MLflow does).
        env_vars: Names of environment variables the model needs at inference time.
        model_id: The logged model (``m-...``) these files belong to, or ``None``.
        **extras: Other ``MLmodel`` keys, kept as they are (``mlflow_version``...).

    Example:
        >>> model = Model(artifact_path="model").add_flavor("sklearn", pickled_model="model.pkl")
        >>> model.flavors["sklearn"]["pickled_model"]
        'model.pkl'
    """

    def __init__(
        self,
        artifact_path: str | None = None,
        run_id: str | None = None,
        utc_time_created: str | None = None,
        flavors: Mapping[str, Mapping[str, Any]] | None = None,
        signature: ModelSignature | None = None,
        saved_input_example_info: Mapping[str, Any] | None = None,
        model_uuid: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        model_size_bytes: int | None = None,
        env_vars: Sequence[str] | None = None,
        model_id: str | None = None,
        **extras: Any,
    ) -> None:
        self.artifact_path = artifact_path
        self.run_id = run_id
        self.utc_time_created = str(utc_time_created or _utc_now())
        self.flavors: dict[str, dict[str, Any]] = {
            name: dict(conf) for name, conf in (flavors or {}).items()
        }
        self.signature = signature
        self.saved_input_example_info = (
            dict(saved_input_example_info) if saved_input_example_info is not None else None
        )
        self.model_uuid: str | None = model_uuid or uuid.uuid4().hex
        self.metadata = dict(metadata) if metadata is not None else None
        self.model_size_bytes = _size(model_size_bytes)
        self.env_vars = _env_vars(env_vars)
        self.model_id = model_id
        self.flowtrack_version: str | None = extras.pop(FLOWTRACK_VERSION_KEY, None) or (
            _flowtrack_version() if "mlflow_version" not in extras else None
        )
        self.extras: dict[str, Any] = extras

    def __getattr__(self, name: str) -> Any:
        # MLflow exposes every MLmodel key as an attribute (model.mlflow_version...).
        extras = self.__dict__.get("extras", {})
        if name in extras:
            return extras[name]
        if name == "mlflow_version":
            return None
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Model(artifact_path={self.artifact_path!r}, flavors={sorted(self.flavors)})"

    def add_flavor(self, name: str, **params: Any) -> Model:
        """Add (or replace) a flavor: how to load the model as ``name``.

        Args:
            name: The flavor name (``"python_function"``, ``"sklearn"``...).
            **params: The flavor's configuration.

        Returns:
            This model, for chaining.
        """
        self.flavors[name] = dict(params)
        return self

    def get_input_schema(self) -> Any:
        """Return the signature's input schema, or ``None``."""
        return self.signature.inputs if self.signature is not None else None

    def get_output_schema(self) -> Any:
        """Return the signature's output schema, or ``None``."""
        return self.signature.outputs if self.signature is not None else None

    def get_params_schema(self) -> Any:
        """Return the signature's params schema, or ``None``."""
        return getattr(self.signature, "params", None)

    def load_input_example_params(self, path: str | os.PathLike[str]) -> dict[str, Any] | None:
        """Load the inference params saved with the input example (``(example, params)``).

        Args:
            path: The local model directory.

        Returns:
            The params, or ``None`` when the model has no example or its example has no params.
        """
        if self.saved_input_example_info is None:
            return None
        from flowtrack.models.input_example import load_input_example_params

        return load_input_example_params(os.fspath(path), self.saved_input_example_info)

    def get_serving_input(self, path: str | os.PathLike[str]) -> str | None:
        """Load the scoring-server request body saved with the input example.

        Args:
            path: The local model directory.

        Returns:
            The JSON text (``serving_input_example.json``), or ``None`` when there is none.
        """
        if self.saved_input_example_info is None:
            return None
        from flowtrack.models.input_example import load_serving_input_example

        return load_serving_input_example(os.fspath(path), self.saved_input_example_info)

    def load_input_example(self, path: str | os.PathLike[str]) -> Any:
        """Load the input example saved with the model, or ``None`` if there is none.

        Args:
            path: The local model directory.
        """
        if self.saved_input_example_info is None:
            return None
        from flowtrack.models.input_example import load_input_example

        return load_input_example(
            os.fspath(path), self.saved_input_example_info, self.get_input_schema()
        )

    def get_model_info(
        self, logged_model: LoggedModel | None = None, *, model_uri: str | None = None
    ) -> ModelInfo:
        """Return this model's :class:`ModelInfo`.

        ``Model`` reads no store: pass the logged model to fill the logged-model fields
        (:func:`flowtrack.models.get_model_info` does).

        Args:
            logged_model: The logged model these files belong to, or ``None``.
            model_uri: Where the model lives; default ``models:/<model_id>`` for a logged model,
                ``runs:/<run_id>/<artifact_path>`` for a model logged the old way, else ``""``.
        """
        if model_uri is None:
            logged = self.run_id is not None and self.artifact_path is not None
            if self.model_id is not None:
                model_uri = f"models:/{self.model_id}"
            else:
                model_uri = f"runs:/{self.run_id}/{self.artifact_path}" if logged else ""
        return ModelInfo(
            artifact_path=self.artifact_path,
            flavors=self.flavors,
            model_uri=model_uri,
            model_uuid=self.model_uuid,
            run_id=self.run_id,
            saved_input_example_info=self.saved_input_example_info,
            signature=self.signature,
            utc_time_created=self.utc_time_created,
            flowtrack_version=self.flowtrack_version,
            mlflow_version=self.extras.get("mlflow_version"),
            metadata=self.metadata,
            env_vars=self.env_vars,
            logged_model=logged_model,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the ``MLmodel`` content as a dict (``None`` fields left out, as MLflow does)."""
        result: dict[str, Any] = dict(self.extras)
        result["flavors"] = self.flavors
        result["model_uuid"] = self.model_uuid
        result["utc_time_created"] = self.utc_time_created
        result["model_id"] = self.model_id  # written even when null, as MLflow 3 does
        optional = {
            "artifact_path": self.artifact_path,
            "run_id": self.run_id,
            "saved_input_example_info": self.saved_input_example_info,
            "metadata": self.metadata,
            "model_size_bytes": self.model_size_bytes,
            "env_vars": self.env_vars,
            FLOWTRACK_VERSION_KEY: self.flowtrack_version,
        }
        result.update({key: value for key, value in optional.items() if value is not None})
        if self.signature is not None:
            result["signature"] = self.signature.to_dict()
            result["is_signature_from_type_hint"] = False
            result["type_hint_from_example"] = False
        return result

    def get_tags_dict(self) -> dict[str, Any]:
        """Return the summary MLflow records about a logged model (MLflow's ``get_tags_dict``).

        Returns:
            ``run_id``, ``utc_time_created``, ``artifact_path`` and ``model_uuid`` (those set),
            and ``flavors`` with each flavor's ``config`` entry left out.
        """
        result = self.to_dict()
        tags = {
            key: value
            for key, value in result.items()
            if key in ("run_id", "utc_time_created", "artifact_path", "model_uuid")
        }
        tags["flavors"] = {
            flavor: {key: value for key, value in conf.items() if key != "config"}
            for flavor, conf in self.flavors.items()
        }
        return tags

    @overload
    def to_yaml(self, stream: None = None) -> str: ...

    @overload
    def to_yaml(self, stream: IO[str]) -> None: ...

    def to_yaml(self, stream: IO[str] | None = None) -> str | None:
        """Return the ``MLmodel`` YAML text, or write it to ``stream`` (then return ``None``).

        Args:
            stream: A text stream to write to, as ``yaml.safe_dump`` takes.
        """
        import yaml

        text: str | None = yaml.safe_dump(self.to_dict(), stream=stream, default_flow_style=False)
        return text

    def to_json(self) -> str:
        """Return the ``MLmodel`` content as JSON text."""
        return json.dumps(self.to_dict())

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the ``MLmodel`` file to ``path`` (a file path, usually ``<dir>/MLmodel``)."""
        with open(os.fspath(path), "w", encoding="utf-8") as out:
            self.to_yaml(out)

    @classmethod
    def from_dict(cls, model_dict: Mapping[str, Any]) -> Model:
        """Build a Model from ``MLmodel`` content.

        Raises:
            InvalidParameterError: A key has the wrong type (e.g. ``flavors`` not a mapping).
        """
        if not isinstance(model_dict, Mapping):
            raise InvalidParameterError(
                f"Invalid MLmodel content {type(model_dict).__name__}: expected a mapping of "
                "MLmodel keys (flavors, model_uuid, ...)"
            )
        content = dict(model_dict)
        flavors = content.pop("flavors", None) or {}
        if not isinstance(flavors, Mapping) or not all(
            isinstance(name, str) and isinstance(conf, Mapping) for name, conf in flavors.items()
        ):
            raise InvalidParameterError(
                f"Invalid MLmodel flavors {flavors!r}: expected a mapping of flavor names to "
                "configuration mappings"
            )
        for key in ("artifact_path", "run_id", "model_uuid", "model_id", FLOWTRACK_VERSION_KEY):
            if content.get(key) is not None and not isinstance(content[key], str):
                raise InvalidParameterError(
                    f"Invalid MLmodel {key} {content[key]!r}: expected a string"
                )
        _size(content.get("model_size_bytes"))
        _env_vars(content.get("env_vars"))
        for key in ("saved_input_example_info", "metadata"):
            if content.get(key) is not None and not isinstance(content[key], Mapping):
                raise InvalidParameterError(
                    f"Invalid MLmodel {key} {content[key]!r}: expected a mapping"
                )
        content.pop("is_signature_from_type_hint", None)
        content.pop("type_hint_from_example", None)
        signature = content.pop("signature", None)
        if signature is not None:
            from flowtrack.models.signature import ModelSignature

            if not isinstance(signature, Mapping):
                raise InvalidParameterError(
                    f"Invalid MLmodel signature {signature!r}: expected a mapping with inputs, "
                    "outputs and params"
                )
            signature = ModelSignature.from_dict(dict(signature))
        model_uuid = content.pop("model_uuid", None)
        model = cls(flavors=flavors, signature=signature, **content)
        model.model_uuid = model_uuid  # None stays None: a file without one has none
        model.flowtrack_version = content.get(FLOWTRACK_VERSION_KEY)
        return model

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Model:
        """Read an ``MLmodel`` file from the local disk.

        ``Model`` only reads and writes files: it never downloads. For a model URI
        (``runs:/...``, ``models:/...``, ``s3://...``), read the metadata with
        :func:`flowtrack.models.get_model_info`, or bring the model to the disk first with
        :func:`flowtrack.artifacts.download_artifacts`.

        Args:
            path: A local ``MLmodel`` file or model directory (a ``file://`` URL too).

        Raises:
            NotFoundError: There is no ``MLmodel`` file there.
            InvalidParameterError: ``path`` is a remote URI, or the file is not valid YAML or
                not valid ``MLmodel`` content.

        Example:
            >>> Model.load("path/to/model").flavors["python_function"]["loader_module"]
            'mlflow.sklearn'
        """
        import yaml

        text = _local_path(os.fspath(path))
        if os.path.isdir(text):
            text = os.path.join(text, MLMODEL_FILE_NAME)
        if not os.path.isfile(text):
            raise NotFoundError(f"Could not find an {MLMODEL_FILE_NAME!r} file at {text!r}")
        try:
            with open(text, encoding="utf-8") as f:
                content = yaml.safe_load(f)
        except yaml.YAMLError as exc:
            raise InvalidParameterError(
                f"Invalid MLmodel file {text!r}: not valid YAML ({exc})"
            ) from exc
        return cls.from_dict(content or {})


def _size(value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InvalidParameterError(
            f"Invalid MLmodel model_size_bytes {value!r}: expected a non-negative integer"
        )
    return value


def _env_vars(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidParameterError(
            f"Invalid MLmodel env_vars {value!r}: expected a list of environment variable names"
        )
    names = list(value)
    if not all(isinstance(name, str) and name for name in names):
        raise InvalidParameterError(
            f"Invalid MLmodel env_vars {value!r}: expected a list of environment variable names"
        )
    return names


def _local_path(text: str) -> str:
    """Return the local path ``text`` names; refuse remote URIs (Model.load does not download)."""
    if len(text) > 2 and text[1] == ":" and text[0].isalpha():  # a Windows drive, not a scheme
        return text
    parts = urlsplit(text)
    if parts.scheme.lower() == "file" and parts.netloc in ("", "localhost"):
        return unquote(parts.path)
    if parts.scheme and not os.path.exists(text):
        raise InvalidParameterError(
            f"Invalid MLmodel path {text!r}: Model.load reads local files only; for a model URI "
            f"use flowtrack.models.get_model_info({text!r}), or download the model first with "
            "flowtrack.artifacts.download_artifacts"
        )
    return text
