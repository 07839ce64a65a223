"""The shared lazy import of optional dependencies."""

from __future__ import annotations

import sys

import pytest

from flowtrack._private.optional import require
from flowtrack.exceptions import MissingDependencyError


def test_returns_the_module() -> None:
    assert require("numpy", "a test") is sys.modules["numpy"]


def test_missing_module_names_the_package_and_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.metrics", None)  # an import of it now fails
    with pytest.raises(
        MissingDependencyError,
        match=r"scoring needs scikit-learn, which is not installed: "
        r"pip install 'flowtrack\[sklearn\]'",
    ):
        require("sklearn.metrics", "scoring")
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingDependencyError, match=r"flowtrack\[pandas\]"):
        require("pandas", "from_pandas")
    with pytest.raises(MissingDependencyError, match=r"flowtrack\[sklearn\]"):
        require("pandas", "evaluate", extra="sklearn")
