"""The MLmodel file: MLflow's keys, round trips, validation, ModelInfo and get_model_info."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

import flowtrack
import flowtrack.pyfunc
from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.models import ColSpec, ModelSignature, Schema
from flowtrack.models.model import Model, ModelInfo
from flowtrack.models.uri import download_model_file, get_model_info

#: An MLmodel as MLflow 3 writes it for a scikit-learn model.
MLFLOW_MLMODEL = """
artifact_path: model
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.9.1
is_signature_from_type_hint: false
mlflow_version: 3.17.2
model_id: null
model_size_bytes: 1234
model_uuid: 8c2f1d0e9b7a4c3d8e2f1a0b9c8d7e6f
prompts: null
run_id: 0123456789abcdef0123456789abcdef
signature:
  inputs: '[{"type": "double", "name": "x", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]'
  params: null
type_hint_from_example: false
utc_time_created: '2026-01-02 03:04:05.678901'
"""


def test_a_new_model_has_mlflows_keys_and_claims_no_mlflow_version() -> None:
    model = Model(artifact_path="model", run_id="abc")
    model.add_flavor("python_function", loader_module="mlflow.sklearn")
    content = model.to_dict()
    assert content["artifact_path"] == "model"
    assert content["run_id"] == "abc"
    assert content["flavors"] == {"python_function": {"loader_module": "mlflow.sklearn"}}
    assert len(content["model_uuid"]) == 32
    assert content["flowtrack_version"] == flowtrack.__version__
    assert "mlflow_version" not in content
    assert model.mlflow_version is None
    assert content["utc_time_created"].count(":") == 2
    assert "signature" not in content
    assert "saved_input_example_info" not in content


def test_an_mlflow_mlmodel_round_trips_with_its_extra_keys(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text(MLFLOW_MLMODEL)
    model = Model.load(tmp_path)
    assert model.mlflow_version == "3.17.2"
    assert model.model_size_bytes == 1234
    assert model.flowtrack_version is None  # MLflow wrote it, not flowtrack
    assert model.signature == ModelSignature(
        inputs=Schema([ColSpec("double", "x")]), outputs=model.signature.outputs
    )
    assert model.get_input_schema() == Schema([ColSpec("double", "x")])
    model.save(tmp_path / "copy")
    assert yaml.safe_load((tmp_path / "copy").read_text()) == yaml.safe_load(MLFLOW_MLMODEL)
    assert Model.load(tmp_path / "copy") == model


def test_model_info_mirrors_the_mlmodel() -> None:
    signature = ModelSignature(inputs=Schema([ColSpec("long", "n")]))
    model = Model(artifact_path="m", run_id="r1", signature=signature, metadata={"team": "ml"})
    info = model.get_model_info()
    assert isinstance(info, ModelInfo)
    assert info.model_uri == "runs:/r1/m"
    assert info.signature == signature
    assert info.metadata == {"team": "ml"}
    assert info.model_uuid == model.model_uuid
    assert Model().get_model_info().model_uri == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("flavors: [1, 2]", "Invalid MLmodel flavors"),
        ("flavors: {sklearn: 3}", "Invalid MLmodel flavors"),
        ("run_id: 12\nflavors: {}", "Invalid MLmodel run_id"),
        ("metadata: [1]\nflavors: {}", "Invalid MLmodel metadata"),
        ("signature: 'x'\nflavors: {}", "Invalid MLmodel signature"),
        ("- a list", "expected a mapping"),
        ("flavors: {a: [", "not valid YAML"),
    ],
)
def test_invalid_mlmodel_content_is_refused(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "MLmodel").write_text(content)
    with pytest.raises(InvalidParameterError, match=message):
        Model.load(tmp_path)


def test_loading_a_missing_mlmodel_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="MLmodel"):
        Model.load(tmp_path / "nothing")


@pytest.mark.usefixtures("tracking_uri")
def test_get_model_info_reads_a_logged_model_without_downloading_it() -> None:
    with flowtrack.start_run() as run:
        logged = flowtrack.pyfunc.log_model(
            name="m", python_model=lambda data: data, metadata={"k": "v"}
        )
    assert logged.model_uri == f"models:/{logged.model_id}"
    info = get_model_info(logged.model_uri)
    assert info.model_uri == logged.model_uri
    assert (info.model_id, info.name) == (logged.model_id, "m")
    assert info.run_id == run.info.run_id
    by_run = get_model_info(f"runs:/{run.info.run_id}/m")
    assert (by_run.model_uri, by_run.model_id) == (f"runs:/{run.info.run_id}/m", logged.model_id)
    assert info.flavors["python_function"]["loader_module"] == "mlflow.pyfunc.model"
    assert info.metadata == {"k": "v"}
    assert info.model_uuid == logged.model_uuid
    # Model only reads local files (it never downloads): a URI is refused with the way to read it.
    with pytest.raises(InvalidParameterError, match=r"local files only.*get_model_info"):
        Model.load(logged.model_uri)
    local = download_model_file(logged.model_uri, "MLmodel")
    assert Model.load(local).model_uuid == logged.model_uuid
    assert Model.load(f"file://{os.path.dirname(local)}").model_uuid == logged.model_uuid
