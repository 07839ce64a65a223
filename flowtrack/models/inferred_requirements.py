"""``infer_pip_requirements``: the packages a saved model imports when it is loaded.

As MLflow does, the model is loaded in a fresh Python process while every ``import`` is recorded;
the top-level modules are mapped to their installed distributions (standard library and
flowtrack itself left out) and pinned to the installed versions. Loading runs in a subprocess so
the caller's interpreter (with its modules already imported) does not hide any of them. A named
uv project replaces the capture: its lock file's requirements are exported
(``flowtrack.models._uv``).
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import yaml

from flowtrack.exceptions import FlowtrackError, InvalidParameterError
from flowtrack.models.requirements import pinned_requirement

__all__ = ["captured_modules", "infer_pip_requirements", "requirements_for_modules"]

_LOGGER = logging.getLogger("flowtrack.models")
#: How long loading the model may take when no timeout is given.
_TIMEOUT_SECONDS = 600.0
# Run in the subprocess: load the model with its flavor while recording every import (the
# top-level names, or with "full" every module loaded, submodules included).
_CAPTURE_SCRIPT = """
import builtins, importlib, json, sys
path, flavor, out, mode = sys.argv[1:5]
module = "flowtrack.pyfunc" if flavor == "python_function" else "flowtrack." + flavor
loader = importlib.import_module(module)
seen = set()
original = builtins.__import__
def recording(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name:
        seen.add(name.partition(".")[0])
    return original(name, globals, locals, fromlist, level)
before = set(sys.modules)
builtins.__import__ = recording
try:
    loader.load_model(path)
finally:
    builtins.__import__ = original
loaded = set(sys.modules) - before
seen.update(loaded if mode == "full" else (name.partition(".")[0] for name in loaded))
with open(out, "w") as fh:
    json.dump(sorted(seen), fh)
"""


def requirements_for_modules(modules: Iterable[str]) -> list[str]:
    """Map top-level module names to pinned requirements of their installed distributions.

    Args:
        modules: Top-level module names (``"sklearn"``, ``"numpy"``...).

    Returns:
        Sorted ``"<distribution>==<version>"`` lines; standard-library modules, flowtrack and
        modules of no installed distribution are left out.
    """
    owners = importlib.metadata.packages_distributions()
    distributions: set[str] = set()
    for module in modules:
        if module in sys.stdlib_module_names or module.startswith("_"):
            continue
        distributions.update(owners.get(module, ()))
    distributions.discard("flowtrack")
    return sorted(pinned_requirement(name) for name in distributions)


def captured_modules(
    local_path: str,
    flavor: str,
    timeout: float = _TIMEOUT_SECONDS,
    extra_env_vars: Mapping[str, str] | None = None,
    full_names: bool = False,
) -> list[str]:
    """Load a local model in a fresh Python process; return the modules loading it imports.

    The process runs in the current directory, so modules there are importable as they are
    to the caller.

    Args:
        local_path: The model directory.
        flavor: The flavor to load it with (``"sklearn"``, ``"python_function"``).
        timeout: Seconds the loading may take.
        extra_env_vars: Environment variables added to the process's environment.
        full_names: Every module loaded (``"pkg.sub.mod"``) instead of top-level names only.

    Returns:
        The sorted module names.

    Raises:
        FlowtrackError: Loading failed or took longer than ``timeout``.
    """
    env = {**os.environ, **(extra_env_vars or {})}
    mode = "full" if full_names else "top"
    with tempfile.TemporaryDirectory(prefix="flowtrack-infer-") as tmp:
        out = os.path.join(tmp, "modules.json")
        try:
            done = subprocess.run(
                [sys.executable, "-c", _CAPTURE_SCRIPT, local_path, flavor, out, mode],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env=env,
            )
        except subprocess.TimeoutExpired as exc:
            raise FlowtrackError(
                f"Loading the model with the {flavor!r} flavor took longer than the timeout "
                f"of {timeout:g}s while inferring its requirements"
            ) from exc
        if done.returncode != 0:
            last_line = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise FlowtrackError(
                f"Loading the model with the {flavor!r} flavor failed while inferring its "
                f"requirements: {last_line}"
            )
        with open(out, encoding="utf-8") as fh:
            modules: list[str] = json.load(fh)
    return modules


def _checked_timeout(timeout: float | None) -> float:
    if timeout is None:
        return _TIMEOUT_SECONDS
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise InvalidParameterError(
            f"Invalid timeout {timeout!r}: pass a positive number of seconds, or None for "
            f"the default of {_TIMEOUT_SECONDS:g}s"
        )
    return float(timeout)


def _checked_env_vars(extra_env_vars: Mapping[str, str] | None) -> dict[str, str] | None:
    if extra_env_vars is None:
        return None
    if not isinstance(extra_env_vars, Mapping) or not all(
        isinstance(key, str) and key and isinstance(value, str)
        for key, value in extra_env_vars.items()
    ):
        raise InvalidParameterError(
            f"Invalid extra_env_vars {extra_env_vars!r}: pass a dict of variable names to "
            "string values"
        )
    return dict(extra_env_vars)


def infer_pip_requirements(
    model_uri: str,
    flavor: str,
    fallback: list[str] | None = None,
    timeout: float | None = None,
    extra_env_vars: Mapping[str, str] | None = None,
    uv_project_dir: str | Path | None = None,
    uv_groups: Sequence[str] | None = None,
    uv_extras: Sequence[str] | None = None,
) -> list[str]:
    """Infer a model's pip requirements by loading it and recording what it imports.

    With ``uv_project_dir``, the requirements are instead those of that uv project's lock file
    (``uv export --frozen --no-dev --no-hashes``, plus ``uv_groups`` and ``uv_extras``),
    preceded by ``--extra-index-url`` lines for packages locked from an index other than PyPI,
    as MLflow does. Unlike MLflow, flowtrack does not look for a uv project in the current
    directory by itself, and a uv project that cannot be exported is an error, not a silent
    fall-back to import capture.

    Args:
        model_uri: A local path, ``runs:/<run_id>/<path>``, ``models:/<name>/<version>``...
        flavor: The flavor to load it with, as named in its ``MLmodel`` (``"sklearn"``,
            ``"python_function"``).
        fallback: Returned (with a warning) when inference fails; ``None`` to raise instead.
        timeout: Seconds loading the model may take (default 600); past it, inference fails.
        extra_env_vars: Environment variables added to the process that loads the model.
        uv_project_dir: A uv project directory (``uv.lock`` and ``pyproject.toml``) to take
            the requirements from; needs the ``uv`` executable (>= 0.6.10) on PATH.
        uv_groups: uv dependency groups to include (``uv export --group``).
        uv_extras: Optional-dependency extras to include (``uv export --extra``).

    Returns:
        Pinned requirements, e.g. ``["numpy==2.3.1", "scikit-learn==1.7.0", ...]``.

    Raises:
        InvalidParameterError: The model has no such flavor (without a fallback); a bad
            ``timeout`` or ``extra_env_vars``; ``uv_groups`` / ``uv_extras`` without
            ``uv_project_dir``; ``uv_project_dir`` is not a uv project.
        FlowtrackError: Loading the model failed or timed out (without a fallback); ``uv
            export`` failed.
        MissingDependencyError: ``uv_project_dir`` but no (recent enough) ``uv`` on PATH.

    Example:
        >>> flowtrack.models.infer_pip_requirements(f"runs:/{run_id}/model", "sklearn")
        ['joblib==1.5.1', 'numpy==2.3.1', 'scikit-learn==1.7.0', 'scipy==1.16.0', ...]
    """
    from flowtrack.models.uri import download_model

    seconds = _checked_timeout(timeout)
    env_vars = _checked_env_vars(extra_env_vars)
    if uv_project_dir is not None:
        from flowtrack.models._uv import export_uv_requirements

        return export_uv_requirements(uv_project_dir, groups=uv_groups, extras=uv_extras)
    if uv_groups or uv_extras:
        raise InvalidParameterError(
            f"uv_groups={uv_groups!r} / uv_extras={uv_extras!r} select parts of a uv project's "
            "lock file: pass uv_project_dir too"
        )
    try:
        with tempfile.TemporaryDirectory(prefix="flowtrack-infer-model-") as tmp:
            local = download_model(model_uri, tmp)
            with open(os.path.join(local, "MLmodel"), encoding="utf-8") as fh:
                flavors = (yaml.safe_load(fh) or {}).get("flavors") or {}
            if flavor not in flavors:
                raise InvalidParameterError(
                    f"Invalid flavor {flavor!r}: the model at {model_uri!r} has the flavors "
                    f"{sorted(flavors)}"
                )
            return requirements_for_modules(captured_modules(local, flavor, seconds, env_vars))
    except (FlowtrackError, OSError) as exc:
        if fallback is None:
            raise
        _LOGGER.warning(
            "Inferring the requirements of %r failed (%s); using the fallback %s",
            model_uri,
            exc,
            fallback,
        )
        return list(fallback)
