"""Alembic migrations, run programmatically (``finops db upgrade``, tests, the demo).

The scripts live in the repository's top-level ``migrations/``; every build (the wheel, the
Lambda package, the jobs image) copies them into the package as ``finops/db/migrations``
(docs/decisions/0014). :data:`MIGRATIONS_DIR` is the checkout's folder when this module runs
from a source checkout (so a new migration is seen at once, never shadowed by a stale copy),
else the packaged copy.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


def _checkout_migrations_dir(module: Path) -> Path | None:
    """``<checkout>/migrations`` when ``module`` is ``<checkout>/app/finops/db/migrate.py`` of a
    source checkout (the folder holds ``alembic.ini`` and ``migrations/env.py``), else None."""
    parents = module.parents
    if len(parents) < 4:
        return None
    root = parents[3]
    candidate = root / "migrations"
    if (root / "alembic.ini").is_file() and (candidate / "env.py").is_file():
        return candidate
    return None


def find_migrations_dir(module: Path | None = None) -> Path:
    """Where the Alembic scripts for ``module`` (default: this file) are: the source checkout's
    ``migrations/`` if there is one, else the packaged ``finops/db/migrations`` next to it.
    Never raises; the returned folder may be missing (then :func:`alembic_config` says so)."""
    here = (module or Path(__file__)).resolve()
    return _checkout_migrations_dir(here) or here.parent / "migrations"


MIGRATIONS_DIR = find_migrations_dir()


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine`` (the URL never passes through a log or file).
    Raises :class:`FileNotFoundError` naming the folder when the scripts are not there (an
    installed copy built without them)."""
    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise FileNotFoundError(
            f"no Alembic scripts at {MIGRATIONS_DIR} (neither a source checkout's migrations/ "
            "nor a packaged finops/db/migrations): build the package with scripts/package.py"
        )
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision``; a no-op when already there."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the schema to ``revision`` (``base`` drops every table)."""
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` when unversioned."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
