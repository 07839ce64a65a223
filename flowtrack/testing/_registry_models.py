"""Conformance tests for registered models: create, read, update, rename, delete, tags, names."""

from __future__ import annotations

import pytest

from flowtrack.exceptions import AlreadyExistsError, InvalidParameterError, NotFoundError
from flowtrack.stores.model_registry.base import RegistryStore
from flowtrack.testing._registry_common import RegistryTestsBase, add_versions


class RegisteredModelTests(RegistryTestsBase):
    """Registered models and their tags."""

    def test_create_and_get(self, store: RegistryStore) -> None:
        created = store.create_registered_model("fraud", tags={"team": "risk"}, description="d")
        assert created.name == "fraud"
        assert created.tags == {"team": "risk"}
        assert created.description == "d"
        assert created.aliases == {}
        assert created.latest_versions == []
        assert created.creation_timestamp == created.last_updated_timestamp
        assert store.get_registered_model("fraud") == created

    def test_names_are_case_sensitive_on_lookup(self, store: RegistryStore) -> None:
        store.create_registered_model("Fraud")
        with pytest.raises(NotFoundError, match="'fraud'"):
            store.get_registered_model("fraud")
        assert not store.registered_model_exists("fraud")

    def test_create_twice_is_refused(self, store: RegistryStore) -> None:
        store.create_registered_model("fraud")
        with pytest.raises(AlreadyExistsError, match="'fraud'"):
            store.create_registered_model("fraud")

    @pytest.mark.parametrize("twin", ["FRAUD", "Fraud", "\uff46raud", "\ufb01sh"])
    def test_names_differing_by_case_or_compatibility_form_collide(
        self, store: RegistryStore, twin: str
    ) -> None:
        store.create_registered_model("fish" if twin == "\ufb01sh" else "fraud")
        with pytest.raises(AlreadyExistsError, match="collides"):
            store.create_registered_model(twin)

    @pytest.mark.parametrize(
        "name", ["", " ", "a/b", "a%2Fb", "a\\b", "a\x00b", " lead", "cafe\u0301", "x" * 257]
    )
    def test_invalid_names_are_refused(self, store: RegistryStore, name: str) -> None:
        with pytest.raises(InvalidParameterError, match="registered model name"):
            store.create_registered_model(name)

    def test_invalid_tag_key_writes_nothing(self, store: RegistryStore) -> None:
        with pytest.raises(InvalidParameterError, match="tag"):
            store.create_registered_model("fraud", tags={"../x": "v"})
        assert not store.registered_model_exists("fraud")

    def test_update_description(self, store: RegistryStore) -> None:
        store.create_registered_model("fraud", description="old")
        updated = store.update_registered_model("fraud", "new")
        assert updated.description == "new"
        assert store.get_registered_model("fraud").description == "new"
        assert store.update_registered_model("fraud", None).description is None

    def test_rename_carries_versions_tags_and_aliases(self, store: RegistryStore) -> None:
        store.create_registered_model("old", tags={"k": "v"})
        add_versions(store, "old", 2)
        store.set_registered_model_alias("old", "champion", 2)
        renamed = store.rename_registered_model("old", "new")
        assert renamed.name == "new"
        assert renamed.tags == {"k": "v"}
        assert renamed.aliases == {"champion": 2}
        assert store.get_model_version("new", 1).name == "new"
        assert store.get_model_version_by_alias("new", "champion").version == 2
        with pytest.raises(NotFoundError):
            store.get_registered_model("old")
        assert store.create_model_version("new", "runs:/abc/m").version == 3

    def test_rename_may_change_only_case(self, store: RegistryStore) -> None:
        store.create_registered_model("fraud")
        assert store.rename_registered_model("fraud", "Fraud").name == "Fraud"
        assert store.rename_registered_model("Fraud", "Fraud").name == "Fraud"

    def test_rename_onto_another_model_is_refused(self, store: RegistryStore) -> None:
        store.create_registered_model("a")
        store.create_registered_model("b")
        with pytest.raises(AlreadyExistsError, match="'b'"):
            store.rename_registered_model("a", "b")
        with pytest.raises(AlreadyExistsError, match="collides"):
            store.rename_registered_model("a", "B")
        with pytest.raises(NotFoundError, match="'zzz'"):
            store.rename_registered_model("zzz", "c")

    def test_delete_removes_everything_and_numbering_restarts(self, store: RegistryStore) -> None:
        add_versions(store, "fraud", 2)
        store.delete_registered_model("fraud")
        with pytest.raises(NotFoundError):
            store.get_model_version("fraud", 1)
        with pytest.raises(NotFoundError):
            store.delete_registered_model("fraud")
        assert add_versions(store, "fraud", 1)[0].version == 1

    def test_tags(self, store: RegistryStore) -> None:
        store.create_registered_model("fraud")
        store.set_registered_model_tag("fraud", "team", "risk")
        store.set_registered_model_tag("fraud", "team", "ops")
        assert store.get_registered_model("fraud").tags == {"team": "ops"}
        store.delete_registered_model_tag("fraud", "team")
        assert store.get_registered_model("fraud").tags == {}
        with pytest.raises(NotFoundError, match="'team'"):
            store.delete_registered_model_tag("fraud", "team")
        with pytest.raises(NotFoundError, match="'nope'"):
            store.set_registered_model_tag("nope", "k", "v")

    def test_writes_bump_last_updated(self, store: RegistryStore) -> None:
        created = store.create_registered_model("fraud")
        store.set_registered_model_tag("fraud", "k", "v")
        after = store.get_registered_model("fraud")
        assert after.last_updated_timestamp >= created.last_updated_timestamp
        assert after.creation_timestamp == created.creation_timestamp
