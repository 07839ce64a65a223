"""What flowtrack loads without being told to trust a model, and what it refuses.

Loading a model runs code: pickle and cloudpickle files run whatever their author put in them,
a ``loader_module`` is imported and called, ``code`` directories go on ``sys.path``. Only load
models from people you trust. The checks here narrow what an ``MLmodel`` file alone can make
flowtrack do; a caller lifts them with ``trust_model=True``:

1. **Known loaders only.** ``python_function.loader_module`` must be one flowtrack implements
   (:data:`KNOWN_LOADER_MODULES`: MLflow's ``mlflow.sklearn`` and ``mlflow.pyfunc.model`` and
   flowtrack's own names). Any other module would be imported and run.
2. **Confined paths.** Every file an ``MLmodel`` names (``data``, ``model_path``,
   ``pickled_model``, ``python_model``, ``code``, ``model_code_path``, ``artifacts``, ``env``)
   must be a relative path that stays inside the model directory: no absolute paths, no ``..``,
   no symbolic link that leads out. Otherwise a model could load a pickle planted elsewhere.
3. **skops types.** A skops file loads only types skops trusts by default plus the
   ``skops_trusted_types`` its ``MLmodel`` records. Those are written by whoever wrote the model
   directory, so flowtrack honors a recorded name only when it is a *class* defined in
   scikit-learn, NumPy or SciPy (outside their test modules); functions and other packages'
   types need ``trust_model=True``.

Each refusal is a :class:`~flowtrack.exceptions.PermissionDeniedError` that names the value and
the ``trust_model=True`` flag.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from flowtrack.exceptions import InvalidParameterError, PermissionDeniedError

__all__ = [
    "KNOWN_LOADER_MODULES",
    "PYFUNC_FLAVOR",
    "check_loader_module",
    "check_model_paths",
    "check_skops_trusted_types",
    "confined_path",
    "implementation_module",
    "is_vetted_skops_type",
]

PYFUNC_FLAVOR = "python_function"

#: ``loader_module`` values flowtrack loads itself -> the flowtrack module implementing them.
KNOWN_LOADER_MODULES: Mapping[str, str] = MappingProxyType(
    {
        "mlflow.sklearn": "flowtrack.sklearn._flavor",
        "flowtrack.sklearn": "flowtrack.sklearn._flavor",
        "mlflow.pyfunc.model": "flowtrack.pyfunc.model",
        "flowtrack.pyfunc.model": "flowtrack.pyfunc.model",
    }
)

#: Flavor keys whose values are paths inside the model directory.
_PATH_KEYS = ("data", "model_path", "pickled_model", "python_model", "code", "model_code_path")
_SKOPS_TRUSTED_ROOTS = ("sklearn", "numpy", "scipy")
_TRUST_HINT = "pass trust_model=True only if you trust whoever wrote this model"


def implementation_module(loader_module: str) -> str | None:
    """Return the flowtrack module implementing a known ``loader_module``, else ``None``."""
    return KNOWN_LOADER_MODULES.get(loader_module)


def check_loader_module(loader_module: Any, trust_model: bool) -> str:
    """Return the module to import for ``loader_module``: flowtrack's own, or (trusted) itself.

    Raises:
        InvalidParameterError: ``loader_module`` is not a module name.
        PermissionDeniedError: It is not a known flavor and ``trust_model`` is false.
    """
    if not isinstance(loader_module, str) or not all(
        part.isidentifier() for part in loader_module.split(".")
    ):
        raise InvalidParameterError(
            f"Invalid loader_module {loader_module!r} in MLmodel: expected a dotted module name "
            f"such as {sorted(KNOWN_LOADER_MODULES)[0]!r}"
        )
    known = implementation_module(loader_module)
    if known is not None:
        return known
    if not trust_model:
        raise PermissionDeniedError(
            f"Refusing to load a model with loader_module {loader_module!r}: flowtrack loads "
            f"only the known flavors {sorted(KNOWN_LOADER_MODULES)}, and importing another "
            f"module runs its code; {_TRUST_HINT}"
        )
    return loader_module


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def confined_path(model_dir: str, relative: Any, what: str, trust_model: bool) -> str:
    """Return ``<model_dir>/<relative>`` after checking that it stays inside ``model_dir``.

    Args:
        model_dir: The local model directory.
        relative: The path from ``MLmodel``.
        what: What the path is, for messages (``"sklearn.pickled_model"``).
        trust_model: Skip the confinement checks.

    Raises:
        InvalidParameterError: ``relative`` is not a non-empty string.
        PermissionDeniedError: The path is absolute, has ``..`` or leads out through a link,
            and ``trust_model`` is false.
    """
    if not isinstance(relative, str) or not relative.strip():
        raise InvalidParameterError(
            f"Invalid {what} {relative!r} in MLmodel: expected a relative path inside the model "
            "directory"
        )
    joined = os.path.join(model_dir, relative)
    if trust_model:
        return joined
    parts = relative.replace("\\", "/").split("/")
    root = os.path.realpath(model_dir)
    escapes = (
        os.path.isabs(relative)
        or relative.startswith(("/", "\\"))
        or (len(relative) > 1 and relative[1] == ":")
        or ".." in parts
        or not _within(os.path.realpath(joined), root)
    )
    if escapes:
        raise PermissionDeniedError(
            f"Refusing to load a model whose {what} {relative!r} leaves the model directory "
            f"{model_dir!r}: MLmodel paths must be relative, without '..', and must not lead "
            f"out through symbolic links; {_TRUST_HINT}"
        )
    return joined


def _referenced_paths(flavors: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for flavor, conf in flavors.items():
        if not isinstance(conf, Mapping):
            continue
        for key in _PATH_KEYS:
            if conf.get(key) is not None:
                yield f"{flavor}.{key}", conf[key]
        artifacts = conf.get("artifacts")
        if isinstance(artifacts, Mapping):
            for name, info in artifacts.items():
                path = info.get("path") if isinstance(info, Mapping) else info
                yield f"{flavor}.artifacts[{name!r}].path", path
        env = conf.get("env")
        if isinstance(env, str):
            yield f"{flavor}.env", env
        elif isinstance(env, Mapping):
            for name, path in env.items():
                yield f"{flavor}.env.{name}", path


def check_model_paths(model_dir: str, flavors: Mapping[str, Any], trust_model: bool) -> None:
    """Check every path the flavors of an ``MLmodel`` name (see :func:`confined_path`).

    Raises:
        InvalidParameterError: A path is not a string.
        PermissionDeniedError: A path leaves the model directory and ``trust_model`` is false.
    """
    for what, path in _referenced_paths(flavors):
        confined_path(model_dir, path, what, trust_model)
    # The model directory itself must not be a link farm leading out: check its files too.
    if not trust_model:
        root = os.path.realpath(model_dir)
        for dirpath, dirnames, filenames in os.walk(model_dir):
            for name in dirnames + filenames:
                full = os.path.join(dirpath, name)
                if os.path.islink(full) and not _within(os.path.realpath(full), root):
                    raise PermissionDeniedError(
                        f"Refusing to load a model whose file {os.path.relpath(full, model_dir)!r}"
                        f" is a symbolic link out of the model directory {model_dir!r}; "
                        f"{_TRUST_HINT}"
                    )


def _resolve(name: str) -> object | None:
    """Import the longest importable module prefix of ``name`` and return the named object."""
    parts = name.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        except Exception:  # a module that fails to import is not a type we vouch for
            return None
        try:
            for attribute in parts[split:]:
                obj = getattr(obj, attribute)
        except AttributeError:
            return None
        return obj
    return None


def is_vetted_skops_type(name: str) -> bool:
    """Return whether flowtrack trusts a recorded skops type name without ``trust_model``."""
    parts = name.split(".")
    if parts[0] not in _SKOPS_TRUSTED_ROOTS or not all(p.isidentifier() for p in parts):
        return False
    if any(part in ("testing", "tests", "conftest") for part in parts):
        return False
    return isinstance(_resolve(name), type)


def check_skops_trusted_types(names: Any, trust_model: bool) -> list[str]:
    """Return the ``skops_trusted_types`` recorded in ``MLmodel``, after the trust policy.

    Raises:
        InvalidParameterError: ``names`` is not a list of strings.
        PermissionDeniedError: A name is not a scikit-learn/NumPy/SciPy class and
            ``trust_model`` is false.
    """
    if names is None:
        return []
    if not isinstance(names, Iterable) or isinstance(names, str | bytes):
        raise InvalidParameterError(
            f"Invalid skops_trusted_types {names!r} in MLmodel: expected a list of type names"
        )
    listed = list(names)
    if not all(isinstance(name, str) for name in listed):
        raise InvalidParameterError(
            f"Invalid skops_trusted_types {listed!r} in MLmodel: expected a list of type names "
            "such as 'sklearn.tree._tree.Tree'"
        )
    if not trust_model:
        refused = [name for name in listed if not is_vetted_skops_type(name)]
        if refused:
            raise PermissionDeniedError(
                f"Refusing to trust the skops types {refused} that this model's MLmodel lists: "
                f"flowtrack honors only classes from {list(_SKOPS_TRUSTED_ROOTS)} without "
                f"trust_model=True, because whoever wrote the model chose this list; "
                f"{_TRUST_HINT}"
            )
    return listed
