"""Custom Python models: save, log and load round trips, artifacts, signatures, params."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import flowtrack
import flowtrack.pyfunc
from flowtrack.exceptions import AlreadyExistsError, FlowtrackError, InvalidParameterError
from flowtrack.models import ColSpec, ModelSignature, ParamSchema, ParamSpec, Schema
from flowtrack.models.model import Model

pytestmark = pytest.mark.usefixtures("tracking_uri")


class AddN(flowtrack.pyfunc.PythonModel):
    """Adds ``n`` and the number stored in the ``offset`` artifact (read in load_context)."""

    def __init__(self, n: float) -> None:
        self.n = n
        self.offset = 0.0

    def load_context(self, context: flowtrack.pyfunc.PythonModelContext) -> None:
        if "offset" in context.artifacts:
            self.offset = float(Path(context.artifacts["offset"]).read_text())
        self.scale = (context.model_config or {}).get("scale", 1)

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.Series:
        factor = (params or {}).get("factor", 1)
        return (model_input["x"] + self.n + self.offset) * factor * self.scale


class NoContext(flowtrack.pyfunc.PythonModel):
    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:  # type: ignore[override]
        return [value * 2 for value in model_input]


@pytest.fixture
def offset_file(tmp_path: Path) -> Path:
    path = tmp_path / "offset.txt"
    path.write_text("100")
    return path


def frame(*values: float) -> pd.DataFrame:
    return pd.DataFrame({"x": list(values)})


def test_save_and_load_a_custom_model_with_an_artifact_and_load_context(
    tmp_path: Path, offset_file: Path
) -> None:
    path = tmp_path / "model"
    flowtrack.pyfunc.save_model(path, python_model=AddN(5), artifacts={"offset": str(offset_file)})

    mlmodel = yaml.safe_load((path / "MLmodel").read_text())
    conf = mlmodel["flavors"]["python_function"]
    assert conf["loader_module"] == "mlflow.pyfunc.model"
    assert conf["python_model"] == "python_model.pkl"
    assert conf["artifacts"] == {
        "offset": {"path": "artifacts/offset.txt", "uri": str(offset_file)}
    }
    assert conf["env"] == {"conda": "conda.yaml", "virtualenv": "python_env.yaml"}
    assert conf["python_version"].count(".") == 2
    assert mlmodel["flowtrack_version"] == flowtrack.__version__
    assert "mlflow_version" not in mlmodel
    assert (path / "artifacts" / "offset.txt").read_text() == "100"

    offset_file.write_text("-1")  # the model reads its own copy
    model = flowtrack.pyfunc.load_model(str(path))
    assert model.predict(frame(1.0, 2.0)).tolist() == [106.0, 107.0]
    unwrapped = model.unwrap_python_model()
    assert isinstance(unwrapped, AddN)
    assert unwrapped.offset == 100.0
    assert model.metadata.flavors["python_function"]["cloudpickle_version"]


def test_log_model_under_the_active_run_returns_a_models_uri(offset_file: Path) -> None:
    with flowtrack.start_run() as run:
        info = flowtrack.pyfunc.log_model(
            name="custom", python_model=AddN(1), artifacts={"offset": str(offset_file)}
        )
    assert info.model_uri == f"models:/{info.model_id}"
    assert info.run_id == run.info.run_id
    location = flowtrack.get_logged_model(info.model_id).artifact_location
    assert info.artifact_path == location
    assert info.flowtrack_version == flowtrack.__version__
    assert info.mlflow_version is None
    assert info.registered_model_version is None
    listed = {f.path for f in flowtrack.FlowtrackClient().list_artifacts(run.info.run_id, "custom")}
    assert {"custom/MLmodel", "custom/python_model.pkl", "custom/requirements.txt"} <= listed
    for uri in (info.model_uri, f"runs:/{run.info.run_id}/custom"):
        loaded = flowtrack.pyfunc.load_model(uri)
        assert loaded.predict(frame(0.0)).tolist() == [101.0]
        assert loaded.metadata.run_id == run.info.run_id
        assert (loaded.model_id, loaded.metadata.artifact_path) == (info.model_id, location)


def test_log_model_accepts_artifact_path_and_starts_no_run_when_none_is_active() -> None:
    info = flowtrack.pyfunc.log_model("legacy", python_model=AddN(2))
    assert flowtrack.active_run() is None  # as MLflow 3: a logged model without a run
    assert (info.name, info.run_id) == ("legacy", None)
    assert flowtrack.pyfunc.load_model(info.model_uri).predict(frame(1.0)).tolist() == [3.0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "m", "registered_model_name": "a/b"}, "Invalid registered model name 'a/b'"),
        ({"name": "a", "artifact_path": "b"}, "Please only specify `name`"),
        ({"name": "../escape"}, "Invalid logged model name"),
        ({"name": "nested/model"}, "Invalid logged model name"),
    ],
)
def test_log_model_rejects_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        flowtrack.pyfunc.log_model(python_model=AddN(1), **kwargs)


def test_signature_and_input_example_are_inferred_saved_and_enforced(tmp_path: Path) -> None:
    example = frame(1.0, 2.0)
    flowtrack.pyfunc.save_model(tmp_path / "m", python_model=AddN(0), input_example=example)
    model = flowtrack.pyfunc.load_model(str(tmp_path / "m"))
    signature = model.metadata.signature
    assert signature is not None
    assert signature.inputs == Schema([ColSpec("double", "x")])
    assert signature.outputs is not None
    pd.testing.assert_frame_equal(model.metadata.load_input_example(tmp_path / "m"), example)
    # Enforcement converts ints to the signature's double and rejects a missing column.
    assert model.predict(pd.DataFrame({"x": [1, 2]})).tolist() == [1.0, 2.0]
    with pytest.raises(InvalidParameterError, match="x"):
        model.predict(pd.DataFrame({"y": [1.0]}))


def test_params_are_checked_against_the_params_schema(tmp_path: Path) -> None:
    signature = ModelSignature(
        inputs=Schema([ColSpec("double", "x")]),
        params=ParamSchema([ParamSpec("factor", "long", 1)]),
    )
    flowtrack.pyfunc.save_model(tmp_path / "m", python_model=AddN(0), signature=signature)
    model = flowtrack.pyfunc.load_model(str(tmp_path / "m"))
    assert model.predict(frame(2.0)).tolist() == [2.0]
    assert model.predict(frame(2.0), params={"factor": 3}).tolist() == [6.0]
    with pytest.raises(InvalidParameterError, match="factor"):
        model.predict(frame(2.0), params={"factor": "many"})


def test_params_without_a_params_schema_are_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    flowtrack.pyfunc.save_model(tmp_path / "m", python_model=AddN(0), signature=False)
    model = flowtrack.pyfunc.load_model(str(tmp_path / "m"))
    assert model.metadata.signature is None
    with caplog.at_level(logging.WARNING):
        assert model.predict(frame(2.0), params={"factor": 3}).tolist() == [2.0]
    assert "factor" in caplog.text


def test_model_config_is_saved_and_can_be_overridden_at_load(tmp_path: Path) -> None:
    flowtrack.pyfunc.save_model(tmp_path / "m", python_model=AddN(0), model_config={"scale": 10})
    assert flowtrack.pyfunc.load_model(str(tmp_path / "m")).predict(frame(1.0)).tolist() == [10.0]
    overridden = flowtrack.pyfunc.load_model(str(tmp_path / "m"), model_config={"scale": -1})
    assert overridden.predict(frame(1.0)).tolist() == [-1.0]
    assert overridden.model_config == {"scale": 10}


def test_function_models_and_predict_without_context(tmp_path: Path) -> None:
    flowtrack.pyfunc.save_model(tmp_path / "f", python_model=lambda data: np.asarray(data) + 1)
    assert flowtrack.pyfunc.load_model(str(tmp_path / "f")).predict([1, 2]).tolist() == [2, 3]
    flowtrack.pyfunc.save_model(tmp_path / "n", python_model=NoContext())
    assert flowtrack.pyfunc.load_model(str(tmp_path / "n")).predict([1, 2]) == [2, 4]


def test_code_paths_are_copied_and_importable_at_load(tmp_path: Path) -> None:
    helper = tmp_path / "src" / "ft_helper_mod.py"
    helper.parent.mkdir()
    helper.write_text("def double(x):\n    return x * 2\n")

    def predict(model_input: Any) -> Any:
        import ft_helper_mod

        return ft_helper_mod.double(model_input)

    flowtrack.pyfunc.save_model(tmp_path / "m", python_model=predict, code_paths=[str(helper)])
    conf = Model.load(tmp_path / "m").flavors["python_function"]
    assert conf["code"] == "code"
    assert (tmp_path / "m" / "code" / "ft_helper_mod.py").is_file()
    assert flowtrack.pyfunc.load_model(str(tmp_path / "m")).predict(21) == 42


def test_save_model_refuses_existing_paths_and_bad_arguments(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("x")
    with pytest.raises(AlreadyExistsError, match="already exists"):
        flowtrack.pyfunc.save_model(tmp_path / "taken", python_model=AddN(1))
    with pytest.raises(InvalidParameterError, match="exactly one of python_model"):
        flowtrack.pyfunc.save_model(tmp_path / "none")
    with pytest.raises(InvalidParameterError, match="Only one of"):
        flowtrack.pyfunc.save_model(
            tmp_path / "both",
            python_model=AddN(1),
            pip_requirements=["a"],
            extra_pip_requirements=["b"],
        )


def test_unwrap_python_model_of_a_non_custom_model_fails(tmp_path: Path) -> None:
    from sklearn.linear_model import LinearRegression

    import flowtrack.sklearn

    X = np.array([[0.0], [1.0], [2.0]])
    flowtrack.sklearn.save_model(LinearRegression().fit(X, [0.0, 1.0, 2.0]), tmp_path / "lr")
    model = flowtrack.pyfunc.load_model(str(tmp_path / "lr"))
    assert model.loader_module == "mlflow.sklearn"
    with pytest.raises(FlowtrackError, match="only custom models"):
        model.unwrap_python_model()
    assert isinstance(model.get_raw_model(), LinearRegression)
