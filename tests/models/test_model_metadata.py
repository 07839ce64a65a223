"""Model's env_vars, model_size_bytes, tags dict, JSON/YAML output, serving input and params;
validate_schema, list_evaluators and ModelInputExample."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.linear_model import LogisticRegression

import flowtrack as mlflow
import flowtrack.models
from flowtrack.exceptions import InvalidParameterError
from flowtrack.models import ColSpec, Model, Schema, list_evaluators, validate_schema


def test_env_vars_and_model_size_bytes_round_trip(tmp_path: Path) -> None:
    model = Model(env_vars=["API_KEY"], model_size_bytes=1234)
    assert (model.env_vars, model.model_size_bytes) == (["API_KEY"], 1234)
    model.save(tmp_path / "MLmodel")
    assert yaml.safe_load((tmp_path / "MLmodel").read_text())["env_vars"] == ["API_KEY"]
    loaded = Model.load(tmp_path)
    assert (loaded.env_vars, loaded.model_size_bytes) == (["API_KEY"], 1234)
    assert "model_size_bytes" not in loaded.extras
    assert loaded.get_model_info().env_vars == ["API_KEY"]
    assert Model().env_vars is None and "env_vars" not in Model().to_dict()


@pytest.mark.parametrize(
    ("content", "match"),
    [({"model_size_bytes": -1}, "model_size_bytes"), ({"env_vars": "API_KEY"}, "env_vars")],
)
def test_bad_env_vars_and_size_are_refused(content: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        Model.from_dict(content)


def test_save_model_records_the_size_of_its_files(tmp_path: Path) -> None:
    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    path = tmp_path / "model"
    mlflow.sklearn.save_model(LogisticRegression().fit(X, y), path)
    # As in MLflow: measured when MLmodel is written, before the environment files.
    later = {"MLmodel", "conda.yaml", "python_env.yaml", "requirements.txt"}
    files = [p for p in path.rglob("*") if p.is_file() and p.name not in later]
    assert Model.load(path).model_size_bytes == sum(p.stat().st_size for p in files) > 0


def test_tags_dict_json_and_yaml_stream() -> None:
    model = Model(artifact_path="model", run_id="r1", model_uuid="u1", metadata={"a": 1})
    model.add_flavor("python_function", loader_module="m", config={"k": "v"})
    tags = model.get_tags_dict()
    assert tags == {
        "run_id": "r1",
        "utc_time_created": model.utc_time_created,
        "artifact_path": "model",
        "model_uuid": "u1",
        "flavors": {"python_function": {"loader_module": "m"}},
    }
    assert json.loads(model.to_json()) == model.to_dict()
    stream = io.StringIO()
    assert model.to_yaml(stream) is None
    assert stream.getvalue() == model.to_yaml()
    assert Model.from_dict(yaml.safe_load(stream.getvalue())) == model


def test_serving_input_and_example_params(tmp_path: Path) -> None:
    X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    estimator = LogisticRegression().fit(X, [0, 0, 1, 1])
    with_params = tmp_path / "with_params"
    mlflow.sklearn.save_model(estimator, with_params, input_example=(X.head(2), {"alpha": 0.5}))
    model = Model.load(with_params)
    assert model.load_input_example_params(with_params) == {"alpha": 0.5}
    serving = json.loads(model.get_serving_input(with_params) or "")
    assert serving["params"] == {"alpha": 0.5}
    assert serving["dataframe_split"]["columns"] == ["x"]

    plain = tmp_path / "plain"
    mlflow.sklearn.save_model(estimator, plain, input_example=X.head(2))
    assert Model.load(plain).load_input_example_params(plain) is None
    bare = tmp_path / "bare"
    mlflow.sklearn.save_model(estimator, bare)
    assert Model.load(bare).get_serving_input(bare) is None
    assert Model.load(bare).load_input_example_params(bare) is None


def test_validate_schema() -> None:
    schema = Schema([ColSpec("double", "x"), ColSpec("string", "s")])
    validate_schema(pd.DataFrame({"x": [1.0], "s": ["a"]}), schema)
    with pytest.raises(InvalidParameterError, match="'s'"):
        validate_schema(pd.DataFrame({"x": [1.0]}), schema)


def test_list_evaluators_names_what_evaluate_accepts() -> None:
    assert list_evaluators() == ["default"]
    assert flowtrack.models.list_evaluators is list_evaluators


def test_model_input_example_alias_is_exported() -> None:
    alias = flowtrack.models.ModelInputExample
    assert str in alias.__args__ and bytes in alias.__args__
