"""Choosing a tracking store by URI scheme, including third-party entry points."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from flowtrack.exceptions import InvalidParameterError, MissingDependencyError
from flowtrack.stores import registry
from flowtrack.stores.tracking.memory import MemoryTrackingStore
from flowtrack.stores.tracking.sql import SqlTrackingStore


class PluginStore(MemoryTrackingStore):
    """A third-party store: here simply the memory store under another scheme."""


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
    assert registry.resolve_tracking_store_class(uri) is cls


@pytest.mark.parametrize("uri", ["./mlruns", "/tmp/mlruns", "file:///tmp/mlruns"])
def test_directories_are_refused_with_a_hint(uri: str) -> None:
    with pytest.raises(InvalidParameterError, match=r"sqlite:///flowtrack\.db"):
        registry.resolve_tracking_store_class(uri)


def test_unknown_scheme_lists_the_supported_ones() -> None:
    with pytest.raises(InvalidParameterError) as info:
        registry.resolve_tracking_store_class("nosuch://x")
    message = str(info.value)
    assert "'nosuch'" in message
    for scheme in ("memory", "sqlite", "postgresql"):
        assert scheme in message
    assert registry.TRACKING_STORE_ENTRY_POINT_GROUP in message


def test_third_party_store_through_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = EntryPoint(
        name="plugin",
        value=f"{__name__}:PluginStore",
        group=registry.TRACKING_STORE_ENTRY_POINT_GROUP,
    )

    def fake_entry_points(*, group: str) -> list[EntryPoint]:
        return [plugin] if group == registry.TRACKING_STORE_ENTRY_POINT_GROUP else []

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    assert registry.resolve_tracking_store_class("plugin://anything") is PluginStore
    store = registry.get_tracking_store("plugin://registry-test")
    assert isinstance(store, PluginStore)
    assert store.get_experiment("0").name == "Default"


def test_store_that_cannot_be_imported_names_the_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(
        registry._BUILTIN_STORES,
        "postgresql",
        ("flowtrack_no_such_module:Store", "pip install 'flowtrack[postgres]'"),
    )
    with pytest.raises(MissingDependencyError, match=r"flowtrack\[postgres\]"):
        registry.resolve_tracking_store_class("postgresql://u@h/db")


def test_stores_are_cached_per_uri_and_root() -> None:
    a = registry.get_tracking_store("memory:cache-test", "memory://root-a")
    assert registry.get_tracking_store("memory:cache-test", "memory://root-a") is a
    assert registry.get_tracking_store("memory:cache-test", "memory://root-b") is not a


def test_default_root_spelled_or_not_is_one_store() -> None:
    # f(uri) and f(uri, None) must not create two memory stores with split data.
    assert registry.get_tracking_store("memory:one-key") is registry.get_tracking_store(
        "memory:one-key", None
    )
