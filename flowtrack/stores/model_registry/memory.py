"""The in-memory registry store: a complete backend for tests, notebooks and demos.

Everything lives in this store instance (nothing module-level), guarded by one lock so threads
may share it. Selected by the ``memory:`` URI.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import validate_key, validate_tag_value
from flowtrack.entities import (
    ModelVersion,
    ModelVersionStage,
    ModelVersionStatus,
    PagedList,
    RegisteredModel,
)
from flowtrack.search.paging import decode_page_token, page, validate_max_results
from flowtrack.search.registry import (
    model_version_matches,
    parse_model_version_filter,
    parse_model_version_order_by,
    parse_registered_model_filter,
    parse_registered_model_order_by,
    registered_model_matches,
    sort_model_versions,
    sort_registered_models,
)
from flowtrack.stores.model_registry import rules
from flowtrack.stores.model_registry.base import SEARCH_MAX_RESULTS_DEFAULT, RegistryStore
from flowtrack.stores.model_registry.validation import (
    name_collision_key,
    validate_alias,
    validate_description,
    validate_model_name,
    validate_source,
    validate_tags,
    validate_version,
)

__all__ = ["MemoryRegistryStore"]


@dataclass
class _Model:
    """One registered model's mutable state; versions are stored without name and aliases."""

    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    description: str | None
    tags: dict[str, str]
    aliases: dict[str, int] = field(default_factory=dict)
    versions: dict[int, ModelVersion] = field(default_factory=dict)
    next_version: int = 1

    def version_entity(self, number: int) -> ModelVersion:
        aliases = sorted(alias for alias, target in self.aliases.items() if target == number)
        stored = self.versions[number]
        return stored.model_copy(
            update={"name": self.name, "aliases": aliases, "tags": dict(stored.tags)}
        )

    def entity(self) -> RegisteredModel:
        latest: dict[ModelVersionStage, int] = {}
        for number, version in self.versions.items():
            latest[version.current_stage] = max(number, latest.get(version.current_stage, 0))
        return RegisteredModel(
            name=self.name,
            creation_timestamp=self.creation_timestamp,
            last_updated_timestamp=self.last_updated_timestamp,
            description=self.description,
            tags=dict(self.tags),
            aliases=dict(self.aliases),
            latest_versions=[
                self.version_entity(latest[stage]) for stage in ModelVersionStage if stage in latest
            ],
        )


class MemoryRegistryStore(RegistryStore):
    """A registry store held in memory; see :class:`RegistryStore` for the contract.

    Args:
        store_uri: Usually ``"memory:"``.
        allowed_source_roots: Roots version sources may live under (besides ``runs:/``).

    Example:
        >>> store = MemoryRegistryStore("memory:")
        >>> store.create_registered_model("fraud").name
        'fraud'
        >>> store.create_model_version("fraud", "runs:/0123abcd/model").version
        1
    """

    def __init__(
        self, store_uri: str = "memory:", allowed_source_roots: Sequence[str] = ()
    ) -> None:
        super().__init__(store_uri, allowed_source_roots)
        self._lock = threading.RLock()
        self._models: dict[str, _Model] = {}

    # ------------------------------------------------------------------ helpers (hold the lock)

    def _model(self, name: str) -> _Model:
        model = self._models.get(validate_model_name(name))
        if model is None:
            raise rules.model_not_found(name)
        return model

    def _version(self, name: str, version: int | str) -> tuple[_Model, int]:
        number = validate_version(version)
        model = self._model(name)
        if number not in model.versions:
            raise rules.version_not_found(name, number)
        return model, number

    def _check_new_name(self, name: str, renaming: str | None = None) -> None:
        key = name_collision_key(name)
        for existing in self._models:
            if existing != renaming and name_collision_key(existing) == key:
                raise rules.name_collision(name, existing)

    def _touch_version(self, model: _Model, number: int, now: int, **changes: Any) -> None:
        stored = model.versions[number]
        model.versions[number] = stored.model_copy(
            update={**changes, "last_updated_timestamp": now}
        )
        model.last_updated_timestamp = now

    # ------------------------------------------------------------------ registered models

    def create_registered_model(
        self,
        name: str,
        tags: Mapping[str, str] | None = None,
        description: str | None = None,
    ) -> RegisteredModel:
        """Create a model; see :meth:`RegistryStore.create_registered_model`."""
        validate_model_name(name)
        checked_tags = validate_tags(tags)
        validate_description(description)
        now = now_ms()
        with self._lock:
            self._check_new_name(name)
            model = _Model(name, now, now, description, checked_tags)
            self._models[name] = model
            return model.entity()

    def get_registered_model(self, name: str) -> RegisteredModel:
        """Return a model; see :meth:`RegistryStore.get_registered_model`."""
        with self._lock:
            return self._model(name).entity()

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        """Replace the description; see :meth:`RegistryStore.update_registered_model`."""
        validate_description(description)
        with self._lock:
            model = self._model(name)
            model.description = description
            model.last_updated_timestamp = now_ms()
            return model.entity()

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename a model; see :meth:`RegistryStore.rename_registered_model`."""
        validate_model_name(new_name)
        with self._lock:
            model = self._model(name)
            if new_name != name:
                self._check_new_name(new_name, renaming=name)
                del self._models[name]
                model.name = new_name
                model.last_updated_timestamp = now_ms()
                self._models[new_name] = model
            return model.entity()

    def delete_registered_model(self, name: str) -> None:
        """Delete a model and everything in it."""
        with self._lock:
            del self._models[self._model(name).name]

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """Search models; see :meth:`RegistryStore.search_registered_models`."""
        comparisons = parse_registered_model_filter(filter_string)
        order_bys = parse_registered_model_order_by(order_by)
        validate_max_results(max_results)
        decode_page_token(page_token)
        with self._lock:
            found = [record.entity() for record in self._models.values()]
        found = [m for m in found if registered_model_matches(m, comparisons)]
        return page(sort_registered_models(found, order_bys), max_results, page_token)

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """Set a model tag."""
        value = validate_tag_value(validate_key("tag", key), value)
        with self._lock:
            model = self._model(name)
            model.tags[key] = value
            model.last_updated_timestamp = now_ms()

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Delete a model tag."""
        validate_key("tag", key)
        with self._lock:
            model = self._model(name)
            if key not in model.tags:
                raise rules.model_tag_not_found(name, key)
            del model.tags[key]
            model.last_updated_timestamp = now_ms()

    # ------------------------------------------------------------------ model versions

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        user_id: str | None = None,
        model_id: str | None = None,
    ) -> ModelVersion:
        """Register a version; see :meth:`RegistryStore.create_model_version`."""
        rules.check_version_fields(run_link, user_id, model_id)
        validate_source(source, self._source_roots, run_id, model_id)
        checked_tags = validate_tags(tags)
        validate_description(description)
        now = now_ms()
        with self._lock:
            model = self._model(name)
            number = model.next_version
            model.next_version += 1
            model.versions[number] = ModelVersion(
                name=model.name,
                version=number,
                creation_timestamp=now,
                last_updated_timestamp=now,
                description=description,
                user_id=user_id,
                source=source,
                run_id=run_id,
                run_link=run_link,
                status=ModelVersionStatus.READY,
                tags=checked_tags,
                model_id=model_id,
            )
            model.last_updated_timestamp = now
            return model.version_entity(number)

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        """Return a version; see :meth:`RegistryStore.get_model_version`."""
        with self._lock:
            model, number = self._version(name, version)
            return model.version_entity(number)

    def update_model_version(
        self, name: str, version: int | str, description: str | None
    ) -> ModelVersion:
        """Replace a version's description."""
        validate_description(description)
        with self._lock:
            model, number = self._version(name, version)
            self._touch_version(model, number, now_ms(), description=description)
            return model.version_entity(number)

    def delete_model_version(self, name: str, version: int | str) -> None:
        """Delete a version and its aliases."""
        with self._lock:
            model, number = self._version(name, version)
            del model.versions[number]
            model.aliases = {a: v for a, v in model.aliases.items() if v != number}
            model.last_updated_timestamp = now_ms()

    def transition_model_version_stage(
        self,
        name: str,
        version: int | str,
        stage: str,
        archive_existing_versions: bool = False,
    ) -> ModelVersion:
        """Move a version to a stage; see :meth:`RegistryStore.transition_model_version_stage`."""
        target = rules.transition_target(stage, archive_existing_versions)
        with self._lock:
            model, number = self._version(name, version)
            now = now_ms()
            if archive_existing_versions:
                for other, stored in list(model.versions.items()):
                    if other != number and stored.current_stage is target:
                        self._touch_version(
                            model, other, now, current_stage=ModelVersionStage.ARCHIVED
                        )
            self._touch_version(model, number, now, current_stage=target)
            return model.version_entity(number)

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        """Search versions; see :meth:`RegistryStore.search_model_versions`."""
        comparisons = parse_model_version_filter(filter_string)
        order_bys = parse_model_version_order_by(order_by)
        validate_max_results(max_results)
        decode_page_token(page_token)
        with self._lock:
            found = [
                model.version_entity(number)
                for model in self._models.values()
                for number in model.versions
            ]
        found = [v for v in found if model_version_matches(v, comparisons)]
        return page(sort_model_versions(found, order_bys), max_results, page_token)

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: str) -> None:
        """Set a version tag."""
        value = validate_tag_value(validate_key("tag", key), value)
        with self._lock:
            model, number = self._version(name, version)
            tags = {**model.versions[number].tags, key: value}
            self._touch_version(model, number, now_ms(), tags=tags)

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        """Delete a version tag."""
        validate_key("tag", key)
        with self._lock:
            model, number = self._version(name, version)
            tags = dict(model.versions[number].tags)
            if tags.pop(key, None) is None:
                raise rules.version_tag_not_found(name, number, key)
            self._touch_version(model, number, now_ms(), tags=tags)

    # ------------------------------------------------------------------ aliases

    def set_registered_model_alias(self, name: str, alias: str, version: int | str) -> None:
        """Point an alias at a version (moving it if needed)."""
        validate_alias(alias)
        with self._lock:
            model, number = self._version(name, version)
            model.aliases[alias] = number
            model.last_updated_timestamp = now_ms()

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        """Remove an alias."""
        validate_alias(alias)
        with self._lock:
            model = self._model(name)
            if model.aliases.pop(alias, None) is None:
                raise rules.alias_not_found(name, alias)
            model.last_updated_timestamp = now_ms()
