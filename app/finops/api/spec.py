"""The shape of a route: what an operation gets, what it returns, how a route is declared."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from finops.auth.roles import Principal, Role
from finops.core.api_paths import API_PREFIX as API_PREFIX
from finops.core.models import InputModel
from finops.db.database import Database


@dataclass(frozen=True)
class OperationContext:
    """What an operation may use: the request's session, the database, the caller, the clock."""

    session: Session
    database: Database
    principal: Principal | None
    now: dt.datetime
    body: BaseModel | None = None

    @property
    def actor(self) -> str:
        """Who acts, for audit records: the API key's name (``api:<name>``)."""
        return f"api:{self.principal.name}" if self.principal is not None else "api:anonymous"


@dataclass(frozen=True)
class Reply:
    """An operation's answer: HTTP status and a response model (or a raw JSON document)."""

    body: BaseModel | dict[str, Any]
    status: int = 200

    def json_body(self) -> dict[str, Any]:
        if isinstance(self.body, BaseModel):
            return self.body.model_dump(mode="json")
        return self.body


Operation = Callable[[OperationContext, Any], Reply]


@dataclass(frozen=True)
class RouteSpec:
    """One API route. ``path`` is relative to ``/api/v1``; ``min_role`` None means public."""

    operation_id: str
    method: str
    path: str
    summary: str
    tag: str
    query_model: type[InputModel]
    response_model: type[BaseModel] | None
    min_role: Role | None
    operation: Operation
    extra_statuses: tuple[int, ...] = ()
    body_model: type[InputModel] | None = None

    @property
    def full_path(self) -> str:
        return API_PREFIX + self.path

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """Names in ``{braces}`` in the path; they are fields of ``query_model`` too."""
        return tuple(re.findall(r"{(\w+)}", self.path))
