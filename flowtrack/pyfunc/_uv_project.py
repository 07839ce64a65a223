"""A pyfunc model's requirements from a uv project (``uv_project_path``), as MLflow does."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flowtrack.exceptions import InvalidParameterError

__all__ = ["check_uv_project", "uv_requirements"]


def check_uv_project(
    uv_project_path: str | Path | None,
    uv_groups: Sequence[str] | None,
    uv_extras: Sequence[str] | None,
    exports: bool,
) -> None:
    """Check the uv arguments before anything is saved.

    Args:
        uv_project_path, uv_groups, uv_extras: As given to ``save_model``.
        exports: Whether the requirements will be exported from the project (no
            ``pip_requirements`` or ``conda_env`` given), which needs ``uv``.

    Raises:
        InvalidParameterError: ``uv_groups`` / ``uv_extras`` without ``uv_project_path``, or a
            directory without ``uv.lock`` and ``pyproject.toml``.
        MissingDependencyError: ``exports`` but no (recent enough) ``uv`` on PATH.
    """
    from flowtrack.models._uv import uv_binary, uv_project

    if uv_project_path is None:
        if uv_groups or uv_extras:
            raise InvalidParameterError(
                f"uv_groups={uv_groups!r} / uv_extras={uv_extras!r} select parts of a uv "
                "project's lock file: pass uv_project_path too"
            )
        return
    uv_project(uv_project_path)
    if exports:
        uv_binary()


def uv_requirements(
    uv_project_path: str | Path,
    uv_groups: Sequence[str] | None,
    uv_extras: Sequence[str] | None,
    defaults: Sequence[str],
) -> list[str]:
    """The model's default requirements: the uv project's locked ones plus ``defaults``.

    ``--extra-index-url`` lines come first, as pip options do in a requirements file.
    """
    from flowtrack.models._uv import export_uv_requirements

    exported = export_uv_requirements(uv_project_path, groups=uv_groups, extras=uv_extras)
    options = [line for line in exported if line.startswith("-")]
    packages = {line for line in exported if not line.startswith("-")} | set(defaults)
    return options + sorted(packages)
