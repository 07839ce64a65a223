"""Conformance tests for search_registered_models and search_model_versions."""

from __future__ import annotations

import pytest

from flowtrack.exceptions import InvalidParameterError
from flowtrack.stores.model_registry.base import RegistryStore
from flowtrack.testing._registry_common import RUN_ID, RegistryTestsBase, add_versions, source

OTHER_RUN = "fedcba9876543210fedcba9876543210"


class RegistrySearchTests(RegistryTestsBase):
    """Filters, ordering and paging of both registry searches."""

    @pytest.fixture
    def models(self, store: RegistryStore) -> RegistryStore:
        store.create_registered_model("fraud-a", tags={"team": "risk"})
        store.create_registered_model("fraud-b", tags={"team": "ops"})
        store.create_registered_model("Churn")
        return store

    @pytest.mark.parametrize(
        ("filter_string", "expected"),
        [
            (None, ["Churn", "fraud-a", "fraud-b"]),
            ("name = 'fraud-a'", ["fraud-a"]),
            ("name != 'fraud-a'", ["Churn", "fraud-b"]),
            ("name LIKE 'fraud%'", ["fraud-a", "fraud-b"]),
            ("name LIKE 'churn'", []),
            ("name ILIKE 'CHURN'", ["Churn"]),
            ("tags.team = 'risk'", ["fraud-a"]),
            ("tags.team != 'risk'", ["fraud-b"]),
            ("tags.team LIKE '%s' AND name LIKE '%b'", ["fraud-b"]),
        ],
    )
    def test_registered_model_filters(
        self, models: RegistryStore, filter_string: str | None, expected: list[str]
    ) -> None:
        found = models.search_registered_models(filter_string)
        assert [m.name for m in found] == expected

    def test_registered_model_order_and_paging(self, models: RegistryStore) -> None:
        found = models.search_registered_models(order_by=["name DESC"])
        assert [m.name for m in found] == ["fraud-b", "fraud-a", "Churn"]
        first = models.search_registered_models(max_results=2)
        assert [m.name for m in first] == ["Churn", "fraud-a"]
        assert first.token is not None
        rest = models.search_registered_models(max_results=2, page_token=first.token)
        assert [m.name for m in rest] == ["fraud-b"]
        assert rest.token is None

    @pytest.mark.parametrize(
        ("filter_string", "order_by"),
        [
            ("version_number = 1", None),
            ("tags.team IN ('a')", None),
            ("name = fraud", None),
            (None, ["tags.team"]),
            (None, ["version_number"]),
        ],
    )
    def test_registered_model_bad_queries(
        self, models: RegistryStore, filter_string: str | None, order_by: list[str] | None
    ) -> None:
        with pytest.raises(InvalidParameterError):
            models.search_registered_models(filter_string, order_by=order_by)

    @pytest.fixture
    def versions(self, store: RegistryStore) -> RegistryStore:
        add_versions(store, "a", 3)
        store.create_registered_model("b")
        store.create_model_version("b", source("other", OTHER_RUN), run_id=OTHER_RUN)
        store.create_model_version("b", "runs:/x1/m", tags={"env": "prod"})
        return store

    @pytest.mark.parametrize(
        ("filter_string", "expected"),
        [
            (None, [("a", 3), ("a", 2), ("a", 1), ("b", 2), ("b", 1)]),
            ("name = 'b'", [("b", 2), ("b", 1)]),
            ("name IN ('a', 'c') AND version_number >= 2", [("a", 3), ("a", 2)]),
            ("version_number < 2", [("a", 1), ("b", 1)]),
            ("version_number != 2 AND name = 'a'", [("a", 3), ("a", 1)]),
            (f"run_id = '{OTHER_RUN}'", [("b", 1)]),
            (f"run_id IN ('{RUN_ID}')", [("a", 3), ("a", 2), ("a", 1)]),
            ("run_id != 'zzz' AND name = 'b'", [("b", 1)]),
            ("source_path = 'runs:/x1/m'", [("b", 2)]),
            ("source_path LIKE '%/m1'", [("a", 2)]),
            ("tags.env = 'prod'", [("b", 2)]),
        ],
    )
    def test_model_version_filters(
        self, versions: RegistryStore, filter_string: str | None, expected: list[tuple[str, int]]
    ) -> None:
        found = versions.search_model_versions(filter_string)
        assert [(v.name, v.version) for v in found] == expected

    def test_model_version_order_and_paging(self, versions: RegistryStore) -> None:
        found = versions.search_model_versions(order_by=["version_number ASC"])
        assert [(v.name, v.version) for v in found] == [
            ("a", 1),
            ("b", 1),
            ("a", 2),
            ("b", 2),
            ("a", 3),
        ]
        seen: list[tuple[str, int]] = []
        token: str | None = None
        while True:
            page = versions.search_model_versions(max_results=2, page_token=token)
            seen.extend((v.name, v.version) for v in page)
            token = page.token
            if token is None:
                break
        assert seen == [("a", 3), ("a", 2), ("a", 1), ("b", 2), ("b", 1)]

    @pytest.mark.parametrize(
        ("filter_string", "max_results", "page_token"),
        [
            ("version_number = 'x'", 10, None),
            ("source_path IN ('a')", 10, None),
            ("current_stage = 'None'", 10, None),
            (None, 0, None),
            (None, 10, "not-a-token"),
        ],
    )
    def test_model_version_bad_queries(
        self,
        versions: RegistryStore,
        filter_string: str | None,
        max_results: int,
        page_token: str | None,
    ) -> None:
        with pytest.raises(InvalidParameterError):
            versions.search_model_versions(filter_string, max_results, page_token=page_token)
