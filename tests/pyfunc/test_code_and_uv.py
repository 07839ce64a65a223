"""``save_model`` / ``log_model``'s ``infer_code_paths`` and uv project requirements."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml

import flowtrack as mlflow
import flowtrack.pyfunc
from flowtrack.exceptions import InvalidParameterError, MissingDependencyError
from flowtrack.pyfunc._code_paths import local_module_files
from tests.models.uv_project import PRIVATE_INDEX, use_uv, write_uv_project

pytestmark = pytest.mark.usefixtures("tracking_uri")

#: A local package: the model class imports a helper module; one module is never imported.
PACKAGE = {
    "shop/__init__.py": "",
    "shop/pricing/__init__.py": "",
    "shop/pricing/rules.py": "def with_tax(value):\n    return value * 1.25\n",
    "shop/model_def.py": """\
        from flowtrack.pyfunc import PythonModel
        from shop.pricing import rules


        class PriceModel(PythonModel):
            def predict(self, context, model_input, params=None):
                return [rules.with_tax(value) for value in model_input["price"]]
        """,
    "shop/unused.py": "raise RuntimeError('never imported')\n",
    "notes.txt": "not code\n",
}


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    """The package in a project directory (the current directory), imported from there."""
    project = tmp_path / "project"
    for name, text in PACKAGE.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(textwrap.dedent(text))
    monkeypatch.chdir(project)
    monkeypatch.setattr(sys, "path", [str(project), *sys.path])
    for name in ("shop", "shop.model_def", "shop.pricing", "shop.pricing.rules"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    import shop.model_def

    return shop.model_def.PriceModel()


def _forget_shop(monkeypatch: pytest.MonkeyPatch, elsewhere: Path) -> None:
    """Leave the project: the package is importable only from the model's code/ now."""
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if not p.endswith("project")])
    for name in [name for name in sys.modules if name.split(".")[0] == "shop"]:
        monkeypatch.delitem(sys.modules, name)


def test_infer_code_paths_copies_only_the_imported_local_modules(
    shop: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = tmp_path / "model"
    flowtrack.pyfunc.save_model(model_dir, python_model=shop, infer_code_paths=True)
    code = model_dir / "code"
    copied = sorted(str(p.relative_to(code)) for p in code.rglob("*") if p.is_file())
    assert copied == [
        "shop/__init__.py",
        "shop/model_def.py",
        "shop/pricing/__init__.py",
        "shop/pricing/rules.py",
    ]
    mlmodel = yaml.safe_load((model_dir / "MLmodel").read_text())
    assert mlmodel["flavors"]["python_function"]["code"] == "code"
    _forget_shop(monkeypatch, tmp_path / "elsewhere")
    loaded = flowtrack.pyfunc.load_model(str(model_dir))
    assert loaded.predict(pd.DataFrame({"price": [4.0, 8.0]})) == [5.0, 10.0]


def test_log_model_infers_code_paths_and_refuses_explicit_ones(
    shop: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with mlflow.start_run():
        info = flowtrack.pyfunc.log_model(name="model", python_model=shop, infer_code_paths=True)
    _forget_shop(monkeypatch, tmp_path / "elsewhere")
    loaded = flowtrack.pyfunc.load_model(info.model_uri)
    assert loaded.predict(pd.DataFrame({"price": [2.0]})) == [2.5]
    with pytest.raises(InvalidParameterError, match="do not pass code_paths"):
        flowtrack.pyfunc.save_model(
            tmp_path / "other", python_model=shop, infer_code_paths=True, code_paths=["x.py"]
        )
    assert not (tmp_path / "other").exists()


def test_no_code_dir_when_the_model_imports_no_local_module(tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    flowtrack.pyfunc.save_model(model_dir, python_model=lambda x: x, infer_code_paths=True)
    assert not (model_dir / "code").exists()
    flavor = yaml.safe_load((model_dir / "MLmodel").read_text())["flavors"]["python_function"]
    assert flavor.get("code") is None


def test_local_module_files_skip_installed_packages_and_missing_files(tmp_path: Path) -> None:
    for name in ("pkg/__init__.py", "pkg/a.py", "flowtrack/__init__.py", "single.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    modules = ["pkg.a.Thing", "flowtrack.pyfunc", "single", "numpy.linalg", "os"]
    assert local_module_files(modules, tmp_path) == [
        Path("pkg/__init__.py"),
        Path("pkg/a.py"),
        Path("single.py"),
    ]


def test_uv_project_gives_the_requirements_and_is_saved_with_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_uv(monkeypatch)
    project = write_uv_project(tmp_path / "uvproject")
    defaults = flowtrack.pyfunc.get_default_pip_requirements()
    model_dir = tmp_path / "model"
    flowtrack.pyfunc.save_model(
        model_dir,
        python_model=lambda x: x,
        uv_project_path=project,
        uv_groups=["serve"],
        uv_extras=["plots"],
    )
    requirements = (model_dir / "requirements.txt").read_text().splitlines()
    assert requirements[0] == f"--extra-index-url {PRIVATE_INDEX}"
    assert set(requirements[1:]) == {
        "joblib==1.5.1",
        "matplotlib==3.10.3",
        "numpy==2.3.1",
        *defaults,
    }
    for name in ("uv.lock", "pyproject.toml", ".python-version"):
        assert (model_dir / name).read_bytes() == (project / name).read_bytes()

    with mlflow.start_run():
        info = flowtrack.pyfunc.log_model(
            name="model", python_model=lambda x: x, uv_project_path=str(project)
        )
    deps = flowtrack.pyfunc.get_model_dependencies(info.model_uri)
    assert "numpy==2.3.1" in Path(deps).read_text().splitlines()
    assert "joblib==1.5.1" not in Path(deps).read_text()

    pinned = tmp_path / "pinned"
    flowtrack.pyfunc.save_model(
        pinned, python_model=lambda x: x, uv_project_path=project, pip_requirements=["a==1"]
    )
    assert (pinned / "requirements.txt").read_text().splitlines() == ["a==1"]
    assert (pinned / "uv.lock").is_file()


def test_uv_arguments_are_checked_before_saving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InvalidParameterError, match="pass uv_project_path too"):
        flowtrack.pyfunc.save_model(tmp_path / "a", python_model=lambda x: x, uv_groups=["g"])
    with pytest.raises(InvalidParameterError, match=r"has no uv\.lock"):
        flowtrack.pyfunc.save_model(
            tmp_path / "b", python_model=lambda x: x, uv_project_path=tmp_path
        )
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    project = write_uv_project(tmp_path / "uvproject")
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    with pytest.raises(MissingDependencyError, match="uv executable on PATH"):
        flowtrack.pyfunc.save_model(
            tmp_path / "c", python_model=lambda x: x, uv_project_path=project
        )
    assert not (tmp_path / "c").exists()
    # without an export (requirements given), uv is not needed: the project files are kept
    flowtrack.pyfunc.save_model(
        tmp_path / "d", python_model=lambda x: x, uv_project_path=project, pip_requirements=[]
    )
    assert (tmp_path / "d" / "uv.lock").is_file()
