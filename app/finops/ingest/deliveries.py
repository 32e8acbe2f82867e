"""Deliveries: what one ingestion takes in (a file, or the files a manifest lists), how they are
found under files and folders, and what happened to each one."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from finops.ingest.exceptions import IngestionError
from finops.ingest.formats import container_of
from finops.ingest.manifests import read_manifest

BILLING_SUFFIXES = (".csv", ".csv.gz", ".csv.gzip", ".parquet")


@dataclass(frozen=True)
class Delivery:
    """A unit of ingestion: one file, or the files a manifest lists."""

    source: Path
    files: tuple[Path, ...]
    delivered_at: dt.datetime
    manifest: Path | None = None
    origins: tuple[tuple[Path, str], ...] = ()
    """Where local copies came from (e.g. ``s3://bucket/key``): recorded and shown instead of the
    temporary local path, so every run and error names the object a user can find."""

    def name_of(self, path: Path) -> str:
        """The origin of ``path`` when it is a downloaded copy, else the path itself."""
        return dict(self.origins).get(path, str(path))

    def describe(self, text: str) -> str:
        """``text`` with every local copy's path replaced by its origin."""
        for path, origin in self.origins:
            text = text.replace(str(path), origin)
        return text


@dataclass
class IngestionOutcome:
    """What happened to one delivery."""

    run_id: int
    source: str
    status: str  # succeeded | duplicate | superseded | failed
    rows_read: int = 0
    rows_written: int = 0
    files: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    totals: dict[str, dict[str, str]] = field(default_factory=dict)
    replaced_scopes: list[dict[str, str]] = field(default_factory=list)
    superseded_scopes: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def _is_billing_file(path: Path) -> bool:
    return path.name.lower().endswith(BILLING_SUFFIXES)


def _is_manifest(path: Path) -> bool:
    return path.name.lower().endswith("manifest.json")


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)


def discover_deliveries(
    paths: Sequence[Path], delivered_at: dt.datetime | None = None
) -> list[Delivery]:
    """Expand files and folders into deliveries, oldest first.

    A manifest makes its files one delivery; any other billing file is a delivery on its own.
    ``delivered_at`` defaults to the newest modification time among the delivery's files.
    """
    deliveries: list[Delivery] = []
    loose: list[Path] = []
    covered: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise IngestionError(f"{path}: no such file or folder", details={"file": str(path)})
        if path.is_dir():
            manifests = sorted(p for p in path.rglob("*") if p.is_file() and _is_manifest(p))
            files = sorted(p for p in path.rglob("*") if p.is_file() and _is_billing_file(p))
        elif _is_manifest(path):
            manifests, files = [path], []
        else:
            container_of(path)  # rejects unsupported extensions with a clear message
            manifests, files = [], [path]
        for manifest in manifests:
            listed = read_manifest(manifest)
            covered.update(p.resolve() for p in listed)
            when = delivered_at or max(_mtime(p) for p in (manifest, *listed))
            deliveries.append(Delivery(manifest, listed, when, manifest))
        loose.extend(files)
    for file in loose:
        if file.resolve() in covered:
            continue
        deliveries.append(Delivery(file, (file,), delivered_at or _mtime(file)))
    deliveries.sort(key=lambda d: (d.delivered_at, str(d.source)))
    return deliveries


def sha256_of(path: Path) -> str:
    """The SHA-256 of the file's bytes, hex encoded (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
