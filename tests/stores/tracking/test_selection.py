"""Choosing a tracking store by URI scheme, including third-party entry points."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError
from flowtrack.stores.selection import StoreScheme
from flowtrack.stores.tracking import selection
from flowtrack.stores.tracking.memory import MemoryTrackingStore
from flowtrack.stores.tracking.sql import SqlTrackingStore


@pytest.mark.parametrize(
    ("uri", "cls"),
    [
        ("memory:", MemoryTrackingStore),
        ("memory:team-a", MemoryTrackingStore),
        ("sqlite:///x.db", SqlTrackingStore),
        ("SQLITE:///x.db", SqlTrackingStore),
        ("postgresql://u@h/db", SqlTrackingStore),
        ("postgresql+psycopg://u@h/db", SqlTrackingStore),
    ],
)
def test_builtin_schemes(uri: str, cls: type) -> None:
    assert selection.resolve_tracking_store_class(uri) is cls


@pytest.mark.parametrize("uri", ["./mlruns", "/tmp/mlruns", "file:///tmp/mlruns"])
def test_directories_are_refused_with_a_hint(uri: str) -> None:
    with pytest.raises(InvalidParameterError, match=r"sqlite:///flowtrack\.db"):
        selection.resolve_tracking_store_class(uri)


def test_unknown_scheme_lists_the_supported_ones() -> None:
    with pytest.raises(InvalidParameterError) as info:
        selection.resolve_tracking_store_class("nosuch://x")
    message = str(info.value)
    assert "'nosuch'" in message
    for scheme in ("memory", "sqlite", "postgresql"):
        assert scheme in message
    assert selection.TRACKING_STORE_ENTRY_POINT_GROUP in message


def test_third_party_store_through_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site"
    (package / "tracking_plugin_pkg").mkdir(parents=True)
    (package / "tracking_plugin_pkg" / "__init__.py").write_text(
        "from flowtrack.stores.tracking.memory import MemoryTrackingStore\n\n"
        "class PluginStore(MemoryTrackingStore):\n"
        "    pass\n"
    )
    dist = package / "tracking_plugin_pkg-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: tracking-plugin-pkg\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text(
        f"[{selection.TRACKING_STORE_ENTRY_POINT_GROUP}]\n"
        "plugin = tracking_plugin_pkg:PluginStore\n"
    )
    monkeypatch.syspath_prepend(str(package))
    assert selection.resolve_tracking_store_class("plugin://anything").__name__ == "PluginStore"
    store = selection.get_tracking_store("plugin://selection-test")
    assert type(store).__name__ == "PluginStore"
    assert store.get_experiment("0").name == "Default"


def test_store_that_cannot_be_imported_names_the_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(
        selection.TRACKING_SCHEMES.builtins,  # a dict: the built-ins as declared
        "postgresql",
        StoreScheme("flowtrack_no_such_module:Store", "pip install 'flowtrack[postgres]'"),
    )
    with pytest.raises(MissingDependencyError, match=r"flowtrack\[postgres\]"):
        selection.resolve_tracking_store_class("postgresql://u@h/db")


def test_stores_are_cached_per_uri_and_root() -> None:
    a = selection.get_tracking_store("memory:cache-test", "memory://root-a")
    assert selection.get_tracking_store("memory:cache-test", "memory://root-a") is a
    assert selection.get_tracking_store("memory:cache-test", "memory://root-b") is not a


def test_default_root_spelled_or_not_is_one_store() -> None:
    # f(uri) and f(uri, None) must not create two memory stores with split data.
    assert selection.get_tracking_store("memory:one-key") is selection.get_tracking_store(
        "memory:one-key", None
    )


def test_sql_stores_get_the_connection_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWTRACK_SQLITE_BUSY_TIMEOUT", "7.5")
    store = selection.get_tracking_store(f"sqlite:///{tmp_path / 'settings.db'}")
    try:
        assert isinstance(store, SqlTrackingStore)
        with store._db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7500
    finally:
        store.close()
