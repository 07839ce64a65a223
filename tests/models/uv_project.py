"""A tiny uv project written into a test's directory, with its lock file written out in full.

``uv lock`` needs the package index to resolve; these tests run offline, so the lock file is the
one uv writes for this ``pyproject.toml`` (format version 1), with placeholder sdist hashes that
``uv export --no-hashes --frozen`` never checks.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

__all__ = ["use_uv", "write_uv_project"]

PYPROJECT = """\
[project]
name = "tiny"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["numpy"]

[project.optional-dependencies]
plots = ["matplotlib"]

[dependency-groups]
dev = ["pytest"]
serve = ["joblib"]
"""

_PACKAGE = """\
[[package]]
name = "{name}"
version = "{version}"
source = {{ registry = "{index}" }}
sdist = {{ url = "{index}/{name}-{version}.tar.gz", hash = "sha256:{digest}", size = 1 }}
"""

_PROJECT = """\
[[package]]
name = "tiny"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "numpy" },
]

[package.optional-dependencies]
plots = [
    { name = "matplotlib" },
]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
]
serve = [
    { name = "joblib" },
]

[package.metadata]
requires-dist = [
    { name = "matplotlib", marker = "extra == 'plots'" },
    { name = "numpy" },
]
provides-extras = ["plots"]

[package.metadata.requires-dev]
dev = [{ name = "pytest" }]
serve = [{ name = "joblib" }]
"""

#: The locked packages: name, version, and whether they come from the private index.
PACKAGES = [
    ("joblib", "1.5.1", False),
    ("matplotlib", "3.10.3", False),
    ("numpy", "2.3.1", True),
    ("pytest", "8.4.1", False),
]
PRIVATE_INDEX = "https://pkgs.example.com/simple"


def write_uv_project(directory: Path, python_version: str | None = "3.11") -> Path:
    """Write ``pyproject.toml``, ``uv.lock`` and ``.python-version`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(PYPROJECT)
    blocks = ['version = 1\nrevision = 3\nrequires-python = ">=3.11"\n']
    for position, (name, version, private) in enumerate(PACKAGES, start=1):
        index = PRIVATE_INDEX if private else "https://pypi.org/simple"
        digest = f"{position:064x}"
        blocks.append(_PACKAGE.format(name=name, version=version, index=index, digest=digest))
    blocks.append(_PROJECT)
    (directory / "uv.lock").write_text("\n".join(blocks))
    if python_version is not None:
        (directory / ".python-version").write_text(f"{python_version}\n")
    return directory


def use_uv(monkeypatch: pytest.MonkeyPatch) -> str:
    """Put the shared environment's ``uv`` on PATH, offline; fail when it is not installed."""
    import sys

    venv_bin = Path(sys.executable).parent
    found = shutil.which("uv") or shutil.which("uv", path=str(venv_bin))
    if found is None:
        pytest.fail("these tests need the uv executable (pip install uv)", pytrace=False)
    monkeypatch.setenv("PATH", f"{Path(found).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("UV_OFFLINE", "1")  # the lock file is used as it is: no index needed
    monkeypatch.setenv("UV_NO_CACHE", "1")
    return found
