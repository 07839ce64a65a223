"""The flowtrack exception tree.

Every error flowtrack raises on purpose is a :class:`FlowtrackError`. Each class carries MLflow's
``error_code`` and the HTTP status the server answers with, so the server maps exceptions in one
handler and the REST client rebuilds the same class from a JSON body. Callers catch classes, never
compare code strings::

    FlowtrackError                     INTERNAL_ERROR            500
    ├── NotFoundError                  RESOURCE_DOES_NOT_EXIST   404
    ├── AlreadyExistsError             RESOURCE_ALREADY_EXISTS   400
    ├── InvalidParameterError          INVALID_PARAMETER_VALUE   400  (also a ValueError)
    │   └── ResourceLimitError         RESOURCE_LIMIT_EXCEEDED   400
    ├── InvalidStateError              INVALID_STATE             400
    ├── ModelValidationFailedError     BAD_REQUEST               400
    ├── PermissionDeniedError          PERMISSION_DENIED         403
    ├── UnauthenticatedError           UNAUTHENTICATED           401
    ├── TemporarilyUnavailableError    TEMPORARILY_UNAVAILABLE   503
    ├── StoreError                     INTERNAL_ERROR            500
    └── MissingDependencyError         INTERNAL_ERROR            500  (also an ImportError)
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AlreadyExistsError",
    "FlowtrackError",
    "InvalidParameterError",
    "InvalidStateError",
    "MissingDependencyError",
    "ModelValidationFailedError",
    "NotFoundError",
    "PermissionDeniedError",
    "ResourceLimitError",
    "StoreError",
    "TemporarilyUnavailableError",
    "UnauthenticatedError",
    "error_class_for_code",
]


class FlowtrackError(Exception):
    """Base class of every error flowtrack raises on purpose.

    Attributes:
        message: The human-readable message.
        error_code: MLflow's error code for this class (class-level).
        http_status: The HTTP status the tracking server answers with (class-level).
    """

    error_code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        """Return MLflow's JSON error body: ``{"error_code": ..., "message": ...}``."""
        return {"error_code": self.error_code, "message": self.message}


class NotFoundError(FlowtrackError):
    """A resource (experiment, run, artifact, ...) does not exist."""

    error_code = "RESOURCE_DOES_NOT_EXIST"
    http_status = 404


class AlreadyExistsError(FlowtrackError):
    """A resource with that identity already exists."""

    error_code = "RESOURCE_ALREADY_EXISTS"
    http_status = 400


class InvalidParameterError(FlowtrackError, ValueError):
    """An argument is invalid; the message names the bad value and what is allowed."""

    error_code = "INVALID_PARAMETER_VALUE"
    http_status = 400


class ResourceLimitError(InvalidParameterError):
    """A request exceeds a size or count limit (batch sizes, value lengths)."""

    error_code = "RESOURCE_LIMIT_EXCEEDED"
    http_status = 400


class InvalidStateError(FlowtrackError):
    """The operation is not allowed in the resource's current state (e.g. a deleted run)."""

    error_code = "INVALID_STATE"
    http_status = 400


class ModelValidationFailedError(FlowtrackError):
    """A model's evaluation metrics failed their validation thresholds.

    MLflow's ``ModelValidationFailedException`` (importable under that name from
    ``flowtrack.models.evaluation.validation``); the message has one line per failing metric.
    """

    error_code = "BAD_REQUEST"
    http_status = 400


class PermissionDeniedError(FlowtrackError):
    """The caller may not perform the operation."""

    error_code = "PERMISSION_DENIED"
    http_status = 403


class UnauthenticatedError(FlowtrackError):
    """The caller is not authenticated."""

    error_code = "UNAUTHENTICATED"
    http_status = 401


class TemporarilyUnavailableError(FlowtrackError):
    """The backend is temporarily unavailable; the call may be retried."""

    error_code = "TEMPORARILY_UNAVAILABLE"
    http_status = 503


class StoreError(FlowtrackError):
    """A backend failed in a way the caller cannot fix by changing arguments."""


class MissingDependencyError(FlowtrackError, ImportError):
    """An optional dependency is missing; the message says which extra to install."""


def _all_subclasses(cls: type[FlowtrackError]) -> list[type[FlowtrackError]]:
    found: list[type[FlowtrackError]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


def error_class_for_code(error_code: str) -> type[FlowtrackError]:
    """Return the most general exception class for an MLflow error code.

    Args:
        error_code: A code such as ``"RESOURCE_DOES_NOT_EXIST"``.

    Returns:
        The matching class, or :class:`FlowtrackError` for an unknown code.
    """
    for cls in _all_subclasses(FlowtrackError):
        if cls.error_code == error_code and cls.error_code != FlowtrackError.error_code:
            return cls
    return FlowtrackError
