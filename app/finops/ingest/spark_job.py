"""The distributed ingest scan: the validate-map-aggregate step of ``plan.py`` on Apache Spark.

Runs the same SQL as the DuckDB scanner (``mapping.py`` + ``plan.py`` rendered with the Spark
dialect) over billing files wherever Spark can read them (``s3://`` on EMR Serverless, local
paths in local mode) and writes, under ``out_dir``:

- ``facts/file=NNNNN/*.parquet``: the daily-grain facts of file ``NNNNN`` (the column set and
  types of the DuckDB ``facts`` table, ``ingestion_file_id`` being the file's index);
- ``manifest.json``: per file its rows read, fact rows, totals per currency, scopes, size and
  SHA-256 (when asked) or the precise error of a malformed file (:mod:`spark_manifest`).

The platform then loads the facts into PostgreSQL through the unchanged store path
(``spark_facts.SparkFactsScanner``), so restatement, idempotency and run records are the same.

Entry point for ``spark-submit`` / EMR Serverless (``entryPoint`` = this file, the ``finops``
package as ``--py-files``)::

    spark-submit finops/ingest/spark_job.py --out s3://facts/run-1 s3://billing/a.parquet ...

Imports only pyspark and the pure parts of ``finops.ingest`` (no DuckDB, no database).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import re
import sys
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finops.ingest.dialect import SPARK
from finops.ingest.exceptions import IngestionError, MalformedFileError
from finops.ingest.formats import DetectedFormat, container_of, format_of_columns
from finops.ingest.mapping import ANY_FIELDS, KEY_FIELDS, SUM_FIELDS, Check, canonical_select
from finops.ingest.plan import (
    SERVICE_CATEGORIES,
    aggregate_sql,
    bad_row_error,
    first_bad_row_sql,
)
from finops.ingest.spark_manifest import (
    MANIFEST_NAME,
    ScannedFile,
    SparkScanManifest,
    decimal_text,
    error_entry,
    timestamp_text,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

logger = logging.getLogger(__name__)

SPARK_CONF: dict[str, str] = {
    # Charge days are UTC days, as in DuckDB (TimeZone = 'UTC').
    "spark.sql.session.timeZone": "UTC",
    # Decimal products keep their full scale (DuckDB's rule) instead of rounding to 6 places.
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    # Overflow and bad casts raise (TRY_CAST is used where a NULL is meant).
    "spark.sql.ansi.enabled": "true",
    # UTC-adjusted microsecond timestamps: DuckDB reads them back as TIMESTAMPTZ.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}
#: Launch options of the JVMs (set where they start: the builder here, the EMR application's
#: spark-defaults in AWS). The scan's generated code has methods past HotSpot's 8,000-byte
#: limit for JIT compilation; without this they run interpreted, 2-3x slower (measured).
JVM_CONF: dict[str, str] = {
    "spark.driver.extraJavaOptions": "-XX:-DontCompileHugeMethods",
    "spark.executor.extraJavaOptions": "-XX:-DontCompileHugeMethods",
}
FACT_COLUMNS = ("ingestion_file_id", *KEY_FIELDS, *SUM_FIELDS, "line_items", *ANY_FIELDS, "__bad")
CORRUPT = "__corrupt"
REPLACEMENT_CHARACTER = "\ufffd"


def spark_session(master: str | None = None, conf: dict[str, str] | None = None) -> SparkSession:
    """A SparkSession with :data:`SPARK_CONF` set (``master`` e.g. ``local[2]``; None on EMR,
    where the service decides)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("finops-ingest")
    if master:
        builder = builder.master(master)
    for key, value in {**JVM_CONF, **SPARK_CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    apply_conf(session)
    return session


def apply_conf(spark: SparkSession) -> None:
    """Set :data:`SPARK_CONF` on an existing session (all are runtime SQL settings)."""
    for key, value in SPARK_CONF.items():
        spark.conf.set(key, value)


def scan_with_spark(
    spark: SparkSession,
    sources: Sequence[str | Path],
    out_dir: str | Path,
    *,
    checksums: bool = False,
) -> SparkScanManifest:
    """Scan ``sources`` into facts Parquet + manifest under ``out_dir``; returns the manifest.

    Guarantees: the facts of each file equal, row for row and to the last decimal place, what
    :class:`~finops.ingest.scan.FactScanner` computes for it; a malformed file does not stop the
    others and is recorded with the error DuckDB would give (file, row, column, expected);
    ``checksums`` adds each file's size and SHA-256 (needed when the platform cannot read the
    raw files itself; Spark's ``binaryFile`` source limits that to files under 2 GiB).
    """
    apply_conf(spark)
    out = str(out_dir).rstrip("/")
    _register_service_categories(spark)
    entries = []
    for index, source in enumerate(sources):
        uri = str(source)
        entry = ScannedFile(source=uri, index=index)
        try:
            _scan_one(spark, uri, index, out, entry)
        except IngestionError as exc:
            entry.error = error_entry(exc)
            logger.warning("spark scan: file failed", extra={"file": uri})
        if checksums:  # a failed file too: the platform records its failed run by checksum
            try:
                entry.size_bytes, entry.sha256 = _checksum(spark, uri)
            except IngestionError as exc:
                entry.error = entry.error or error_entry(exc)
        entries.append(entry)
    manifest = SparkScanManifest(files=entries, spark_version=spark.version)
    write_text(spark, f"{out}/{MANIFEST_NAME}", manifest.to_json())
    return manifest


# ----------------------------------------------------------------------------- one file


def _scan_one(spark: SparkSession, uri: str, index: int, out: str, entry: ScannedFile) -> None:
    fmt = detect_format_spark(spark, uri)
    entry.format, entry.container, entry.columns = fmt.name, fmt.container, dict(fmt.columns)
    select = canonical_select(fmt, SPARK)
    view = f"__src_{index}"
    extra_checks: tuple[Check, ...] = ()
    if fmt.container == "csv":
        extra_checks = _csv_checks(fmt)
        select = replace(select, checks=(*extra_checks, *select.checks))
    source = _source_frame(spark, uri, fmt)
    source.createOrReplaceTempView(view)
    facts_dir = f"{out}/facts/file={index:05d}"
    try:
        spark.sql(aggregate_sql(select, fmt, source=view, file_id=index)).write.mode(
            "overwrite"
        ).parquet(facts_dir)
    except Exception as exc:  # a Spark/JVM error while reading the file
        raise MalformedFileError(
            f"{uri}: {describe_spark_error(exc)}", details={"file": uri, "format": fmt.name}
        ) from exc
    entry.facts = f"facts/file={index:05d}"
    summary = _summary(spark, facts_dir)
    if any(row["bad"] for row in summary):
        raise _locate_bad_row(spark, uri, fmt, select, view, extra_checks)
    for row in summary:
        if row["provider"] is None or row["billing_account_id"] is None:
            raise MalformedFileError(
                f"{uri}: rows without a provider or billing account id; expected both",
                details={"file": uri},
            )
    entry.rows_read = sum(int(row["lines"]) for row in summary)
    entry.fact_rows = sum(int(row["facts"]) for row in summary)
    entry.totals = _totals(summary)
    scopes = {
        (
            row["provider"],
            row["billing_account_id"],
            timestamp_text(row["billing_period_start"]),
            timestamp_text(row["billing_period_end"]),
        )
        for row in summary
    }
    entry.scopes = [
        {
            "provider": p,
            "billing_account_id": a,
            "billing_period_start": s,
            "billing_period_end": e,
        }
        for p, a, s, e in sorted(scopes)
    ]


def _csv_checks(fmt: DetectedFormat) -> tuple[Check, ...]:
    """What DuckDB's strict CSV reader rejects and Spark's reader only flags: a row with the
    wrong number of fields, and text that is not UTF-8 (Spark decodes it to U+FFFD)."""
    d = SPARK
    every = ", ".join(d.q(name) for name in fmt.columns)
    return (
        Check("(fields)", f"({CORRUPT} IS NOT NULL)", "fields", CORRUPT),
        Check(
            "(encoding)",
            f"(instr(concat_ws('', {every}), {d.lit(REPLACEMENT_CHARACTER)}) > 0)",
            "UTF-8",
            f"concat_ws(',', {every})",
        ),
    )


def _source_frame(spark: SparkSession, uri: str, fmt: DetectedFormat) -> DataFrame:
    from pyspark.sql import functions as F  # noqa: N812 - the pyspark convention
    from pyspark.sql.types import StringType, StructField, StructType

    if fmt.container == "parquet":
        return spark.read.parquet(uri)
    schema = StructType(
        [StructField(name, StringType()) for name in fmt.columns]
        + [StructField(CORRUPT, StringType())]
    )
    frame = (
        spark.read.schema(schema)
        .option("header", "true")
        .option("multiLine", "true")  # quoted newlines, as DuckDB; one task per file
        .option("quote", '"')
        .option("escape", '"')
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT)
        .option("nullValue", "")
        .option("encoding", "UTF-8")
        .csv(uri)
    )
    if fmt.is_focus:  # DuckDB reads FOCUS's NULL token as NULL (nullstr = ['', 'NULL'])
        frame = frame.select(
            *[
                F.when(F.col(f"`{n}`") == "NULL", None).otherwise(F.col(f"`{n}`")).alias(n)
                for n in fmt.columns
            ],
            F.col(CORRUPT),
        )
    return frame


def _summary(spark: SparkSession, facts_dir: str) -> list[dict[str, Any]]:
    money = ", ".join(f"sum({m}) AS {m}" for m in SUM_FIELDS[2:])
    frame = spark.read.parquet(facts_dir)
    frame.createOrReplaceTempView("__facts")
    result = spark.sql(
        "SELECT billing_currency, provider, billing_account_id, billing_period_start, "
        "billing_period_end, bit_or(__bad) AS bad, sum(line_items) AS lines, count(*) AS facts, "
        f"{money} FROM __facts GROUP BY 1, 2, 3, 4, 5"
    ).collect()
    return [row.asDict() for row in result]


def _totals(summary: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    zero = Decimal(0)
    totals: dict[str, dict[str, Decimal]] = {}
    for row in summary:
        bucket = totals.setdefault(row["billing_currency"], {})
        for metric in SUM_FIELDS[2:]:
            bucket[metric] = bucket.get(metric, zero) + (row[metric] or zero)
    return {
        cur: {m: decimal_text(v) for m, v in metrics.items()}
        for cur, metrics in sorted(totals.items())
    }


def _locate_bad_row(
    spark: SparkSession,
    uri: str,
    fmt: DetectedFormat,
    select: Any,
    view: str,
    extra_checks: tuple[Check, ...],
) -> MalformedFileError:
    """The first failing row and column, worded as DuckDB words it (slow path)."""
    if fmt.container == "parquet":
        # The hidden per-file row index (0-based, across row groups) of the Parquet source.
        spark.read.parquet(uri).selectExpr(
            "_metadata.row_index + 1 AS __row", "*"
        ).createOrReplaceTempView(f"{view}_numbered")
        numbered = f"SELECT * FROM {view}_numbered"
    else:
        # One task reads a multi-line CSV file, in order: the id is the row's position.
        numbered = (
            f"SELECT row_number() OVER (ORDER BY __mid) AS __row, * FROM "
            f"(SELECT monotonically_increasing_id() AS __mid, * FROM {view}) AS m"
        )
    found = spark.sql(first_bad_row_sql(select, numbered_source=numbered)).collect()
    if not found:
        return bad_row_error(uri, fmt, select, None)
    row_number, check_index, raws = int(found[0][0]), int(found[0][1]), list(found[0][2])
    check = select.checks[check_index]
    line = f"line {row_number + 1}: "
    if extra_checks and check is extra_checks[0]:
        fields = len(next(csv.reader(io.StringIO(raws[check_index] or ""))))
        return MalformedFileError(
            f"{uri}: {line}row has {fields} fields; expected {len(fmt.columns)} "
            "(file truncated or malformed)",
            details={"file": uri, "row": row_number},
        )
    if extra_checks and check is extra_checks[1]:
        return MalformedFileError(
            f"{uri}: {line}not valid UTF-8 text; expected a UTF-8 encoded file",
            details={"file": uri, "row": row_number},
        )
    return bad_row_error(uri, fmt, select, (row_number, check_index, raws))


# ----------------------------------------------------------------------------- detection


def detect_format_spark(spark: SparkSession, uri: str) -> DetectedFormat:
    """:func:`~finops.ingest.formats.detect_format` through Spark's readers (any URI)."""
    container = container_of(Path(uri.split("://", 1)[-1]))
    if container == "parquet":
        try:
            schema = spark.read.parquet(uri).schema
        except Exception as exc:
            raise MalformedFileError(
                f"{uri}: not a readable Parquet file: {describe_spark_error(exc)}",
                details={"file": uri},
            ) from exc
        columns = {f.name: f.dataType.simpleString().upper() for f in schema.fields}
        return format_of_columns(uri, container, columns)
    try:
        first = spark.read.text(uri).first()
    except Exception as exc:
        raise MalformedFileError(
            f"{uri}: cannot read the header: {describe_spark_error(exc)}",
            details={"file": uri, "row": 1},
        ) from exc
    if first is None or not str(first[0]).strip():
        raise MalformedFileError(
            f"{uri}: file is empty; expected a header row", details={"file": uri, "row": 1}
        )
    header = next(csv.reader(io.StringIO(str(first[0]).lstrip("\ufeff"))))
    return format_of_columns(uri, container, dict.fromkeys(header, "VARCHAR"))


def describe_spark_error(exc: Exception) -> str:
    """One line from a Spark/JVM error: what went wrong with the file, no stack trace."""
    text = " ".join(str(exc).split())
    lowered = text.lower()
    if any(w in lowered for w in ("unexpected end of", "eofexception", "gzip", "corrupt")):
        cause = re.search(r"(java\.io\.EOFException[^.]*\.?|Unexpected end of [a-z ]+)", text)
        return f"file is truncated or corrupt ({cause.group(1) if cause else text[:200]})"
    message = re.sub(r"(JVM stacktrace|\tat |Traceback).*", "", text).strip()
    return message[:297] + "..." if len(message) > 300 else message


# ----------------------------------------------------------------------------- I/O helpers


def _register_service_categories(spark: SparkSession) -> None:
    text = resources.files("finops").joinpath("data/aws_service_category_mapping.csv").read_text()
    rows = [(r["product_code"], r["ServiceCategory"]) for r in csv.DictReader(io.StringIO(text))]
    spark.createDataFrame(rows, "__product_code string, __category string").createOrReplaceTempView(
        SERVICE_CATEGORIES
    )


def _checksum(spark: SparkSession, uri: str) -> tuple[int, str]:
    try:
        row = (
            spark.read.format("binaryFile")
            .load(uri)
            .selectExpr("length", "sha2(content, 256) AS sha256")
            .first()
        )
    except Exception as exc:
        raise MalformedFileError(
            f"{uri}: cannot read the file: {describe_spark_error(exc)}", details={"file": uri}
        ) from exc
    if row is None:
        raise MalformedFileError(f"{uri}: no such file", details={"file": uri})
    return int(row["length"]), str(row["sha256"])


def _hadoop_path(spark: SparkSession, uri: str) -> tuple[Any, Any]:
    jvm: Any = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path.getFileSystem(conf), path


def write_text(spark: SparkSession, uri: str, text: str) -> None:
    """Write a small text file to any Hadoop file system URI (``s3://`` on EMR, local here)."""
    fs, path = _hadoop_path(spark, uri)
    stream = fs.create(path, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


def read_text(spark: SparkSession, uri: str) -> str:
    """Read a small text file from any Hadoop file system URI."""
    return "\n".join(row[0] for row in spark.read.text(uri, wholetext=True).collect())


# ----------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    """``spark-submit spark_job.py --out URI FILE...``: exit 0 once the manifest is written,
    also when a file is malformed (its error is in the manifest; the platform's load step
    records it as the failed delivery it is, so retrying the job cannot help); ``--strict``
    exits 2 instead. A failure to scan at all (Spark, S3) exits non-zero as Spark does."""
    parser = argparse.ArgumentParser(prog="finops-spark-ingest", description=__doc__)
    parser.add_argument("--out", required=True, help="output prefix (facts/ + manifest.json)")
    parser.add_argument("--master", default=None, help="e.g. local[2]; unset on EMR")
    parser.add_argument("--no-checksums", action="store_true", help="skip size + SHA-256")
    parser.add_argument("--strict", action="store_true", help="exit 2 when a file failed")
    parser.add_argument("files", nargs="+", help="billing files (s3:// or local paths)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    spark = spark_session(args.master)
    manifest = scan_with_spark(spark, args.files, args.out, checksums=not args.no_checksums)
    failed = sum(1 for entry in manifest.files if entry.error)
    report = {"files": len(manifest.files), "failed_files": failed, "out": args.out}
    sys.stdout.write(json.dumps(report) + "\n")
    return 2 if args.strict and failed else 0


if __name__ == "__main__":  # pragma: no cover - spark-submit runs it
    sys.exit(main())
