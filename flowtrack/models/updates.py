"""Changing a saved model in place: ``set_signature`` and ``update_model_requirements``.

Both read a file of the model (``MLmodel``; ``requirements.txt`` and ``conda.yaml``), change it
and write it back where it lives: a local directory, a run's artifacts (``runs:/``) or any
artifact URL. Registered model URIs (``models:/``) are refused, as in MLflow: a registered
version is a snapshot; change the run's model and register a new version instead.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml

from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.models.environment import CONDA_ENV_FILE_NAME, REQUIREMENTS_FILE_NAME
from flowtrack.models.requirements import canonical_name
from flowtrack.models.signature import ModelSignature

__all__ = ["set_signature", "update_model_requirements"]

_LOGGER = logging.getLogger("flowtrack.models")
_MLMODEL = "MLmodel"


class _ModelFiles:
    """Read and write files of one model, wherever it is stored."""

    def __init__(self, model_uri: str, action: str) -> None:
        from flowtrack.models.uri import parse_model_uri

        if isinstance(model_uri, str) and urlsplit(model_uri).scheme.lower() == "models":
            raise InvalidParameterError(
                f"Failed to {action} on {model_uri!r}: model URIs with the 'models:/' scheme are "
                "not supported; use the model's source ('runs:/<run_id>/<path>' or its path)"
            )
        self._uri = model_uri
        location = parse_model_uri(model_uri)
        self._local = location.local_path
        self._root, self._path = location.root_uri, location.path

    def _rel(self, name: str) -> str:
        return f"{self._path}/{name}" if self._path else name

    def read_text(self, name: str) -> str | None:
        """Return a file's text, or ``None`` when the model has no such file."""
        if self._local is not None:
            path = Path(self._local, name)
            return path.read_text(encoding="utf-8") if path.is_file() else None
        from flowtrack.stores.artifacts.store import get_artifact_store

        store = get_artifact_store(self._root)
        if not store.exists(self._rel(name)):
            return None
        return store.read_bytes(self._rel(name)).decode("utf-8")

    def write_text(self, name: str, text: str) -> None:
        """Replace a file of the model."""
        if self._local is not None:
            Path(self._local, name).write_text(text, encoding="utf-8")
            return
        from flowtrack.stores.artifacts.store import get_artifact_store

        get_artifact_store(self._root).write_bytes(self._rel(name), text.encode("utf-8"))

    def require(self, name: str) -> str:
        """Return a file's text.

        Raises:
            NotFoundError: The model has no such file.
        """
        text = self.read_text(name)
        if text is None:
            raise NotFoundError(f"No {name} file in the model at {self._uri!r}")
        return text


def set_signature(model_uri: str, signature: ModelSignature) -> None:
    """Replace the signature in a saved or logged model's ``MLmodel`` file.

    Args:
        model_uri: A local model directory, ``runs:/<run_id>/<path>`` or an artifact URL (not a
            ``models:/`` URI: set the signature on the source, then register a new version).
        signature: The new signature.

    Raises:
        InvalidParameterError: ``signature`` is not a ModelSignature, or a ``models:/`` URI.
        NotFoundError: There is no model (no ``MLmodel`` file) at the URI.

    Example:
        >>> signature = infer_signature(X, model.predict(X))
        >>> flowtrack.models.set_signature(f"runs:/{run_id}/model", signature)
    """
    from flowtrack.models.model import Model

    if not isinstance(signature, ModelSignature):
        raise InvalidParameterError(
            f"Invalid signature of type {type(signature).__name__}: set_signature takes a "
            "ModelSignature (see flowtrack.models.infer_signature)"
        )
    files = _ModelFiles(model_uri, "set signature")
    model = Model.from_dict(yaml.safe_load(files.require(_MLMODEL)) or {})
    model.signature = signature
    files.write_text(_MLMODEL, model.to_yaml())


def _parsed(requirement_list: Sequence[str]) -> dict[str, str]:
    if isinstance(requirement_list, str) or not isinstance(requirement_list, Sequence):
        raise InvalidParameterError(
            f"Invalid requirement_list {requirement_list!r}: expected a list of pip requirements "
            "such as ['pandas==2.2.2', 'scikit-learn']"
        )
    parsed: dict[str, str] = {}
    invalid = []
    for item in requirement_list:
        name = canonical_name(item) if isinstance(item, str) else None
        if name is None:
            invalid.append(item)
        else:
            parsed[name] = item.strip()
    if invalid:
        raise InvalidParameterError(
            f"Invalid requirements {invalid}: each must be a pip requirement such as "
            "'pandas==2.2.2'"
        )
    return parsed


def _updated(old: list[str], changes: dict[str, str], operation: str) -> list[str]:
    """Apply ``changes`` to requirement lines, keeping options (``-c ...``) and order."""
    kept = [line for line in old if canonical_name(line) not in changes or line.startswith("-")]
    if operation == "remove":
        absent = set(changes) - {canonical_name(line) for line in old}
        if absent:
            _LOGGER.warning(
                "Requirements %s were not in the model; nothing removed", sorted(absent)
            )
        return kept
    return [*kept, *changes.values()]


def update_model_requirements(
    model_uri: str, operation: Literal["add", "remove"], requirement_list: list[str]
) -> None:
    """Add or remove pip requirements of a saved or logged model.

    ``requirements.txt`` and the pip section of ``conda.yaml`` are both updated. ``"add"``
    replaces a requirement of the same package (``pandas==2.2`` replaces ``pandas==2.1``);
    ``"remove"`` drops the named packages, whatever their version specifier.

    Args:
        model_uri: A local model directory, ``runs:/<run_id>/<path>`` or an artifact URL (not a
            ``models:/`` URI).
        operation: ``"add"`` or ``"remove"``.
        requirement_list: pip requirements, e.g. ``["pandas==2.2.2", "scikit-learn"]``.

    Raises:
        InvalidParameterError: Another operation, an invalid requirement, or a ``models:/`` URI.
        NotFoundError: The model has neither ``requirements.txt`` nor ``conda.yaml``.

    Example:
        >>> flowtrack.models.update_model_requirements(
        ...     f"runs:/{run_id}/model", "add", ["pandas==2.2.2"]
        ... )
    """
    if operation not in ("add", "remove"):
        raise InvalidParameterError(
            f"Invalid operation {operation!r}: update_model_requirements takes 'add' or 'remove'"
        )
    changes = _parsed(requirement_list)
    files = _ModelFiles(os.fspath(model_uri), "update requirements")
    requirements = files.read_text(REQUIREMENTS_FILE_NAME)
    conda_text = files.read_text(CONDA_ENV_FILE_NAME)
    if requirements is None and conda_text is None:
        raise NotFoundError(
            f"No {REQUIREMENTS_FILE_NAME} or {CONDA_ENV_FILE_NAME} in the model at {model_uri!r}"
        )
    if requirements is not None:
        lines = [line.strip() for line in requirements.splitlines() if line.strip()]
        new_lines = _updated(lines, changes, operation)
        files.write_text(REQUIREMENTS_FILE_NAME, "\n".join(new_lines) + "\n")
    if conda_text is not None:
        conda = yaml.safe_load(conda_text) or {}
        for dependency in conda.get("dependencies", []):
            if isinstance(dependency, dict) and isinstance(dependency.get("pip"), list):
                dependency["pip"] = _updated(
                    [str(p) for p in dependency["pip"]], changes, operation
                )
        files.write_text(CONDA_ENV_FILE_NAME, yaml.safe_dump(conda, default_flow_style=False))
