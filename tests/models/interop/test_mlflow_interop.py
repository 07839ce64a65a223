"""Models move both ways between flowtrack and the real MLflow 3.x, in its own virtualenv.

* MLflow saves scikit-learn models (skops, its default, and pickle and cloudpickle on request);
  ``flowtrack.pyfunc`` and ``flowtrack.sklearn`` load them and predict what MLflow predicts.
* flowtrack saves (or logs) scikit-learn models; MLflow loads them without flowtrack installed,
  predicts what flowtrack predicts, and reads our signature and input example intact.
* flowtrack saves a custom :class:`flowtrack.pyfunc.PythonModel` with an artifact; MLflow loads
  it where flowtrack is importable (the pickle refers to flowtrack's base class).

Data crosses between the interpreters as CSV and JSON files, never pickles. Each MLflow snippet
handles every model of its kind at once: a subprocess that imports MLflow and scikit-learn costs
several seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import flowtrack
import flowtrack.pyfunc
import flowtrack.sklearn
from flowtrack.models import infer_signature

if TYPE_CHECKING:
    from .conftest import MlflowPython

#: MLflow's scikit-learn serialization formats, each with the dataset its test model uses.
MLFLOW_FORMATS = {"skops": "iris", "pickle": "diabetes", "cloudpickle": "diabetes"}

#: Rows saved as the input example.
EXAMPLE_ROWS = 5

# Runs in .venv-mlflow: fit one model per serialization format, save it with MLflow, and record
# what MLflow itself predicts from it (pyfunc and native flavors) on the whole dataset.
SAVE_WITH_MLFLOW = """
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

ESTIMATORS = {
    # Only types skops trusts out of the box, as MLflow's default format requires.
    "skops": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    "pickle": lambda: RandomForestRegressor(n_estimators=20, max_depth=5, random_state=0),
    # A lambda in the pipeline: only cloudpickle saves it (by value).
    "cloudpickle": lambda: make_pipeline(FunctionTransformer(lambda x: x * 10.0), Ridge(0.5)),
}

result = {}
for fmt, case in args["cases"].items():
    frame = pd.read_csv(case["data"])
    X, y = frame.drop(columns="target"), frame["target"]
    model = ESTIMATORS[fmt]().fit(X, y)
    mlflow.sklearn.save_model(
        model,
        case["path"],
        serialization_format=fmt,
        signature=infer_signature(X, model.predict(X)),
        input_example=X.head(args["example_rows"]),
        # Given, so MLflow skips inferring them: a subprocess per model that costs ~10 s and
        # has no bearing on the model's format.
        pip_requirements=["scikit-learn"],
    )
    result[fmt] = {
        "pyfunc": np.asarray(mlflow.pyfunc.load_model(case["path"]).predict(X)).tolist(),
        "sklearn": mlflow.sklearn.load_model(case["path"]).predict(X).tolist(),
    }
"""

# Runs in .venv-mlflow: load models flowtrack saved, predict, and report what MLflow reads from
# their MLmodel. `infer_signature` here is MLflow's own, on the same data and predictions.
LOAD_WITH_MLFLOW = """
import importlib.util

import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
from mlflow.models import Model, infer_signature

result = {"flowtrack_importable": importlib.util.find_spec("flowtrack") is not None}
for key, case in args["cases"].items():
    X = pd.read_csv(case["data"]).drop(columns="target")
    path = case["model"]
    pyfunc_model = mlflow.pyfunc.load_model(path)
    predictions = pyfunc_model.predict(X)
    meta = Model.load(path)
    seen = {
        "pyfunc": np.asarray(predictions).tolist(),
        "signature": meta.signature.to_dict(),
        "signature_is_mlflows_inference": meta.signature == infer_signature(X, predictions),
        "input_example": meta.load_input_example(path).to_dict(orient="split"),
    }
    if "sklearn" in meta.flavors:
        seen["sklearn"] = mlflow.sklearn.load_model(path).predict(X).tolist()
    else:
        mro = type(pyfunc_model.unwrap_python_model()).__mro__
        seen["python_model_mro"] = [f"{c.__module__}.{c.__qualname__}" for c in mro]
    result[key] = seen
"""


@dataclass(frozen=True)
class SavedByFlowtrack:
    """A model flowtrack saved, with what MLflow needs to check it.

    Attributes:
        model_dir: The model directory.
        data: The dataset's CSV (features and ``target``).
        example: The input example saved with the model.
        predictions: flowtrack's predictions (``flowtrack.pyfunc``) on the whole dataset.
    """

    model_dir: Path
    data: Path
    example: pd.DataFrame
    predictions: np.ndarray[Any, Any]

    def mlflow_args(self) -> dict[str, str]:
        """The case as :data:`LOAD_WITH_MLFLOW` reads it."""
        return {"data": str(self.data), "model": str(self.model_dir)}


def write_dataset(name: str, directory: Path) -> Path:
    """Write a bundled scikit-learn dataset as CSV (features plus a ``target`` column).

    Args:
        name: ``iris`` or ``diabetes``.
        directory: Where to write ``<name>.csv``.

    Returns:
        The CSV file's path.
    """
    bunch = {"iris": load_iris, "diabetes": load_diabetes}[name](as_frame=True)
    path = directory / f"{name}.csv"
    bunch.frame.to_csv(path, index=False)
    return path


def read_dataset(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Read a CSV from :func:`write_dataset` as the MLflow snippets do (floats round-trip).

    Returns:
        The features and the target.
    """
    frame = pd.read_csv(path)
    return frame.drop(columns="target"), frame["target"]


def fit_estimator(dataset: str, X: pd.DataFrame, y: pd.Series) -> Any:
    """A classifier pipeline for iris, a random forest regressor for diabetes, fitted."""
    if dataset == "iris":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    return RandomForestRegressor(n_estimators=20, max_depth=5, random_state=0).fit(X, y)


def mlmodel(model_dir: Path) -> dict[str, Any]:
    """The parsed ``MLmodel`` file of a model directory."""
    loaded: dict[str, Any] = yaml.safe_load((model_dir / "MLmodel").read_text())
    return loaded


def local_path(uri: str) -> Path:
    """A local artifact URI (a plain path or ``file://``) as a path."""
    return Path(urlparse(uri).path) if uri.startswith("file:") else Path(uri)


def assert_mlflow_reads_our_metadata(seen: dict[str, Any], saved: SavedByFlowtrack) -> None:
    """What MLflow read from our ``MLmodel`` is what we saved: signature and input example."""
    signature = mlmodel(saved.model_dir)["signature"]
    for part in ("inputs", "outputs"):
        assert json.loads(seen["signature"][part]) == json.loads(signature[part]), part
    assert seen["signature"]["params"] is None
    assert signature.get("params") is None
    assert seen["signature_is_mlflows_inference"], (
        "MLflow's infer_signature on the same data and predictions differs from the signature "
        f"flowtrack saved: {signature}"
    )
    assert seen["input_example"]["columns"] == list(saved.example.columns)
    assert seen["input_example"]["data"] == saved.example.to_numpy().tolist()


@pytest.fixture(scope="module")
def saved_by_mlflow(
    mlflow_python: MlflowPython, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """One scikit-learn model per MLflow serialization format, saved by MLflow.

    Returns:
        ``{format: {"path", "data", "pyfunc", "sklearn"}}``: the model directory, its dataset's
        CSV, and MLflow's predictions on that dataset through each of its loaders.
    """
    root = tmp_path_factory.mktemp("saved-by-mlflow")
    cases = {
        fmt: {"data": str(write_dataset(dataset, root)), "path": str(root / f"model-{fmt}")}
        for fmt, dataset in MLFLOW_FORMATS.items()
    }
    predictions = mlflow_python.json(
        SAVE_WITH_MLFLOW, {"cases": cases, "example_rows": EXAMPLE_ROWS}
    )
    return {fmt: {**cases[fmt], **predictions[fmt]} for fmt in MLFLOW_FORMATS}


@pytest.fixture(scope="module")
def saved_by_flowtrack(
    sqlite_tracking: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, SavedByFlowtrack]:
    """scikit-learn models flowtrack saved with default settings, a signature and an example.

    ``iris`` and ``diabetes`` come from ``flowtrack.sklearn.save_model``; ``logged`` (iris) from
    ``flowtrack.sklearn.log_model`` in a run on a SQLite store: its directory is the logged
    model's artifact location (``<experiment artifacts>/models/<model_id>/artifacts``).
    """
    root = tmp_path_factory.mktemp("saved-by-flowtrack")
    saved = {}
    for key, dataset in {"iris": "iris", "diabetes": "diabetes", "logged": "iris"}.items():
        data = write_dataset(dataset, root)
        X, y = read_dataset(data)
        model = fit_estimator(dataset, X, y)
        example = X.head(EXAMPLE_ROWS)
        signature = infer_signature(X, model.predict(X))
        if key == "logged":
            with flowtrack.start_run():
                info = flowtrack.sklearn.log_model(
                    model, name="classifier", signature=signature, input_example=example
                )
            logged = flowtrack.get_logged_model(info.model_id)
            model_dir = local_path(logged.artifact_location)
            assert model_dir.parts[-3:] == ("models", info.model_id, "artifacts")
        else:
            model_dir = root / f"model-{key}"
            flowtrack.sklearn.save_model(
                model, model_dir, signature=signature, input_example=example
            )
        predictions = np.asarray(flowtrack.pyfunc.load_model(str(model_dir)).predict(X))
        np.testing.assert_array_equal(predictions, model.predict(X))
        saved[key] = SavedByFlowtrack(model_dir, data, example, predictions)
    return saved


@pytest.fixture(scope="module")
def loaded_by_mlflow(
    mlflow_python: MlflowPython, saved_by_flowtrack: dict[str, SavedByFlowtrack]
) -> dict[str, Any]:
    """What MLflow, with flowtrack not importable, makes of :func:`saved_by_flowtrack`'s models.

    Returns:
        ``{"flowtrack_importable": bool, key: {"pyfunc", "sklearn", "signature", ...}}``.
    """
    cases = {key: saved.mlflow_args() for key, saved in saved_by_flowtrack.items()}
    seen: dict[str, Any] = mlflow_python.json(LOAD_WITH_MLFLOW, {"cases": cases})
    return seen


@pytest.mark.parametrize("fmt", list(MLFLOW_FORMATS))
def test_mlflow_sklearn_model_predicts_in_flowtrack(
    saved_by_mlflow: dict[str, dict[str, Any]], fmt: str
) -> None:
    case = saved_by_mlflow[fmt]
    model_dir = Path(case["path"])
    X, _ = read_dataset(Path(case["data"]))
    flavors = mlmodel(model_dir)["flavors"]
    assert flavors["sklearn"]["serialization_format"] == fmt
    assert flavors["python_function"]["loader_module"] == "mlflow.sklearn"
    expected = np.asarray(case["pyfunc"])
    np.testing.assert_array_equal(np.asarray(case["sklearn"]), expected)

    pyfunc_model = flowtrack.pyfunc.load_model(str(model_dir))
    pyfunc_predictions = pyfunc_model.predict(X)
    sklearn_predictions = flowtrack.sklearn.load_model(str(model_dir)).predict(X)

    np.testing.assert_array_equal(np.asarray(pyfunc_predictions), expected)
    np.testing.assert_array_equal(sklearn_predictions, expected)
    # MLflow inferred the signature from these predictions: flowtrack reads what it would infer.
    assert pyfunc_model.metadata.signature == infer_signature(X, expected)
    pd.testing.assert_frame_equal(
        pyfunc_model.metadata.load_input_example(model_dir), X.head(EXAMPLE_ROWS)
    )


@pytest.mark.parametrize("key", ["iris", "diabetes"])
def test_flowtrack_sklearn_model_predicts_in_mlflow_without_flowtrack(
    saved_by_flowtrack: dict[str, SavedByFlowtrack], loaded_by_mlflow: dict[str, Any], key: str
) -> None:
    saved, seen = saved_by_flowtrack[key], loaded_by_mlflow[key]
    assert loaded_by_mlflow["flowtrack_importable"] is False
    assert mlmodel(saved.model_dir)["flavors"]["python_function"]["loader_module"] == (
        "mlflow.sklearn"
    )
    np.testing.assert_array_equal(np.asarray(seen["pyfunc"]), saved.predictions)
    np.testing.assert_array_equal(np.asarray(seen["sklearn"]), saved.predictions)


@pytest.mark.parametrize("key", ["iris", "diabetes", "logged"])
def test_mlflow_reads_signature_and_input_example_flowtrack_saved(
    saved_by_flowtrack: dict[str, SavedByFlowtrack], loaded_by_mlflow: dict[str, Any], key: str
) -> None:
    assert_mlflow_reads_our_metadata(loaded_by_mlflow[key], saved_by_flowtrack[key])


def test_flowtrack_logged_sklearn_model_loads_in_mlflow_from_its_artifact_location(
    sqlite_tracking: Path,
    saved_by_flowtrack: dict[str, SavedByFlowtrack],
    loaded_by_mlflow: dict[str, Any],
) -> None:
    saved, seen = saved_by_flowtrack["logged"], loaded_by_mlflow["logged"]
    assert saved.model_dir.is_relative_to(sqlite_tracking / "artifacts")
    assert loaded_by_mlflow["flowtrack_importable"] is False
    np.testing.assert_array_equal(np.asarray(seen["pyfunc"]), saved.predictions)
    np.testing.assert_array_equal(np.asarray(seen["sklearn"]), saved.predictions)


def test_flowtrack_python_model_with_artifact_predicts_in_mlflow(
    mlflow_python: MlflowPython, tmp_path: Path
) -> None:
    # Defined in the test, not at module level, so cloudpickle saves the class by value: MLflow's
    # interpreter then needs flowtrack (the base class), not this test module (nor pytest).
    class WeightedSum(flowtrack.pyfunc.PythonModel):
        def load_context(self, context: flowtrack.pyfunc.PythonModelContext) -> None:
            coefficients = json.loads(Path(context.artifacts["coefficients"]).read_text())
            self.weights = pd.Series(coefficients["weights"])
            self.bias = coefficients["bias"]

        def predict(
            self,
            context: flowtrack.pyfunc.PythonModelContext,
            model_input: pd.DataFrame,
            params: dict[str, Any] | None = None,
        ) -> pd.Series:
            return model_input[self.weights.index].mul(self.weights).sum(axis=1) + self.bias

    data = write_dataset("iris", tmp_path)
    X, _ = read_dataset(data)
    weights = dict(zip(X.columns, [0.5, -1.25, 2.0, 0.75], strict=True))
    coefficients = tmp_path / "coefficients.json"
    coefficients.write_text(json.dumps({"weights": weights, "bias": 3.0}))
    example = X.head(EXAMPLE_ROWS)
    model_dir = tmp_path / "model"
    flowtrack.pyfunc.save_model(
        model_dir,
        python_model=WeightedSum(),
        artifacts={"coefficients": str(coefficients)},
        signature=infer_signature(X, X.mul(pd.Series(weights)).sum(axis=1) + 3.0),
        input_example=example,
    )
    predictions = np.asarray(flowtrack.pyfunc.load_model(str(model_dir)).predict(X))
    np.testing.assert_allclose(predictions, X.to_numpy() @ list(weights.values()) + 3.0)
    coefficients.unlink()  # the model directory must hold its own copy
    saved = SavedByFlowtrack(model_dir, data, example, predictions)

    loaded = mlflow_python.json(
        LOAD_WITH_MLFLOW, {"cases": {"custom": saved.mlflow_args()}}, flowtrack_importable=True
    )

    seen = loaded["custom"]
    assert loaded["flowtrack_importable"] is True
    assert "flowtrack.pyfunc.model.PythonModel" in seen["python_model_mro"]
    np.testing.assert_array_equal(np.asarray(seen["pyfunc"]), predictions)
    assert_mlflow_reads_our_metadata(seen, saved)
