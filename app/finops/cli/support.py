"""Plumbing shared by the ``finops`` command modules: error mapping, database, dates, JSON output
and progress bars.

Exit codes: 0 ok, 1 user error (one line on stderr), 2 usage error (from Click). Every module of
``finops.cli`` uses these so every command behaves the same.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import click
import typer
from typer.exceptions import TyperException

from finops.core.errors import ConfigurationError, FinOpsError

logger = logging.getLogger("finops.cli")

CLI_ACTOR = "cli"


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Map platform errors to exit code 1 with a one-line message; never a stack trace."""
    try:
        yield
    except FinOpsError as exc:
        fail(" ".join(exc.message.split()))
    except (typer.Exit, typer.Abort, TyperException, click.ClickException):
        raise  # Click reports usage errors itself (exit code 2)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:
        logger.debug("internal error", exc_info=True)
        fail(f"internal error ({type(exc).__name__}); rerun with FINOPS_LOG_LEVEL=DEBUG")


def open_cli_database(*, migrate: bool = True) -> Any:
    """The database the environment selects; the embedded SQLite one is migrated on first use.

    A PostgreSQL database behind the migrations' head is refused (run ``finops db upgrade``).
    """
    from finops.db import migrate as migrations
    from finops.db.database import database_from_env

    database = database_from_env()
    if not migrate:
        return database
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(
        migrations.alembic_config(database.engine)
    ).get_current_head()
    current = migrations.current_revision(database.engine)
    if current != head:
        if database.dialect == "sqlite" or current is None:
            migrations.upgrade(database.engine)
        else:
            raise ConfigurationError(
                f"database schema is at {current}, expected {head}; run `finops db upgrade`"
            )
    return database


def json_default(value: Any) -> Any:
    """JSON encoding of Decimal (exact text), dates and paths."""
    from finops.db.types import decimal_to_text

    if isinstance(value, Decimal):
        return decimal_to_text(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(document: Any) -> None:
    """Print ``document`` as indented JSON on stdout (money as exact decimal text)."""
    typer.echo(json.dumps(document, indent=2, default=json_default))


def parse_date(value: str, name: str) -> dt.date:
    """``YYYY-MM-DD`` or a usage error naming the option."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=name) from None


def today() -> dt.date:
    """Today's date in UTC (the default ``--as-of`` of dated commands)."""
    return dt.datetime.now(dt.UTC).date()


def progress_enabled(json_output: bool) -> bool:
    """True when a progress bar may be drawn: not ``--json`` and stderr is a terminal."""
    return not json_output and sys.stderr.isatty()


@contextmanager
def progress(label: str, enabled: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback ``(item, done, total)``: a bar on a terminal, silence otherwise."""
    if not enabled:
        yield lambda _item, _done, _total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[item]}"),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, item="")

        def update(item: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None, item=Path(item).name)

        yield update


def parse_filters(items: list[str]) -> dict[str, list[str | None]]:
    """``--filter DIMENSION=VALUE`` options as a filter mapping (``null`` = missing value);
    InvalidInputError naming the option for an item without ``=``."""
    from finops.core.errors import InvalidInputError

    filters: dict[str, list[str | None]] = {}
    for item in items:
        dimension, sep, value = item.partition("=")
        if not sep or not dimension.strip():
            raise InvalidInputError(
                f"option '--filter': expected DIMENSION=VALUE, got {item!r}",
                details={"parameter": "--filter", "got": item},
            )
        filters.setdefault(dimension.strip(), []).append(None if value == "null" else value)
    return filters
