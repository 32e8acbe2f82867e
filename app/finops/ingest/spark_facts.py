"""Loading a Spark scan's facts through the unchanged store path, and choosing the engine.

:class:`SparkFactsScanner` is a :class:`~finops.ingest.scan.FactScanner` whose ``scan_file``
reads the facts Parquet a Spark scan wrote (``spark_job.py``) into the same DuckDB ``facts``
table instead of scanning the raw file. Everything after it (scope decisions, deletion of a
restated month, COPY into PostgreSQL, accounts and resources, the run record) is the code the
DuckDB path runs, so the guarantees are the same by construction. The loader recomputes each
file's figures from the Parquet and refuses facts that disagree with their manifest.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from finops.ingest.exceptions import IngestionError
from finops.ingest.formats import DetectedFormat, format_of_columns
from finops.ingest.mapping import DECIMAL_SQL, KEY_FIELDS, SUM_FIELDS, lit
from finops.ingest.scan import FACTS_TABLE, FactScanner, FileScan
from finops.ingest.spark_manifest import (
    MANIFEST_NAME,
    ScannedFile,
    SparkScanManifest,
    decimal_text,
    timestamp_text,
)

logger = logging.getLogger(__name__)

Engine = Literal["duckdb", "spark"]
EngineChoice = Literal["auto", "duckdb", "spark"]
DEFAULT_SPARK_MIN_BYTES = 20 * 1024**3

_TIMESTAMPS = (
    "billing_period_start",
    "billing_period_end",
    "charge_period_start",
    "charge_period_end",
)
FACTS_SCHEMA: tuple[tuple[str, str], ...] = (
    ("ingestion_file_id", "INTEGER"),
    # The key fields in their order: the four periods are timestamps, the rest text.
    *((name, "TIMESTAMPTZ" if name in _TIMESTAMPS else "VARCHAR") for name in KEY_FIELDS),
    *((name, DECIMAL_SQL) for name in SUM_FIELDS),
    ("line_items", "BIGINT"),
    *(
        (name, "VARCHAR")
        for name in ("billing_account_name", "sub_account_name", "resource_name", "instance_type")
    ),
    ("__bad", "BIGINT"),
)
"""The DuckDB ``facts`` table, column for column as the DuckDB scan creates it."""


def choose_engine(*, engine: EngineChoice, total_bytes: int, spark_min_bytes: int) -> Engine:
    """The engine of one delivery: as asked, or for ``auto`` Spark from ``spark_min_bytes`` of
    billing files up (a month that one machine scans in minutes stays on DuckDB)."""
    if engine == "auto":
        return "spark" if total_bytes >= spark_min_bytes else "duckdb"
    return engine


def read_manifest(folder: Path) -> SparkScanManifest:
    """The manifest of a (local copy of a) Spark scan output folder."""
    path = folder / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise IngestionError(
            f"{path}: Spark scan manifest unreadable ({exc.strerror}); expected the "
            f"{MANIFEST_NAME} a Spark ingest scan writes",
            details={"file": str(path)},
        ) from exc
    return SparkScanManifest.from_json(text)


def detected_formats(
    manifest: SparkScanManifest, paths: Sequence[Path]
) -> dict[str, DetectedFormat | IngestionError]:
    """Path -> format as the Spark scan detected it (for ``formats.detected_elsewhere``)."""
    formats: dict[str, DetectedFormat | IngestionError] = {}
    for path, entry in zip(paths, manifest.files, strict=True):
        if entry.container is not None:
            formats[str(path)] = format_of_columns(entry.source, entry.container, entry.columns)
        else:  # failed before its format was known: detection raises the recorded error
            try:
                entry.raise_error()
            except IngestionError as exc:
                formats[str(path)] = exc
    return formats


class SparkFactsScanner(FactScanner):
    """A FactScanner fed by a Spark scan's output instead of the raw files.

    ``sources`` maps each path the store path will pass to ``scan_file`` to the manifest's
    ``source`` of that file (by default the path's own text).
    """

    def __init__(
        self,
        *,
        manifest: SparkScanManifest,
        folder: Path,
        sources: dict[Path, str] | None = None,
        memory_limit: str = "1GB",
    ) -> None:
        super().__init__(memory_limit=memory_limit)
        self.manifest = manifest
        self.folder = folder
        self.sources = sources or {}

    def scan_file(self, *, file_id: int, path: Path, fmt: DetectedFormat) -> FileScan:
        """Load ``path``'s facts from the Spark output; re-raises the error a malformed file
        got in the Spark scan (the same words DuckDB uses)."""
        entry = self.manifest.entry_for(self.sources.get(path, str(path)))
        entry.raise_error()
        if not self._created:
            columns = ", ".join(f"{name} {kind}" for name, kind in FACTS_SCHEMA)
            self.con.execute(f"CREATE TEMP TABLE {FACTS_TABLE} ({columns})")
            self._created = True
        parts = sorted((self.folder / str(entry.facts)).glob("*.parquet"))
        if parts:
            select = ", ".join(
                f"{int(file_id)}" if name == "ingestion_file_id" else f"CAST({name} AS {kind})"
                for name, kind in FACTS_SCHEMA
            )
            files = "[" + ", ".join(lit(str(p)) for p in parts) + "]"
            self.con.execute(
                f"INSERT INTO {FACTS_TABLE} SELECT {select} FROM read_parquet({files})"
            )
        scan = self._summarize(file_id=file_id, path=path, fmt=fmt)
        _verify(entry, scan)
        return scan


def _verify(entry: ScannedFile, scan: FileScan) -> None:
    """The facts as loaded add up to what the Spark scan recorded, or nothing is stored."""
    loaded: dict[str, Any] = {
        "rows_read": scan.rows_read,
        "fact_rows": scan.fact_rows,
        "totals": {
            cur: {m: decimal_text(v) for m, v in metrics.items()}
            for cur, metrics in scan.totals.items()
        },
        "scopes": sorted(
            (
                s.provider,
                s.billing_account_id,
                timestamp_text(s.billing_period_start),
                timestamp_text(s.billing_period_end),
            )
            for s in scan.scopes
        ),
    }
    recorded: dict[str, Any] = {
        "rows_read": entry.rows_read,
        "fact_rows": entry.fact_rows,
        "totals": entry.totals,
        "scopes": sorted(
            (
                s["provider"],
                s["billing_account_id"],
                s["billing_period_start"],
                s["billing_period_end"],
            )
            for s in entry.scopes
        ),
    }
    for key, value in recorded.items():
        if loaded[key] != value:
            raise IngestionError(
                f"{entry.source}: the Spark facts ({entry.facts}) do not match their manifest: "
                f"{key} {loaded[key]!r}; expected {value!r}",
                details={"file": entry.source, "field": key},
            )
