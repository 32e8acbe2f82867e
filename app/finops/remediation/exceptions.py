"""Errors of the remediation capability."""

from __future__ import annotations

from finops.core.errors import IntegrationError, InvalidInputError


class PolicyError(InvalidInputError):
    """A policy file or body does not follow the policy schema; the message names the source
    (file or request body), the field path and what was expected."""

    code = "invalid_policy"


class PlanRefusalError(Exception):
    """A candidate resource cannot be planned (the reason is recorded on a ``refused`` action).

    Internal to the planner: never leaves :mod:`finops.remediation`.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ActionFailedError(IntegrationError):
    """An AWS step of an action failed, or the resource did not reach the expected state."""

    code = "remediation_action_failed"


class ResourceGoneError(ActionFailedError):
    """AWS says the resource does not exist (terminated, deleted, or in another account)."""

    code = "remediation_resource_gone"
