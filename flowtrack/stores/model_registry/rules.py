"""The Model Registry rules every backend applies, written once; backends keep only storage.

Which stage a transition goes to and whether it may archive the others, which optional fields
a version takes, when two names collide, and the errors for what does not exist: each backend
reads what it needs (inside its own lock or transaction) and calls these, so every backend raises
the same error with the same message.
"""

from __future__ import annotations

from flowtrack._private.validation import validate_model_id
from flowtrack.entities import ModelVersionStage
from flowtrack.exceptions import AlreadyExistsError, InvalidParameterError, NotFoundError

__all__ = [
    "ARCHIVING_STAGES",
    "alias_not_found",
    "check_version_fields",
    "model_not_found",
    "model_tag_not_found",
    "name_collision",
    "transition_target",
    "version_not_found",
    "version_tag_not_found",
]

#: The stages a transition may archive the other versions of (MLflow allows no others).
ARCHIVING_STAGES = (ModelVersionStage.STAGING, ModelVersionStage.PRODUCTION)


def transition_target(stage: str, archive_existing_versions: bool) -> ModelVersionStage:
    """The stage a version moves to, checked against the archiving rule.

    With ``archive_existing_versions`` the backend moves every OTHER version of the model that
    is in the returned stage to ``Archived``, in the same write as the transition.

    Args:
        stage: ``None``, ``Staging``, ``Production`` or ``Archived``, any casing.
        archive_existing_versions: Whether the others in that stage are archived.

    Returns:
        The target stage.

    Raises:
        InvalidParameterError: Unknown stage, or archiving asked for a stage other than
            ``Staging`` and ``Production``.
    """
    target = ModelVersionStage.parse(stage)
    if archive_existing_versions and target not in ARCHIVING_STAGES:
        raise InvalidParameterError(
            f"Cannot archive existing versions when transitioning to {target.value!r}: "
            "archive_existing_versions is allowed only for 'Staging' and 'Production'"
        )
    return target


def check_version_fields(
    run_link: str | None, user_id: str | None, model_id: str | None = None
) -> None:
    """Check a new version's optional strings.

    Raises:
        InvalidParameterError: ``run_link`` or ``user_id`` is neither ``None`` nor a string, or
            ``model_id`` is not a logged-model id (``m-`` + 32 hex digits).
    """
    for what, text in (("run_link", run_link), ("user_id", user_id)):
        if text is not None and not isinstance(text, str):
            raise InvalidParameterError(f"Invalid {what} {text!r}: use None or a string")
    if model_id is not None:
        validate_model_id(model_id)


def name_collision(name: str, existing: str) -> AlreadyExistsError:
    """The error for a new model name that equals ``existing`` after NFKC and casefolding."""
    if existing == name:
        return AlreadyExistsError(f"Registered model {name!r} already exists")
    return AlreadyExistsError(
        f"Registered model name {name!r} collides with existing model {existing!r}: names may "
        "not differ only by case or Unicode compatibility form"
    )


def model_not_found(name: str) -> NotFoundError:
    """The error for an unknown registered model."""
    return NotFoundError(f"Registered model {name!r} does not exist")


def version_not_found(name: str, number: int) -> NotFoundError:
    """The error for an unknown version of a model."""
    return NotFoundError(f"Model version {number} of registered model {name!r} does not exist")


def alias_not_found(name: str, alias: str) -> NotFoundError:
    """The error for an alias a model does not have."""
    return NotFoundError(f"Registered model {name!r} has no alias {alias!r}")


def model_tag_not_found(name: str, key: str) -> NotFoundError:
    """The error for a tag a model does not have."""
    return NotFoundError(f"Registered model {name!r} has no tag {key!r}")


def version_tag_not_found(name: str, number: int, key: str) -> NotFoundError:
    """The error for a tag a version does not have."""
    return NotFoundError(f"Model version {number} of registered model {name!r} has no tag {key!r}")
