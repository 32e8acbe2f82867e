"""The one error hierarchy of the platform.

Every adapter (CLI, Chalice routes, event handlers, Airflow tasks) translates these once:
``InvalidInputError`` -> 400/422 or exit code 1, ``NotFoundError`` -> 404, ``ConflictError`` -> 409,
``PermissionDeniedError`` -> 401/403. Anything else is a bug and is reported without internals.
"""

from __future__ import annotations

from typing import Any


class FinOpsError(Exception):
    """Root of every error the platform raises on purpose.

    ``message`` is safe to show to a user: it never carries a secret or a stack trace.
    ``details`` holds structured context (file, row, column, parameter, expected).
    """

    code = "finops_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def __str__(self) -> str:
        return self.message


class InvalidInputError(FinOpsError):
    """The caller gave input the platform cannot accept (bad parameter, malformed file)."""

    code = "invalid_input"


class NotFoundError(FinOpsError):
    """A named thing does not exist."""

    code = "not_found"


class ConflictError(FinOpsError):
    """The request conflicts with the current state (duplicate, stale, superseded)."""

    code = "conflict"


class PermissionDeniedError(FinOpsError):
    """The caller is not authenticated or lacks the role the action needs."""

    code = "permission_denied"


class AuthenticationError(PermissionDeniedError):
    """No valid credentials were presented."""

    code = "unauthenticated"


class IntegrationError(FinOpsError):
    """An external system (database, Vault, AWS) failed or answered unexpectedly."""

    code = "integration_error"


class ConfigurationError(FinOpsError):
    """The platform is configured in a way it cannot run with."""

    code = "configuration_error"
