"""A model's environment files, in MLflow's formats, so MLflow can rebuild the environment.

Every saved model gets:

- ``requirements.txt``: one pip requirement per line (see :mod:`flowtrack.models.requirements`);
- ``constraints.txt``: only when the requirements carry ``-c`` constraints;
- ``python_env.yaml``: the Python version, the build tools (pip, setuptools, wheel) at their
  installed versions, and ``-r requirements.txt`` (MLflow's ``virtualenv`` environment manager);
- ``conda.yaml``: the same as a conda environment (conda-forge, ``python=<version>``,
  ``pip<=<version>`` and the pip requirements), for MLflow's ``conda`` environment manager.

Versions are the ones installed in the running interpreter: what the model was actually built
with. ``conda_env`` (a dict or a YAML file) replaces the generated ``conda.yaml`` and supplies the
pip requirements, as in MLflow.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable, Mapping
from typing import Any

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models.requirements import Requirements, installed_version, process_requirements

__all__ = [
    "CONDA_ENV_FILE_NAME",
    "CONSTRAINTS_FILE_NAME",
    "PYTHON_ENV_FILE_NAME",
    "REQUIREMENTS_FILE_NAME",
    "conda_env_dict",
    "pyfunc_env_conf",
    "python_env_dict",
    "python_version",
    "write_environment",
]

CONDA_ENV_FILE_NAME = "conda.yaml"
PYTHON_ENV_FILE_NAME = "python_env.yaml"
REQUIREMENTS_FILE_NAME = "requirements.txt"
CONSTRAINTS_FILE_NAME = "constraints.txt"

_BUILD_PACKAGES = ("pip", "setuptools", "wheel")


def python_version() -> str:
    """Return the running interpreter's version, e.g. ``"3.11.7"``."""
    return platform.python_version()


def pyfunc_env_conf() -> dict[str, str]:
    """Return the ``env`` entry of the ``python_function`` flavor: where the two env files are."""
    return {"conda": CONDA_ENV_FILE_NAME, "virtualenv": PYTHON_ENV_FILE_NAME}


def python_env_dict() -> dict[str, Any]:
    """Return ``python_env.yaml``'s content for this interpreter.

    Example:
        >>> python_env_dict()["dependencies"]
        ['-r requirements.txt']
    """
    build = []
    for package in _BUILD_PACKAGES:
        version = installed_version(package)
        build.append(f"{package}=={version}" if version else package)
    return {
        "python": python_version(),
        "build_dependencies": build,
        "dependencies": [f"-r {REQUIREMENTS_FILE_NAME}"],
    }


def conda_env_dict(pip_requirements: Iterable[str]) -> dict[str, Any]:
    """Return ``conda.yaml``'s content: this Python, pip, and the pip requirements.

    Args:
        pip_requirements: The lines of ``requirements.txt``.
    """
    pip_version = installed_version("pip")
    return {
        "name": "flowtrack-env",
        "channels": ["conda-forge"],
        "dependencies": [
            f"python={python_version()}",
            f"pip<={pip_version}" if pip_version else "pip",
            {"pip": list(pip_requirements)},
        ],
    }


def _load_conda_env(conda_env: Mapping[str, Any] | str | os.PathLike[str]) -> dict[str, Any]:
    import yaml

    if isinstance(conda_env, Mapping):
        return dict(conda_env)
    path = os.fspath(conda_env)
    try:
        with open(path, encoding="utf-8") as f:
            content = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidParameterError(f"Invalid conda_env {path!r}: cannot read it ({exc})") from exc
    if not isinstance(content, dict):
        raise InvalidParameterError(
            f"Invalid conda_env {path!r}: expected a YAML mapping with 'dependencies'"
        )
    return content


def _conda_pip_requirements(conda_env: Mapping[str, Any]) -> list[str]:
    for dependency in conda_env.get("dependencies") or []:
        if isinstance(dependency, Mapping) and "pip" in dependency:
            return [str(line) for line in dependency["pip"] or []]
    return []


def write_environment(
    path: str | os.PathLike[str],
    default_requirements: Iterable[str],
    pip_requirements: str | os.PathLike[str] | Iterable[str] | None = None,
    extra_pip_requirements: str | os.PathLike[str] | Iterable[str] | None = None,
    conda_env: Mapping[str, Any] | str | os.PathLike[str] | None = None,
) -> Requirements:
    """Write ``requirements.txt``, ``python_env.yaml``, ``conda.yaml`` (and ``constraints.txt``).

    Args:
        path: The model directory.
        default_requirements: The flavor's pinned requirements.
        pip_requirements: Replace the defaults (list of lines, or a requirements file).
        extra_pip_requirements: Add to the defaults.
        conda_env: A conda environment (dict or YAML file) written as ``conda.yaml``; its pip
            section becomes ``requirements.txt``.

    Returns:
        What was written to ``requirements.txt`` and ``constraints.txt``.

    Raises:
        InvalidParameterError: More than one of ``conda_env``, ``pip_requirements`` and
            ``extra_pip_requirements`` is given, or one of them is invalid.
    """
    import yaml

    given = [
        name
        for name, value in (
            ("conda_env", conda_env),
            ("pip_requirements", pip_requirements),
            ("extra_pip_requirements", extra_pip_requirements),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise InvalidParameterError(
            f"Only one of conda_env, pip_requirements and extra_pip_requirements can be given, "
            f"got {', '.join(given)}"
        )
    directory = os.fspath(path)
    if conda_env is not None:
        conda = _load_conda_env(conda_env)
        result = Requirements(requirements=_conda_pip_requirements(conda))
    else:
        result = process_requirements(
            default_requirements, pip_requirements, extra_pip_requirements
        )
        conda = conda_env_dict(result.requirements)
    with open(os.path.join(directory, REQUIREMENTS_FILE_NAME), "w", encoding="utf-8") as f:
        f.write("\n".join(result.requirements))
    if result.constraints:
        with open(os.path.join(directory, CONSTRAINTS_FILE_NAME), "w", encoding="utf-8") as f:
            f.write("\n".join(result.constraints))
    with open(os.path.join(directory, CONDA_ENV_FILE_NAME), "w", encoding="utf-8") as f:
        yaml.safe_dump(conda, f, default_flow_style=False, sort_keys=False)
    with open(os.path.join(directory, PYTHON_ENV_FILE_NAME), "w", encoding="utf-8") as f:
        yaml.safe_dump(python_env_dict(), f, default_flow_style=False, sort_keys=False)
    return result
