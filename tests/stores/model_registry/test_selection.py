"""Choosing a registry store by URI scheme, and the source roots it accepts by default."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError
from flowtrack.stores.model_registry import selection
from flowtrack.stores.model_registry.memory import MemoryRegistryStore
from flowtrack.stores.model_registry.selection import (
    default_source_root,
    get_registry_store,
    resolve_registry_store_class,
)
from flowtrack.stores.model_registry.sql import SqlRegistryStore
from flowtrack.stores.selection import StoreScheme


def test_registry_stores_are_selected_by_scheme_and_cached() -> None:
    uri = f"memory:{os.urandom(8).hex()}"
    store = get_registry_store(uri)
    assert isinstance(store, MemoryRegistryStore)
    assert get_registry_store(uri) is store
    assert store.allowed_source_roots == ("memory://flowtrack-artifacts",)
    with pytest.raises(InvalidParameterError, match=r"scheme 'mongodb'.*memory, postgresql"):
        resolve_registry_store_class("mongodb://host/db")


def test_missing_backends_name_the_store_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        selection.REGISTRY_SCHEMES.builtins,  # a dict: the built-ins as declared
        "postgresql",
        StoreScheme("no_such_module:Store", "pip install x"),
    )
    with pytest.raises(MissingDependencyError, match=r"'no_such_module:Store'.*pip install x"):
        resolve_registry_store_class("postgresql://host/db")


def test_default_source_roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_source_root("sqlite:///x.db", None) == str(tmp_path / "flowtrack-artifacts")
    assert default_source_root("memory:", None) == "memory://flowtrack-artifacts"
    assert default_source_root("memory:", "arts") == str(tmp_path / "arts")
    assert default_source_root("sqlite:///x.db", "s3://bucket/ml") == "s3://bucket/ml"


def test_sql_registry_stores_get_the_connection_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWTRACK_SQLITE_BUSY_TIMEOUT", "2.5")
    store = get_registry_store(f"sqlite:///{tmp_path / 'registry.db'}")
    try:
        assert isinstance(store, SqlRegistryStore)
        with store._db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
    finally:
        store.close()
