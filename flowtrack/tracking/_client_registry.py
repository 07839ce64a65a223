"""The client's Model Registry methods: registered models, their tags and aliases.

Version methods live in :mod:`._client_model_versions`; both talk to the registry store chosen
by the client's registry URI (default: the tracking URI) through
:func:`flowtrack.stores.model_registry.selection.get_registry_store`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flowtrack.entities import ModelVersion, PagedList, RegisteredModel
from flowtrack.stores.model_registry.base import SEARCH_MAX_RESULTS_DEFAULT
from flowtrack.tracking._client_model_versions import ClientModelVersions, registry_tags

__all__ = ["ClientRegistry"]


class ClientRegistry(ClientModelVersions):
    """Model Registry methods of :class:`~flowtrack.tracking.client.FlowtrackClient`."""

    def create_registered_model(
        self,
        name: str,
        tags: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> RegisteredModel:
        """Create a registered model without versions.

        Args:
            name: A unique, case-sensitive name without ``/``, ``\\`` or ``%``.
            tags: ``{key: value}`` model tags (values through ``str``).
            description: Free text.

        Returns:
            The new registered model.

        Raises:
            AlreadyExistsError: The name (or one differing only by case) is taken.
            InvalidParameterError: The name, a tag or the description is invalid.

        Example:
            >>> client.create_registered_model("fraud", tags={"team": "risk"}).name
            'fraud'
        """
        return self._registry.create_registered_model(name, registry_tags(tags), description)

    def get_registered_model(self, name: str) -> RegisteredModel:
        """Return a registered model with its tags, aliases and latest version per stage.

        Raises:
            NotFoundError: No registered model has that exact name.

        Example:
            >>> client.get_registered_model("fraud").aliases
            {'champion': 2}
        """
        return self._registry.get_registered_model(name)

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename a registered model; its versions, tags and aliases follow.

        Args:
            name: The current name.
            new_name: The new name.

        Returns:
            The renamed model.

        Raises:
            NotFoundError: ``name`` does not exist.
            AlreadyExistsError: ``new_name`` is taken by another model.
        """
        return self._registry.rename_registered_model(name, new_name)

    def update_registered_model(self, name: str, description: str | None = None) -> RegisteredModel:
        """Replace a registered model's description.

        Args:
            name: The registered model.
            description: The new description; ``None`` clears it.

        Returns:
            The updated model.

        Raises:
            NotFoundError: The model does not exist.
        """
        return self._registry.update_registered_model(name, description)

    def delete_registered_model(self, name: str) -> None:
        """Delete a registered model with all its versions, tags and aliases.

        Raises:
            NotFoundError: The model does not exist.
        """
        self._registry.delete_registered_model(name)

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """Search registered models, one page at a time.

        Args:
            filter_string: E.g. ``"name LIKE 'fraud%' AND tags.team = 'risk'"``.
            max_results: The page size.
            order_by: E.g. ``["last_updated_timestamp DESC"]``; default by name.
            page_token: The ``token`` of the previous page.

        Returns:
            A page whose ``token`` fetches the next one (``None`` at the end).

        Raises:
            InvalidParameterError: A bad filter, order-by, page size or page token.

        Example:
            >>> [m.name for m in client.search_registered_models("name LIKE 'fr%'")]
            ['fraud']
        """
        return self._registry.search_registered_models(
            filter_string, max_results, order_by, page_token
        )

    def get_latest_versions(
        self, name: str, stages: Sequence[str] | None = None
    ) -> list[ModelVersion]:
        """Return the highest version in each stage.

        Args:
            name: The registered model.
            stages: Stage names in any casing; default every stage.

        Returns:
            At most one version per stage.

        Raises:
            NotFoundError: The model does not exist.
            InvalidParameterError: A stage name is unknown.

        Example:
            >>> [v.version for v in client.get_latest_versions("fraud", ["Production"])]
            [1]
        """
        return self._registry.get_latest_versions(name, stages)

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        """Set (or overwrite) a tag on a registered model; the value goes through ``str``.

        Raises:
            NotFoundError: The model does not exist.
            InvalidParameterError: The key or value is invalid.
        """
        self._registry.set_registered_model_tag(name, key, str(value))

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Delete a registered model's tag.

        Raises:
            NotFoundError: The model or the tag does not exist.
        """
        self._registry.delete_registered_model_tag(name, key)

    def set_registered_model_alias(self, name: str, alias: str, version: int | str) -> None:
        """Point an alias at a version, moving it if it pointed at another one.

        Args:
            name: The registered model.
            alias: Letters, digits, ``_`` or ``-``; not ``latest`` nor ``v<N>``.
            version: The version number.

        Raises:
            NotFoundError: The model or the version does not exist.
            InvalidParameterError: The alias is invalid.

        Example:
            >>> client.set_registered_model_alias("fraud", "champion", 2)
        """
        self._registry.set_registered_model_alias(name, alias, version)

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        """Remove an alias from a registered model.

        Raises:
            NotFoundError: The model or the alias does not exist.
        """
        self._registry.delete_registered_model_alias(name, alias)
