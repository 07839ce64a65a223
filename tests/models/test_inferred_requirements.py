"""``infer_pip_requirements``' timeout, extra environment variables and uv projects."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import pytest

import flowtrack.models
import flowtrack.pyfunc
from flowtrack.exceptions import FlowtrackError, InvalidParameterError, MissingDependencyError
from flowtrack.models.requirements import installed_version
from tests.models.uv_project import PRIVATE_INDEX, use_uv, write_uv_project

#: A custom model whose loading reads the environment: it sleeps, then imports a module.
ENV_MODEL = """\
import importlib
import os
import time

from flowtrack.pyfunc import PythonModel


class EnvModel(PythonModel):
    def load_context(self, context):
        time.sleep(float(os.environ.get("ENVMODEL_SLEEP", "0")))
        name = os.environ.get("ENVMODEL_IMPORT")
        if name:
            importlib.import_module(name)

    def predict(self, context, model_input, params=None):
        return model_input
"""


@pytest.fixture
def env_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A saved pyfunc model of ``EnvModel``, its module shipped in the model's ``code/``."""
    source = tmp_path / "src" / "envmodel_for_inference.py"
    source.parent.mkdir()
    source.write_text(textwrap.dedent(ENV_MODEL))
    monkeypatch.syspath_prepend(str(source.parent))
    import envmodel_for_inference

    path = tmp_path / "model"
    flowtrack.pyfunc.save_model(
        path, python_model=envmodel_for_inference.EnvModel(), code_paths=[str(source)]
    )
    monkeypatch.delitem(sys.modules, "envmodel_for_inference")
    return str(path)


def test_extra_env_vars_reach_the_process_that_loads_the_model(env_model: str) -> None:
    humanize = f"humanize=={installed_version('humanize')}"
    plain = flowtrack.models.infer_pip_requirements(env_model, "python_function")
    assert humanize not in plain
    with_env = flowtrack.models.infer_pip_requirements(
        env_model, "python_function", extra_env_vars={"ENVMODEL_IMPORT": "humanize"}
    )
    assert humanize in with_env
    assert set(plain) < set(with_env)


def test_timeout_bounds_loading_the_model(env_model: str, caplog: pytest.LogCaptureFixture) -> None:
    slow = {"ENVMODEL_SLEEP": "30"}
    started = time.monotonic()
    with pytest.raises(FlowtrackError, match=r"longer than the timeout of 2s"):
        flowtrack.models.infer_pip_requirements(
            env_model, "python_function", timeout=2, extra_env_vars=slow
        )
    assert time.monotonic() - started < 20
    fallback = flowtrack.models.infer_pip_requirements(
        env_model, "python_function", fallback=["x==1"], timeout=2, extra_env_vars=slow
    )
    assert fallback == ["x==1"]
    assert "timeout of 2s" in caplog.text
    for bad in (0, -1, "10", True):
        with pytest.raises(InvalidParameterError, match="Invalid timeout"):
            flowtrack.models.infer_pip_requirements(env_model, "python_function", timeout=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="Invalid extra_env_vars"):
        flowtrack.models.infer_pip_requirements(
            env_model,
            "python_function",
            extra_env_vars={"A": 1},  # type: ignore[dict-item]
        )


def test_uv_project_requirements_come_from_its_lock_file(
    env_model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_uv(monkeypatch)
    project = write_uv_project(tmp_path / "project")
    infer = flowtrack.models.infer_pip_requirements
    assert infer(env_model, "python_function", uv_project_dir=project) == [
        f"--extra-index-url {PRIVATE_INDEX}",
        "numpy==2.3.1",
    ]
    assert infer(
        env_model,
        "python_function",
        uv_project_dir=str(project),
        uv_groups=["serve"],
        uv_extras=["plots"],
    ) == [
        f"--extra-index-url {PRIVATE_INDEX}",
        "joblib==1.5.1",
        "matplotlib==3.10.3",
        "numpy==2.3.1",
    ]
    with pytest.raises(FlowtrackError, match=r"uv export.*nope"):
        infer(env_model, "python_function", uv_project_dir=project, uv_groups=["nope"])


def test_uv_project_errors_are_explicit(
    env_model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    infer = flowtrack.models.infer_pip_requirements
    use_uv(monkeypatch)
    with pytest.raises(InvalidParameterError, match=r"has no uv.lock.*run `uv lock`"):
        infer(env_model, "python_function", uv_project_dir=tmp_path)
    with pytest.raises(InvalidParameterError, match="pass uv_project_dir too"):
        infer(env_model, "python_function", uv_groups=["serve"])
    with pytest.raises(InvalidParameterError, match="Invalid uv_extras"):
        infer(
            env_model,
            "python_function",
            uv_project_dir=write_uv_project(tmp_path / "p"),
            uv_extras="plots",  # type: ignore[arg-type]
        )
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    with pytest.raises(MissingDependencyError, match="uv executable on PATH"):
        infer(env_model, "python_function", uv_project_dir=tmp_path / "p")
