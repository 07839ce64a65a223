"""Fixtures for the MLflow interoperability tests: the real MLflow, in a virtualenv of its own.

``make test`` builds ``.venv-mlflow`` from ``requirements-mlflow.lock``: MLflow 3.x, scikit-learn,
skops, pandas, numpy and cloudpickle, at the versions ``requirements.lock`` has, and no flowtrack.
The tests run snippets there in a subprocess (:class:`MlflowPython`) and hand data across through
files they write in ``tmp_path`` (CSV for frames, JSON for everything else), never pickles, so
nothing but the saved model itself crosses between the two interpreters.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import flowtrack
from flowtrack.tracking.fluent import _state
from tests.conftest import TRACKING_ENV_VARS

#: The repository root: on ``PYTHONPATH`` when a snippet must import flowtrack from source.
REPO_ROOT = Path(__file__).resolve().parents[3]
#: The test-only virtualenv with the real MLflow, built by ``make test``.
MLFLOW_VENV = REPO_ROOT / ".venv-mlflow"
#: Written by the Makefile once ``.venv-mlflow`` is fully installed.
MLFLOW_STAMP = MLFLOW_VENV / ".installed"

# The snippet reads its arguments from argv[1] and must leave a JSON-able `result`, which goes
# to argv[2]; a file keeps the answer apart from whatever MLflow prints on stdout.
_PROLOGUE = "import json as _json, sys as _sys\nargs = _json.loads(open(_sys.argv[1]).read())\n"
_EPILOGUE = "\nwith open(_sys.argv[2], 'w') as _out:\n    _json.dump(result, _out)\n"


@dataclass(frozen=True)
class MlflowPython:
    """The ``.venv-mlflow`` interpreter, run in a subprocess with a clean environment.

    Each call gets a fresh, empty working directory (which is also ``HOME`` and ``TMPDIR``), an
    environment holding nothing from the caller's, and MLflow's telemetry off.

    Attributes:
        executable: ``.venv-mlflow/bin/python``.
        scratch: Makes the per-call working directories.
    """

    executable: Path
    scratch: pytest.TempPathFactory

    def run(self, code: str, *args: str, flowtrack_importable: bool = False) -> str:
        """Run a Python snippet; fail the test, with its output, when it exits non-zero.

        Args:
            code: The snippet's source (dedented first).
            *args: Its command-line arguments.
            flowtrack_importable: Put the repository root on ``PYTHONPATH`` so ``import
                flowtrack`` finds the source tree; otherwise flowtrack is not importable.

        Returns:
            What the snippet printed on stdout.
        """
        cwd = self.scratch.mktemp("mlflow-snippet")
        script = cwd / "snippet.py"
        script.write_text(textwrap.dedent(code))
        env = {
            "PATH": f"{self.executable.parent}{os.pathsep}{os.defpath}",
            "HOME": str(cwd),
            "TMPDIR": str(cwd),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
        }
        if flowtrack_importable:
            env["PYTHONPATH"] = str(REPO_ROOT)
        completed = subprocess.run(
            [str(self.executable), str(script), *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        if completed.returncode != 0:
            pytest.fail(
                f"the snippet failed in {self.executable} (exit {completed.returncode}):\n"
                f"--- stderr (tail) ---\n{completed.stderr[-6000:]}\n"
                f"--- stdout (tail) ---\n{completed.stdout[-2000:]}",
                pytrace=False,
            )
        return completed.stdout

    def json(
        self,
        code: str,
        args: Mapping[str, Any] | None = None,
        *,
        flowtrack_importable: bool = False,
    ) -> Any:
        """Run a snippet that reads ``args`` (a dict) and assigns a JSON-able ``result``.

        Args:
            code: The snippet's source (dedented first); it sees the name ``args``.
            args: JSON-able arguments, such as paths (as strings) to files in ``tmp_path``.
            flowtrack_importable: As for :meth:`run`.

        Returns:
            The snippet's ``result``, decoded from JSON.
        """
        exchange = self.scratch.mktemp("mlflow-exchange")
        args_file, result_file = exchange / "args.json", exchange / "result.json"
        args_file.write_text(json.dumps(dict(args or {})))
        source = _PROLOGUE + textwrap.dedent(code) + _EPILOGUE
        self.run(
            source, str(args_file), str(result_file), flowtrack_importable=flowtrack_importable
        )
        return json.loads(result_file.read_text())


@pytest.fixture(scope="session")
def mlflow_python_path() -> Path:
    """``.venv-mlflow/bin/python``; fails (does not skip) when ``make test`` has not built it."""
    python = MLFLOW_VENV / "bin" / "python"
    if not (python.is_file() and MLFLOW_STAMP.is_file()):
        pytest.fail(
            f"{MLFLOW_VENV} is missing or incomplete: run `make test`, which builds it from "
            "requirements-mlflow.lock (the real MLflow, for these interoperability tests)",
            pytrace=False,
        )
    return python


@pytest.fixture(scope="session")
def mlflow_python(
    mlflow_python_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> MlflowPython:
    """Runs snippets in the real MLflow's interpreter (see :class:`MlflowPython`)."""
    return MlflowPython(mlflow_python_path, tmp_path_factory)


@pytest.fixture(scope="module")
def sqlite_tracking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh SQLite tracking store, set as the tracking URI for one test module.

    The working directory is the store's directory while the module runs, and new experiments'
    artifacts go under its ``artifacts`` folder.

    Yields:
        The directory holding ``runs.db`` and ``artifacts/``.
    """
    root = tmp_path_factory.mktemp("tracking")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for name in TRACKING_ENV_VARS:
            patch.delenv(name, raising=False)
        patch.setenv("FLOWTRACK_ARTIFACT_ROOT", str(root / "artifacts"))
        _state.reset()
        flowtrack.set_tracking_uri(f"sqlite:///{root / 'runs.db'}")
        try:
            yield root
        finally:
            while flowtrack.active_run() is not None:
                flowtrack.end_run()
            _state.reset()
