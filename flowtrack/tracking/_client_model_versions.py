"""The client's model version methods: create, read, update, stage, search, tag, download URI."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from flowtrack.entities import ModelVersion, ModelVersionStage, PagedList
from flowtrack.exceptions import InvalidParameterError, NotFoundError

if TYPE_CHECKING:
    from flowtrack.stores.model_registry.base import RegistryStore
    from flowtrack.stores.tracking.base import TrackingStore
    from flowtrack.tracking.client import FlowtrackClient

__all__ = ["SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT", "ClientModelVersions", "registry_tags"]

#: MLflow's default page size for ``search_model_versions``.
SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT = 10_000

#: Appended to the FutureWarning of the deprecated ``stage`` arguments (MLflow's wording).
_STAGES_DEPRECATION_WARNING = (
    "Model registry stages will be removed in a future major release. To learn more about the "
    "deprecation of model registry stages, see our migration guide here: https://mlflow.org/docs/"
    "latest/model-registry.html#migrating-from-stages"
)

_LOGGER = logging.getLogger("flowtrack")


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

    def set_model_version_tag(
        self,
        name: str,
        version: int | str | None = None,
        key: str | None = None,
        value: Any = None,
        stage: str | None = None,
    ) -> None:
        """Set (or overwrite) a tag on a version; the value goes through ``str``.

        Args:
            name: The registered model.
            version: The version number; or pass ``stage`` instead.
            key: The tag name (required).
            value: The tag value (required).
            stage: Deprecated (a ``FutureWarning``): tag the highest version in this stage.

        Raises:
            NotFoundError: The model or the version does not exist, or no version is in
                ``stage``.
            InvalidParameterError: Both or neither of ``version`` and ``stage``; the key or value
                is missing or invalid.

        Example:
            >>> client.set_model_version_tag("fraud", "1", "validated", "yes")
        """
        target = self._tag_target(name, version, stage, "set_model_version_tag")
        if key is None or value is None:
            raise InvalidParameterError(
                f"set_model_version_tag on {name!r} version {target} got key={key!r}, "
                f"value={value!r}: both a key and a value are required"
            )
        self._registry.set_model_version_tag(name, target, key, str(value))

    def delete_model_version_tag(
        self,
        name: str,
        version: int | str | None = None,
        key: str | None = None,
        stage: str | None = None,
    ) -> None:
        """Delete a version's tag.

        Args:
            name: The registered model.
            version: The version number; or pass ``stage`` instead.
            key: The tag name (required).
            stage: Deprecated (a ``FutureWarning``): untag the highest version in this stage.

        Raises:
            NotFoundError: The model, the version or the tag does not exist, or no version is
                in ``stage``.
            InvalidParameterError: Both or neither of ``version`` and ``stage``, or no key.

        Example:
            >>> client.delete_model_version_tag("fraud", key="validated", stage="Production")
        """
        target = self._tag_target(name, version, stage, "delete_model_version_tag")
        if key is None:
            raise InvalidParameterError(
                f"delete_model_version_tag on {name!r} version {target} needs a key"
            )
        self._registry.delete_model_version_tag(name, target, key)

    def _tag_target(
        self, name: str, version: int | str | None, stage: str | None, api: str
    ) -> int | str:
        """Return the version a tag call names: ``version``, or the newest one in ``stage``."""
        if version is not None and stage is not None:
            raise InvalidParameterError(
                f"{api} got version={version!r} and stage={stage!r}: version and stage cannot "
                "be set together"
            )
        if version is None and stage is None:
            raise InvalidParameterError(f"{api} on {name!r}: version or stage must be set")
        if stage is None:
            assert version is not None
            return version
        warnings.warn(
            f"The `stage` parameter of the `{api}` API is deprecated. "
            + _STAGES_DEPRECATION_WARNING,
            FutureWarning,
            stacklevel=3,
        )
        latest = self._registry.get_latest_versions(name, [stage])
        if not latest:
            raise NotFoundError(f"Could not find any model version of {name!r} in stage {stage!r}")
        return latest[0].version

    def get_model_version_stages(self, name: str, version: int | str) -> list[str]:
        """Return the stages a model version can be moved to (every version has the same ones).

        Args:
            name: The registered model (not looked up, as in MLflow).
            version: The version number (not looked up).

        Returns:
            ``["None", "Staging", "Production", "Archived"]``.

        Example:
            >>> client.get_model_version_stages("fraud", "1")
            ['None', 'Staging', 'Production', 'Archived']
        """
        del name, version  # the stages are the same for every version
        return [stage.value for stage in ModelVersionStage]

    def copy_model_version(self, src_model_uri: str, dst_name: str) -> ModelVersion:
        """Copy a registered model version to another registered model, as its next version.

        The destination model is created when missing. The copy keeps the source version's
        run, tags, run link and description. Its ``source`` is the source version's own
        ``source`` (where the files are), not MLflow's ``models:/<name>/<version>``: flowtrack's
        registry accepts only ``runs:/`` sources and URIs under its allowed roots, so the copy
        points at the same files as :func:`flowtrack.register_model` does with a ``models:/``
        URI.

        Args:
            src_model_uri: A ``models:/`` URI of the version to copy (``models:/fraud/1``,
                ``models:/fraud@champion``, ``models:/fraud/Production``...).
            dst_name: The registered model to copy it to.

        Returns:
            The new version of ``dst_name``.

        Raises:
            InvalidParameterError: ``src_model_uri`` is not a ``models:/`` URI.
            NotFoundError: The URI names no version.

        Example:
            >>> copy = client.copy_model_version("models:/fraud-staging/1", "fraud-production")
            >>> copy.version
            1
        """
        from flowtrack.exceptions import AlreadyExistsError
        from flowtrack.tracking.models_uri import resolve_model_version

        if not isinstance(src_model_uri, str) or urlsplit(src_model_uri).scheme != "models":
            raise InvalidParameterError(
                f"Unsupported source model URI: {src_model_uri!r}. The `copy_model_version` API "
                "only copies models stored in the 'models:/' scheme."
            )
        # This mixin only ever runs as part of FlowtrackClient, whose registry methods resolve.
        src = resolve_model_version(src_model_uri, cast("FlowtrackClient", self))
        try:
            self._registry.create_registered_model(dst_name)
            _LOGGER.info("Successfully registered model %r.", dst_name)
        except AlreadyExistsError:
            self._registry.get_registered_model(dst_name)  # a name differing only by case raises
            _LOGGER.info("Registered model %r already exists. Creating a new version.", dst_name)
        copy = self._registry.create_model_version(
            dst_name, src.source, src.run_id, dict(src.tags), src.run_link, src.description
        )
        _LOGGER.info(
            "Copied version '%s' of model %r to version '%s' of model %r.",
            src.version,
            src.name,
            copy.version,
            copy.name,
        )
        return copy

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
