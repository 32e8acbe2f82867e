"""A small evaluator of the FinOps Foundation FOCUS validator rule model (v1.2), for tests.

It reads ``tests/fixtures/focus-spec/focus_validator_model-1.2.json`` and evaluates, over an
in-memory table (pyarrow or pandas), the rules the model states in machine-checkable form:
column presence, types, numeric / date-time / currency / key-value formats, allowed values,
null and not-null requirements, each under its ``Condition`` and ``ApplicabilityCriteria``.

How the model is walked:

- from the dataset root ``CostAndUsage-D-000-M`` down through ``Composite`` rules; a
  composite's ``Condition`` restricts the rows its children are checked on, its
  ``ApplicabilityCriteria`` must all be declared by the caller or the whole subtree is
  skipped as not applicable;
- a leaf's ``Keyword`` decides whether its failure blocks: only ``MUST`` / ``MUST NOT`` (with
  every composite above it also ``MUST``) are blocking, ``SHOULD``/``RECOMMENDED``/``MAY``
  failures are reported but do not fail a test;
- when an ``OR`` composite passes through one branch, failures in its other branches do not
  block;
- a rule that checks a column absent from the table is skipped (presence itself is checked
  by the dataset-level ``ColumnPresent`` rules).

What is skipped, and counted by reason in :attr:`ConformanceReport.skipped_by_reason`:
``Dynamic`` rules (the model has no requirement to run), rules whose applicability criteria
were not declared, rules referencing absent columns, malformed rules (a check without its
arguments) and a short list of rules whose encoding contradicts their own ``MustSatisfy``
text (:data:`MODEL_DEFECTS`). For a few of the latter the text is unambiguous and the rule is
evaluated as the text says instead (:data:`CORRECTIONS`); those are counted as corrected.
Attribute rules (``DateTimeFormat-A-*`` ...) are not walked: their machine-checkable content
is what the ``Format*`` checks implement.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv

SPEC_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "focus-spec"
MODEL_PATH = SPEC_DIR / "focus_validator_model-1.2.json"
CURRENCY_CODES_PATH = SPEC_DIR / "focus_validator_currency_codes.csv"
ROOT_RULE = "CostAndUsage-D-000-M"
BLOCKING_KEYWORDS = frozenset({"MUST", "MUST NOT"})

# Rules whose encoding cannot be evaluated as meant and has no safe correction.
MODEL_DEFECTS: dict[str, str] = {
    "InvoiceId-C-004-C": "condition (no invoice associated) is not encoded; as written it "
    "requires every InvoiceId to be null, contradicting InvoiceId-C-005-C",
    "InvoiceId-C-005-C": "condition (invoice associated) is not encoded; as written it "
    "requires every InvoiceId to be non-null, contradicting InvoiceId-C-004-C",
    "PricingCurrencyEffectiveCost-C-004-M": "text is about PricingCurrencyEffectiveCost being "
    "a decimal, the check tests PricingCurrencyListUnitPrice >= 0",
}

# Rules evaluated as their MustSatisfy text says, replacing a contradictory encoding.
CORRECTIONS: dict[str, dict[str, Any]] = {
    "CommitmentDiscountStatus-C-003-C": {
        "reason": "text: null when CommitmentDiscountId is null; encoded check was not-null",
        "Requirement": {
            "CheckFunction": "CheckValue",
            "ColumnName": "CommitmentDiscountStatus",
            "Value": None,
        },
    },
    "CommitmentDiscountStatus-C-004-C": {
        "reason": "text: not null when CommitmentDiscountId is not null and ChargeCategory is "
        "Usage; encoded condition was CommitmentDiscountId is null",
        "Condition": {
            "CheckFunction": "AND",
            "Items": [
                {
                    "CheckFunction": "CheckNotValue",
                    "ColumnName": "CommitmentDiscountId",
                    "Value": None,
                },
                {"CheckFunction": "CheckValue", "ColumnName": "ChargeCategory", "Value": "Usage"},
            ],
        },
    },
    "CommitmentDiscountStatus-C-005-M": {
        "reason": "FOCUS 1.2 allows Used / Unused; the model lists Active / Expired / Pending",
        "Requirement": {
            "CheckFunction": "OR",
            "Items": [
                {
                    "CheckFunction": "CheckValue",
                    "ColumnName": "CommitmentDiscountStatus",
                    "Value": "Used",
                },
                {
                    "CheckFunction": "CheckValue",
                    "ColumnName": "CommitmentDiscountStatus",
                    "Value": "Unused",
                },
            ],
        },
    },
    "ConsumedQuantity-C-006-C": {
        "reason": "text: not null when ChargeClass is not Correction; encoded condition was "
        "ChargeClass is Correction",
        "Condition": {
            "CheckFunction": "CheckNotValue",
            "ColumnName": "ChargeClass",
            "Value": "Correction",
        },
    },
    "ResourceType-C-005-C": {
        "reason": "condition names its column with 'CheckCondition' instead of 'ColumnName'",
        "Condition": {"CheckFunction": "CheckNotValue", "ColumnName": "ResourceId", "Value": None},
    },
    "PricingQuantity-C-008-M": {
        "reason": "text: a valid decimal value; encoded as never null, contradicting "
        "PricingQuantity-C-004-C (null on Tax rows)",
        "Requirement": {"CheckFunction": "CheckDecimalValue", "ColumnName": "PricingQuantity"},
        "Condition": {
            "CheckFunction": "CheckNotValue",
            "ColumnName": "PricingQuantity",
            "Value": None,
        },
    },
    "EffectiveCost-C-005-C": {
        "reason": "text: 0 for purchases meant to cover future charges (commitment "
        "purchases, which carry a CommitmentDiscountId); the encoding drops that clause",
        "Condition": {
            "CheckFunction": "AND",
            "Items": [
                {
                    "CheckFunction": "CheckValue",
                    "ColumnName": "ChargeCategory",
                    "Value": "Purchase",
                },
                {
                    "CheckFunction": "CheckNotValue",
                    "ColumnName": "CommitmentDiscountId",
                    "Value": None,
                },
            ],
        },
    },
}

_NUMERIC = re.compile(r"^-?\d+(\.\d+)?([eE]-?\d+)?$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_UNIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./()-]*$")
_ROW_LIMIT = 20  # failing row indexes kept per rule


class _MalformedRuleError(Exception):
    """A check node lacks what its function needs."""


class _ColumnAbsentError(Exception):
    """A check refers to a column the table does not have."""

    def __init__(self, column: str) -> None:
        super().__init__(column)
        self.column = column


@dataclass
class RuleOutcome:
    """The result of one rule: ``passed``, ``failed`` or ``skipped`` (with the reason)."""

    rule_id: str
    keyword: str
    status: str
    blocking: bool = False
    reason: str = ""
    failing_rows: tuple[int, ...] = ()
    corrected: bool = False
    message: str = ""
    composite: bool = False


@dataclass
class ConformanceReport:
    """Every rule reached from the root, merged per rule id (worst outcome wins)."""

    outcomes: dict[str, RuleOutcome] = field(default_factory=dict)
    # Attribute rules (never walked) and rules below a skipped (not applicable) composite.
    unreached_rule_ids: tuple[str, ...] = ()

    @property
    def must_failures(self) -> list[RuleOutcome]:
        """Failed leaf rules that block (MUST / MUST NOT under MUST composites)."""
        return [
            o
            for o in self.outcomes.values()
            if o.status == "failed" and o.blocking and not o.composite
        ]

    @property
    def advisory_failures(self) -> list[RuleOutcome]:
        """Failed leaf rules that do not block (SHOULD, RECOMMENDED, losing OR branches)."""
        return [
            o
            for o in self.outcomes.values()
            if o.status == "failed" and not o.blocking and not o.composite
        ]

    def status_of(self, rule_id: str) -> str:
        return self.outcomes[rule_id].status

    @property
    def skipped_by_reason(self) -> Counter[str]:
        return Counter(
            o.reason.split(":")[0] for o in self.outcomes.values() if o.status == "skipped"
        )

    def counts(self) -> dict[str, int]:
        """Rule counts: evaluated leaves by status, composites, skips, corrections."""
        tally = Counter(o.status for o in self.outcomes.values())
        return {
            "rules_reached": len(self.outcomes),
            "passed": tally["passed"],
            "failed_must": len(self.must_failures),
            "failed_advisory": len(self.advisory_failures),
            "skipped": tally["skipped"],
            "corrected": sum(o.corrected for o in self.outcomes.values()),
            "not_reached": len(self.unreached_rule_ids),
        }

    def describe_failures(self) -> str:
        return "\n".join(
            f"{o.rule_id} [{o.keyword}] rows {list(o.failing_rows)}: {o.message}"
            for o in self.must_failures
        )


def load_currency_codes(path: Path = CURRENCY_CODES_PATH) -> frozenset[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return frozenset(row["currency_codes"].strip() for row in csv.DictReader(handle))


def read_csv_as_text(path: Path) -> pa.Table:
    """A CSV (or .csv.gz) with every column as text and empty fields as null."""
    with path.open("rb") as handle:
        header = handle.readline()
    if header[:2] == b"\x1f\x8b":
        import gzip

        with gzip.open(path, "rt", encoding="utf-8") as handle:
            names = next(csv.reader([handle.readline()]))
    else:
        names = next(csv.reader([header.decode("utf-8-sig")]))
    return pa_csv.read_csv(
        path,
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )


class _Table:
    """Column-oriented view with Python values and the Arrow type of each column."""

    def __init__(self, table: Any) -> None:
        if not isinstance(table, pa.Table):
            table = pa.Table.from_pandas(table, preserve_index=False)
        self.types: dict[str, pa.DataType] = {f.name: f.type for f in table.schema}
        self.values: dict[str, list[Any]] = {
            name: table.column(name).to_pylist() for name in table.column_names
        }
        self.num_rows = table.num_rows

    def column(self, name: Any) -> list[Any]:
        if not isinstance(name, str):
            raise _MalformedRuleError("column name missing")
        if name not in self.values:
            raise _ColumnAbsentError(name)
        return self.values[name]

    def is_text(self, name: str) -> bool:
        kind = self.types[name]
        return bool(
            pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind)
        )


class FocusRuleModel:
    """The loaded rule model plus the currency code list it refers to."""

    def __init__(self, model: Mapping[str, Any], currencies: Collection[str]) -> None:
        self.model = model
        self.rules: Mapping[str, Any] = model["ModelRules"]
        self.functions: Mapping[str, Any] = model["CheckFunctions"]
        self.criteria = frozenset(model["ApplicabilityCriteria"])
        self.currencies = frozenset(currencies)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> FocusRuleModel:
        return cls(json.loads(path.read_text(encoding="utf-8")), load_currency_codes())

    def evaluate(self, table: Any, *, applicability: Iterable[str] = ()) -> ConformanceReport:
        """Evaluate the rules reachable from the dataset root over ``table``.

        ``applicability`` lists the ApplicabilityCriteria the dataset's provider claims
        (e.g. ``COMMITMENT_DISCOUNT_SUPPORTED``); rules needing any other are skipped.
        """
        declared = frozenset(applicability)
        unknown = declared - self.criteria
        if unknown:
            raise ValueError(f"unknown applicability criteria: {sorted(unknown)}")
        run = _Run(self, _Table(table), declared)
        run.rule(ROOT_RULE, conditions=(), ancestors_blocking=True)
        reached = set(run.report.outcomes)
        run.report.unreached_rule_ids = tuple(sorted(set(self.rules) - reached))
        return run.report


class _Run:
    def __init__(self, model: FocusRuleModel, table: _Table, declared: frozenset[str]) -> None:
        self.model = model
        self.table = table
        self.declared = declared
        self.report = ConformanceReport()

    # ------------------------------------------------------------------ walking

    def record(self, outcome: RuleOutcome) -> RuleOutcome:
        previous = self.report.outcomes.get(outcome.rule_id)
        rank = {"skipped": 0, "passed": 1, "failed": 2}
        if (
            previous is None
            or rank[outcome.status] > rank[previous.status]
            or (outcome.status == "failed" and outcome.blocking and not previous.blocking)
        ):
            self.report.outcomes[outcome.rule_id] = outcome
        return outcome

    def rule(
        self, rule_id: str, *, conditions: tuple[Any, ...], ancestors_blocking: bool
    ) -> RuleOutcome:
        rule = self.model.rules[rule_id]
        criteria = rule["ValidationCriteria"]
        keyword = criteria["Keyword"]
        correction = CORRECTIONS.get(rule_id, {})
        skip = RuleOutcome(rule_id, keyword, "skipped")

        missing = [c for c in rule["ApplicabilityCriteria"] if c not in self.declared]
        if missing:
            skip.reason = f"not applicable: needs {', '.join(missing)}"
            return self.record(skip)
        if rule_id in MODEL_DEFECTS:
            skip.reason = f"model defect: {MODEL_DEFECTS[rule_id]}"
            return self.record(skip)
        requirement = correction.get("Requirement", criteria["Requirement"])
        condition = correction.get("Condition", criteria["Condition"])
        if not requirement:
            skip.reason = "dynamic: no machine-checkable requirement in the model"
            return self.record(skip)
        if keyword == "MAY":
            skip.reason = "permissive: a MAY rule allows, it cannot fail"
            return self.record(skip)
        if condition:
            conditions = (*conditions, condition)
        blocking = ancestors_blocking and keyword in BLOCKING_KEYWORDS

        if rule["Function"] == "Composite":
            return self.composite(rule_id, keyword, requirement, conditions, blocking)
        try:
            outcome = self.leaf(rule_id, keyword, requirement, conditions)
        except _ColumnAbsentError as exc:
            skip.reason = f"column absent: {exc.column}"
            return self.record(skip)
        except _MalformedRuleError as exc:
            skip.reason = f"malformed: {exc}"
            return self.record(skip)
        outcome.blocking = blocking and outcome.status == "failed"
        outcome.corrected = bool(correction)
        return self.record(outcome)

    def composite(
        self,
        rule_id: str,
        keyword: str,
        requirement: Mapping[str, Any],
        conditions: tuple[Any, ...],
        blocking: bool,
    ) -> RuleOutcome:
        function = requirement.get("CheckFunction")
        items = requirement.get("Items", [])
        if function not in ("AND", "OR") or any(
            i.get("CheckFunction") != "CheckModelRule" for i in items
        ):
            return self.record(
                RuleOutcome(
                    rule_id, keyword, "skipped", reason="malformed: composite shape", composite=True
                )
            )
        children = [
            self.rule(i["ModelRuleId"], conditions=conditions, ancestors_blocking=blocking)
            for i in items
        ]
        statuses = [c.status for c in children]
        if function == "OR" and "passed" in statuses:
            for child in children:
                self._unblock(child.rule_id)
            status = "passed"
        elif "failed" in statuses:
            status = "failed"
        elif "passed" in statuses:
            status = "passed"
        else:
            status = "skipped"
        outcome = RuleOutcome(
            rule_id,
            keyword,
            status,
            reason="composite: every child skipped" if status == "skipped" else "",
            composite=True,
        )
        outcome.blocking = status == "failed" and any(c.blocking for c in children)
        return self.record(outcome)

    def _unblock(self, rule_id: str) -> None:
        outcome = self.report.outcomes.get(rule_id)
        if outcome is None or not outcome.blocking:
            return
        outcome.blocking = False
        outcome.message += " (another branch of an OR passed)"
        rule = self.model.rules[rule_id]
        if rule["Function"] == "Composite":
            for item in rule["ValidationCriteria"]["Requirement"].get("Items", []):
                self._unblock(item["ModelRuleId"])

    # ------------------------------------------------------------------ leaves

    def leaf(
        self,
        rule_id: str,
        keyword: str,
        requirement: Mapping[str, Any],
        conditions: tuple[Any, ...],
    ) -> RuleOutcome:
        function = requirement.get("CheckFunction")
        if function == "ColumnPresent":
            name = requirement.get("ColumnName")
            if not isinstance(name, str):
                raise _MalformedRuleError("ColumnPresent without ColumnName")
            present = name in self.table.values
            return RuleOutcome(
                rule_id,
                keyword,
                "passed" if present else "failed",
                message="" if present else f"column {name} is missing",
            )
        rows = self.selected_rows(conditions)
        if function == "CheckDistinctCount":
            return self.distinct_count(rule_id, keyword, requirement, rows)
        if function in ("TypeString", "TypeDecimal", "TypeDateTime"):
            name = requirement.get("ColumnName")
            self.table.column(name)
            assert isinstance(name, str)  # column() rejected anything else
            if not self.table.is_text(name):
                ok = self.typed_column_ok(function, self.table.types[name])
                return RuleOutcome(
                    rule_id,
                    keyword,
                    "passed" if ok else "failed",
                    message="" if ok else f"{name} has type {self.table.types[name]}",
                )
        allowed_column = _allowed_values_column(requirement)
        if allowed_column is not None:
            # An allowed-value list constrains values; nullability has rules of its own
            # (a null is not "another value", as in the SQL the validator generates).
            values = self.table.column(allowed_column)
            rows = [i for i in rows if values[i] is not None]
        failing = [i for i in rows if not self.check(requirement, i)]
        if not failing:
            return RuleOutcome(rule_id, keyword, "passed")
        sample = failing[0]
        shown = {
            c: self.table.values[c][sample]
            for c in _columns_of(requirement)
            if c in self.table.values
        }
        return RuleOutcome(
            rule_id,
            keyword,
            "failed",
            failing_rows=tuple(failing[:_ROW_LIMIT]),
            message=f"{len(failing)} row(s) fail; first row {sample}: {shown}",
        )

    def selected_rows(self, conditions: tuple[Any, ...]) -> list[int]:
        return [i for i in range(self.table.num_rows) if all(self.check(c, i) for c in conditions)]

    @staticmethod
    def typed_column_ok(function: str, kind: pa.DataType) -> bool:
        if function == "TypeString":
            return False  # a non-text column
        if function == "TypeDecimal":
            # Exact types only: a float column would already have rounded money.
            return bool(pa.types.is_decimal(kind) or pa.types.is_integer(kind))
        return bool(pa.types.is_timestamp(kind) and kind.tz in ("UTC", "+00:00", "Etc/UTC"))

    def distinct_count(
        self, rule_id: str, keyword: str, requirement: Mapping[str, Any], rows: list[int]
    ) -> RuleOutcome:
        a = self.table.column(requirement.get("ColumnAName"))
        b = self.table.column(requirement.get("ColumnBName"))
        expected = requirement.get("ExpectedCount")
        seen: dict[Any, set[Any]] = {}
        for i in rows:
            if a[i] is not None:
                seen.setdefault(a[i], set()).add(b[i])
        bad = {k: sorted(map(str, v)) for k, v in seen.items() if len(v) != expected}
        if not bad:
            return RuleOutcome(rule_id, keyword, "passed")
        return RuleOutcome(rule_id, keyword, "failed", message=f"distinct counts differ: {bad}")

    def check(self, node: Any, i: int) -> bool:
        """Evaluate a check node on row ``i`` (SQL ``IS [NOT] DISTINCT FROM`` null rules)."""
        if not isinstance(node, Mapping) or "CheckFunction" not in node:
            raise _MalformedRuleError(f"not a check: {str(node)[:80]}")
        function = node["CheckFunction"]
        if function in ("AND", "OR"):
            items = node.get("Items")
            if not isinstance(items, list) or not items:
                raise _MalformedRuleError(f"{function} without Items")
            results = (self.check(item, i) for item in items)
            return all(results) if function == "AND" else any(results)
        if function in ("CheckSameValue", "CheckNotSameValue"):
            a = self.table.column(node.get("ColumnAName"))[i]
            b = self.table.column(node.get("ColumnBName"))[i]
            same = _equal(a, b)
            return same if function == "CheckSameValue" else not same
        if function == "ColumnByColumnEqualsColumnValue":
            a = _decimal(self.table.column(node.get("ColumnAName"))[i])
            b = _decimal(self.table.column(node.get("ColumnBName"))[i])
            c = _decimal(self.table.column(node.get("ResultColumnName"))[i])
            return a is None or b is None or c is None or a * b == c
        value = self.table.column(node.get("ColumnName"))[i]
        return self.check_value(function, node, value)

    def check_value(self, function: str, node: Mapping[str, Any], value: Any) -> bool:
        """Evaluate a one-column check function on ``value``."""
        if function == "CheckValue":
            if "Value" not in node:
                raise _MalformedRuleError("CheckValue without Value")
            return _equal(value, node["Value"])
        if function == "CheckNotValue":
            if "Value" not in node:
                raise _MalformedRuleError("CheckNotValue without Value")
            return not _equal(value, node["Value"])
        if value is None:
            return True  # format and type checks apply to values; nullability is separate
        if function == "CheckGreaterOrEqualThanValue":
            number = _decimal(value)
            return number is not None and number >= Decimal(str(node.get("Value")))
        if function in ("CheckDecimalValue", "TypeDecimal", "FormatNumeric"):
            if not isinstance(value, str):
                return _decimal(value) is not None
            return bool(_NUMERIC.match(value)) and _decimal(value) is not None
        if function in ("TypeDateTime", "FormatDateTime"):
            if isinstance(value, dt.datetime):
                return value.tzinfo is not None and value.utcoffset() == dt.timedelta(0)
            return isinstance(value, str) and _is_focus_datetime(value)
        if function in ("TypeString", "FormatString"):
            return isinstance(value, str) and _is_unicode(value)
        if function == "FormatUnit":
            return isinstance(value, str) and bool(_UNIT.match(value))
        if function == "FormatKeyValue":
            return isinstance(value, str) and _is_key_value(value)
        if function in ("FormatCurrency", "CheckNationalCurrency"):
            return value in self.model.currencies
        raise _MalformedRuleError(f"unsupported check function {function}")


def _allowed_values_column(node: Mapping[str, Any]) -> str | None:
    """The column of an allowed-value list (OR of non-null CheckValue on one column)."""
    if node.get("CheckFunction") != "OR":
        return None
    items = node.get("Items") or []
    columns = {i.get("ColumnName") for i in items if i.get("CheckFunction") == "CheckValue"}
    if len(columns) != 1 or len(items) != sum(
        1 for i in items if i.get("CheckFunction") == "CheckValue" and i.get("Value") is not None
    ):
        return None
    column = columns.pop()
    return column if isinstance(column, str) else None


def _columns_of(node: Any) -> list[str]:
    names: list[str] = []
    if isinstance(node, Mapping):
        for key in ("ColumnName", "ColumnAName", "ColumnBName", "ResultColumnName"):
            if isinstance(node.get(key), str):
                names.append(node[key])
        for item in node.get("Items", []):
            names.extend(_columns_of(item))
    return names


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _equal(value: Any, expected: Any) -> bool:
    if expected is None or value is None:
        return value is None and expected is None
    if isinstance(expected, int | float | Decimal) and not isinstance(expected, bool):
        number = _decimal(value)
        return number is not None and number == Decimal(str(expected))
    return bool(value == expected)


def _is_focus_datetime(text: str) -> bool:
    if not _DATETIME.match(text):
        return False
    try:
        dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")  # noqa: DTZ007 (a format check only)
    except ValueError:
        return False
    return True


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_key_value(text: str) -> bool:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key")
        return dict(pairs)

    try:
        parsed = json.loads(text, object_pairs_hook=no_duplicates)
    except ValueError:
        return False
    return isinstance(parsed, dict) and all(not isinstance(v, dict | list) for v in parsed.values())
