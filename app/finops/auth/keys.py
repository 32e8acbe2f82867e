"""API keys: ``fo_`` + 32 random URL-safe characters; only the SHA-256 digest is stored.

The first characters are kept as a display/lookup prefix. Authentication looks candidates up by
prefix and compares digests in constant time. Nothing here logs a key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import string
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.auth.roles import Principal, Role, parse_role
from finops.core.errors import AuthenticationError, InvalidInputError, NotFoundError
from finops.db.models import ApiKey

logger = logging.getLogger(__name__)

KEY_PREFIX = "fo_"
KEY_RANDOM_CHARS = 32
KEY_LENGTH = len(KEY_PREFIX) + KEY_RANDOM_CHARS
DISPLAY_PREFIX_LENGTH = len(KEY_PREFIX) + 8
_KEY_ALPHABET = frozenset(string.ascii_letters + string.digits + "-_")
API_KEY_HEADER = "x-api-key"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key() -> str:
    # token_urlsafe(24) is exactly 32 characters of the URL-safe base64 alphabet.
    return KEY_PREFIX + secrets.token_urlsafe(24)


def create_api_key(*, session: Session, name: str, role: Role | str) -> tuple[str, ApiKey]:
    """Create a key; return the clear key (shown once, never stored) and its stored record."""
    clean_name = name.strip()
    if not 1 <= len(clean_name) <= 200:
        raise InvalidInputError(
            "parameter 'name': expected 1-200 characters",
            details={"parameter": "name"},
        )
    chosen = role if isinstance(role, Role) else parse_role(role)
    key = _new_key()
    record = ApiKey(
        name=clean_name,
        prefix=key[:DISPLAY_PREFIX_LENGTH],
        key_sha256=_digest(key),
        role=chosen.value,
    )
    session.add(record)
    session.flush()
    logger.info("api key created", extra={"key_id": record.id, "role": chosen.value})
    return key, record


def _well_formed(presented: str) -> bool:
    return (
        len(presented) == KEY_LENGTH
        and presented.startswith(KEY_PREFIX)
        and all(ch in _KEY_ALPHABET for ch in presented[len(KEY_PREFIX) :])
    )


def authenticate(
    *, session: Session, presented: str | None, now: dt.datetime | None = None
) -> Principal:
    """The principal of a valid, unrevoked key; AuthenticationError for anything else.

    The error never says whether a key exists; it never echoes the key. ``last_used_at`` is
    updated on success.
    """
    if not presented:
        raise AuthenticationError(
            "an API key is required: send it in the X-API-Key header or as "
            "'Authorization: Bearer <key>'",
            details={"header": "X-API-Key"},
        )
    if not _well_formed(presented):
        raise AuthenticationError("the API key is not valid", details={"header": "X-API-Key"})
    digest = _digest(presented)
    match: ApiKey | None = None
    for candidate in session.scalars(
        select(ApiKey).where(ApiKey.prefix == presented[:DISPLAY_PREFIX_LENGTH])
    ):
        if hmac.compare_digest(candidate.key_sha256, digest):
            match = candidate
    if match is None or match.revoked_at is not None:
        raise AuthenticationError("the API key is not valid", details={"header": "X-API-Key"})
    match.last_used_at = now or dt.datetime.now(dt.UTC)
    return Principal(name=match.name, role=parse_role(match.role), key_id=match.id)


def revoke_api_key(*, session: Session, key_id: int, now: dt.datetime | None = None) -> ApiKey:
    """Revoke a key (idempotent: a revoked key keeps its first revocation time)."""
    record = session.get(ApiKey, key_id)
    if record is None:
        raise NotFoundError(f"API key {key_id} not found", details={"key_id": key_id})
    if record.revoked_at is None:
        record.revoked_at = now or dt.datetime.now(dt.UTC)
        logger.info("api key revoked", extra={"key_id": key_id})
    return record


def list_api_keys(*, session: Session, include_revoked: bool = False) -> list[ApiKey]:
    """Stored keys (digest and prefix only), oldest first."""
    statement = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
    if not include_revoked:
        statement = statement.where(ApiKey.revoked_at.is_(None))
    return list(session.scalars(statement))


def api_key_from_headers(headers: Mapping[str, str]) -> str | None:
    """The key from ``X-API-Key`` or ``Authorization: Bearer <key>`` (header names in any case).

    ``X-API-Key`` wins when both are present.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    direct = lowered.get(API_KEY_HEADER, "").strip()
    if direct:
        return direct
    scheme, _, token = lowered.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None
