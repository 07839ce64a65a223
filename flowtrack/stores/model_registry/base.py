"""The registry store interface: a small abstract core and concrete conveniences on top.

Every registry backend subclasses :class:`RegistryStore`, implements the ``@abstractmethod``
primitives and proves itself with :mod:`flowtrack.testing.registry`. Contract shared by all:

- Registered model names are case-sensitive and validated by
  :func:`~flowtrack.stores.model_registry.validation.validate_model_name`; a new name (create or
  rename) whose NFKC-casefold form equals that of another model raises
  :class:`~flowtrack.exceptions.AlreadyExistsError` naming both.
- Versions number from 1 per model, increase by one, and are never reused after a delete
  (deleting the whole model and re-creating it starts again at 1). Methods take a version as an
  int or its string form (``3`` or ``"3"``).
- Sources are checked by :func:`~flowtrack.stores.model_registry.validation.validate_source`
  against the store's ``allowed_source_roots``.
- Stages are parsed case-insensitively (:meth:`ModelVersionStage.parse`). Transitioning with
  ``archive_existing_versions=True`` is allowed only into ``Staging`` or ``Production`` and
  moves every OTHER version in that stage to ``Archived``.
- An alias points at one version; setting it again moves it; deleting a version removes its
  aliases. ``RegisteredModel.aliases`` maps alias -> version, ``ModelVersion.aliases`` lists the
  aliases of that version, sorted.
- ``RegisteredModel.latest_versions`` holds the highest version in each stage that has one.
- Writes bump ``last_updated_timestamp`` of what they change (and of the model, for version
  writes); deleting a model deletes its versions, tags and aliases.
- Unknown models, versions and aliases raise :class:`~flowtrack.exceptions.NotFoundError`;
  invalid arguments raise :class:`~flowtrack.exceptions.InvalidParameterError` before anything is
  written. Searches page with the tokens of :mod:`flowtrack.search.paging`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

from flowtrack.entities import ModelVersion, ModelVersionStage, PagedList, RegisteredModel
from flowtrack.exceptions import NotFoundError
from flowtrack.stores.model_registry.rules import alias_not_found
from flowtrack.stores.model_registry.validation import normalize_source_roots, validate_alias

__all__ = ["SEARCH_MAX_RESULTS_DEFAULT", "RegistryStore"]

#: MLflow's default page size for registry searches.
SEARCH_MAX_RESULTS_DEFAULT = 100


class RegistryStore(ABC):
    """Where registered models, their versions, tags and aliases live.

    Args:
        store_uri: The URI the store was selected by (``memory:``, ``sqlite:///x.db``, ...).
        allowed_source_roots: URIs or absolute paths under which version sources may live
            (besides ``runs:/`` URIs, which are always allowed), e.g. the tracking store's
            artifact root.

    Raises:
        InvalidParameterError: A root is not an absolute URI or path.
    """

    def __init__(self, store_uri: str, allowed_source_roots: Sequence[str] = ()) -> None:
        self.store_uri = store_uri
        self._source_roots = normalize_source_roots(allowed_source_roots)
        self.allowed_source_roots = tuple(allowed_source_roots)

    # ------------------------------------------------------------------ registered models (core)

    @abstractmethod
    def create_registered_model(
        self,
        name: str,
        tags: Mapping[str, str] | None = None,
        description: str | None = None,
    ) -> RegisteredModel:
        """Create a registered model without versions.

        Raises:
            AlreadyExistsError: The name, or a name equal to it after NFKC and casefolding,
                is taken.
            InvalidParameterError: The name, a tag or the description is invalid.
        """

    @abstractmethod
    def get_registered_model(self, name: str) -> RegisteredModel:
        """Return a registered model.

        Raises:
            NotFoundError: No model has that exact name.
        """

    @abstractmethod
    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        """Replace a model's description (``None`` clears it) and return the model."""

    @abstractmethod
    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename a model; its versions, tags and aliases follow. Renaming to itself is a no-op.

        Raises:
            NotFoundError: ``name`` does not exist.
            AlreadyExistsError: ``new_name`` collides with ANOTHER model.
        """

    @abstractmethod
    def delete_registered_model(self, name: str) -> None:
        """Delete a model with all its versions, tags and aliases."""

    @abstractmethod
    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[RegisteredModel]:
        """Search models with the grammar of :mod:`flowtrack.search.registry`.

        Args:
            filter_string: E.g. ``name LIKE 'fraud%' AND tags.team = 'risk'``.
            max_results: Page size, 1 to 50,000.
            order_by: E.g. ``["last_updated_timestamp DESC"]``; default ``name ASC``.
            page_token: The ``token`` of the previous page.

        Returns:
            One page; its ``token`` is ``None`` on the last page.
        """

    @abstractmethod
    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """Set (or overwrite) a tag on a model."""

    @abstractmethod
    def delete_registered_model_tag(self, name: str, key: str) -> None:
        """Delete a model's tag.

        Raises:
            NotFoundError: The model or the tag does not exist.
        """

    # ------------------------------------------------------------------ model versions (core)

    @abstractmethod
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
        """Register a new version (status ``READY``, stage ``None``) with the next number.

        ``model_id`` records the logged model (``m-...``) the version registers (MLflow 3);
        its source is then usually ``models:/<model_id>``.

        Raises:
            NotFoundError: The model does not exist.
            InvalidParameterError: The source is refused, or another argument is invalid.
        """

    @abstractmethod
    def get_model_version(self, name: str, version: int | str) -> ModelVersion:
        """Return one version.

        Raises:
            NotFoundError: The model or the version does not exist.
        """

    @abstractmethod
    def update_model_version(
        self, name: str, version: int | str, description: str | None
    ) -> ModelVersion:
        """Replace a version's description (``None`` clears it) and return the version."""

    @abstractmethod
    def delete_model_version(self, name: str, version: int | str) -> None:
        """Delete a version and the aliases pointing at it; its number is never reused."""

    @abstractmethod
    def transition_model_version_stage(
        self,
        name: str,
        version: int | str,
        stage: str,
        archive_existing_versions: bool = False,
    ) -> ModelVersion:
        """Move a version to a stage, optionally archiving the others in that stage.

        Args:
            name: The model.
            version: The version to move.
            stage: ``None``, ``Staging``, ``Production`` or ``Archived``, any casing.
            archive_existing_versions: Move every other version currently in ``stage`` to
                ``Archived``; only for ``Staging`` and ``Production``.

        Returns:
            The moved version.

        Raises:
            InvalidParameterError: Unknown stage, or archiving asked for another stage.
        """

    @abstractmethod
    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = SEARCH_MAX_RESULTS_DEFAULT,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[ModelVersion]:
        """Search versions of all models (``name = 'm' AND version_number > 1``).

        Default order ``name ASC, version_number DESC``; see
        :mod:`flowtrack.search.registry` for the grammar.
        """

    @abstractmethod
    def set_model_version_tag(self, name: str, version: int | str, key: str, value: str) -> None:
        """Set (or overwrite) a tag on a version."""

    @abstractmethod
    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        """Delete a version's tag.

        Raises:
            NotFoundError: The model, the version or the tag does not exist.
        """

    # ------------------------------------------------------------------ aliases (core)

    @abstractmethod
    def set_registered_model_alias(self, name: str, alias: str, version: int | str) -> None:
        """Point ``alias`` at a version, moving it if it pointed elsewhere.

        Raises:
            NotFoundError: The model or the version does not exist.
            InvalidParameterError: The alias is invalid (see ``validate_alias``).
        """

    @abstractmethod
    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        """Remove an alias.

        Raises:
            NotFoundError: The model or the alias does not exist.
        """

    def close(self) -> None:  # noqa: B027 - optional hook, not abstract
        """Release connections; the default does nothing."""

    # ------------------------------------------------------------------ conveniences

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """Return the version an alias points at.

        Raises:
            NotFoundError: The model or the alias does not exist.
        """
        alias = validate_alias(alias)
        version = self.get_registered_model(name).aliases.get(alias)
        if version is None:
            raise alias_not_found(name, alias)
        return self.get_model_version(name, version)

    def get_latest_versions(
        self, name: str, stages: Sequence[str] | None = None
    ) -> list[ModelVersion]:
        """Return the highest version in each stage (all stages when ``stages`` is empty).

        Args:
            name: The model.
            stages: Stage names in any casing, e.g. ``["production", "Staging"]``.

        Returns:
            At most one version per stage, in stage order (None, Staging, Production, Archived).

        Raises:
            NotFoundError: The model does not exist.
            InvalidParameterError: A stage name is unknown.
        """
        wanted = {ModelVersionStage.parse(stage) for stage in stages or ()}
        latest = self.get_registered_model(name).latest_versions
        return [v for v in latest if not wanted or v.current_stage in wanted]

    def get_model_version_download_uri(self, name: str, version: int | str) -> str:
        """Return where a version's artifacts are: its ``source``."""
        return self.get_model_version(name, version).source

    def get_model_version_stages(self) -> list[str]:
        """Return the stage names a version may be transitioned to, in MLflow's order."""
        return [stage.value for stage in ModelVersionStage]

    def registered_model_exists(self, name: str) -> bool:
        """Whether a model with exactly this name exists."""
        try:
            self.get_registered_model(name)
        except NotFoundError:
            return False
        return True
