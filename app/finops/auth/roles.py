"""Roles, ordered: viewer (read) < operator (act, approve) < admin (policies, budgets, keys)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from finops.core.errors import InvalidInputError, PermissionDeniedError


class Role(StrEnum):
    """A role; a higher role may do everything a lower one may."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def includes(self, other: Role) -> bool:
        """True when this role grants at least what ``other`` grants."""
        return self.rank >= other.rank


_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


def parse_role(value: str, *, parameter: str = "role") -> Role:
    """The :class:`Role` named ``value``; InvalidInputError naming ``parameter`` otherwise."""
    try:
        return Role(value)
    except ValueError as exc:
        raise InvalidInputError(
            f"parameter '{parameter}': expected one of viewer, operator, admin; got {value!r}",
            details={"parameter": parameter, "got": value, "expected": [r.value for r in Role]},
        ) from exc


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name, its role and the key's id (never the key itself)."""

    name: str
    role: Role
    key_id: int | None


def require_role(principal: Principal, role: Role) -> None:
    """Return when ``principal`` holds ``role`` or a higher one; else PermissionDeniedError."""
    if not principal.role.includes(role):
        raise PermissionDeniedError(
            f"this action needs role '{role.value}' or higher; "
            f"key '{principal.name}' has role '{principal.role.value}'",
            details={"required_role": role.value, "role": principal.role.value},
        )
