"""``flowtrack models predict|generate-dockerfile|serve`` in-process, on a real saved model."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from flowtrack.cli.main import app
from flowtrack.exceptions import (
    AlreadyExistsError,
    InvalidParameterError,
    NotFoundError,
)
from flowtrack.models.model import Model

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@pytest.fixture(scope="module")
def iris() -> tuple[pd.DataFrame, np.ndarray]:
    from sklearn.datasets import load_iris

    data = load_iris()
    return pd.DataFrame(data.data, columns=COLUMNS), data.target


@pytest.fixture(scope="module")
def model_dir(
    tmp_path_factory: pytest.TempPathFactory, iris: tuple[pd.DataFrame, np.ndarray]
) -> Path:
    """A LogisticRegression on iris, saved with flowtrack.sklearn.save_model and a signature."""
    from sklearn.linear_model import LogisticRegression

    import flowtrack.sklearn
    from flowtrack.models import infer_signature

    frame, target = iris
    model = LogisticRegression(max_iter=500).fit(frame, target)
    path = tmp_path_factory.mktemp("models") / "iris"
    signature = infer_signature(frame, model.predict(frame))
    flowtrack.sklearn.save_model(model, str(path), signature=signature)
    return path


@pytest.fixture(scope="module")
def expected(model_dir: Path, iris: tuple[pd.DataFrame, np.ndarray]) -> list[int]:
    """The first five predictions, computed in-process through flowtrack.pyfunc."""
    import flowtrack.pyfunc

    model = flowtrack.pyfunc.load_model(str(model_dir))
    return [int(v) for v in model.predict(iris[0].head(5))]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_models_help_lists_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(app, ["models", "--help"])
    assert result.exit_code == 0
    for command in ("serve", "predict", "generate-dockerfile"):
        assert command in result.output


def test_predict_json_to_stdout(
    runner: CliRunner,
    tmp_path: Path,
    model_dir: Path,
    iris: tuple[pd.DataFrame, np.ndarray],
    expected: list[int],
) -> None:
    source = tmp_path / "input.json"
    source.write_text('{"dataframe_split": ' + iris[0].head(5).to_json(orient="split") + "}")
    result = runner.invoke(app, ["models", "predict", "-m", str(model_dir), "-i", str(source)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"predictions": expected}


def test_predict_reads_stdin(
    runner: CliRunner, model_dir: Path, iris: tuple[pd.DataFrame, np.ndarray], expected: list[int]
) -> None:
    body = json.dumps({"dataframe_records": iris[0].head(5).to_dict(orient="records")})
    result = runner.invoke(app, ["models", "predict", "-m", str(model_dir)], input=body)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["predictions"] == expected


def test_predict_csv_input_to_csv_output(
    runner: CliRunner,
    tmp_path: Path,
    model_dir: Path,
    iris: tuple[pd.DataFrame, np.ndarray],
    expected: list[int],
) -> None:
    source, target = tmp_path / "input.csv", tmp_path / "scores.csv"
    iris[0].head(5).to_csv(source, index=False)
    result = runner.invoke(
        app, ["models", "predict", "-m", str(model_dir), "-i", str(source), "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "5 row(s)" in result.output
    assert pd.read_csv(target)["predictions"].tolist() == expected


def test_predict_parquet_input_to_json_file(
    runner: CliRunner,
    tmp_path: Path,
    model_dir: Path,
    iris: tuple[pd.DataFrame, np.ndarray],
    expected: list[int],
) -> None:
    source, target = tmp_path / "input.parquet", tmp_path / "scores.json"
    iris[0].head(5).to_parquet(source)
    result = runner.invoke(
        app, ["models", "predict", "-m", str(model_dir), "-i", str(source), "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text()) == {"predictions": expected}


def test_predict_content_type_overrides_the_extension(
    runner: CliRunner,
    tmp_path: Path,
    model_dir: Path,
    iris: tuple[pd.DataFrame, np.ndarray],
    expected: list[int],
) -> None:
    source = tmp_path / "input.txt"
    source.write_text(iris[0].head(5).to_csv(index=False))
    args = ["models", "predict", "-m", str(model_dir), "-i", str(source), "-t", "csv"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["predictions"] == expected


def test_predict_wrong_columns_name_the_column(
    runner: CliRunner, tmp_path: Path, model_dir: Path
) -> None:
    source = tmp_path / "input.csv"
    source.write_text("sepal_length,sepal_width\n1,2\n")
    result = runner.invoke(app, ["models", "predict", "-m", str(model_dir), "-i", str(source)])
    assert isinstance(result.exception, InvalidParameterError)
    assert "petal_length" in str(result.exception)


def test_predict_bad_json_and_missing_files_fail_clearly(
    runner: CliRunner, tmp_path: Path, model_dir: Path
) -> None:
    source = tmp_path / "input.json"
    source.write_text("{oops")
    result = runner.invoke(app, ["models", "predict", "-m", str(model_dir), "-i", str(source)])
    assert isinstance(result.exception, InvalidParameterError)
    assert "not valid JSON" in str(result.exception)
    missing = tmp_path / "nope.csv"
    result = runner.invoke(app, ["models", "predict", "-m", str(model_dir), "-i", str(missing)])
    assert isinstance(result.exception, InvalidParameterError)
    assert "nope.csv" in str(result.exception)


def test_predict_unknown_model_is_not_found(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["models", "predict", "-m", str(tmp_path / "missing")], input='{"inputs": [[1]]}'
    )
    assert isinstance(result.exception, NotFoundError)


def test_serve_fails_before_binding_when_the_model_cannot_load(
    runner: CliRunner, tmp_path: Path
) -> None:
    # The model loads before uvicorn starts: a bad URI ends the command instead of a server
    # that answers /ping but cannot score.
    result = runner.invoke(app, ["models", "serve", "-m", str(tmp_path / "missing"), "-p", "0"])
    assert isinstance(result.exception, NotFoundError)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers"),
        (["--port", "70000"], "--port"),
        (["-t", "0"], "--timeout"),
    ],
)
def test_serve_rejects_out_of_range_options(
    runner: CliRunner, model_dir: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["models", "serve", "-m", str(model_dir), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_generate_dockerfile(runner: CliRunner, tmp_path: Path, model_dir: Path) -> None:
    context = tmp_path / "context"
    result = runner.invoke(
        app, ["models", "generate-dockerfile", "-m", str(model_dir), "-d", str(context)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in context.iterdir()) == ["Dockerfile", "model_dir"]
    copied = context / "model_dir"
    assert sorted(p.name for p in copied.iterdir()) == sorted(p.name for p in model_dir.iterdir())
    assert Model.load(copied).flavors.keys() == Model.load(model_dir).flavors.keys()
    dockerfile = (context / "Dockerfile").read_text()
    lines = dockerfile.splitlines()
    assert "FROM python:3.11-slim" in lines
    assert "COPY model_dir/requirements.txt /opt/ml/model/requirements.txt" in lines
    assert any(
        line.startswith("RUN pip install -r /opt/ml/model/requirements.txt 'flowtrack[server]")
        for line in lines
    )
    assert "COPY model_dir/ /opt/ml/model/" in lines
    assert "EXPOSE 8080" in lines
    assert "USER flowtrack" in lines
    assert "ENV FLOWTRACK_MODELS_WORKERS=1 \\" in lines
    cmd = next(line for line in lines if line.startswith("CMD "))
    assert json.loads(cmd[4:]) == [
        "flowtrack",
        "models",
        "serve",
        "-m",
        "/opt/ml/model",
        "-h",
        "0.0.0.0",
        "-p",
        "8080",
    ]
    # The requirements layer comes before the model files, so code changes reuse it.
    assert dockerfile.index("requirements.txt") < dockerfile.index("COPY model_dir/ ")


def test_generate_dockerfile_options(runner: CliRunner, tmp_path: Path, model_dir: Path) -> None:
    context = tmp_path / "context"
    args = ["models", "generate-dockerfile", "-m", str(model_dir), "-d", str(context)]
    args += ["--trust-model", "--base-image", "python:3.12-slim"]
    args += ["--flowtrack-requirement", "flowtrack[server] @ git+https://example.invalid/ft.git"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    dockerfile = (context / "Dockerfile").read_text()
    assert "FROM python:3.12-slim\n" in dockerfile
    assert "'flowtrack[server] @ git+https://example.invalid/ft.git'" in dockerfile
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    assert json.loads(cmd[4:])[-1] == "--trust-model"


def test_generate_dockerfile_refuses_to_overwrite(
    runner: CliRunner, tmp_path: Path, model_dir: Path
) -> None:
    args = ["models", "generate-dockerfile", "-m", str(model_dir), "-d", str(tmp_path)]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(app, args)
    assert isinstance(result.exception, AlreadyExistsError)
    assert "Dockerfile" in str(result.exception)


def test_generate_dockerfile_without_requirements_or_pyfunc(
    runner: CliRunner, tmp_path: Path
) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    Model(flavors={"python_function": {"loader_module": "flowtrack.sklearn"}}).save(
        bare / "MLmodel"
    )
    context = tmp_path / "context"
    args = ["models", "generate-dockerfile", "-m", str(bare), "-d", str(context)]
    assert runner.invoke(app, args).exit_code == 0
    dockerfile = (context / "Dockerfile").read_text()
    assert "requirements.txt" not in dockerfile
    assert "RUN pip install 'flowtrack[server]" in dockerfile

    no_pyfunc = tmp_path / "no_pyfunc"
    no_pyfunc.mkdir()
    Model(flavors={"onnx": {"data": "model.onnx"}}).save(no_pyfunc / "MLmodel")
    result = runner.invoke(
        app, ["models", "generate-dockerfile", "-m", str(no_pyfunc), "-d", str(tmp_path / "c2")]
    )
    assert isinstance(result.exception, InvalidParameterError)
    assert "'python_function'" in str(result.exception) and "['onnx']" in str(result.exception)
    assert not (tmp_path / "c2" / "model_dir").exists()
    assert list((tmp_path / "c2").iterdir()) == []  # the staging directory is cleaned up


def test_predictions_csv_round_trip_with_io(model_dir: Path) -> None:
    # The CSV writer's output is what pandas reads back.
    from flowtrack.serving.outputs import predictions_to_csv

    text = predictions_to_csv(np.array([2, 0, 1]))
    assert pd.read_csv(io.StringIO(text))["predictions"].tolist() == [2, 0, 1]
