"""The error envelope and the one mapping from platform errors to HTTP status codes."""

from __future__ import annotations

import json
from typing import Any

from finops.core.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    FinOpsError,
    IntegrationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)

# Order matters: subclasses before their parents.
_STATUS_BY_ERROR: tuple[tuple[type[FinOpsError], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (InvalidInputError, 400),
    (NotFoundError, 404),
    (ConflictError, 409),
    (IntegrationError, 503),
    (ConfigurationError, 500),
)

INTERNAL_ERROR_CODE = "internal_error"
INTERNAL_ERROR_MESSAGE = "An internal error occurred; it has been logged."


def status_for(error: FinOpsError) -> int:
    """The HTTP status of a platform error (500 for the root class or an unmapped one)."""
    for error_type, status in _STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 500


def error_envelope(
    code: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``{"error": {"code", "message", "details"}}``."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


def envelope_for(error: FinOpsError) -> tuple[int, dict[str, Any]]:
    """Status and envelope for a platform error (its message is safe to show by contract)."""
    # details may hold dates or decimals; the envelope must be plain JSON.
    details = json.loads(json.dumps(error.details, default=str))
    return status_for(error), error_envelope(error.code, error.message, details)


def internal_error_envelope() -> dict[str, Any]:
    """The envelope for anything unexpected: generic, no internals."""
    return error_envelope(INTERNAL_ERROR_CODE, INTERNAL_ERROR_MESSAGE)
