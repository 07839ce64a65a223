"""Model requirements and environment files: installed versions, overrides, pickle inference."""

from __future__ import annotations

import importlib.metadata
import pickle
import platform
from pathlib import Path

import cloudpickle
import numpy as np
import pytest
import yaml

from flowtrack.exceptions import InvalidParameterError
from flowtrack.models.environment import python_env_dict, write_environment
from flowtrack.models.requirements import (
    Requirements,
    canonical_name,
    infer_pickle_requirements,
    pinned_requirement,
    process_requirements,
)


def installed(distribution: str) -> str:
    return importlib.metadata.version(distribution).split("+")[0]


def test_pinned_requirements_use_the_installed_versions() -> None:
    assert pinned_requirement("cloudpickle") == f"cloudpickle=={installed('cloudpickle')}"
    assert pinned_requirement("scikit-learn") == f"scikit-learn=={installed('scikit-learn')}"
    with pytest.raises(InvalidParameterError, match="not installed"):
        pinned_requirement("surely-not-an-installed-distribution")


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Scikit_Learn[extra]>=1.4", "scikit-learn"),
        ("numpy", "numpy"),
        ("ruamel.yaml==0.18", "ruamel-yaml"),
        ("-r other.txt", None),
        ("git+https://example.invalid/repo.git", None),
    ],
)
def test_canonical_names(line: str, name: str | None) -> None:
    assert canonical_name(line) == name


def test_extra_requirements_add_to_and_override_the_defaults() -> None:
    defaults = ["scikit-learn==1.9.1", "numpy==2.4.6"]
    result = process_requirements(defaults, extra_pip_requirements=["pandas", "NumPy<3"])
    assert result == Requirements(["scikit-learn==1.9.1", "pandas", "NumPy<3"], [])
    assert process_requirements(defaults, pip_requirements=["torch"]).requirements == ["torch"]
    assert process_requirements(defaults).requirements == defaults
    with pytest.raises(InvalidParameterError, match="Only one of"):
        process_requirements(defaults, pip_requirements=["a"], extra_pip_requirements=["b"])
    with pytest.raises(InvalidParameterError, match="requirement strings"):
        process_requirements(defaults, pip_requirements=[1])  # type: ignore[list-item]


def test_requirements_files_with_includes_and_constraints(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("pandas==2.0  # pinned\n")
    (tmp_path / "pins.txt").write_text("numpy<3\n")
    (tmp_path / "requirements.txt").write_text(
        "# comment\n\nscikit-learn\n-r base.txt\n-c pins.txt\n"
    )
    result = process_requirements([], pip_requirements=str(tmp_path / "requirements.txt"))
    assert result.requirements == ["scikit-learn", "pandas==2.0", "-c constraints.txt"]
    assert result.constraints == ["numpy<3"]
    with pytest.raises(InvalidParameterError, match="cannot read"):
        process_requirements([], pip_requirements=str(tmp_path / "absent.txt"))


def test_pickle_requirements_are_read_from_opcodes_without_loading(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(cloudpickle.dumps({"array": np.arange(3), "loads": pickle.loads}))
    found = infer_pickle_requirements(path)
    assert f"numpy=={installed('numpy')}" in found
    assert not any(line.startswith("pickle") for line in found)  # standard library
    (tmp_path / "broken.pkl").write_bytes(b"not a pickle")
    assert infer_pickle_requirements(tmp_path / "broken.pkl") == []


def test_environment_files_follow_mlflows_formats(tmp_path: Path) -> None:
    result = write_environment(tmp_path, ["scikit-learn==1.9.1"], extra_pip_requirements=["pandas"])
    assert (tmp_path / "requirements.txt").read_text() == "scikit-learn==1.9.1\npandas"
    conda = yaml.safe_load((tmp_path / "conda.yaml").read_text())
    assert conda["channels"] == ["conda-forge"]
    assert conda["dependencies"][0] == f"python={platform.python_version()}"
    assert conda["dependencies"][1].startswith("pip")
    assert conda["dependencies"][2] == {"pip": result.requirements}
    python_env = yaml.safe_load((tmp_path / "python_env.yaml").read_text())
    assert python_env == python_env_dict()
    assert python_env["python"] == platform.python_version()
    assert python_env["build_dependencies"][0] == f"pip=={installed('pip')}"
    assert python_env["dependencies"] == ["-r requirements.txt"]
    assert not (tmp_path / "constraints.txt").exists()


def test_a_conda_env_replaces_the_generated_files(tmp_path: Path) -> None:
    conda_env = {"name": "mine", "dependencies": ["python=3.11", {"pip": ["scikit-learn==1.4"]}]}
    result = write_environment(tmp_path, ["ignored==1"], conda_env=conda_env)
    assert result.requirements == ["scikit-learn==1.4"]
    assert yaml.safe_load((tmp_path / "conda.yaml").read_text()) == conda_env
    assert (tmp_path / "requirements.txt").read_text() == "scikit-learn==1.4"
    with pytest.raises(InvalidParameterError, match="conda_env, pip_requirements"):
        write_environment(tmp_path, [], pip_requirements=["a"], conda_env=conda_env)


def test_constraints_are_written_to_their_own_file(tmp_path: Path) -> None:
    (tmp_path / "pins.txt").write_text("numpy<3")
    model = tmp_path / "model"
    model.mkdir()
    write_environment(model, ["numpy"], extra_pip_requirements=[f"-c {tmp_path / 'pins.txt'}"])
    assert (model / "constraints.txt").read_text() == "numpy<3"
    assert (model / "requirements.txt").read_text() == "numpy\n-c constraints.txt"
