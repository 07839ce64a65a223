"""Conformance tests for model versions: numbering, sources, stages, tags and aliases."""

from __future__ import annotations

import pytest

from flowtrack.entities import ModelVersionStage, ModelVersionStatus
from flowtrack.exceptions import InvalidParameterError, NotFoundError
from flowtrack.stores.model_registry.base import RegistryStore
from flowtrack.testing._registry_common import RUN_ID, RegistryTestsBase, add_versions, source

#: Sources no store accepts, whatever its allowed roots.
HOSTILE_SOURCES = (
    "file:///etc/passwd",
    "//proc/self/environ",
    "/etc/shadow",
    "../../etc/passwd",
    f"runs:/{RUN_ID}/../../secrets",
    f"runs:/{RUN_ID}/%2e%2e/%2e%2e/etc",
    f"runs:/{RUN_ID}/model\x00.txt",
    f"runs:/{RUN_ID}/model?path=/etc/passwd",
    f"runs:/{RUN_ID}/model#/../../etc",
    "runs:\\\\host\\share",
    "http://169.254.169.254/latest/meta-data",
)


class ModelVersionTests(RegistryTestsBase):
    """Model versions, their stages, tags and aliases."""

    def test_create_numbers_from_one(self, store: RegistryStore) -> None:
        store.create_registered_model("fraud")
        first = store.create_model_version(
            "fraud", source(), run_id=RUN_ID, tags={"k": "v"}, description="d", user_id="ann"
        )
        assert first.version == 1
        assert first.name == "fraud"
        assert first.source == source()
        assert first.run_id == RUN_ID
        assert first.tags == {"k": "v"}
        assert first.description == "d"
        assert first.user_id == "ann"
        assert first.current_stage is ModelVersionStage.NONE
        assert first.status is ModelVersionStatus.READY
        assert first.aliases == []
        assert store.create_model_version("fraud", source()).version == 2
        assert store.get_model_version("fraud", "1") == first

    def test_version_of_unknown_model(self, store: RegistryStore) -> None:
        with pytest.raises(NotFoundError, match="'nope'"):
            store.create_model_version("nope", source())
        store.create_registered_model("fraud")
        with pytest.raises(NotFoundError, match="7"):
            store.get_model_version("fraud", 7)

    @pytest.mark.parametrize("version", [0, -1, "x", "1.5", True, None])
    def test_invalid_version_numbers(self, store: RegistryStore, version: object) -> None:
        store.create_registered_model("fraud")
        with pytest.raises(InvalidParameterError, match="model version"):
            store.get_model_version("fraud", version)  # type: ignore[arg-type]

    def test_numbers_are_never_reused(self, store: RegistryStore) -> None:
        add_versions(store, "fraud", 3)
        store.delete_model_version("fraud", 3)
        store.delete_model_version("fraud", 1)
        assert store.create_model_version("fraud", source()).version == 4
        with pytest.raises(NotFoundError):
            store.delete_model_version("fraud", 3)

    @pytest.mark.parametrize("hostile", HOSTILE_SOURCES)
    def test_hostile_sources_are_refused(self, store: RegistryStore, hostile: str) -> None:
        store.create_registered_model("fraud")
        with pytest.raises(InvalidParameterError, match="source"):
            store.create_model_version("fraud", hostile)
        assert store.get_registered_model("fraud").latest_versions == []

    def test_runs_source_must_name_the_run(self, store: RegistryStore) -> None:
        store.create_registered_model("fraud")
        with pytest.raises(InvalidParameterError, match="run_id"):
            store.create_model_version("fraud", source(run_id="abc"), run_id=RUN_ID)

    def test_logged_model_versions_record_model_id(self, store: RegistryStore) -> None:
        model_id = "m-" + "ab" * 16
        store.create_registered_model("fraud")
        version = store.create_model_version(
            "fraud", f"models:/{model_id}", run_id=RUN_ID, model_id=model_id
        )
        assert version.model_id == model_id
        assert version.source == f"models:/{model_id}"
        assert store.get_model_version("fraud", 1).model_id == model_id
        assert store.create_model_version("fraud", source()).model_id is None
        with pytest.raises(InvalidParameterError, match="'m-1'"):
            store.create_model_version("fraud", source(), model_id="m-1")
        other = "m-" + "cd" * 16
        with pytest.raises(InvalidParameterError, match=other):
            store.create_model_version("fraud", f"models:/{other}", model_id=model_id)
        with pytest.raises(InvalidParameterError, match="models:/fraud/1"):
            store.create_model_version("fraud", "models:/fraud/1")
        assert [v.version for v in store.search_model_versions("name = 'fraud'")] == [2, 1]

    def test_update_description_and_download_uri(self, store: RegistryStore) -> None:
        add_versions(store, "fraud", 1)
        assert store.update_model_version("fraud", 1, "better").description == "better"
        assert store.get_model_version("fraud", 1).description == "better"
        assert store.get_model_version_download_uri("fraud", 1) == source("m0")

    def test_transition_parses_stages_case_insensitively(self, store: RegistryStore) -> None:
        add_versions(store, "fraud", 1)
        moved = store.transition_model_version_stage("fraud", 1, "production")
        assert moved.current_stage is ModelVersionStage.PRODUCTION
        assert store.get_model_version("fraud", 1).current_stage == "Production"
        with pytest.raises(InvalidParameterError, match="'Prod'"):
            store.transition_model_version_stage("fraud", 1, "Prod")

    @pytest.mark.parametrize("stage", ["Staging", "Production"])
    def test_archive_existing_versions(self, store: RegistryStore, stage: str) -> None:
        add_versions(store, "fraud", 4)
        store.transition_model_version_stage("fraud", 1, stage)
        store.transition_model_version_stage("fraud", 2, stage)
        other = "Production" if stage == "Staging" else "Staging"
        store.transition_model_version_stage("fraud", 3, other)
        store.transition_model_version_stage("fraud", 4, stage, archive_existing_versions=True)
        stages = {v: store.get_model_version("fraud", v).current_stage for v in (1, 2, 3, 4)}
        assert stages == {1: "Archived", 2: "Archived", 3: other, 4: stage}

    def test_without_archiving_others_stay(self, store: RegistryStore) -> None:
        add_versions(store, "fraud", 2)
        store.transition_model_version_stage("fraud", 1, "Production")
        store.transition_model_version_stage("fraud", 2, "Production")
        assert store.get_model_version("fraud", 1).current_stage == "Production"

    @pytest.mark.parametrize("stage", ["None", "Archived"])
    def test_archiving_only_for_active_stages(self, store: RegistryStore, stage: str) -> None:
        add_versions(store, "fraud", 1)
        with pytest.raises(InvalidParameterError, match="archive_existing_versions"):
            store.transition_model_version_stage("fraud", 1, stage, archive_existing_versions=True)

    def test_latest_versions_per_stage(self, store: RegistryStore) -> None:
        add_versions(store, "fraud", 5)
        store.transition_model_version_stage("fraud", 1, "Production")
        store.transition_model_version_stage("fraud", 2, "Production")
        store.transition_model_version_stage("fraud", 3, "Staging")
        latest = store.get_registered_model("fraud").latest_versions
        assert [(v.current_stage, v.version) for v in latest] == [
            ("None", 5),
            ("Staging", 3),
            ("Production", 2),
        ]
        assert [v.version for v in store.get_latest_versions("fraud", ["production"])] == [2]
        assert [v.version for v in store.get_latest_versions("fraud")] == [5, 3, 2]
        assert store.get_latest_versions("fraud", ["Archived"]) == []

    def test_version_tags(self, store: RegistryStore) -> None:
        add_versions(store, "fraud", 1)
        store.set_model_version_tag("fraud", 1, "k", "v")
        assert store.get_model_version("fraud", 1).tags == {"k": "v"}
        store.delete_model_version_tag("fraud", 1, "k")
        assert store.get_model_version("fraud", 1).tags == {}
        with pytest.raises(NotFoundError, match="'k'"):
            store.delete_model_version_tag("fraud", 1, "k")

    def test_aliases_point_move_and_vanish(self, store: RegistryStore) -> None:
        add_versions(store, "fraud", 2)
        store.set_registered_model_alias("fraud", "champion", 1)
        store.set_registered_model_alias("fraud", "backup", "1")
        assert store.get_model_version("fraud", 1).aliases == ["backup", "champion"]
        store.set_registered_model_alias("fraud", "champion", 2)
        assert store.get_model_version_by_alias("fraud", "champion").version == 2
        assert store.get_registered_model("fraud").aliases == {"backup": 1, "champion": 2}
        store.delete_model_version("fraud", 2)
        assert store.get_registered_model("fraud").aliases == {"backup": 1}
        with pytest.raises(NotFoundError, match="'champion'"):
            store.get_model_version_by_alias("fraud", "champion")
        store.delete_registered_model_alias("fraud", "backup")
        with pytest.raises(NotFoundError, match="'backup'"):
            store.delete_registered_model_alias("fraud", "backup")

    @pytest.mark.parametrize("alias", ["", "latest", "v3", "a b", "a/b"])
    def test_invalid_aliases(self, store: RegistryStore, alias: str) -> None:
        add_versions(store, "fraud", 1)
        with pytest.raises(InvalidParameterError, match="alias"):
            store.set_registered_model_alias("fraud", alias, 1)

    def test_alias_on_missing_version(self, store: RegistryStore) -> None:
        add_versions(store, "fraud", 1)
        with pytest.raises(NotFoundError, match="2"):
            store.set_registered_model_alias("fraud", "champion", 2)
