"""Shared fixtures.

The integration tier runs against a real PostgreSQL: the server at ``FINOPS_TEST_DATABASE_URL``
(default: the local one on 127.0.0.1:5432). The suite creates its own throwaway database there,
migrates it with Alembic, and drops it at the end. ``--db sqlite`` runs the same fixtures on a
SQLite file instead (the smoke run, ``-m smoke``).

The fixtures several test folders share are plugins listed in ``pytest_plugins`` below, so each
session-scoped server starts once per test session (once per pytest-xdist worker), not once per
module that uses it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from finops.db import migrate
from finops.db.database import Database, open_database
from finops.db.models import Base

pytest_plugins = ["tests.support.moto_server", "tests.support.openbao"]

DEFAULT_PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        action="store",
        default=os.environ.get("FINOPS_TEST_BACKEND", "postgres"),
        choices=["postgres", "sqlite"],
        help="database backend for tests that use the `db` fixture",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "smoke: also runs in the SQLite smoke pass")


def _admin_pg_url() -> str:
    url = os.environ.get("FINOPS_TEST_DATABASE_URL", DEFAULT_PG)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://") :]
    return url


@pytest.fixture(scope="session")
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of a fresh, migrated database that lives for the whole test session."""
    backend = request.config.getoption("--db")
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "finops_test.db"
        url = f"sqlite:///{path}"
        database = open_database(url)
        migrate.upgrade(database.engine)
        database.dispose()
        yield url
        return
    admin_url = make_url(_admin_pg_url())
    name = f"finops_test_{uuid.uuid4().hex[:10]}"
    admin = open_database(admin_url.render_as_string(hide_password=False))
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    database = open_database(url)
    migrate.upgrade(database.engine)
    database.dispose()
    try:
        yield url
    finally:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """The test database, emptied before each test (schema kept)."""
    database = open_database(db_url)
    _truncate_all(database)
    try:
        yield database
    finally:
        database.dispose()


def _truncate_all(database: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.dialect == "postgresql":
            joined = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {joined} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
