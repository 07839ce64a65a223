"""The scikit-learn flavor: formats, the default, requirements, signatures and MLflow's layout."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.tree import DecisionTreeClassifier

import flowtrack
import flowtrack.pyfunc
import flowtrack.sklearn
from flowtrack.exceptions import InvalidParameterError, NotFoundError, PermissionDeniedError

pytestmark = pytest.mark.usefixtures("tracking_uri")


@pytest.fixture(scope="module")
def iris() -> tuple[pd.DataFrame, pd.Series]:
    data = load_iris(as_frame=True)
    return data.data, data.target


def mlmodel(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((path / "MLmodel").read_text())
    return loaded


def pinned(distribution: str) -> str:
    return f"{distribution}=={importlib.metadata.version(distribution).split('+')[0]}"


def test_a_random_forest_logs_and_loads_with_no_extra_arguments(iris: Any) -> None:
    X, y = iris
    clf = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    with flowtrack.start_run():
        info = flowtrack.sklearn.log_model(clf, name="model")
    loaded = flowtrack.sklearn.load_model(info.model_uri)
    assert isinstance(loaded, RandomForestClassifier)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    sklearn_conf = info.flavors["sklearn"]
    assert sklearn_conf["serialization_format"] == "skops"
    assert sklearn_conf["pickled_model"] == "model.skops"
    assert sklearn_conf["skops_trusted_types"] == ["sklearn.tree._tree.Tree"]
    pyfunc = flowtrack.pyfunc.load_model(info.model_uri)
    np.testing.assert_array_equal(pyfunc.predict(X), clf.predict(X))


@pytest.mark.parametrize("fmt", ["skops", "cloudpickle", "pickle"])
def test_each_serialization_format_round_trips(tmp_path: Path, iris: Any, fmt: str) -> None:
    X, y = iris
    clf = make_pipeline(StandardScaler(), DecisionTreeClassifier(random_state=0)).fit(X, y)
    flowtrack.sklearn.save_model(clf, tmp_path / "m", serialization_format=fmt)
    content = mlmodel(tmp_path / "m")
    file = "model.skops" if fmt == "skops" else "model.pkl"
    assert content["flavors"]["sklearn"]["serialization_format"] == fmt
    assert content["flavors"]["sklearn"]["pickled_model"] == file
    assert content["flavors"]["sklearn"]["sklearn_version"] == importlib.metadata.version(
        "scikit-learn"
    )
    assert content["flavors"]["python_function"]["model_path"] == file
    assert content["flavors"]["python_function"]["loader_module"] == "mlflow.sklearn"
    assert "data" not in content["flavors"]["python_function"]  # MLflow would read it as pickle
    np.testing.assert_array_equal(
        flowtrack.sklearn.load_model(str(tmp_path / "m")).predict(X), clf.predict(X)
    )
    np.testing.assert_array_equal(
        flowtrack.pyfunc.load_model(str(tmp_path / "m")).predict(X), clf.predict(X)
    )


def test_the_default_falls_back_to_cloudpickle_for_what_skops_cannot_trust(
    tmp_path: Path, iris: Any
) -> None:
    X, y = iris
    with_lambda = make_pipeline(
        FunctionTransformer(lambda frame: frame * 2.0), DecisionTreeClassifier(random_state=0)
    ).fit(X, y)
    flowtrack.sklearn.save_model(with_lambda, tmp_path / "m")
    assert mlmodel(tmp_path / "m")["flavors"]["sklearn"]["serialization_format"] == "cloudpickle"
    np.testing.assert_array_equal(
        flowtrack.sklearn.load_model(str(tmp_path / "m")).predict(X), with_lambda.predict(X)
    )


def test_recorded_skops_types_outside_the_policy_need_trust_model(
    tmp_path: Path, iris: Any
) -> None:
    X, y = iris
    knn = KNeighborsClassifier().fit(X.to_numpy(), y)
    flowtrack.sklearn.save_model(knn, tmp_path / "m")
    recorded = mlmodel(tmp_path / "m")["flavors"]["sklearn"]["skops_trusted_types"]
    assert "sklearn.neighbors._kd_tree.KDTree" in recorded
    assert flowtrack.sklearn.load_model(str(tmp_path / "m")).predict(X.to_numpy()[:2]).shape == (2,)

    content = mlmodel(tmp_path / "m")
    content["flavors"]["sklearn"]["skops_trusted_types"] = [*recorded, "builtins.exec"]
    (tmp_path / "m" / "MLmodel").write_text(yaml.safe_dump(content))
    with pytest.raises(PermissionDeniedError, match=r"builtins\.exec"):
        flowtrack.sklearn.load_model(str(tmp_path / "m"))
    assert flowtrack.sklearn.load_model(str(tmp_path / "m"), trust_model=True) is not None


def test_skops_trusted_types_limits_what_an_explicit_skops_save_may_need(
    tmp_path: Path, iris: Any
) -> None:
    X, y = iris
    clf = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match=r"sklearn\.tree\._tree\.Tree"):
        flowtrack.sklearn.save_model(clf, tmp_path / "a", skops_trusted_types=[])
    flowtrack.sklearn.save_model(
        clf, tmp_path / "b", skops_trusted_types=["sklearn.tree._tree.Tree"]
    )
    assert mlmodel(tmp_path / "b")["flavors"]["sklearn"]["serialization_format"] == "skops"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("skops", ["scikit-learn", "numpy", "scipy", "skops"]),
        ("cloudpickle", ["scikit-learn", "numpy", "cloudpickle"]),
        ("pickle", ["scikit-learn", "numpy"]),
    ],
)
def test_requirements_pin_the_installed_versions(
    tmp_path: Path, iris: Any, fmt: str, expected: list[str]
) -> None:
    X, y = iris
    clf = DecisionTreeClassifier(random_state=0).fit(X, y)
    flowtrack.sklearn.save_model(clf, tmp_path / "m", serialization_format=fmt)
    requirements = (tmp_path / "m" / "requirements.txt").read_text().splitlines()
    assert {pinned(name) for name in expected} <= set(requirements)
    assert not any(line.startswith(("mlflow", "flowtrack")) for line in requirements)
    conda = yaml.safe_load((tmp_path / "m" / "conda.yaml").read_text())
    assert conda["dependencies"][-1] == {"pip": requirements}
    python_env = yaml.safe_load((tmp_path / "m" / "python_env.yaml").read_text())
    assert python_env["dependencies"] == ["-r requirements.txt"]


def test_pip_requirement_overrides(tmp_path: Path, iris: Any) -> None:
    X, y = iris
    clf = DecisionTreeClassifier(random_state=0).fit(X, y)
    flowtrack.sklearn.save_model(clf, tmp_path / "a", pip_requirements=["scikit-learn"])
    assert (tmp_path / "a" / "requirements.txt").read_text() == "scikit-learn"
    flowtrack.sklearn.save_model(
        clf, tmp_path / "b", extra_pip_requirements=["pandas>=2", "numpy<3"]
    )
    lines = (tmp_path / "b" / "requirements.txt").read_text().splitlines()
    assert lines[-2:] == ["pandas>=2", "numpy<3"]
    assert pinned("numpy") not in lines  # the user's numpy replaces the default pin
    assert pinned("scikit-learn") in lines


def test_signature_and_input_example_are_written_and_enforced(tmp_path: Path, iris: Any) -> None:
    X, y = iris
    clf = DecisionTreeClassifier(random_state=0).fit(X, y)
    flowtrack.sklearn.save_model(clf, tmp_path / "m", input_example=X.head(3))
    content = mlmodel(tmp_path / "m")
    assert content["saved_input_example_info"]["type"] == "dataframe"
    assert "sepal length (cm)" in content["signature"]["inputs"]
    assert content["signature"]["outputs"]
    model = flowtrack.pyfunc.load_model(str(tmp_path / "m"))
    pd.testing.assert_frame_equal(model.metadata.load_input_example(tmp_path / "m"), X.head(3))
    with pytest.raises(InvalidParameterError, match="petal width"):
        model.predict(X.drop(columns=["petal width (cm)"]))


def test_log_model_accepts_artifact_path_and_name(iris: Any) -> None:
    X, y = iris
    clf = DecisionTreeClassifier(random_state=0).fit(X, y)
    with flowtrack.start_run() as run:
        by_path = flowtrack.sklearn.log_model(clf, "by_path")
        by_name = flowtrack.sklearn.log_model(clf, name="by_name", serialization_format="pickle")
    assert by_path.model_uri == f"models:/{by_path.model_id}"
    assert by_name.model_uri == f"models:/{by_name.model_id}"
    assert (by_path.name, by_name.name) == ("by_path", "by_name")
    for uri in (by_name.model_uri, f"runs:/{run.info.run_id}/by_path"):
        assert flowtrack.sklearn.load_model(uri).predict(X.head(1)).tolist() == [0]
    with pytest.raises(InvalidParameterError, match="registered model name 'a/b'"):
        flowtrack.sklearn.log_model(clf, name="m", registered_model_name="a/b")


def test_invalid_formats_and_missing_flavors(tmp_path: Path, iris: Any) -> None:
    X, y = iris
    clf = DecisionTreeClassifier(random_state=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match=r"'joblib'.*skops"):
        flowtrack.sklearn.save_model(clf, tmp_path / "m", serialization_format="joblib")
    flowtrack.pyfunc.save_model(tmp_path / "custom", python_model=lambda data: data)
    with pytest.raises(NotFoundError, match="no 'sklearn' flavor"):
        flowtrack.sklearn.load_model(str(tmp_path / "custom"))


def test_default_pip_requirements_with_mlflow_switches() -> None:
    def names(requirements: list[str]) -> list[str]:
        return [r.split("==")[0] for r in requirements]

    base = ["scikit-learn", "numpy", "scipy"]
    assert names(flowtrack.sklearn.get_default_pip_requirements()) == [*base, "skops"]
    assert names(flowtrack.sklearn.get_default_pip_requirements("cloudpickle")) == [
        *base,
        "cloudpickle",
    ]
    assert names(
        flowtrack.sklearn.get_default_pip_requirements(include_cloudpickle=True, include_skops=True)
    ) == [*base, "cloudpickle", "skops"]
    assert names(flowtrack.sklearn.get_default_pip_requirements(include_skops=False)) == base
    with pytest.raises(InvalidParameterError, match="by keyword"):
        flowtrack.sklearn.get_default_pip_requirements(True)  # type: ignore[arg-type]
