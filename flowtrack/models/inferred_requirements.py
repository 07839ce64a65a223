"""``infer_pip_requirements``: the packages a saved model imports when it is loaded.

As MLflow does, the model is loaded in a fresh Python process while every ``import`` is recorded;
the top-level modules are mapped to their installed distributions (standard library and
flowtrack itself left out) and pinned to the installed versions. Loading runs in a subprocess so
the caller's interpreter (with its modules already imported) does not hide any of them.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable

import yaml

from flowtrack.exceptions import FlowtrackError, InvalidParameterError
from flowtrack.models.requirements import pinned_requirement

__all__ = ["infer_pip_requirements", "requirements_for_modules"]

_LOGGER = logging.getLogger("flowtrack.models")
_TIMEOUT_SECONDS = 600
# Run in the subprocess: load the model with its flavor while recording every import.
_CAPTURE_SCRIPT = """
import builtins, importlib, json, sys
path, flavor, out = sys.argv[1:4]
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
seen.update(name.partition(".")[0] for name in set(sys.modules) - before)
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


def _captured_modules(local_path: str, flavor: str) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="flowtrack-infer-") as tmp:
        out = os.path.join(tmp, "modules.json")
        done = subprocess.run(
            [sys.executable, "-c", _CAPTURE_SCRIPT, local_path, flavor, out],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            last_line = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise FlowtrackError(
                f"Loading the model with the {flavor!r} flavor failed while inferring its "
                f"requirements: {last_line}"
            )
        with open(out, encoding="utf-8") as fh:
            modules: list[str] = json.load(fh)
    return modules


def infer_pip_requirements(
    model_uri: str, flavor: str, fallback: list[str] | None = None
) -> list[str]:
    """Infer a model's pip requirements by loading it and recording what it imports.

    Args:
        model_uri: A local path, ``runs:/<run_id>/<path>``, ``models:/<name>/<version>``...
        flavor: The flavor to load it with, as named in its ``MLmodel`` (``"sklearn"``,
            ``"python_function"``).
        fallback: Returned (with a warning) when inference fails; ``None`` to raise instead.

    Returns:
        Pinned requirements, e.g. ``["numpy==2.3.1", "scikit-learn==1.7.0", ...]``.

    Raises:
        InvalidParameterError: The model has no such flavor (without a fallback).
        FlowtrackError: Loading the model failed (without a fallback).

    Example:
        >>> flowtrack.models.infer_pip_requirements(f"runs:/{run_id}/model", "sklearn")
        ['joblib==1.5.1', 'numpy==2.3.1', 'scikit-learn==1.7.0', 'scipy==1.16.0', ...]
    """
    from flowtrack.models.uri import download_model

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
            return requirements_for_modules(_captured_modules(local, flavor))
    except (FlowtrackError, OSError, subprocess.TimeoutExpired) as exc:
        if fallback is None:
            raise
        _LOGGER.warning(
            "Inferring the requirements of %r failed (%s); using the fallback %s",
            model_uri,
            exc,
            fallback,
        )
        return list(fallback)
