"""pip requirements of a model: pinned to the versions installed when it was saved.

A flavor names the packages it needs (scikit-learn and the serialization library for
``flowtrack.sklearn``; cloudpickle for custom ``PythonModel`` s), each pinned to the installed
version (``scikit-learn==1.9.1``; local version labels such as ``+cpu`` are dropped, as pip
cannot install them from an index). For pickled models, :func:`infer_pickle_requirements` adds
every installed distribution whose modules the pickle refers to, read from the pickle's opcodes
without loading it (so nothing runs).

Users adjust the result like in MLflow: ``pip_requirements`` replaces it, ``extra_pip_requirements``
adds to it (and wins over the defaults for the same package). Both take a list of requirement
strings or the path of a requirements file; ``-c <file>`` lines become constraints
(``constraints.txt``), ``-r <file>`` lines are read in place.
"""

from __future__ import annotations

import importlib.metadata
import os
import pickletools
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from flowtrack.exceptions import InvalidParameterError

__all__ = [
    "Requirements",
    "canonical_name",
    "infer_pickle_requirements",
    "installed_version",
    "pinned_requirement",
    "process_requirements",
]

_NAME_RE = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
# Top-level modules that never need a pip requirement (the interpreter provides them).
_NOT_DISTRIBUTIONS = frozenset({"__main__", "__builtin__", "builtins", "copy_reg", "copyreg"})


@dataclass(frozen=True, slots=True)
class Requirements:
    """The result of :func:`process_requirements`.

    Attributes:
        requirements: pip requirement lines for ``requirements.txt`` (with ``-c constraints.txt``
            last when there are constraints).
        constraints: Lines for ``constraints.txt``; empty when there are none.
    """

    requirements: list[str]
    constraints: list[str] = field(default_factory=list)


def canonical_name(requirement: str) -> str | None:
    """Return the PEP 503 normalized package name of a requirement line, or ``None``.

    Example:
        >>> canonical_name("Scikit_Learn[extra]>=1.4")
        'scikit-learn'
    """
    if requirement.lstrip().startswith(("-", ".", "/", "git+", "http:", "https:", "file:")):
        return None
    match = _NAME_RE.match(requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else None


def installed_version(package: str) -> str | None:
    """Return the installed version of a distribution, without a local label, or ``None``."""
    try:
        version = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None
    return version.split("+", 1)[0]


def pinned_requirement(package: str) -> str:
    """Return ``"<package>==<installed version>"``.

    Raises:
        InvalidParameterError: The distribution is not installed.

    Example:
        >>> pinned_requirement("cloudpickle")
        'cloudpickle==3.1.2'
    """
    version = installed_version(package)
    if version is None:
        raise InvalidParameterError(
            f"Cannot pin the requirement {package!r}: the distribution is not installed"
        )
    return f"{package}=={version}"


def _read_lines(items: str | os.PathLike[str] | Iterable[str], what: str) -> tuple[list[str], str]:
    """Return the requirement lines and the directory that ``-r``/``-c`` paths are relative to."""
    if isinstance(items, str | os.PathLike):
        path = os.fspath(items)
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().splitlines(), os.path.dirname(os.path.abspath(path))
        except OSError as exc:
            raise InvalidParameterError(
                f"Invalid {what} {path!r}: cannot read the requirements file ({exc})"
            ) from exc
    lines = list(items)
    if not all(isinstance(line, str) for line in lines):
        raise InvalidParameterError(
            f"Invalid {what} {lines!r}: expected requirement strings (e.g. 'scikit-learn>=1.4') "
            "or the path of a requirements file"
        )
    return lines, os.getcwd()


def _parse(
    items: str | os.PathLike[str] | Iterable[str], what: str, seen: frozenset[str] = frozenset()
) -> tuple[list[str], list[str]]:
    lines, base = _read_lines(items, what)
    requirements: list[str] = []
    constraints: list[str] = []
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        flag, _, target = line.partition(" ")
        if flag in ("-r", "--requirement", "-c", "--constraint"):
            path = os.path.join(base, target.strip())
            if path in seen:
                raise InvalidParameterError(f"Invalid {what}: {path!r} includes itself")
            reqs, cons = _parse(path, what, seen | {path})
            if flag in ("-c", "--constraint"):
                constraints += reqs + cons
            else:
                requirements += reqs
                constraints += cons
        else:
            requirements.append(line)
    return requirements, constraints


def _merge(defaults: list[str], overrides: list[str]) -> list[str]:
    """Defaults then overrides; an override replaces a default for the same package."""
    names = {canonical_name(line) for line in overrides} - {None}
    kept = [line for line in defaults if canonical_name(line) not in names]
    merged: list[str] = []
    for line in kept + overrides:
        if line not in merged:
            merged.append(line)
    return merged


def process_requirements(
    defaults: Iterable[str],
    pip_requirements: str | os.PathLike[str] | Iterable[str] | None = None,
    extra_pip_requirements: str | os.PathLike[str] | Iterable[str] | None = None,
) -> Requirements:
    """Combine a flavor's default requirements with the user's, as MLflow does.

    Args:
        defaults: The flavor's pinned requirements.
        pip_requirements: Replace the defaults entirely.
        extra_pip_requirements: Add to the defaults (an entry replaces a default for the same
            package).

    Returns:
        The requirement lines and the constraints.

    Raises:
        InvalidParameterError: Both overrides are given, or one is not a list of strings or a
            readable requirements file.

    Example:
        >>> process_requirements(["scikit-learn==1.9.1"], extra_pip_requirements=["pandas"])
        Requirements(requirements=['scikit-learn==1.9.1', 'pandas'], constraints=[])
    """
    if pip_requirements is not None and extra_pip_requirements is not None:
        raise InvalidParameterError(
            "Only one of pip_requirements and extra_pip_requirements can be given: "
            "pip_requirements replaces the default requirements, extra_pip_requirements adds to "
            "them"
        )
    base = _merge([], list(defaults))
    if pip_requirements is not None:
        requirements, constraints = _parse(pip_requirements, "pip_requirements")
        requirements = _merge([], requirements)
    elif extra_pip_requirements is not None:
        extra, constraints = _parse(extra_pip_requirements, "extra_pip_requirements")
        requirements = _merge(base, extra)
    else:
        requirements, constraints = base, []
    if constraints:
        requirements.append("-c constraints.txt")
    return Requirements(requirements=requirements, constraints=constraints)


def _pickle_modules(path: str) -> set[str]:
    """Return the top-level modules a pickle file refers to (GLOBAL/STACK_GLOBAL opcodes)."""
    modules: set[str] = set()
    strings: list[str] = []  # recent string pushes, for STACK_GLOBAL
    memo: dict[int, str] = {}
    with open(path, "rb") as f:
        for opcode, arg, _ in pickletools.genops(f):
            name = opcode.name
            if name == "GLOBAL" and isinstance(arg, str):
                modules.add(arg.split(" ", 1)[0].split(".", 1)[0])
            elif name == "STACK_GLOBAL" and len(strings) >= 2:
                modules.add(strings[-2].split(".", 1)[0])
            elif name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"):
                strings.append(str(arg))
            elif name == "MEMOIZE" and strings:
                memo[len(memo)] = strings[-1]
            elif name in ("BINPUT", "LONG_BINPUT", "PUT") and strings and isinstance(arg, int):
                memo[arg] = strings[-1]
            elif name in ("BINGET", "LONG_BINGET", "GET") and isinstance(arg, int):
                strings.append(memo.get(arg, ""))
    return modules


def infer_pickle_requirements(path: str | os.PathLike[str]) -> list[str]:
    """Return pinned requirements for the installed distributions a pickle file refers to.

    The pickle is read as opcodes, never loaded. Standard-library modules and modules that
    belong to no installed distribution (``__main__``, the user's own files) are left out.

    Args:
        path: A pickle or cloudpickle file.

    Returns:
        Sorted ``"<distribution>==<version>"`` lines; ``[]`` if the file cannot be read.
    """
    try:
        modules = _pickle_modules(os.fspath(path))
    except (OSError, ValueError, EOFError):
        return []
    distributions = importlib.metadata.packages_distributions()
    found: set[str] = set()
    for module in modules - _NOT_DISTRIBUTIONS:
        if module in sys.stdlib_module_names or module.startswith("_"):
            continue
        for dist in distributions.get(module, []):
            version = installed_version(dist)
            if version is not None:
                found.add(f"{canonical_name(dist)}=={version}")
    return sorted(found)
