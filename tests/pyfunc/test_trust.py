"""Refused models: unknown loader modules, paths out of the model directory, and trust_model."""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import flowtrack.pyfunc
import flowtrack.sklearn
from flowtrack.exceptions import InvalidParameterError, PermissionDeniedError
from flowtrack.models._trust import check_skops_trusted_types

LOADER_SOURCE = """
class _Impl:
    def predict(self, data, params=None):
        return ["custom loader", data]

def _load_pyfunc(path):
    return _Impl()
"""


def write_model(path: Path, flavors: dict[str, Any]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "MLmodel").write_text(yaml.safe_dump({"flavors": flavors}))
    return path


def pickled_list_model(path: Path, flavors: dict[str, Any], file: Path) -> Path:
    """A model whose MLmodel points (possibly out of the directory) at a pickle of a list."""
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(pickle.dumps([1, 2, 3]))
    return write_model(path, flavors)


def sklearn_flavors(pickled: str) -> dict[str, Any]:
    return {
        "python_function": {"loader_module": "mlflow.sklearn", "model_path": pickled},
        "sklearn": {"pickled_model": pickled, "serialization_format": "pickle"},
    }


@pytest.mark.parametrize(
    "pickled",
    ["../outside/evil.pkl", "sub/../../outside/evil.pkl", "/abs/evil.pkl"],
)
def test_paths_out_of_the_model_directory_are_refused(tmp_path: Path, pickled: str) -> None:
    target = tmp_path / "outside" / "evil.pkl"
    pickled_list_model(tmp_path / "model", sklearn_flavors(pickled), target)
    with pytest.raises(PermissionDeniedError, match="trust_model=True") as info:
        flowtrack.sklearn.load_model(str(tmp_path / "model"))
    assert pickled in str(info.value)
    with pytest.raises(PermissionDeniedError, match="leaves the model directory"):
        flowtrack.pyfunc.load_model(str(tmp_path / "model"))


def test_trust_model_lifts_the_path_check(tmp_path: Path) -> None:
    target = tmp_path / "outside" / "evil.pkl"
    pickled_list_model(tmp_path / "model", sklearn_flavors("../outside/evil.pkl"), target)
    assert flowtrack.sklearn.load_model(str(tmp_path / "model"), trust_model=True) == [1, 2, 3]


def test_a_symlink_out_of_the_model_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "outside" / "evil.pkl"
    model = pickled_list_model(tmp_path / "model", sklearn_flavors("model.pkl"), target)
    os.symlink(target, model / "model.pkl")
    with pytest.raises(PermissionDeniedError, match="symbolic links"):
        flowtrack.sklearn.load_model(str(model))
    assert flowtrack.sklearn.load_model(str(model), trust_model=True) == [1, 2, 3]


def test_a_symlink_artifact_out_of_the_model_directory_is_refused(tmp_path: Path) -> None:
    model = write_model(
        tmp_path / "model",
        {
            "python_function": {
                "loader_module": "mlflow.pyfunc.model",
                "python_model": "python_model.pkl",
                "artifacts": {"secret": {"path": "artifacts/secret"}},
            }
        },
    )
    (model / "artifacts").mkdir()
    os.symlink("/etc", model / "artifacts" / "secret")
    with pytest.raises(PermissionDeniedError, match=r"artifacts\['secret'\]"):
        flowtrack.pyfunc.load_model(str(model))


def test_unknown_loader_modules_are_refused_unless_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "ft_custom_loader.py").write_text(LOADER_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path / "code"))
    model = write_model(
        tmp_path / "model", {"python_function": {"loader_module": "ft_custom_loader"}}
    )
    with pytest.raises(PermissionDeniedError, match=r"'ft_custom_loader'.*trust_model=True"):
        flowtrack.pyfunc.load_model(str(model))
    assert "ft_custom_loader" not in sys.modules  # refused before anything was imported
    loaded = flowtrack.pyfunc.load_model(str(model), trust_model=True)
    assert loaded.predict(7) == ["custom loader", 7]


def test_a_malformed_loader_module_is_invalid(tmp_path: Path) -> None:
    model = write_model(tmp_path / "m", {"python_function": {"loader_module": "os; rm -rf"}})
    with pytest.raises(InvalidParameterError, match="dotted module name"):
        flowtrack.pyfunc.load_model(str(model))


def test_mlflow_1_x_models_with_a_data_pickle_still_load(tmp_path: Path) -> None:
    from sklearn.linear_model import LinearRegression

    model = write_model(
        tmp_path / "old",
        {"python_function": {"loader_module": "mlflow.sklearn", "data": "model.pkl"}},
    )
    estimator = LinearRegression().fit([[0.0], [1.0]], [0.0, 2.0])
    (model / "model.pkl").write_bytes(pickle.dumps(estimator))
    assert flowtrack.pyfunc.load_model(str(model)).predict([[2.0]]).tolist() == pytest.approx([4.0])


@pytest.mark.parametrize(
    ("names", "allowed"),
    [
        (["sklearn.tree._tree.Tree"], True),
        (["numpy.dtype"], True),
        (["builtins.eval"], False),
        (["os.system"], False),
        (["sklearn.utils.estimator_checks.check_estimator"], False),  # a function
        (["numpy.testing._private.utils.runstring"], False),
        (["sklearn.tree._tree.NoSuchType"], False),
    ],
)
def test_skops_trusted_types_policy(names: list[str], allowed: bool) -> None:
    if allowed:
        assert check_skops_trusted_types(names, trust_model=False) == names
    else:
        with pytest.raises(PermissionDeniedError, match="trust_model=True"):
            check_skops_trusted_types(names, trust_model=False)
    assert check_skops_trusted_types(names, trust_model=True) == names


def test_skops_trusted_types_must_be_a_list_of_names() -> None:
    with pytest.raises(InvalidParameterError, match="list of type names"):
        check_skops_trusted_types("sklearn.tree._tree.Tree", trust_model=True)
    with pytest.raises(InvalidParameterError, match="list of type names"):
        check_skops_trusted_types([1], trust_model=True)
