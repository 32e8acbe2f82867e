"""The platform's database handle, built from settings and run-time secrets."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from finops.config import default_sqlite_url
from finops.db.engine import make_engine, make_session_factory
from finops.secrets import SecretResolver, resolver_from_env


@dataclass
class Database:
    """An engine and its session factory. ``repr`` never shows the URL (it may hold a password)."""

    engine: Engine
    sessions: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.sessions = make_session_factory(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database(dialect={self.dialect!r})"


def resolve_database_url(resolver: SecretResolver | None = None) -> str:
    """``database_url`` from Vault, Secrets Manager or ``FINOPS_DATABASE_URL``; else the
    embedded SQLite file."""
    secret = (resolver or resolver_from_env()).get("database_url")
    return secret.get_secret_value() if secret is not None else default_sqlite_url()


def open_database(url: str | None = None, *, resolver: SecretResolver | None = None) -> Database:
    """Open the database at ``url`` (or the resolved one). Does not migrate it."""
    return Database(make_engine(url or resolve_database_url(resolver)))


def database_from_env() -> Database:
    """The database the environment selects (used by adapters only), through the process's
    shared resolver (one Vault login and one secret cache for every caller)."""
    return open_database(resolver=resolver_from_env())
