"""The client's model version methods: create, read, update, stage, search, tag, download URI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from flowtrack.entities import ModelVersion, PagedList

if TYPE_CHECKING:
    from flowtrack.stores.model_registry.base import RegistryStore
    from flowtrack.stores.tracking.base import TrackingStore
    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT", "ClientModelVersions", "registry_tags"]

#: MLflow's default page size for ``search_model_versions``.
SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT = 10_000


def registry_tags(tags: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Return registry tags with their values through ``str``, as MLflow's client sends them."""
    if tags is None:
        return None
    return {key: str(value) for key, value in tags.items()}


class ClientModelVersions:
    """Model version methods of :class:`~flowtrack.tracking.client.FlowtrackClient`."""

    _store: TrackingStore
    _registry_uri: str
    _artifact_root: str | None

    @property
    def _registry(self) -> RegistryStore:
        """The registry store for the client's registry URI (created on first use, cached)."""
        from flowtrack.stores.model_registry.selection import get_registry_store

        return get_registry_store(self._registry_uri, self._artifact_root)

    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Mapping[str, Any] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        await_creation_for: int = 300,
        model_id: str | None = None,
    ) -> ModelVersion:
        """Register a new version of a registered model (status ``READY`` at once).

        Args:
            name: The registered model.
            source: ``models:/<model_id>`` or ``runs:/<run_id>/<path>`` (kept as given and
                resolved when loading), or a URI under the configured artifact root.
            run_id: The run that produced the model; must match a ``runs:/`` source's run.
                Default, with ``model_id``: the logged model's source run.
            tags: ``{key: value}`` version tags (values through ``str``).
            run_link: A link to the run, stored as given.
            description: Free text.
            await_creation_for: Accepted for MLflow compatibility; versions are ready at once.
            model_id: The logged model (``m-...``) this version registers, recorded on it.

        Returns:
            The new version, numbered one above the model's highest version so far.

        Raises:
            NotFoundError: The registered model does not exist.
            InvalidParameterError: The source is refused, or another argument is invalid.

        Example:
            >>> client.create_model_version("fraud", f"runs:/{run_id}/model", run_id).version
            1
        """
        del await_creation_for  # the registry has no asynchronous version creation
        if model_id is not None and run_id is None:
            run_id = self._store.get_logged_model(model_id).source_run_id
        return self._registry.create_model_version(
            name, source, run_id, registry_tags(tags), run_link, description, model_id=model_id
        )

    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        """Return one version of a registered model.

        Args:
            name: The registered model.
            version: The version number (``1`` or ``"1"``).

        Returns:
            The version, with its stage, tags and aliases.

        Raises:
            NotFoundError: The model or the version does not exist.

        Example:
            >>> client.get_model_version("fraud", 1).current_stage
            <ModelVersionStage.NONE: 'None'>
        """
        return self._registry.get_model_version(name, version)

    def update_model_version(
        self, name: str, version: int | str, description: str | None = None
    ) -> ModelVersion:
        """Replace a version's description.

        Args:
            name: The registered model.
            version: The version number.
            description: The new description; ``None`` clears it.

        Returns:
            The updated version.

        Raises:
            NotFoundError: The model or the version does not exist.
        """
        return self._registry.update_model_version(name, version, description)

    def transition_model_version_stage(
        self,
        name: str,
        version: int | str,
        stage: str,
        archive_existing_versions: bool = False,
    ) -> ModelVersion:
        """Move a version to ``None``, ``Staging``, ``Production`` or ``Archived``.

        Args:
            name: The registered model.
            version: The version number.
            stage: The stage, in any casing (``"production"`` works).
            archive_existing_versions: Archive the other versions now in ``stage`` (only for
                ``Staging`` and ``Production``).

        Returns:
            The moved version.

        Raises:
            NotFoundError: The model or the version does not exist.
            InvalidParameterError: An unknown stage, or archiving asked for another stage.

        Example:
            >>> client.transition_model_version_stage("fraud", 1, "Production").current_stage
            <ModelVersionStage.PRODUCTION: 'Production'>
        """
        return self._registry.transition_model_version_stage(
            name, version, stage, archive_existing_versions
        )

    def delete_model_version(self, name: str, version: int | str) -> None:
        """Delete a version and the aliases pointing at it (its number is never reused).

        Raises:
            NotFoundError: The model or the version does not exist.
        """
        self._registry.delete_model_version(name, version)

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        """Search the versions of all registered models, one page at a time.

        Args:
            filter_string: E.g. ``"name = 'fraud' AND tags.validated = 'yes'"``.
            max_results: The page size.
            order_by: E.g. ``["version_number DESC"]``; default name, then newest version.
            page_token: The ``token`` of the previous page.

        Returns:
            A page whose ``token`` fetches the next one (``None`` at the end).

        Raises:
            InvalidParameterError: A bad filter, order-by, page size or page token.

        Example:
            >>> [v.version for v in client.search_model_versions("name = 'fraud'")]
            [2, 1]
        """
        return self._registry.search_model_versions(
            filter_string, max_results, order_by, page_token
        )

    def get_model_version_download_uri(self, name: str, version: int | str) -> str:
        """Return where a version's files are: its source, with ``runs:/`` resolved.

        Args:
            name: The registered model.
            version: The version number.

        Returns:
            The storage URI (``runs:/<run_id>/<path>`` becomes ``<run artifact URI>/<path>``,
            ``models:/<model_id>`` the logged model's artifact location).

        Raises:
            NotFoundError: The model, the version, a ``runs:/`` source's run or a logged model
                does not exist.
        """
        from flowtrack.tracking.models_uri import logged_model_id

        source = self._registry.get_model_version_download_uri(name, version)
        model_id = logged_model_id(source)
        if model_id is not None:
            return self._store.get_logged_model(model_id).artifact_location
        if not source.startswith("runs:"):
            return source
        from flowtrack.stores.artifacts.paths import join_uri
        from flowtrack.tracking.models_uri import resolve_run_artifact

        run_id, _, path = source[len("runs:") :].lstrip("/").partition("/")
        # The mixin is always part of a FlowtrackClient (which can search logged models).
        root, rel, _ = resolve_run_artifact(cast("FlowtrackClient", self), run_id, path)
        return join_uri(root, rel) if rel.strip("/") else root

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: Any) -> None:
        """Set (or overwrite) a tag on a version; the value goes through ``str``.

        Raises:
            NotFoundError: The model or the version does not exist.
            InvalidParameterError: The key or value is invalid.
        """
        self._registry.set_model_version_tag(name, version, key, str(value))

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        """Delete a version's tag.

        Raises:
            NotFoundError: The model, the version or the tag does not exist.
        """
        self._registry.delete_model_version_tag(name, version, key)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """Return the version an alias points at.

        Args:
            name: The registered model.
            alias: The alias, e.g. ``"champion"``.

        Returns:
            The version.

        Raises:
            NotFoundError: The model or the alias does not exist.

        Example:
            >>> client.get_model_version_by_alias("fraud", "champion").version
            2
        """
        return self._registry.get_model_version_by_alias(name, alias)
