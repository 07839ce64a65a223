"""mlflow.models' tools: predict, serving inputs, set_signature, requirements, build_docker."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import flowtrack as mlflow
import flowtrack.models
import flowtrack.sklearn
from flowtrack.exceptions import InvalidParameterError, InvalidStateError, NotFoundError
from flowtrack.models import infer_signature
from flowtrack.models.requirements import installed_version

pytestmark = pytest.mark.usefixtures("tracking_uri")


@pytest.fixture
def iris() -> tuple[pd.DataFrame, pd.Series]:
    data = load_iris(as_frame=True)
    return data.data, data.target


@pytest.fixture
def model_dir(tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]) -> tuple[str, object]:
    X, y = iris
    model = LogisticRegression(max_iter=500).fit(X, y)
    path = str(tmp_path / "model")
    flowtrack.sklearn.save_model(model, path)
    return path, model


def test_predict_locally_from_data_and_files(
    model_dir: tuple[str, object], iris: tuple[pd.DataFrame, pd.Series], tmp_path: Path
) -> None:
    path, model = model_dir
    X = iris[0].head(7)
    expected = model.predict(X).tolist()  # type: ignore[attr-defined]

    flowtrack.models.predict(path, input_data=X, output_path=tmp_path / "out.json")
    assert json.loads((tmp_path / "out.json").read_text()) == {"predictions": expected}

    X.to_csv(tmp_path / "in.csv", index=False)
    flowtrack.models.predict(
        path, input_path=tmp_path / "in.csv", content_type="csv", output_path=tmp_path / "o2.json"
    )
    assert json.loads((tmp_path / "o2.json").read_text()) == {"predictions": expected}


def test_predict_writes_to_stdout(
    model_dir: tuple[str, object],
    iris: tuple[pd.DataFrame, pd.Series],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, model = model_dir
    X = iris[0].head(3)
    flowtrack.models.predict(path, input_data=X.to_dict(orient="list"), content_type="csv")
    predictions = model.predict(X).tolist()  # type: ignore[attr-defined]
    assert json.loads(capsys.readouterr().out) == {"predictions": predictions}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"env_manager": "virtualenv"}, r"Unsupported env_manager 'virtualenv'.*\['local'\]"),
        ({"env_manager": "docker"}, r"'docker' \(an unknown"),
        ({"pip_requirements_override": ["x"]}, "pip_requirements_override needs a separate"),
        ({"extra_envs": {"A": "1"}}, r"extra_envs \['A'\]"),
        ({"content_type": "parquet"}, "Invalid content_type 'parquet'"),
        ({"input_path": "x.json"}, "got both"),
    ],
)
def test_predict_refusals_say_what_is_supported(
    model_dir: tuple[str, object], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        flowtrack.models.predict(model_dir[0], input_data={"a": [1]}, **kwargs)  # type: ignore[arg-type]


def test_serving_input_round_trip(
    model_dir: tuple[str, object], iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    path, model = model_dir
    X = iris[0].head(4)
    serving_input = flowtrack.models.convert_input_example_to_serving_input(X)
    assert serving_input is not None
    assert list(json.loads(serving_input)) == ["dataframe_split"]
    assert flowtrack.models.convert_input_example_to_serving_input(None) is None
    predictions = flowtrack.models.validate_serving_input(path, serving_input)
    assert list(predictions) == list(model.predict(X))  # type: ignore[attr-defined]
    with pytest.raises(InvalidParameterError):
        flowtrack.models.validate_serving_input(path, '{"nothing": []}')


def test_set_signature_on_a_logged_model(iris: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = iris
    model = LogisticRegression(max_iter=500).fit(X, y)
    with mlflow.start_run() as run:
        flowtrack.sklearn.log_model(model, name="model")
    uri = f"runs:/{run.info.run_id}/model"
    signature = infer_signature(X.iloc[:, :2], model.predict(X))
    flowtrack.models.set_signature(uri, signature)
    assert flowtrack.models.get_model_info(uri).signature == signature

    with pytest.raises(InvalidParameterError, match="'models:/' scheme are not supported"):
        flowtrack.models.set_signature("models:/fraud/1", signature)
    with pytest.raises(InvalidParameterError, match="takes a ModelSignature"):
        flowtrack.models.set_signature(uri, {"inputs": "[]"})  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="No MLmodel"):
        flowtrack.models.set_signature(f"runs:/{run.info.run_id}/nothing", signature)


def test_update_model_requirements(model_dir: tuple[str, object]) -> None:
    path = model_dir[0]
    sklearn_pin = f"scikit-learn=={installed_version('scikit-learn')}"

    def pip_lines() -> tuple[list[str], list[str]]:
        requirements = Path(path, "requirements.txt").read_text().split()
        conda = yaml.safe_load(Path(path, "conda.yaml").read_text())
        pip = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
        return requirements, pip

    assert sklearn_pin in pip_lines()[0]
    flowtrack.models.update_model_requirements(path, "add", ["pandas==2.2.2", "Scikit_Learn>=1"])
    for lines in pip_lines():
        assert "pandas==2.2.2" in lines and "Scikit_Learn>=1" in lines
        assert sklearn_pin not in lines  # replaced by the added requirement of the same package
    flowtrack.models.update_model_requirements(path, "remove", ["pandas"])
    for lines in pip_lines():
        assert not any(line.startswith("pandas") for line in lines)

    with pytest.raises(InvalidParameterError, match="'add' or 'remove'"):
        flowtrack.models.update_model_requirements(path, "replace", ["x"])  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match=r"Invalid requirements \['==1'\]"):
        flowtrack.models.update_model_requirements(path, "add", ["==1"])


def test_infer_pip_requirements_loads_the_model_in_a_subprocess(
    model_dir: tuple[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    path = model_dir[0]
    inferred = flowtrack.models.infer_pip_requirements(path, "sklearn")
    assert f"scikit-learn=={installed_version('scikit-learn')}" in inferred
    assert f"numpy=={installed_version('numpy')}" in inferred
    assert not any(line.startswith("flowtrack") for line in inferred)

    with pytest.raises(InvalidParameterError, match=r"flavor 'keras'.*\['python_function'"):
        flowtrack.models.infer_pip_requirements(path, "keras")
    assert flowtrack.models.infer_pip_requirements(path, "keras", fallback=["a==1"]) == ["a==1"]
    assert "using the fallback" in caplog.text


def test_build_docker_without_an_engine_leaves_the_context(
    model_dir: tuple[str, object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))  # no docker command at all
    with pytest.raises(InvalidStateError, match="docker command is not installed") as caught:
        flowtrack.models.build_docker(model_dir[0], name="iris-model")
    context = str(caught.value).split(" is in ")[1].split(";")[0]
    assert Path(context, "Dockerfile").is_file()
    assert Path(context, "model_dir", "MLmodel").is_file()
    assert "docker build -t iris-model" in str(caught.value)

    with pytest.raises(InvalidParameterError, match="needs a model_uri"):
        flowtrack.models.build_docker()
    with pytest.raises(InvalidParameterError, match="Unsupported env_manager 'conda'"):
        flowtrack.models.build_docker(model_dir[0], env_manager="conda")
    assert os.environ["PATH"] == str(empty_bin)


def test_build_docker_with_the_real_engine_of_this_machine(model_dir: tuple[str, object]) -> None:
    import shutil
    import subprocess

    docker = shutil.which("docker")
    if docker is not None and subprocess.run([docker, "info"], capture_output=True).returncode == 0:
        pytest.skip("a Docker engine answers here; building an image is too slow for unit tests")
    with pytest.raises(InvalidStateError, match="build it where Docker runs"):
        flowtrack.models.build_docker(model_dir[0])
