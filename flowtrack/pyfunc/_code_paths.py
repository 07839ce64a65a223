"""``infer_code_paths``: ship the local modules a model imports in its ``code/`` directory.

As MLflow does, the saved model is loaded in a fresh Python process (in the current directory)
while every module it loads is recorded; each module that is a file under the current directory
(``pkg/mod.py``, or a package's ``pkg/__init__.py``) is copied into ``code/`` at the same
relative path, so ``code/`` on ``sys.path`` makes ``import pkg.mod`` work wherever the model is
loaded. Only those files are copied, never whole directories (which may hold other files, such
as credentials), and never flowtrack's own modules (from a source checkout), which the model's
environment installs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models._saving import CODE_DIR

__all__ = ["check_infer_code_paths", "infer_and_copy_code_paths", "local_module_files"]

#: Top-level packages a model's environment installs; never copied from a source checkout.
_INSTALLED = frozenset({"flowtrack", "mlflow"})


def check_infer_code_paths(infer_code_paths: bool, code_paths: Iterable[object] | None) -> None:
    """Refuse ``infer_code_paths=True`` with explicit ``code_paths`` (MLflow's rule).

    Raises:
        InvalidParameterError: Both were given.
    """
    if infer_code_paths and code_paths:
        raise InvalidParameterError(
            "infer_code_paths=True finds the model's code by itself; do not pass code_paths "
            f"({code_paths!r}) too"
        )


def _with_parents(modules: Iterable[str]) -> set[str]:
    names: set[str] = set()
    for module in modules:
        parts = module.split(".")
        names.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return names


def local_module_files(modules: Iterable[str], root: str | os.PathLike[str]) -> list[Path]:
    """Return the files under ``root`` that define ``modules`` (and their parent packages).

    Args:
        modules: Full module names (``"pkg.sub.mod"``).
        root: The directory the modules were imported from.

    Returns:
        Sorted paths relative to ``root``: ``pkg/sub/mod.py`` and ``pkg/__init__.py``...
    """
    base = Path(root)
    files: set[Path] = set()
    for module in _with_parents(modules):
        if module.partition(".")[0] in _INSTALLED:
            continue
        relative = Path(*module.split("."))
        if (base / relative / "__init__.py").is_file():
            files.add(relative / "__init__.py")
        if (base / relative.with_name(relative.name + ".py")).is_file():
            files.add(relative.with_name(relative.name + ".py"))
    return sorted(files)


def infer_and_copy_code_paths(model_dir: str, flavor: str) -> str | None:
    """Load the saved model, and copy the local module files it imports into ``code/``.

    Args:
        model_dir: The saved model (its ``MLmodel`` written, so it loads).
        flavor: The flavor to load it with.

    Returns:
        ``"code"`` when files were copied, else ``None``.

    Raises:
        FlowtrackError: Loading the model failed.
    """
    from flowtrack.models.inferred_requirements import captured_modules

    root = Path.cwd()
    modules = captured_modules(model_dir, flavor, full_names=True)
    files = local_module_files(modules, root)
    for relative in files:
        target = Path(model_dir, CODE_DIR, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, target)
    return CODE_DIR if files else None
