"""The Spark scan gives the DuckDB scan's facts, row for row and to the last decimal place, on
the real samples and on generated files, and fails malformed files with the same error."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from finops.devtools.sample import generate_sample
from tests.support.billing_files import (
    CUR_LEGACY_SAMPLE,
    FOCUS_SAMPLE,
    legacy_to_cur2_parquet,
    read_rows,
    sum_by,
    write_rows,
)
from tests.support.spark_compare import (
    COLUMNS,
    duckdb_error,
    duckdb_facts,
    spark_error,
    spark_facts,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

END = dt.date(2026, 3, 20)
MONEY = ("billed_cost", "effective_cost", "list_cost", "contracted_cost")


def cur2_parquet_to_csv(source: Path, target: Path) -> Path:
    """CUR 2.0 as Data Exports writes it in CSV: maps as JSON text, everything else as text."""
    table = pq.read_table(source)
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_map(column.type):
            columns[name] = pa.array(
                [None if v is None else json.dumps(dict(v)) for v in column.to_pylist()],
                pa.string(),
            )
        elif pa.types.is_timestamp(column.type):
            columns[name] = pa.array(
                [
                    None if v is None else v.strftime("%Y-%m-%dT%H:%M:%SZ")
                    for v in column.to_pylist()
                ]
            )
        elif pa.types.is_floating(column.type):
            columns[name] = pa.array([None if v is None else repr(v) for v in column.to_pylist()])
        else:
            columns[name] = column
    pacsv.write_csv(pa.table(columns), target)
    return target


def generated(tmp: Path, fmt: str) -> list[Path]:
    generate_sample(out_dir=tmp, months=1, accounts=2, seed=9, fmt=fmt, end=END)  # type: ignore[arg-type]
    files = sorted(
        p for p in (tmp / "billing").rglob("*") if p.is_file() and "manifest" not in p.name
    )
    assert files
    return files


def assert_same_facts(spark: SparkSession, path: Path, out: Path) -> list[tuple[object, ...]]:
    duck_scan, duck_rows = duckdb_facts(path)
    spark_scan, spark_rows = spark_facts(spark, path, out)
    assert spark_scan == duck_scan
    assert len(spark_rows) == len(duck_rows) > 0
    for duck_row, spark_row in zip(duck_rows, spark_rows, strict=True):
        assert spark_row == duck_row
        for name in MONEY:  # exact Decimal, not merely equal when rounded to the cent
            value = spark_row[COLUMNS.index(name)]
            assert isinstance(value, Decimal)
            assert value == duck_row[COLUMNS.index(name)]
    return spark_rows


def test_legacy_cur_sample(spark: SparkSession, tmp_path: Path) -> None:
    rows = assert_same_facts(spark, CUR_LEGACY_SAMPLE, tmp_path / "out")
    _, source = read_rows(CUR_LEGACY_SAMPLE)
    # The Spark facts also add up to an independent sum of the source column.
    expected = sum_by(source, lambda r: "all", "lineItem/UnblendedCost")["all"]
    assert (
        sum(r[COLUMNS.index("billed_cost")] for r in rows) == expected == Decimal("1.68230869740")
    )


def test_focus_sample(spark: SparkSession, tmp_path: Path) -> None:
    rows = assert_same_facts(spark, FOCUS_SAMPLE, tmp_path / "out")
    _, source = read_rows(FOCUS_SAMPLE)
    expected = sum_by(source, lambda r: "all", "BilledCost")["all"]
    assert sum(r[COLUMNS.index("billed_cost")] for r in rows) == expected
    assert any(r[COLUMNS.index("tags")] not in ("{}", None) for r in rows)


def test_cur2_parquet_from_the_real_sample(spark: SparkSession, tmp_path: Path) -> None:
    path = legacy_to_cur2_parquet(CUR_LEGACY_SAMPLE, tmp_path / "cur2.parquet")
    assert_same_facts(spark, path, tmp_path / "out")


@pytest.mark.parametrize("fmt", ["cur2", "cur-legacy", "focus"])
def test_generated_files(spark: SparkSession, tmp_path: Path, fmt: str) -> None:
    for index, path in enumerate(generated(tmp_path / "gen", fmt)):
        assert_same_facts(spark, path, tmp_path / f"out-{index}")


def test_generated_cur2_csv(spark: SparkSession, tmp_path: Path) -> None:
    [parquet] = generated(tmp_path / "gen", "cur2")
    path = cur2_parquet_to_csv(parquet, tmp_path / "cur2.csv")
    rows = assert_same_facts(spark, path, tmp_path / "out")
    assert any(r[COLUMNS.index("tags")] != "{}" for r in rows)


def test_gzip_csv(spark: SparkSession, tmp_path: Path) -> None:
    path = tmp_path / "cur.csv.gz"
    path.write_bytes(gzip.compress(CUR_LEGACY_SAMPLE.read_bytes()))
    assert_same_facts(spark, path, tmp_path / "out")


# ------------------------------------------------------------------------- malformed files


def mutated(tmp: Path, name: str, row_index: int, column: str, value: str) -> Path:
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    rows[row_index][column] = value
    return write_rows(tmp / name, header, rows)


@pytest.mark.parametrize(
    ("row_index", "column", "value"),
    [
        (41, "lineItem/UnblendedCost", "12,5O"),
        (900, "lineItem/UsageStartDate", "31/11/2023"),
        (3, "lineItem/UnblendedCost", ""),
        (10, "lineItem/CurrencyCode", "US Dollar"),
        (7, "lineItem/UsageAccountId", ""),
    ],
)
def test_bad_value_gives_the_same_error(
    spark: SparkSession, tmp_path: Path, row_index: int, column: str, value: str
) -> None:
    path = mutated(tmp_path, "bad.csv", row_index, column, value)
    duck, sparked = duckdb_error(path), spark_error(spark, path, tmp_path / "out")
    assert sparked.message == duck.message
    assert f"row {row_index + 1} (line {row_index + 2}), column {column}" in sparked.message
    assert sparked.details == duck.details


def test_bad_value_in_parquet_names_the_row(spark: SparkSession, tmp_path: Path) -> None:
    path = legacy_to_cur2_parquet(CUR_LEGACY_SAMPLE, tmp_path / "cur2.parquet")
    table = pq.read_table(path)
    currency = table.column("line_item_currency_code").to_pylist()
    currency[1000] = "dollars"
    index = table.column_names.index("line_item_currency_code")
    table = table.set_column(index, "line_item_currency_code", pa.array(currency, pa.string()))
    # several row groups, so the row number must count across them
    pq.write_table(table, path, row_group_size=300)
    duck, sparked = duckdb_error(path), spark_error(spark, path, tmp_path / "out")
    assert sparked.message == duck.message
    assert "row 1001, column line_item_currency_code: got 'dollars'" in sparked.message


def test_cur2_csv_tags_not_json_is_rejected_by_both(spark: SparkSession, tmp_path: Path) -> None:
    [parquet] = generated(tmp_path / "gen", "cur2")
    path = cur2_parquet_to_csv(parquet, tmp_path / "cur2.csv")
    header, rows = read_rows(path)
    rows[5]["resource_tags"] = "{not json"
    write_rows(path, header, rows)
    duck, sparked = duckdb_error(path), spark_error(spark, path, tmp_path / "out")
    assert sparked.message == duck.message
    assert "row 6 (line 7), column resource_tags: got '{not json'; expected a JSON object" in (
        sparked.message
    )


def test_truncated_row(spark: SparkSession, tmp_path: Path) -> None:
    text = CUR_LEGACY_SAMPLE.read_text(encoding="utf-8")
    cut = text[: len(text) * 2 // 3]
    cut = cut[: cut.rfind("\n") + 40]
    path = tmp_path / "cut.csv"
    path.write_text(cut, encoding="utf-8")
    duck, sparked = duckdb_error(path), spark_error(spark, path, tmp_path / "out")
    lines = cut.count("\n") + 1
    assert f"line {lines}: row has" in duck.message
    assert sparked.message == duck.message


def test_wrong_encoding(spark: SparkSession, tmp_path: Path) -> None:
    header, rows = read_rows(FOCUS_SAMPLE)
    path = write_rows(tmp_path / "latin1.csv", header, rows[:50])
    path.write_bytes(path.read_bytes().replace(b"SunBird", "SunBïrd".encode("latin-1"), 1))
    duck, sparked = duckdb_error(path), spark_error(spark, path, tmp_path / "out")
    assert "not valid UTF-8 text; expected a UTF-8 encoded file" in duck.message
    assert "not valid UTF-8 text; expected a UTF-8 encoded file" in sparked.message
    assert sparked.message.startswith(f"{path}: line ")


def test_truncated_gzip(spark: SparkSession, tmp_path: Path) -> None:
    full = gzip.compress(CUR_LEGACY_SAMPLE.read_bytes())
    path = tmp_path / "truncated.csv.gz"
    path.write_bytes(full[: len(full) // 2])
    duck, sparked = duckdb_error(path), spark_error(spark, path, tmp_path / "out")
    assert duck.message.startswith(f"{path}: file is truncated or corrupt")
    assert sparked.message.startswith(f"{path}: file is truncated or corrupt")


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("empty.csv", b"", "file is empty; expected a header row"),
        ("not-billing.csv", b"date,amount\n2024-01-01,3.50\n", "not a recognised billing export"),
        ("broken.parquet", b"PAR1 this is not really parquet", "not a readable Parquet file"),
    ],
)
def test_unreadable_or_unknown_files(
    spark: SparkSession, tmp_path: Path, name: str, content: bytes, phrase: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    duck, sparked = duckdb_error(path), spark_error(spark, path, tmp_path / "out")
    assert type(sparked) is type(duck)
    assert phrase in duck.message
    assert phrase in sparked.message
    assert sparked.message.startswith(f"{path}: ")
