"""API keys against a real database: hashed at rest, authenticated, revoked."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from finops.auth import Role, authenticate, create_api_key, list_api_keys, revoke_api_key
from finops.core.errors import AuthenticationError, InvalidInputError, NotFoundError
from finops.db.database import Database
from finops.db.engine import session_scope
from finops.db.models import ApiKey


@pytest.mark.smoke
def test_created_key_is_stored_only_as_its_digest_and_authenticates(db: Database) -> None:
    with session_scope(db.sessions) as session:
        key, record = create_api_key(session=session, name="dashboard", role="viewer")
    assert key.startswith("fo_")
    assert len(key) == 35
    with session_scope(db.sessions) as session:
        stored = session.scalars(select(ApiKey)).one()
        assert stored.key_sha256 == hashlib.sha256(key.encode()).hexdigest()
        assert stored.prefix == key[:11]
        columns = [getattr(stored, c.key) for c in ApiKey.__table__.columns]
        assert key not in [str(v) for v in columns]
        principal = authenticate(session=session, presented=key)
    assert (principal.name, principal.role, principal.key_id) == (
        "dashboard",
        Role.VIEWER,
        record.id,
    )
    with session_scope(db.sessions) as session:
        assert session.get(ApiKey, record.id).last_used_at is not None  # type: ignore[union-attr]


def test_missing_unknown_malformed_and_revoked_keys_are_refused(db: Database) -> None:
    with session_scope(db.sessions) as session:
        key, record = create_api_key(session=session, name="ops", role=Role.OPERATOR)
        other, _ = create_api_key(session=session, name="admin", role=Role.ADMIN)
    forged = key[:11] + ("A" if key[11] != "A" else "B") + key[12:]  # same prefix, other digest
    with session_scope(db.sessions) as session:
        for presented in (None, "", "fo_short", "x" * 35, forged):
            with pytest.raises(AuthenticationError) as caught:
                authenticate(session=session, presented=presented)
            assert key not in caught.value.message
        revoke_api_key(session=session, key_id=record.id)
    with session_scope(db.sessions) as session:
        with pytest.raises(AuthenticationError):
            authenticate(session=session, presented=key)
        assert authenticate(session=session, presented=other).role is Role.ADMIN
        assert [k.name for k in list_api_keys(session=session)] == ["admin"]
        assert len(list_api_keys(session=session, include_revoked=True)) == 2
        with pytest.raises(NotFoundError):
            revoke_api_key(session=session, key_id=999_999)
        with pytest.raises(InvalidInputError, match="'role'"):
            create_api_key(session=session, name="x", role="superuser")
        with pytest.raises(InvalidInputError, match="'name'"):
            create_api_key(session=session, name="  ", role="viewer")


@pytest.mark.smoke
def test_me_names_the_calling_key_and_what_its_role_allows(db: Database) -> None:
    from tests.support.api_client import api_client

    with api_client(db) as api:
        viewer = api.get("/me", role="viewer")
        operator = api.get("/me", role="operator")
        anonymous = api.get("/me", role=None)
    assert viewer == (200, {"name": "viewer-key", "role": "viewer", "permissions": ["viewer"]})
    assert operator[1]["permissions"] == ["viewer", "operator"]
    assert anonymous[0] == 401
    assert "key" not in str(viewer[1]).replace("viewer-key", "")


@pytest.mark.smoke
def test_tag_keys_come_from_resources_most_common_first(db: Database) -> None:
    from finops.db.models import Resource
    from tests.support.api_client import api_client

    with db.sessions.begin() as session:
        session.add_all(
            [
                Resource(provider="AWS", resource_id="i-1", tags={"team": "web", "env": "prod"}),
                Resource(provider="AWS", resource_id="i-2", tags={"team": "data"}),
                Resource(provider="AWS", resource_id="i-3", tags={}),
                Resource(provider="AWS", resource_id="i-4", tags={"team": "web"}),
            ]
        )
    with api_client(db) as api:
        status, body = api.get("/tags")
    assert status == 200, body
    assert body["items"] == [
        {"key": "team", "resources": 3, "values": ["web", "data"], "values_total": 2},
        {"key": "env", "resources": 1, "values": ["prod"], "values_total": 1},
    ]
