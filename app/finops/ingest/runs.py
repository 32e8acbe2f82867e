"""Listing of ingestion runs with the files each one saw."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.core.errors import InvalidInputError
from finops.core.paging import DEFAULT_PAGE_SIZE, Page, fetch_page
from finops.db.models import IngestionFile, IngestionRun


@dataclass(frozen=True)
class IngestionRunWithFiles:
    """An ingestion run and the files it saw (oldest first)."""

    run: IngestionRun
    files: list[IngestionFile]


class IngestStatus(StrEnum):
    """Where an ingestion run (and each of its files) ended up (the ``status`` column)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DUPLICATE = "duplicate"
    SUPERSEDED = "superseded"


def _ingest_status(value: str) -> IngestStatus:
    try:
        return IngestStatus(value)
    except ValueError as exc:
        statuses = [s.value for s in IngestStatus]
        raise InvalidInputError(
            f"parameter 'status': expected one of {', '.join(statuses)}, got {value!r}",
            details={"parameter": "status", "expected": statuses},
        ) from exc


def list_ingestions(
    *,
    session: Session,
    status: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    offset: int = 0,
) -> Page[IngestionRunWithFiles]:
    """Ingestion runs, newest first, each with its files.

    Raises InvalidInputError for a status that is not an :class:`IngestStatus`.
    """
    if status is not None:
        status = _ingest_status(status)
    statement = select(IngestionRun).order_by(
        IngestionRun.started_at.desc(), IngestionRun.id.desc()
    )
    if status is not None:
        statement = statement.where(IngestionRun.status == status)
    runs: Page[IngestionRun] = fetch_page(session, statement, limit, offset)
    files: dict[int, list[IngestionFile]] = defaultdict(list)
    if runs.items:
        run_ids = [run.id for run in runs.items]
        for file in session.scalars(
            select(IngestionFile)
            .where(IngestionFile.run_id.in_(run_ids))
            .order_by(IngestionFile.created_at, IngestionFile.id)
        ):
            files[file.run_id].append(file)
    return Page(
        items=[IngestionRunWithFiles(run=run, files=files[run.id]) for run in runs.items],
        total=runs.total,
        limit=runs.limit,
        offset=runs.offset,
    )
