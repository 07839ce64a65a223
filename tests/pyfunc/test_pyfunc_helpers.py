"""pyfunc helpers: input_example on the loaded model, add_to_model, dependencies, load_pyfunc."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sklearn.linear_model import LogisticRegression

import flowtrack as mlflow
from flowtrack import pyfunc
from flowtrack.exceptions import InvalidParameterError
from flowtrack.models import Model


class AddOne(pyfunc.PythonModel):
    def predict(self, context: object, model_input: pd.DataFrame, params: object = None) -> object:
        return model_input["x"] + 1


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"x": [1.0, 2.0]})


def test_loaded_model_carries_its_input_example(tmp_path: Path, frame: pd.DataFrame) -> None:
    pyfunc.save_model(tmp_path / "m", python_model=AddOne(), input_example=frame)
    loaded = pyfunc.load_model(tmp_path / "m")
    pd.testing.assert_frame_equal(loaded.input_example, frame)
    pyfunc.save_model(tmp_path / "bare", python_model=AddOne())
    assert pyfunc.load_model(tmp_path / "bare").input_example is None


def test_add_to_model_writes_mlflow_keys() -> None:
    model = pyfunc.add_to_model(
        Model(),
        loader_module="my_pkg.loader",
        data="weights",
        code="code",
        conda_env="conda.yaml",
        python_env="python_env.yaml",
        model_config={"k": 1},
        extra_key="v",
    )
    conf = model.flavors["python_function"]
    assert conf == {
        "loader_module": "my_pkg.loader",
        "python_version": conf["python_version"],
        "data": "weights",
        "code": "code",
        "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
        "config": {"k": 1},
        "extra_key": "v",
    }


def test_get_model_dependencies_pip_conda_and_fallback(
    tracking_uri: str, frame: pd.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    estimator = LogisticRegression().fit(frame, [0, 1])
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(estimator, name="model")
    with caplog.at_level(logging.INFO, logger="flowtrack.pyfunc"):
        pip_file = pyfunc.get_model_dependencies(info.model_uri)
    assert Path(pip_file).name == "requirements.txt"
    assert any(line.startswith("scikit-learn==") for line in Path(pip_file).read_text().split())
    assert f"pip install -r {pip_file}" in caplog.text
    conda_file = pyfunc.get_model_dependencies(info.model_uri, format="conda")
    assert yaml.safe_load(Path(conda_file).read_text())["name"]
    with pytest.raises(InvalidParameterError, match="'poetry'"):
        pyfunc.get_model_dependencies(info.model_uri, format="poetry")


def test_get_model_dependencies_from_conda_pip_section(tmp_path: Path) -> None:
    model_dir = tmp_path / "m"
    pyfunc.save_model(model_dir, python_model=AddOne(), pip_requirements=["pandas", "numpy<3"])
    (model_dir / "requirements.txt").unlink()
    pip_file = pyfunc.get_model_dependencies(str(model_dir))
    assert Path(pip_file).read_text().split() == ["pandas", "numpy<3"]


def test_default_conda_envs() -> None:
    env = pyfunc.get_default_conda_env()
    pip = env["dependencies"][-1]["pip"]
    assert pip == pyfunc.get_default_pip_requirements()
    sk_pip = mlflow.sklearn.get_default_conda_env(include_skops=True)["dependencies"][-1]["pip"]
    assert [r.split("==")[0] for r in sk_pip] == ["scikit-learn", "numpy", "scipy", "skops"]


def test_load_pyfunc_is_a_deprecated_alias(tmp_path: Path, frame: pd.DataFrame) -> None:
    pyfunc.save_model(tmp_path / "m", python_model=AddOne())
    with pytest.warns(FutureWarning, match="load_pyfunc`` is deprecated"):
        model = pyfunc.load_pyfunc(str(tmp_path / "m"))
    assert model.predict(frame).tolist() == [2.0, 3.0]
