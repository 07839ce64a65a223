"""flowtrack's public names: __all__, the lazy name map and the typing imports must agree."""

from __future__ import annotations

import ast
import importlib
import inspect
import types
from pathlib import Path

import pytest

import flowtrack
import flowtrack.tracking
import flowtrack.tracking.fluent

INIT = Path(flowtrack.__file__)


def type_checking_imports() -> set[str]:
    """The names bound by the ``if TYPE_CHECKING:`` imports of flowtrack/__init__.py."""
    tree = ast.parse(INIT.read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name)
        if node.test.id == "TYPE_CHECKING"
    )
    names = set()
    for node in block.body:
        if isinstance(node, ast.ImportFrom) and node.module != "typing":
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def test_all_is_sorted_and_matches_the_lazy_map_and_typing_imports() -> None:
    assert flowtrack.__all__ == sorted(flowtrack.__all__)
    assert set(flowtrack.__all__) == set(flowtrack._LAZY_ATTRIBUTES)
    assert set(flowtrack.__all__) == type_checking_imports()


def test_every_exported_name_resolves_to_its_module() -> None:
    for name in flowtrack.__all__:
        value = getattr(flowtrack, name)
        module_name, _, attribute = flowtrack._LAZY_ATTRIBUTES[name].partition(":")
        assert value is getattr(importlib.import_module(module_name), attribute or name), name
    assert flowtrack.MlflowException is flowtrack.FlowtrackError
    assert flowtrack.MlflowClient is flowtrack.FlowtrackClient


def test_all_matches_the_real_public_names() -> None:
    for name in flowtrack.__all__:
        getattr(flowtrack, name)  # import every lazy name
    public = {
        name
        for name, value in vars(flowtrack).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public | {"__version__"} == set(flowtrack.__all__)


def test_every_fluent_function_is_exported() -> None:
    assert flowtrack.tracking.fluent.__all__ == sorted(flowtrack.tracking.fluent.__all__)
    assert set(flowtrack.tracking.fluent.__all__) <= set(flowtrack.__all__)
    for name in flowtrack.tracking.fluent.__all__:
        value = getattr(flowtrack.tracking.fluent, name)
        assert getattr(flowtrack, name) is value
        assert inspect.getdoc(value), f"{name} has no docstring"


def test_tracking_package_exports() -> None:
    assert flowtrack.tracking.__all__ == sorted(flowtrack.tracking.__all__)
    for name in flowtrack.tracking.__all__:
        assert getattr(flowtrack.tracking, name) is getattr(flowtrack, name)


def test_submodules_are_attributes() -> None:
    assert flowtrack.entities.Run.__name__ == "Run"
    assert callable(flowtrack.data.from_pandas)
    assert {"data", "entities", "tracking", "start_run"} <= set(dir(flowtrack))
    with pytest.raises(AttributeError, match="no_such_thing"):
        flowtrack.no_such_thing  # noqa: B018
