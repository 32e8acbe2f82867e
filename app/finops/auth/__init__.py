"""Access: API keys (hashed at rest), principals and the ordered roles."""

from finops.auth.keys import (
    api_key_from_headers,
    authenticate,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from finops.auth.roles import Principal, Role, parse_role, require_role

__all__ = [
    "Principal",
    "Role",
    "api_key_from_headers",
    "authenticate",
    "create_api_key",
    "list_api_keys",
    "parse_role",
    "require_role",
    "revoke_api_key",
]
