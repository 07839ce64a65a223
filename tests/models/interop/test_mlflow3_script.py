"""A script written for MLflow 3 gives the same observable results under MLflow and flowtrack.

``mlflow3_script.py`` (beside this file) exercises MLflow 3's classic-ML surface:
``log_model(name=...)`` and ``models:/<model_id>``, ``search_logged_models``, system metrics,
``validate_evaluation_results``, GridSearchCV autologging with ``max_tuning_runs``, a
post-training metric and a directory through ``log_artifact``. It runs once in the real MLflow
3.17 (the test-only ``.venv-mlflow``) and once in flowtrack with only its import lines changed;
both print a JSON object of what a user observes, which must be equal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.models.interop.conftest import MlflowPython

SCRIPT = Path(__file__).with_name("mlflow3_script.py")
_MARKER = "OBSERVED "


def _observed(stdout: str) -> dict[str, object]:
    lines = [line for line in stdout.splitlines() if line.startswith(_MARKER)]
    assert len(lines) == 1, stdout[-3000:]
    observed: dict[str, object] = json.loads(lines[0][len(_MARKER) :])
    return observed


def _as_flowtrack(source: str) -> str:
    """The script with its imports pointed at flowtrack, and nothing else changed."""
    converted = source.replace("import mlflow\n", "import flowtrack as mlflow\n")
    converted = converted.replace("from mlflow.", "from flowtrack.")
    assert "import mlflow\n" not in converted
    return converted


def _run_flowtrack(script: Path, cwd: Path) -> str:
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(cwd),
        "TMPDIR": str(cwd),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "FLOWTRACK_TRACKING_URI": f"sqlite:///{cwd / 'flowtrack.db'}",
    }
    if "PYTHONPATH" in os.environ:  # a work tree testing its own sources
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    completed = subprocess.run(
        [sys.executable, str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(
            f"the script failed under flowtrack (exit {completed.returncode}):\n"
            f"{completed.stderr[-6000:]}",
            pytrace=False,
        )
    return completed.stdout


def test_an_mlflow3_script_observes_the_same_under_flowtrack(
    mlflow_python: MlflowPython, tmp_path: Path
) -> None:
    source = SCRIPT.read_text()
    # MLflow's own run: a SQLite store in its scratch directory (the working directory).
    mlflow_source = (
        "import os\n"
        "os.environ['MLFLOW_TRACKING_URI'] = 'sqlite:///' + os.path.abspath('mlflow.db')\n" + source
    )
    expected = _observed(mlflow_python.run(mlflow_source))

    script = tmp_path / "script.py"
    script.write_text(_as_flowtrack(source))
    observed = _observed(_run_flowtrack(script, tmp_path))

    differences = {
        key: {"mlflow": expected.get(key), "flowtrack": observed.get(key)}
        for key in sorted(set(expected) | set(observed))
        if expected.get(key) != observed.get(key)
    }
    assert not differences, json.dumps(differences, indent=2)
    # The script's checks themselves hold (not only equal to MLflow's).
    assert expected["tuning_child_runs"] == 3
    assert expected["strict_threshold"] == "failed"
    assert expected["lenient_threshold"] == "passed"
    assert expected["post_training_metric"] is True
    assert expected["system_metrics_sampled_twice_or_more"] is True
