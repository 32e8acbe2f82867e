"""The few SQL spellings on which DuckDB and Spark SQL differ (pure, no I/O).

The canonical mapping (``mapping.py``) and the aggregation plan (``plan.py``) are written once
in the SQL both engines share (CASE, COALESCE, NULLIF, CAST, IN, upper, left, length, sum, min,
bit_or, count); every construct outside that subset goes through one method of a
:class:`SqlDialect`. Each method returns an expression with the same value in both engines:
exact ``DECIMAL(38,18)`` money, UTC timestamps, the same canonical tags JSON text.

Guarantee each engine relies on: DuckDB runs with ``TimeZone = 'UTC'``; Spark with
``spark.sql.session.timeZone = UTC`` and ``spark.sql.decimalOperations.allowPrecisionLoss =
false`` (see ``spark_job.SPARK_CONF``), so decimal products keep their full scale as in DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass

DECIMAL_SQL = "DECIMAL(38,18)"
# Products of two decimals (on-demand rate x usage amount): each side at scale 12, the product
# at scale 24 within 38 digits, identical in both engines, then rounded to DECIMAL(38,18).
FACTOR_SQL = "DECIMAL(38,12)"


@dataclass(frozen=True)
class SqlDialect:
    """DuckDB's spelling; :class:`SparkDialect` overrides what Spark spells differently."""

    name: str = "duckdb"

    # ------------------------------------------------------------------ names and literals
    def q(self, name: str) -> str:
        """A quoted identifier."""
        return '"' + name.replace('"', '""') + '"'

    def lit(self, value: str) -> str:
        """A quoted string literal."""
        return "'" + value.replace("'", "''") + "'"

    # ------------------------------------------------------------------ types
    def text_of(self, expr: str) -> str:
        """A typed value as text. Doubles become their shortest round-trip decimal text in
        both engines (DuckDB's and Java's ``Double.toString`` agree digit for digit), so a CUR
        2.0 ``0.1`` parses as exactly ``0.1``."""
        return f"CAST({expr} AS VARCHAR)"

    def try_decimal(self, text: str) -> str:
        return f"TRY_CAST({text} AS {DECIMAL_SQL})"

    def try_timestamp(self, text: str) -> str:
        return f"TRY_CAST({text} AS TIMESTAMPTZ)"

    def timestamp(self, expr: str) -> str:
        """A typed (Parquet) timestamp as a UTC timestamp."""
        return f"CAST({expr} AS TIMESTAMPTZ)"

    def times(self, a: str, b: str) -> str:
        """The exact product of two decimals, as ``DECIMAL(38,18)``."""
        return f"CAST(CAST({a} AS {FACTOR_SQL}) * CAST({b} AS {FACTOR_SQL}) AS {DECIMAL_SQL})"

    # ------------------------------------------------------------------ time
    def day_start(self, ts: str) -> str:
        """The UTC day ``ts`` falls in. Epoch arithmetic: several times cheaper per row in
        DuckDB than ``date_trunc`` on a TIMESTAMPTZ, and exact (UTC days are 86,400 s)."""
        return f"to_timestamp(floor(epoch({ts}) / 86400) * 86400)"

    def beyond_start_day(self, start: str, end: str) -> str:
        """True when ``end`` lies more than one day after the start of ``start``'s UTC day."""
        return f"epoch({end}) - floor(epoch({start}) / 86400) * 86400 > 86400"

    def month_start(self, ts: str) -> str:
        return f"date_trunc('month', {ts})"

    # ------------------------------------------------------------------ text
    def matches(self, text: str, pattern: str) -> str:
        """``text`` matches the regular expression ``pattern`` (anchored by the pattern)."""
        return f"regexp_matches({text}, {self.lit(pattern)})"

    def starts_with(self, text: str, prefix: str) -> str:
        return f"starts_with({text}, {self.lit(prefix)})"

    def split_part(self, text: str, sep: str, index: int) -> str:
        return f"split_part({text}, {self.lit(sep)}, {int(index)})"

    def drop_prefix(self, text: str, length: int) -> str:
        """``text`` without its first ``length`` characters."""
        return f"{text}[{int(length) + 1}:]"

    # ------------------------------------------------------------------ maps and JSON
    def map_value(self, map_expr: str, key: str) -> str:
        """The value under ``key`` of a ``MAP(VARCHAR, VARCHAR)``, NULL when absent."""
        return f"map_extract_value({map_expr}, {self.lit(key)})"

    def json_value(self, json_text: str, key: str) -> str:
        """The string under top-level ``key`` of a JSON object text, NULL when absent."""
        return f"json_extract_string({json_text}, {self.lit('$.' + key)})"

    def json_is_object(self, json_text: str) -> str:
        """True when the text is a valid JSON object; false (never NULL) otherwise."""
        return (
            f"COALESCE(CASE WHEN json_valid({json_text}) THEN json_type({json_text}) "
            "END = 'OBJECT', false)"
        )

    def json_as_map(self, json_text: str) -> str:
        """A JSON object text as ``MAP(VARCHAR, VARCHAR)`` (the caller checked it is one)."""
        return f"CAST(json({json_text}) AS MAP(VARCHAR, VARCHAR))"

    def tag_entry(self, key: str, value: str) -> str:
        """One ``(k, v)`` tag entry."""
        return f"struct_pack(k := {key}, v := {value})"

    def entry_list(self, entries: list[str]) -> str:
        return f"[{', '.join(entries)}]"

    def map_entries_as_tags(self, map_expr: str, drop_key_prefix: str | None) -> str:
        """The entries of a map as ``(k, v)`` tags: ``k`` without ``drop_key_prefix``, ``v``
        trimmed, an empty value as NULL."""
        key = "e.key"
        if drop_key_prefix:
            key = (
                f"CASE WHEN starts_with(e.key, {self.lit(drop_key_prefix)}) THEN "
                f"e.key[{len(drop_key_prefix) + 1}:] ELSE e.key END"
            )
        return (
            f"list_transform(map_entries({map_expr}), lambda e: struct_pack("
            f"k := {key}, v := NULLIF(trim(e.value), '')))"
        )

    def tags_json(self, entries: str) -> str:
        """Canonical tags JSON text of a list of ``(k, v)`` entries: entries without a value
        dropped, sorted by key, ``{}`` when none is left."""
        kept = f"list_sort(list_filter({entries}, lambda x: x.v IS NOT NULL))"
        return (
            f"CASE WHEN len({kept}) = 0 THEN '{{}}' "
            f"ELSE CAST(to_json(map_from_entries({kept})) AS VARCHAR) END"
        )

    # ------------------------------------------------------------------ aggregates
    def bit_value(self, index: int) -> str:
        return f"CAST({1 << index} AS BIGINT)"


@dataclass(frozen=True)
class SparkDialect(SqlDialect):
    """Spark SQL (4.x, ANSI mode) spellings of the same values."""

    name: str = "spark"

    def q(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def lit(self, value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def text_of(self, expr: str) -> str:
        return f"CAST({expr} AS STRING)"

    def try_timestamp(self, text: str) -> str:
        return f"TRY_CAST({text} AS TIMESTAMP)"

    def timestamp(self, expr: str) -> str:
        return f"CAST({expr} AS TIMESTAMP)"

    def day_start(self, ts: str) -> str:
        return f"date_trunc('DAY', {ts})"

    def beyond_start_day(self, start: str, end: str) -> str:
        return f"{end} > date_trunc('DAY', {start}) + INTERVAL 1 DAY"

    def month_start(self, ts: str) -> str:
        return f"date_trunc('MONTH', {ts})"

    def matches(self, text: str, pattern: str) -> str:
        return f"regexp_like({text}, {self.lit(pattern)})"

    def starts_with(self, text: str, prefix: str) -> str:
        return f"startswith({text}, {self.lit(prefix)})"

    def drop_prefix(self, text: str, length: int) -> str:
        return f"substring({text}, {int(length) + 1})"

    def map_value(self, map_expr: str, key: str) -> str:
        return f"try_element_at({map_expr}, {self.lit(key)})"

    def json_value(self, json_text: str, key: str) -> str:
        return f"get_json_object({json_text}, {self.lit('$.' + key)})"

    def json_is_object(self, json_text: str) -> str:
        # json_object_keys is NULL for invalid JSON and for any JSON value but an object.
        return f"(json_object_keys({json_text}) IS NOT NULL)"

    def json_as_map(self, json_text: str) -> str:
        return f"from_json({json_text}, 'map<string,string>')"

    def tag_entry(self, key: str, value: str) -> str:
        return f"named_struct('k', {key}, 'v', {value})"

    def entry_list(self, entries: list[str]) -> str:
        return f"array({', '.join(entries)})"

    def map_entries_as_tags(self, map_expr: str, drop_key_prefix: str | None) -> str:
        key = "e.key"
        if drop_key_prefix:
            key = (
                f"CASE WHEN startswith(e.key, {self.lit(drop_key_prefix)}) THEN "
                f"substring(e.key, {len(drop_key_prefix) + 1}) ELSE e.key END"
            )
        return (
            f"transform(map_entries({map_expr}), e -> named_struct("
            f"'k', {key}, 'v', NULLIF(trim(e.value), '')))"
        )

    def tags_json(self, entries: str) -> str:
        kept = f"array_sort(filter({entries}, x -> x.v IS NOT NULL))"
        return f"CASE WHEN size({kept}) = 0 THEN '{{}}' ELSE to_json(map_from_entries({kept})) END"


DUCKDB = SqlDialect()
SPARK = SparkDialect()
