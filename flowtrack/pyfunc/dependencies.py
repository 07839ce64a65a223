"""A model's dependencies: the default conda environment, and a logged model's requirements."""

from __future__ import annotations

import logging
import os
import tempfile
from typing import Any

from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.models.environment import (
    CONDA_ENV_FILE_NAME,
    REQUIREMENTS_FILE_NAME,
    conda_env_dict,
)

__all__ = ["get_default_conda_env", "get_model_dependencies"]

_LOGGER = logging.getLogger("flowtrack.pyfunc")
_FORMATS = ("pip", "conda")


def get_default_conda_env() -> dict[str, Any]:
    """Return the conda environment a custom Python model gets by default (``conda.yaml``).

    Returns:
        This Python, pip, and :func:`~flowtrack.pyfunc.get_default_pip_requirements` as its
        pip section.
    """
    from flowtrack.pyfunc.persistence import get_default_pip_requirements

    return conda_env_dict(get_default_pip_requirements())


def _pip_section(conda_file: str) -> list[str]:
    import yaml

    with open(conda_file, encoding="utf-8") as f:
        env = yaml.safe_load(f) or {}
    for entry in env.get("dependencies") or []:
        if isinstance(entry, dict) and isinstance(entry.get("pip"), list):
            return [str(line) for line in entry["pip"]]
    return []


def get_model_dependencies(model_uri: str, format: str = "pip") -> str:
    """Download a model's dependency file and return its local path.

    Only the file is downloaded, not the model.

    Args:
        model_uri: Any model URI (local path, ``runs:/``, ``models:/``, fsspec URL).
        format: ``"pip"`` for ``requirements.txt`` (built from ``conda.yaml``'s pip section
            when the model has no ``requirements.txt``) or ``"conda"`` for ``conda.yaml``.

    Returns:
        The local path of ``requirements.txt`` or ``conda.yaml``.

    Raises:
        InvalidParameterError: An unknown format.
        NotFoundError: The model has no such file.

    Example:
        >>> path = flowtrack.pyfunc.get_model_dependencies("models:/fraud/1")
        >>> subprocess.check_call(["pip", "install", "-r", path])
    """
    from flowtrack.models.uri import download_model_file

    if format not in _FORMATS:
        raise InvalidParameterError(
            f"Illegal format argument {format!r}: use one of {list(_FORMATS)}"
        )
    if format == "conda":
        return download_model_file(model_uri, CONDA_ENV_FILE_NAME)
    try:
        path = download_model_file(model_uri, REQUIREMENTS_FILE_NAME)
    except NotFoundError:
        conda_file = download_model_file(model_uri, CONDA_ENV_FILE_NAME)
        path = os.path.join(tempfile.mkdtemp(prefix="flowtrack-deps-"), REQUIREMENTS_FILE_NAME)
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(f"{line}\n" for line in _pip_section(conda_file)))
        _LOGGER.warning(
            "The model has no %s; its requirements come from the pip section of %s (conda "
            "dependencies are left out)",
            REQUIREMENTS_FILE_NAME,
            CONDA_ENV_FILE_NAME,
        )
    _LOGGER.info(
        "To install the dependencies that were used to train the model, run: 'pip install -r %s'.",
        path,
    )
    return path
