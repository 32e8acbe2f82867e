"""The manifest a Spark ingest scan writes beside its facts Parquet (pure, no I/O, no Spark).

It is the contract between the distributed scan (``spark_job.py``, on EMR Serverless or local
Spark) and the platform's load step (``spark_facts.py``): for every source file, where its facts
are, what they add up to (rows read, fact rows, totals per currency, scopes) and, for a file that
failed, the same precise error DuckDB would have raised. The loader re-derives the figures from
the Parquet and refuses facts that disagree with their manifest.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from finops.ingest.exceptions import IngestionError, MalformedFileError, UnknownFormatError

MANIFEST_NAME = "manifest.json"
VERSION = 1
_ERRORS: dict[str, type[IngestionError]] = {
    "malformed_file": MalformedFileError,
    "unknown_format": UnknownFormatError,
}


@dataclass
class ScannedFile:
    """One source file of a Spark scan."""

    source: str
    index: int
    facts: str | None = None  # directory of the facts Parquet, relative to the manifest
    format: str | None = None
    container: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # as detected: name -> type
    size_bytes: int | None = None
    sha256: str | None = None
    rows_read: int = 0
    fact_rows: int = 0
    totals: dict[str, dict[str, str]] = field(default_factory=dict)
    scopes: list[dict[str, str]] = field(default_factory=list)
    error: dict[str, Any] | None = None  # {"code", "message", "details"}

    def raise_error(self) -> None:
        """Re-raise the file's recorded error as the ingestion error it was."""
        if self.error is None:
            return
        kind = _ERRORS.get(str(self.error.get("code")), MalformedFileError)
        raise kind(str(self.error["message"]), details=dict(self.error.get("details") or {}))


@dataclass
class SparkScanManifest:
    """Every file of one Spark scan, in the order they were given."""

    files: list[ScannedFile]
    engine: str = "spark"
    spark_version: str = ""
    version: int = VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SparkScanManifest:
        data = json.loads(text)
        if data.get("version") != VERSION:
            raise IngestionError(
                f"Spark scan manifest version {data.get('version')!r}; expected {VERSION}",
                details={"expected": VERSION},
            )
        return cls(
            files=[ScannedFile(**entry) for entry in data["files"]],
            engine=data.get("engine", "spark"),
            spark_version=data.get("spark_version", ""),
        )

    def entry_for(self, source: str) -> ScannedFile:
        for entry in self.files:
            if entry.source == source:
                return entry
        raise IngestionError(
            f"{source}: not in the Spark scan manifest; expected one of "
            f"{', '.join(e.source for e in self.files[:5])}",
            details={"file": source},
        )


def error_entry(exc: IngestionError) -> dict[str, Any]:
    """How an ingestion error is kept in a manifest (JSON-safe details)."""
    return {
        "code": exc.code,
        "message": exc.message,
        "details": json.loads(json.dumps(exc.details, default=str)),
    }


def decimal_text(value: Decimal) -> str:
    """Exact text of a decimal (no exponent, no trailing zeros)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def timestamp_text(value: dt.datetime) -> str:
    """ISO text of a timestamp, as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()
