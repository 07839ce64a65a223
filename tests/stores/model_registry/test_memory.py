"""The memory registry store: the conformance suite, plus what only it can show."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores.model_registry.base import RegistryStore
from flowtrack.stores.model_registry.memory import MemoryRegistryStore
from flowtrack.testing.registry import RegistryStoreTests


class TestMemoryRegistryStore(RegistryStoreTests):
    """Runs the whole conformance suite against a fresh memory store per test."""

    @pytest.fixture
    def store(self) -> Iterator[RegistryStore]:
        store = MemoryRegistryStore("memory:", allowed_source_roots=["s3://bucket/models"])
        yield store
        store.close()


def test_sources_under_allowed_roots_are_accepted() -> None:
    store = MemoryRegistryStore(allowed_source_roots=["s3://bucket/models", "/srv/mlartifacts"])
    store.create_registered_model("m")
    assert store.create_model_version("m", "s3://bucket/models/1/model").version == 1
    assert store.create_model_version("m", "/srv/mlartifacts/3/abc/artifacts").version == 2
    for outside in ("s3://bucket/modelsX/1", "s3://other/models/1", "file:///srv/mlartifacts2"):
        with pytest.raises(InvalidParameterError, match="not under an allowed source root"):
            store.create_model_version("m", outside)


def test_bad_roots_are_refused() -> None:
    with pytest.raises(InvalidParameterError, match="allowed source root"):
        MemoryRegistryStore(allowed_source_roots=["relative/dir"])
    with pytest.raises(InvalidParameterError, match="one string"):
        MemoryRegistryStore(allowed_source_roots="s3://bucket")


def test_entities_returned_are_snapshots() -> None:
    store = MemoryRegistryStore()
    store.create_registered_model("m", tags={"k": "v"})
    before = store.get_registered_model("m")
    store.set_registered_model_tag("m", "k", "w")
    assert before.tags == {"k": "v"}


def test_concurrent_version_creation_numbers_each_once() -> None:
    store = MemoryRegistryStore()
    store.create_registered_model("m")
    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(
            pool.map(lambda i: store.create_model_version("m", f"runs:/r{i}/x").version, range(40))
        )
    assert sorted(numbers) == list(range(1, 41))
