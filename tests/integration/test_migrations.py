"""Alembic migrations both ways, on a fresh PostgreSQL database and a fresh SQLite file.

Each test gets its own empty database (never the session's shared test database), so
downgrading to ``base`` cannot disturb other tests. The schema the migrations build is compared
with ``Base.metadata`` twice: structurally through the inspector (tables, columns, nullability,
primary and foreign keys) and with Alembic's own autogenerate comparison, which also checks
types, indexes, unique constraints and server defaults.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from finops.db import migrate
from finops.db.database import Database, open_database
from finops.db.models import Base

DEFAULT_PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
MODEL_TABLES = frozenset(Base.metadata.tables)
PARTITIONED = {"billing_facts": ["billing_period_start", "billing_account_id"]}
"""Tables partitioned on PostgreSQL (migration 0008), with their partition key columns."""


def _admin_pg_url() -> str:
    url = os.environ.get("FINOPS_TEST_DATABASE_URL", DEFAULT_PG)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://") :]
    return url


@pytest.fixture(
    params=[
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("sqlite", marks=pytest.mark.smoke),
    ]
)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A brand-new, unmigrated database on the backend named by the parameter."""
    if request.param == "sqlite":
        database = open_database(f"sqlite:///{tmp_path / 'migrations.db'}")
        try:
            yield database
        finally:
            database.dispose()
        return
    admin_url = make_url(_admin_pg_url())
    name = f"finops_migr_{uuid.uuid4().hex[:10]}"
    admin = open_database(admin_url.render_as_string(hide_password=False))
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database = open_database(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        yield database
    finally:
        database.dispose()
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _head_revision() -> str:
    script = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
    heads = script.get_heads()
    assert len(heads) == 1, f"migrations must have exactly one head, found {heads}"
    return heads[0]


def _revisions_oldest_first() -> list[str]:
    script = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
    return [rev.revision for rev in reversed(list(script.walk_revisions("base", "heads")))]


def _table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _assert_schema_matches_models(engine: Engine) -> None:
    """Tables, columns, nullability, primary keys and foreign keys equal ``Base.metadata``."""
    inspector = inspect(engine)
    assert _table_names(engine) == MODEL_TABLES | {"alembic_version"}
    for name, table in Base.metadata.tables.items():
        reflected = {col["name"]: col for col in inspector.get_columns(name)}
        assert set(reflected) == {col.name for col in table.columns}, f"columns of {name}"
        for column in table.columns:
            assert reflected[column.name]["nullable"] == column.nullable, (
                f"{name}.{column.name}: nullable should be {column.nullable}"
            )
        pk = inspector.get_pk_constraint(name)["constrained_columns"]
        model_pk = [col.name for col in table.primary_key.columns]
        if name in PARTITIONED and engine.dialect.name == "postgresql":
            # PostgreSQL requires a partitioned table's key to hold its partition keys.
            model_pk = [*model_pk, *PARTITIONED[name]]
        assert pk == model_pk, f"primary key of {name}"
        reflected_fks = {
            (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
            for fk in inspector.get_foreign_keys(name)
        }
        model_fks = {
            (
                tuple(fk.column_keys),
                fk.elements[0].column.table.name,
                tuple(el.column.name for el in fk.elements),
            )
            for fk in table.foreign_key_constraints
        }
        assert reflected_fks == model_fks, f"foreign keys of {name}"


def _autogenerate_diff(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "render_as_batch": conn.dialect.name == "sqlite",
            },
        )
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_head_creates_every_model_table_with_matching_columns(
    empty_database: Database,
) -> None:
    engine = empty_database.engine
    assert migrate.current_revision(engine) is None

    migrate.upgrade(engine)

    assert migrate.current_revision(engine) == _head_revision()
    _assert_schema_matches_models(engine)


def test_upgrade_head_twice_is_a_no_op(empty_database: Database) -> None:
    engine = empty_database.engine
    migrate.upgrade(engine)

    migrate.upgrade(engine)

    assert migrate.current_revision(engine) == _head_revision()
    _assert_schema_matches_models(engine)


def test_downgrade_to_base_leaves_only_alembic_version(empty_database: Database) -> None:
    engine = empty_database.engine
    migrate.upgrade(engine)

    migrate.downgrade(engine, "base")

    assert _table_names(engine) == {"alembic_version"}
    assert migrate.current_revision(engine) is None
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from alembic_version")).scalar_one() == 0
        if engine.dialect.name == "postgresql":
            # Nothing else survives either: no sequences, views or custom types in public.
            leftovers = conn.execute(
                text(
                    "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                    " where n.nspname = 'public' and c.relkind in ('S', 'v', 'm')"
                )
            ).all()
            types = conn.execute(
                text(
                    "select t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace"
                    " where n.nspname = 'public' and t.typtype in ('e', 'd', 'c')"
                    " and t.typrelid = 0"
                )
            ).all()
            assert leftovers == []
            assert types == []


def test_upgrade_again_after_downgrade_restores_a_working_schema(
    empty_database: Database,
) -> None:
    engine = empty_database.engine
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")

    migrate.upgrade(engine)

    assert migrate.current_revision(engine) == _head_revision()
    _assert_schema_matches_models(engine)
    assert _autogenerate_diff(engine) == []
    # The rebuilt schema takes writes: keys are generated and FKs enforced again.
    with engine.begin() as conn:
        user_id = conn.execute(
            text(
                "insert into users (email, role, created_at) values (:e, 'admin', :t) returning id"
            ),
            {"e": "ops@example.com", "t": "2026-01-01 00:00:00+00:00"},
        ).scalar_one()
        assert user_id == 1
        conn.execute(
            text(
                "insert into api_keys (name, prefix, key_sha256, role, user_id, created_at)"
                " values ('ci', 'fo_abc', :digest, 'viewer', :uid, :t)"
            ),
            {"digest": "0" * 64, "uid": user_id, "t": "2026-01-01 00:00:00+00:00"},
        )
    with pytest.raises(Exception, match=r"(?i)foreign key"), engine.begin() as conn:
        conn.execute(
            text(
                "insert into api_keys (name, prefix, key_sha256, role, user_id, created_at)"
                " values ('orphan', 'fo_def', :digest, 'viewer', 999, :t)"
            ),
            {"digest": "1" * 64, "t": "2026-01-01 00:00:00+00:00"},
        )


def test_each_revision_upgrades_and_downgrades_one_step_at_a_time(
    empty_database: Database,
) -> None:
    engine = empty_database.engine
    revisions = _revisions_oldest_first()
    assert revisions, "no migrations found"

    for revision in revisions:
        migrate.upgrade(engine, revision)
        assert migrate.current_revision(engine) == revision
    for expected_after in [*reversed(revisions[:-1]), None]:
        migrate.downgrade(engine, "-1")
        assert migrate.current_revision(engine) == expected_after

    assert _table_names(engine) == {"alembic_version"}


def test_models_match_the_migrations(empty_database: Database) -> None:
    """Autogenerate finds nothing to do: a model change without a migration fails here.

    No difference is filtered out. The models use portable types (``Money`` is NUMERIC(38,18)
    on PostgreSQL and VARCHAR(64) on SQLite; ``UTCDateTime`` is timestamptz / DATETIME;
    ``JSONDocument`` is JSONB / JSON), and Alembic compares each through the dialect
    implementation, so there is no type-representation noise to ignore on either backend.
    """
    engine = empty_database.engine
    migrate.upgrade(engine)

    differences = _autogenerate_diff(engine)

    assert differences == [], (
        "models and migrations differ; generate a revision with "
        "`alembic revision --autogenerate -m '...'` and review it:\n"
        + "\n".join(map(repr, differences))
    )


def test_autogenerate_comparison_does_detect_drift(empty_database: Database) -> None:
    """Control for the test above: an empty diff must mean 'equal', not 'not compared'."""
    engine = empty_database.engine
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("alter table budgets add column stray_note varchar(20)"))
        conn.execute(text("drop index ix_insights_day"))
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("alter table billing_facts alter column billed_cost type double precision")
            )

    differences = _autogenerate_diff(engine)

    flat = [op for diff in differences for op in (diff if isinstance(diff, list) else [diff])]
    assert any(
        op[0] == "remove_column" and op[2] == "budgets" and op[3].name == "stray_note"
        for op in flat
    ), differences
    assert any(op[0] == "add_index" and op[1].name == "ix_insights_day" for op in flat), differences
    if engine.dialect.name == "postgresql":
        assert any(
            op[0] == "modify_type" and op[2] == "billing_facts" and op[3] == "billed_cost"
            for op in flat
        ), differences
