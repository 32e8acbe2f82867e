"""Format writers: canonical lines -> CUR 2.0 Parquet, legacy CUR CSV or FOCUS 1.2 CSV files.

Column names and types follow what AWS delivers (see :mod:`~finops.devtools.sample.cur2`,
:mod:`~finops.devtools.sample.cur_legacy`, :mod:`~finops.devtools.sample.focus`). CSV files are gzip
with a fixed header (mtime 0, no file name) and Parquet files are written with fixed options,
so the same lines always give byte-identical files.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import IO, Literal, Protocol

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from finops.devtools.sample.cur2 import CUR2_SCHEMA, cur2_table
from finops.devtools.sample.cur_legacy import legacy_table
from finops.devtools.sample.focus import focus_table
from finops.devtools.sample.line_columns import MonthContext
from finops.devtools.sample.rows import Lines, Vocabulary

SampleFormat = Literal["cur2", "cur-legacy", "focus"]
FORMATS: tuple[SampleFormat, ...] = ("cur2", "cur-legacy", "focus")
REPORT_NAME = "finops-sample"
_CSV_SLICE_ROWS = 25_000


# ---------------------------------------------------------------------------- files


class TableSink(Protocol):
    def write(self, table: pa.Table) -> None: ...
    def close(self) -> None: ...


class _CsvGzSink:
    def __init__(self, path: Path) -> None:
        self._raw: IO[bytes] = path.open("wb")
        self._gz = gzip.GzipFile(
            filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=6
        )
        self._header = True

    def write(self, table: pa.Table) -> None:
        # small slices keep the rendered text (the largest transient buffer) bounded
        for start in range(0, max(table.num_rows, 1), _CSV_SLICE_ROWS):
            buffer = pa.BufferOutputStream()
            pacsv.write_csv(
                table.slice(start, _CSV_SLICE_ROWS),
                buffer,
                write_options=pacsv.WriteOptions(
                    include_header=self._header, quoting_style="needed", batch_size=8_192
                ),
            )
            self._header = False
            self._gz.write(memoryview(buffer.getvalue()))

    def close(self) -> None:
        self._gz.close()
        self._raw.close()


class _ParquetSink:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(
            str(path), schema, compression="snappy", write_statistics=True
        )

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table, row_group_size=256 * 1024)

    def close(self) -> None:
        self._writer.close()


class MonthWriter:
    """Writes one billing month of one format, rotating to a new part every ``part_lines``
    lines; writes the AWS-style manifest when the month needs more than one part."""

    def __init__(
        self,
        *,
        out_dir: Path,
        fmt: SampleFormat,
        month_label: str,
        ctx: MonthContext,
        vocab: Vocabulary,
        part_lines: int,
        assembly_id: str,
    ) -> None:
        self.out_dir = out_dir
        self.fmt = fmt
        self.ctx = ctx
        self.vocab = vocab
        self.part_lines = part_lines
        self.assembly_id = assembly_id
        self.folder = out_dir / "billing" / fmt / month_label
        self.folder.mkdir(parents=True, exist_ok=True)
        self.parts: list[Path] = []
        self._sink: TableSink | None = None
        self._in_part = 0
        self.manifest: Path | None = None

    def _name(self, number: int) -> str:
        if self.fmt == "cur2":
            return f"{REPORT_NAME}-{number:05d}.snappy.parquet"
        if self.fmt == "cur-legacy":
            return f"{REPORT_NAME}-{number}.csv.gz"
        return f"{REPORT_NAME}-focus-{number:05d}.csv.gz"

    def _open(self) -> TableSink:
        path = self.folder / self._name(len(self.parts) + 1)
        self.parts.append(path)
        self._in_part = 0
        if self.fmt == "cur2":
            return _ParquetSink(path, CUR2_SCHEMA)
        return _CsvGzSink(path)

    def _table(self, lines: Lines, ids: pa.Array) -> pa.Table:
        if self.fmt == "cur2":
            return cur2_table(lines, self.vocab, self.ctx, ids)
        if self.fmt == "cur-legacy":
            return legacy_table(lines, self.vocab, self.ctx, ids)
        return focus_table(lines, self.vocab, self.ctx, ids)

    def write(self, lines: Lines, ids: pa.Array) -> None:
        start = 0
        while start < lines.size:
            if self._sink is None or self._in_part >= self.part_lines:
                if self._sink is not None:
                    self._sink.close()
                self._sink = self._open()
            take = min(lines.size - start, self.part_lines - self._in_part)
            self._sink.write(self._table(lines.slice(start, start + take), ids.slice(start, take)))
            self._in_part += take
            start += take

    def close(self) -> list[Path]:
        """Close the last part; returns every file written (parts, then the manifest if any)."""
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        files = list(self.parts)
        if len(self.parts) > 1:
            files.append(self._write_manifest())
        return files

    def _write_manifest(self) -> Path:
        keys = [p.relative_to(self.out_dir).as_posix() for p in self.parts]
        start = self.ctx.period_start.strftime("%Y%m%dT%H%M%S.000Z")
        end = self.ctx.period_end.strftime("%Y%m%dT%H%M%S.000Z")
        if self.fmt == "cur-legacy":
            name = f"{REPORT_NAME}-Manifest.json"
            doc: dict[str, object] = {
                "assemblyId": self.assembly_id,
                "account": self.ctx.payer,
                "reportName": REPORT_NAME,
                "reportKeys": keys,
                "billingPeriod": {"start": start, "end": end},
                "bucket": "local",
                "compression": "GZIP",
                "contentType": "text/csv",
            }
        else:
            name = f"{REPORT_NAME}{'-focus' if self.fmt == 'focus' else ''}-Manifest.json"
            doc = {
                "executionId": self.assembly_id,
                "exportName": REPORT_NAME if self.fmt == "cur2" else f"{REPORT_NAME}-focus",
                "billingPeriod": {"start": start, "end": end},
                "dataFiles": keys,
                "contentType": "application/x-parquet" if self.fmt == "cur2" else "text/csv",
            }
        path = self.folder / name
        path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        self.manifest = path
        return path
