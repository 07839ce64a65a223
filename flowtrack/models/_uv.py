"""A model's requirements from a uv project: ``uv export`` of its lock file, as MLflow does.

A uv project is a directory holding both ``uv.lock`` and ``pyproject.toml``. Its pinned
requirements come from ``uv export --frozen`` (the lock file as it is: no resolution, no network),
without the development group, hashes, header, annotations or the project itself; ``groups`` and
``extras`` add dependency groups and optional extras. Packages locked from an index other than
PyPI add an ``--extra-index-url`` line. Saving a model copies the project's ``uv.lock``,
``pyproject.toml`` and ``.python-version`` beside it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from flowtrack.exceptions import FlowtrackError, InvalidParameterError, MissingDependencyError

__all__ = [
    "UV_PROJECT_FILES",
    "copy_uv_project_files",
    "export_uv_requirements",
    "uv_binary",
    "uv_project",
]

#: The files that make a directory a uv project (both required), and the optional pin.
_LOCK_FILE, _PYPROJECT_FILE, _PYTHON_VERSION_FILE = "uv.lock", "pyproject.toml", ".python-version"
#: What a saved model keeps of its uv project.
UV_PROJECT_FILES = (_LOCK_FILE, _PYPROJECT_FILE, _PYTHON_VERSION_FILE)
#: The first uv whose ``export`` has every flag used here (MLflow's minimum).
_MIN_UV_VERSION = (0, 6, 10)
_EXPORT_TIMEOUT_SECONDS = 120
_PYPI_INDEXES = frozenset({"https://pypi.org/simple", "https://pypi.python.org/simple"})
_REGISTRY = re.compile(r"""source\s*=\s*\{\s*registry\s*=\s*["']([^"']+)["']""")


def uv_project(directory: str | Path) -> Path:
    """Return ``directory`` as a uv project directory.

    Raises:
        InvalidParameterError: It lacks ``uv.lock`` or ``pyproject.toml``.
    """
    path = Path(directory)
    missing = [name for name in (_LOCK_FILE, _PYPROJECT_FILE) if not (path / name).is_file()]
    if missing:
        raise InvalidParameterError(
            f"Invalid uv project directory {str(directory)!r}: it has no {' or '.join(missing)} "
            "(a uv project holds both uv.lock and pyproject.toml; run `uv lock` there first)"
        )
    return path


def uv_binary() -> str:
    """Return the ``uv`` executable on PATH, checked to be recent enough.

    Raises:
        MissingDependencyError: No ``uv`` on PATH, or one older than 0.6.10.
    """
    binary = shutil.which("uv")
    if binary is None:
        raise MissingDependencyError(
            "Requirements from a uv project need the uv executable on PATH: install it "
            "(pip install uv, or https://docs.astral.sh/uv/) or leave the uv project out"
        )
    done = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, check=False, timeout=30
    )
    match = re.match(r"uv (\d+)\.(\d+)\.(\d+)", done.stdout.strip())
    if match is None or tuple(int(part) for part in match.groups()) < _MIN_UV_VERSION:
        found = done.stdout.strip() or done.stderr.strip() or "unknown"
        raise MissingDependencyError(
            f"Requirements from a uv project need uv >= "
            f"{'.'.join(map(str, _MIN_UV_VERSION))}; {binary} reports {found!r}: "
            "upgrade it (pip install -U uv)"
        )
    return binary


def _names(values: Sequence[str] | None, what: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str) or not all(isinstance(value, str) and value for value in values):
        raise InvalidParameterError(f"Invalid {what} {values!r}: pass a list of names")
    return list(values)


def _index_urls(lock_file: Path) -> list[str]:
    """The package indexes other than PyPI that the lock file names, as pip options."""
    urls = set(_REGISTRY.findall(lock_file.read_text(encoding="utf-8")))
    private = sorted(url for url in urls if url.rstrip("/").lower() not in _PYPI_INDEXES)
    return [f"--extra-index-url {url}" for url in private]


def export_uv_requirements(
    directory: str | Path,
    groups: Sequence[str] | None = None,
    extras: Sequence[str] | None = None,
) -> list[str]:
    """Return the pinned requirements of a uv project, from its lock file.

    Args:
        directory: The uv project directory (``uv.lock`` and ``pyproject.toml``).
        groups: Dependency groups to add (``uv export --group``).
        extras: Optional-dependency extras to add (``uv export --extra``).

    Returns:
        ``--extra-index-url`` lines for non-PyPI indexes, then the requirements, e.g.
        ``["numpy==2.3.1", "scikit-learn==1.7.0"]`` (environment markers kept).

    Raises:
        InvalidParameterError: Not a uv project, or bad ``groups`` / ``extras``.
        MissingDependencyError: No ``uv`` executable on PATH, or one that is too old.
        FlowtrackError: ``uv export`` failed (an unknown group or extra, a lock file that does
            not parse...).
    """
    project = uv_project(directory)
    command = [uv_binary(), "export", "--no-dev", "--no-hashes", "--frozen"]
    for group in _names(groups, "uv_groups"):
        command += ["--group", group]
    for extra in _names(extras, "uv_extras"):
        command += ["--extra", extra]
    command += ["--no-header", "--no-emit-project", "--no-annotate"]
    try:
        done = subprocess.run(
            command,
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
            timeout=_EXPORT_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        raise FlowtrackError(
            f"`uv export` in {str(project)!r} took longer than {_EXPORT_TIMEOUT_SECONDS}s"
        ) from exc
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise FlowtrackError(f"`uv export` failed in {str(project)!r}: {reason}")
    lines = [line.strip() for line in done.stdout.splitlines()]
    requirements = [line for line in lines if line and not line.startswith("#")]
    return _index_urls(project / _LOCK_FILE) + requirements


def copy_uv_project_files(source: str | Path, destination: str | Path) -> list[str]:
    """Copy a uv project's ``uv.lock``, ``pyproject.toml`` and ``.python-version`` (if any).

    Returns:
        The names of the files copied.

    Raises:
        InvalidParameterError: ``source`` is not a uv project.
    """
    project = uv_project(source)
    copied = []
    for name in UV_PROJECT_FILES:
        if (project / name).is_file():
            shutil.copy2(project / name, Path(destination) / name)
            copied.append(name)
    return copied
