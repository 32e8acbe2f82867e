"""A Chalice test client on the real test database, with one API key per role."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from chalice.test import Client

from chalicelib import create_app
from finops.auth import create_api_key
from finops.db.database import Database
from finops.db.engine import session_scope


@dataclass
class Api:
    client: Client
    keys: dict[str, str]

    def get(self, path: str, role: str | None = "viewer") -> tuple[int, Any]:
        headers = {"X-API-Key": self.keys[role]} if role else {}
        response = self.client.http.get(f"/api/v1{path}", headers=headers)
        return response.status_code, json.loads(response.body) if response.body else None

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        role: str | None = "operator",
        raw: str | None = None,
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if role:
            headers["X-API-Key"] = self.keys[role]
        payload = raw if raw is not None else (json.dumps(body) if body is not None else "")
        response = getattr(self.client.http, method.lower())(
            f"/api/v1{path}", headers=headers, body=payload
        )
        return response.status_code, json.loads(response.body) if response.body else None


KEY_ROLES = {"viewer": "viewer", "operator": "operator", "admin": "admin", "operator2": "operator"}
"""Key (and its name ``<key>-key``) -> role; ``operator2`` is a second operator (approvals)."""


@contextmanager
def api_client(db: Database) -> Iterator[Api]:
    """A client plus keys named ``viewer``, ``operator``, ``admin`` and ``operator2``."""
    keys = {}
    with session_scope(db.sessions) as session:
        for key, role in KEY_ROLES.items():
            keys[key], _ = create_api_key(session=session, name=f"{key}-key", role=role)
    with Client(create_app(database_factory=lambda: db)) as client:
        yield Api(client, keys)
