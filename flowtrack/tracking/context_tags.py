"""System tags recorded on every run the fluent API creates, with MLflow's keys.

``start_run`` merges :func:`system_tags`, then the tags of installed run context providers
(:mod:`flowtrack.tracking.context_providers`), under the user's tags (user tags win). System tags
say who ran the code (``mlflow.user``), which script or notebook (``mlflow.source.name`` /
``mlflow.source.type``) and, when that source lives in a git work tree, which commit
(``mlflow.source.git.commit``).

The commit is read from the repository's files (``HEAD``, loose refs, ``packed-refs``), never by
running ``git``: no subprocess per run, and no dependency on git being installed. Worktrees and
submodules (whose ``.git`` is a file pointing elsewhere) and detached heads are handled.
"""

from __future__ import annotations

import functools
import getpass
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flowtrack.entities.tags import (
    MLFLOW_AUTOLOGGING,
    MLFLOW_GIT_COMMIT,
    MLFLOW_PARENT_RUN_ID,
    MLFLOW_RUN_NAME,
    MLFLOW_RUN_NOTE,
    MLFLOW_SOURCE_NAME,
    MLFLOW_SOURCE_TYPE,
    MLFLOW_USER,
)

__all__ = [
    "MLFLOW_AUTOLOGGING",
    "MLFLOW_GIT_COMMIT",
    "MLFLOW_PARENT_RUN_ID",
    "MLFLOW_RUN_NAME",
    "MLFLOW_RUN_NOTE",
    "MLFLOW_SOURCE_NAME",
    "MLFLOW_SOURCE_TYPE",
    "MLFLOW_USER",
    "git_commit",
    "resolve_tags",
    "source_info",
    "system_tags",
    "user_name",
]


#: ``mlflow.source.name`` for code typed at an interactive prompt or passed with ``python -c``.
CONSOLE_SOURCE = "<console>"
#: ``mlflow.source.name`` for a notebook whose path the kernel does not know.
NOTEBOOK_SOURCE = "<notebook>"

_SHA_RE = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")  # SHA-1 or SHA-256 object names
_MAX_SYMREF_DEPTH = 5


def user_name() -> str:
    """Return the login name of the current user, or ``"unknown"`` when it cannot be found.

    Returns:
        ``getpass.getuser()``; containers without a passwd entry or ``$USER`` get ``"unknown"``.

    Example:
        >>> isinstance(user_name(), str)
        True
    """
    try:
        return getpass.getuser() or "unknown"
    except (KeyError, OSError, ImportError):  # no passwd entry, no pwd module (some platforms)
        return "unknown"


def _notebook_path() -> str | None:
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return None
    # Jupyter Server 2 tells kernels their notebook; VS Code sets __vsc_ipynb_file__.
    user_ns = getattr(shell, "user_ns", {})
    path = os.environ.get("JPY_SESSION_NAME") or user_ns.get("__vsc_ipynb_file__")
    return str(path) if path else NOTEBOOK_SOURCE


def source_info() -> tuple[str, str, str]:
    """Describe the code that is running.

    Returns:
        ``(source name, source type, directory)``: the script's absolute path and ``"LOCAL"``;
        a notebook's path (or ``"<notebook>"``) and ``"NOTEBOOK"``; ``"<console>"`` and
        ``"LOCAL"`` at an interactive prompt or under ``python -c``. The directory is where the
        git commit is looked for (the script's or notebook's directory, else the working one).

    Example:
        >>> name, source_type, directory = source_info()
        >>> source_type in ("LOCAL", "NOTEBOOK")
        True
    """
    notebook = _notebook_path()
    if notebook is not None:
        directory = (
            os.path.dirname(os.path.abspath(notebook)) if notebook != NOTEBOOK_SOURCE else ""
        )
        return notebook, "NOTEBOOK", directory or os.getcwd()
    # __main__.__file__ is absolute (Python >= 3.9), so it survives a later os.chdir().
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if not (isinstance(main, str) and os.path.isfile(main)):
        main = sys.argv[0] if sys.argv else ""
    if main in ("", "-c"):
        return CONSOLE_SOURCE, "LOCAL", os.getcwd()
    path = os.path.abspath(main)
    return path, "LOCAL", os.path.dirname(path)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _git_dirs(start: Path) -> tuple[Path, Path] | None:
    """Find ``(git dir, common dir)`` for the work tree containing ``start``."""
    for directory in (start, *start.parents):
        dot_git = directory / ".git"
        if dot_git.is_dir():
            git_dir = dot_git
        elif dot_git.is_file():
            # Worktrees and submodules: ".git" holds "gitdir: <path>", relative to its folder.
            content = _read(dot_git) or ""
            if not content.startswith("gitdir:"):
                continue
            git_dir = (directory / content.removeprefix("gitdir:").strip()).resolve()
        else:
            continue
        # A worktree's git dir keeps HEAD; branches and packed-refs live in the "commondir".
        common = _read(git_dir / "commondir")
        return git_dir, (git_dir / common).resolve() if common else git_dir
    return None


def _packed_ref(common_dir: Path, ref: str) -> str | None:
    packed = _read(common_dir / "packed-refs")
    for line in (packed or "").splitlines():
        if line.startswith(("#", "^")):  # header, peeled tag target
            continue
        sha, _, name = line.partition(" ")
        if name.strip() == ref and _SHA_RE.match(sha):
            return sha
    return None


def _resolve_ref(git_dir: Path, common_dir: Path, ref: str) -> str | None:
    for _ in range(_MAX_SYMREF_DEPTH):
        content = _read(git_dir / ref) or _read(common_dir / ref)
        if content is None:
            return _packed_ref(common_dir, ref)
        if not content.startswith("ref:"):
            return content if _SHA_RE.match(content) else None
        ref = content.removeprefix("ref:").strip()
    return None


@functools.lru_cache(maxsize=64)
def git_commit(directory: str) -> str | None:
    """Return the commit checked out in the git work tree containing ``directory``.

    Results are cached per directory for the life of the process.

    Args:
        directory: Any directory inside the work tree.

    Returns:
        The full commit hash, or ``None`` outside a work tree, in a repository without commits,
        or when the repository's files cannot be read.

    Example:
        >>> git_commit("/") is None or len(git_commit("/")) == 40
        True
    """
    found = _git_dirs(Path(directory).resolve())
    if found is None:
        return None
    git_dir, common_dir = found
    head = _read(git_dir / "HEAD")
    if head is None:
        return None
    if head.startswith("ref:"):
        return _resolve_ref(git_dir, common_dir, head.removeprefix("ref:").strip())
    return head if _SHA_RE.match(head) else None  # detached HEAD


def system_tags() -> dict[str, str]:
    """Return the system tags for a new run: user, source name and type, git commit.

    Returns:
        A dict with ``mlflow.user``, ``mlflow.source.name``, ``mlflow.source.type`` and, inside
        a git work tree, ``mlflow.source.git.commit``.

    Example:
        >>> {"mlflow.user", "mlflow.source.name", "mlflow.source.type"} <= set(system_tags())
        True
    """
    name, source_type, directory = source_info()
    tags = {MLFLOW_USER: user_name(), MLFLOW_SOURCE_NAME: name, MLFLOW_SOURCE_TYPE: source_type}
    commit = git_commit(directory)
    if commit is not None:
        tags[MLFLOW_GIT_COMMIT] = commit
    return tags


def resolve_tags(tags: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Merge the system tags, the run context providers' tags and the user's tags.

    Later sources win, as in MLflow: providers override system tags, user tags override both.

    Args:
        tags: The user's tags; values are converted with ``str``.

    Returns:
        The tags to create the run with.

    Example:
        >>> resolve_tags({"mlflow.user": "ci"})["mlflow.user"]
        'ci'
    """
    from flowtrack.tracking.context_providers import provider_tags

    resolved = system_tags()
    resolved.update(provider_tags())
    if tags:
        resolved.update({key: str(value) for key, value in tags.items()})
    return resolved
