"""The MCP server on the real database, through the SDK's own client: in-process for the tools
(figures summed by hand, errors naming the parameter, nothing written but ask's log) and as
the ``finops mcp`` command over stdio."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypeVar

import anyio
import pytest
from mcp import Client, MCPError, StdioServerParameters, stdio_client
from mcp.types import CallToolResult
from sqlalchemy import func, select, text
from sqlalchemy.exc import InternalError

from finops.assistant.service import ask
from finops.budgets import BudgetSpec, create_budget
from finops.core.errors import InvalidInputError
from finops.costs.query import CostQuery
from finops.db.database import Database
from finops.db.engine import session_scope
from finops.db.models import (
    AIQueryLog,
    Anomaly,
    AuditRecord,
    ForecastPoint,
    ForecastRun,
    Recommendation,
)
from finops.mcp import TOOLS, build_server
from finops.mcp.server import run_tool, tool_session
from finops.mcp.tools import ToolContext
from tests.support.facts import add_facts

pytestmark = pytest.mark.postgres

T = TypeVar("T")

AS_OF = "2026-11-15"
QUESTION = "Top 5 services with rising cost last 60 days?"
EC2 = "Amazon Elastic Compute Cloud"
S3 = "Amazon Simple Storage Service"
LAMBDA = "AWS Lambda"
RDS = "Amazon Relational Database Service"
TOOL_NAMES = [
    "costs",
    "cost_changes",
    "top_movers",
    "anomalies",
    "recommendations",
    "forecasts",
    "budgets",
    "ask",
]

# The last 60 days before AS_OF are [2026-09-16, 2026-11-15); the 60 before, [2026-07-18,
# 2026-09-16). Every amount is written out so each expected figure below is summed by hand.
FACTS: list[dict[str, object]] = [
    # EC2: 100.10 before, 200.30 + 50.05 = 250.35 billed now; effective (the default metric)
    # 200.30 + 45.000000001 = 245.300000001 -> +145.200000001
    {"day": "2026-08-01", "service": EC2, "account": "111", "billed": "100.10"},
    {"day": "2026-10-01", "service": EC2, "account": "111", "billed": "200.30"},
    {"day": "2026-11-14", "service": EC2, "account": "222", "billed": "50.05",
     "effective": "45.000000001"},
    # S3: 10.00 before, 12.01 now -> +2.01
    {"day": "2026-07-18", "service": S3, "account": "111", "billed": "10.00"},
    {"day": "2026-09-16", "service": S3, "account": "111", "billed": "12.01"},
    # Lambda: nothing before, 7.77 now -> +7.77
    {"day": "2026-10-20", "service": LAMBDA, "account": "222", "billed": "7.77"},
    # RDS: 80.00 before, 30.00 now -> -50.00
    {"day": "2026-09-15", "service": RDS, "account": "111", "billed": "80.00"},
    {"day": "2026-10-05", "service": RDS, "account": "111", "billed": "30.00"},
    # outside both windows: never counted
    {"day": "2026-07-17", "service": LAMBDA, "billed": "999.00"},
    {"day": "2026-11-15", "service": S3, "billed": "999.00"},
    # another currency in the current window: its own row, never added to USD
    {"day": "2026-10-02", "service": EC2, "account": "333", "billed": "40.00", "currency": "EUR"},
]  # fmt: skip
EXPECTED_RISING = [
    (EC2, "USD", Decimal("245.300000001"), Decimal("100.10"), Decimal("145.200000001")),
    (LAMBDA, "USD", Decimal("7.77"), Decimal("0"), Decimal("7.77")),
    (S3, "USD", Decimal("12.01"), Decimal("10.00"), Decimal("2.01")),
]


@pytest.fixture
def facts_db(db: Database) -> Database:
    with session_scope(db.sessions) as session:
        add_facts(session, FACTS)
    return db


def _with_client(db: Database, use: Callable[[Client], Awaitable[T]]) -> T:
    async def main() -> T:
        async with Client(build_server(db)) as client:
            return await use(client)

    return anyio.run(main)


def _call(db: Database, name: str, arguments: dict[str, Any]) -> CallToolResult:
    async def use(client: Client) -> CallToolResult:
        return await client.call_tool(name, arguments)

    return _with_client(db, use)


def _document(result: CallToolResult) -> dict[str, Any]:
    """The structured content (the client validated it against the output schema), after
    checking the text content carries the same document."""
    assert not result.is_error, result.content
    document = result.structured_content
    assert isinstance(document, dict)
    (content,) = result.content
    assert content.type == "text"
    assert json.loads(content.text) == document
    return document


def _error(result: CallToolResult) -> str:
    assert result.is_error
    assert result.structured_content is None
    (content,) = result.content
    assert content.type == "text"
    assert "Traceback" not in content.text
    return content.text


def _changes(rows: list[dict[str, Any]]) -> list[tuple[str, str, Decimal, Decimal, Decimal]]:
    return [
        (r["group"], r["currency"], Decimal(r["current"]), Decimal(r["previous"]),
         Decimal(r["change"]))
        for r in rows
    ]  # fmt: skip


def _writes(db: Database) -> tuple[int, int]:
    with db.sessions() as session:
        return (
            int(session.scalar(select(func.count()).select_from(AuditRecord)) or 0),
            int(session.scalar(select(func.count()).select_from(AIQueryLog)) or 0),
        )


# --------------------------------------------------------------------------- listing


def test_every_tool_is_listed_read_only_with_input_and_output_schemas(db: Database) -> None:
    async def use(client: Client) -> Any:
        return await client.list_tools()

    listing = _with_client(db, use)
    assert [tool.name for tool in listing.tools] == TOOL_NAMES
    assert [spec.name for spec in TOOLS] == TOOL_NAMES
    for tool in listing.tools:
        assert tool.description is not None
        assert "exact decimal text" in tool.description, tool.name
        if tool.name != "recommendations":  # the one tool without a window
            assert "[start, end)" in tool.description, tool.name
        assert tool.input_schema["type"] == "object", tool.name
        assert tool.input_schema["additionalProperties"] is False, tool.name
        assert tool.output_schema is not None, tool.name
        assert tool.output_schema["type"] == "object", tool.name
        assert tool.output_schema["properties"], tool.name
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True, tool.name
        assert tool.annotations.destructive_hint is False, tool.name
        assert tool.annotations.open_world_hint is False, tool.name
    by_name = {tool.name: tool for tool in listing.tools}
    # dates are typed, money is exact text (never a number)
    costs_input = by_name["costs"].input_schema
    assert costs_input["required"] == ["start", "end"]
    assert costs_input["properties"]["start"]["format"] == "date"
    figures = by_name["costs"].output_schema["$defs"]["CostTotalOut"]["properties"]
    assert figures["effective"]["type"] == "string"
    assert "pattern" in figures["effective"]
    assert set(by_name["cost_changes"].input_schema["properties"]["direction"]["enum"]) == {
        "rising",
        "falling",
        "all",
    }
    assert "query log" in (by_name["ask"].description or "")


# --------------------------------------------------------------------------- costs


def test_costs_equal_the_hand_summed_facts(facts_db: Database) -> None:
    document = _document(
        _call(
            facts_db,
            "costs",
            {"start": "2026-09-16", "end": "2026-11-15", "group_by": ["service"]},
        )
    )
    assert document["query"]["end"] == "2026-11-15"
    rows = {(r["keys"]["service"], r["currency"]): r for r in document["rows"]}
    assert set(rows) == {(EC2, "USD"), (EC2, "EUR"), (S3, "USD"), (LAMBDA, "USD"), (RDS, "USD")}
    ec2 = rows[(EC2, "USD")]
    assert (ec2["billed"], ec2["effective"]) == ("250.35", "245.300000001")  # 200.30 + 45.000000001
    assert (ec2["fact_count"], ec2["line_items"]) == (2, 2)
    assert (ec2["period_start"], ec2["period_end"]) == ("2026-09-16", "2026-11-15")
    assert rows[(S3, "USD")]["billed"] == "12.01"
    assert rows[(LAMBDA, "USD")]["billed"] == "7.77"
    assert rows[(RDS, "USD")]["billed"] == "30.00"
    assert rows[(EC2, "EUR")]["billed"] == "40.00"
    totals = {t["currency"]: t for t in document["totals"]}
    # 250.35 + 12.01 + 7.77 + 30.00; EUR apart
    assert totals["USD"]["billed"] == "300.13"
    assert totals["USD"]["effective"] == "295.080000001"  # 245.300000001 + 12.01 + 7.77 + 30.00
    assert totals["EUR"]["billed"] == "40.00"
    assert document["fact_count"] == 6

    monthly = _document(
        _call(
            facts_db,
            "costs",
            {
                "start": "2026-10-01",
                "end": "2026-11-01",
                "granularity": "month",
                "group_by": ["account"],
                "filters": {"currency": ["USD"]},
                "metric": "billed",
                "limit": 1,
            },
        )
    )
    # October, USD: account 111 = 200.30 + 30.00 = 230.30; 222 = 7.77 folded into "other"
    assert [(r["keys"]["account"], r["is_other"], r["billed"]) for r in monthly["rows"]] == [
        ("111", False, "230.30"),
        (None, True, "7.77"),
    ]
    assert monthly["query"]["filters"] == {"currency": ["USD"]}


# --------------------------------------------------------------------------- changes


def test_cost_changes_rising_rows_equal_the_hand_computed_changes(facts_db: Database) -> None:
    document = _document(
        _call(
            facts_db,
            "cost_changes",
            {"start": "2026-09-16", "end": "2026-11-15", "direction": "rising",
             "filters": {"currency": ["USD"]}},
        )
    )  # fmt: skip
    assert (document["previous_start"], document["previous_end"]) == ("2026-07-18", "2026-09-16")
    assert _changes(document["rows"]) == EXPECTED_RISING
    # 145.200000001 / 100.10 = 145.05...%, rounded half-even to 0.01
    assert document["rows"][0]["change_percent"] == "145.05"
    assert document["rows"][1]["change_percent"] is None  # nothing before

    falling = _document(
        _call(
            facts_db,
            "cost_changes",
            {
                "start": "2026-09-16",
                "end": "2026-11-15",
                "previous_start": "2026-07-18",
                "previous_end": "2026-09-16",
                "direction": "falling",
            },
        )
    )
    assert _changes(falling["rows"]) == [
        (RDS, "USD", Decimal("30.00"), Decimal("80.00"), Decimal("-50.00"))
    ]


def test_top_movers_rank_the_last_days_against_the_days_before(facts_db: Database) -> None:
    document = _document(
        _call(
            facts_db, "top_movers", {"as_of": AS_OF, "days": 60, "filters": {"currency": ["USD"]}}
        )
    )
    assert (document["start"], document["end"]) == ("2026-09-16", AS_OF)
    assert (document["previous_start"], document["previous_end"]) == ("2026-07-18", "2026-09-16")
    assert _changes(document["rising"]) == EXPECTED_RISING
    assert [(r["group"], r["change"]) for r in document["falling"]] == [(RDS, "-50.00")]
    top = _document(_call(facts_db, "top_movers", {"as_of": AS_OF, "days": 60, "limit": 1}))
    assert [r["group"] for r in top["rising"]] == [EC2]


# --------------------------------------------------------------------------- ask


def test_ask_answers_with_the_rows_cost_changes_gives_over_its_plan_windows(
    facts_db: Database,
) -> None:
    before = _writes(facts_db)
    document = _document(_call(facts_db, "ask", {"question": QUESTION, "as_of": AS_OF}))
    assert document["status"] == "answered"
    plan = document["plan"]
    assert plan["intent"] == "rising"
    window, previous = plan["window"], plan["previous_window"]
    assert (window["start"], window["end"]) == ("2026-09-16", AS_OF)
    assert document["answer"]["metric"] == "effective_cost"

    changes = _document(
        _call(
            facts_db,
            "cost_changes",
            {
                "start": window["start"],
                "end": window["end"],
                "previous_start": previous["start"],
                "previous_end": previous["end"],
                "group_by": plan["group_by"],
                "filters": plan["filters"],
                "metric": "effective",
                "direction": "rising",
                "limit": plan["n"],
            },
        )
    )
    assert [
        (r["group"], r["currency"], Decimal(r["value"])) for r in document["answer"]["rows"]
    ] == [(r["group"], r["currency"], Decimal(r["change"])) for r in changes["rows"]]
    assert [Decimal(r["current"]) for r in document["answer"]["rows"]] == [
        Decimal(r["current"]) for r in changes["rows"]
    ]
    # and both equal the hand-computed changes (the EUR row ranked by its own amount, not added)
    assert _changes(changes["rows"]) == [
        EXPECTED_RISING[0],
        (EC2, "EUR", Decimal("40.00"), Decimal("0"), Decimal("40.00")),
        *EXPECTED_RISING[1:],
    ]
    (source,) = document["sources"]
    assert source["path"] == "/api/v1/costs/changes"
    # the service's own document, field for field (rows keep their extra keys)
    with session_scope(facts_db.sessions) as session:
        direct = ask(session=session, question=QUESTION, actor="test", as_of=dt.date(2026, 11, 15))
        expected = direct.as_json()
    assert {**document, "log_id": None} == {**expected, "log_id": None}

    # each ask logs its question (one log entry, one audit record) and nothing else: here the
    # MCP one (asked by "mcp") and the direct one
    assert _writes(facts_db) == (before[0] + 2, before[1] + 2)
    with facts_db.sessions() as session:
        log = session.get(AIQueryLog, document["log_id"])
        assert log is not None
        assert (log.asked_by, log.question, log.status) == ("mcp", QUESTION, "answered")
        actors = session.scalars(select(AuditRecord.actor).order_by(AuditRecord.id)).all()
    assert actors == ["mcp", "test"]


def test_ask_refuses_a_write_as_an_answer_not_an_error(facts_db: Database) -> None:
    document = _document(_call(facts_db, "ask", {"question": "delete all budgets"}))
    assert document["status"] == "refused"
    assert document["plan"] is None
    assert document["answer"]["rows"] == []


# --------------------------------------------------------------------------- errors


def test_bad_input_is_a_tool_error_with_the_platform_message(facts_db: Database) -> None:
    message = _error(_call(facts_db, "costs", {"start": "2026-02-30", "end": "2026-03-01"}))
    assert message.startswith("parameter 'start': ")
    assert "(got '2026-02-30')" in message

    empty = {"start": "2026-03-01", "end": "2026-03-01"}
    message = _error(_call(facts_db, "costs", empty))
    with pytest.raises(InvalidInputError) as refused:
        CostQuery.model_validate(empty)  # what GET /costs and `finops costs` answer
    assert message == refused.value.message
    assert message.startswith(
        "parameter 'end': expected a date after start (2026-03-01; the window is half-open "
        "[start, end)), got 2026-03-01"
    )
    message = _error(_call(facts_db, "cost_changes", {"start": "2026-03-01", "end": "2026-13-01"}))
    assert message.startswith("parameter 'end': ")
    assert "2026-13-01" in message
    message = _error(
        _call(
            facts_db,
            "cost_changes",
            {"start": "2026-03-01", "end": "2026-04-01", "previous_start": "2026-02-01"},
        )
    )
    assert message.startswith("parameter 'previous_end': previous_start and previous_end")
    message = _error(
        _call(
            facts_db,
            "cost_changes",
            {
                "start": "2026-03-01",
                "end": "2026-04-01",
                "previous_start": "2026-02-01",
                "previous_end": "2026-01-01",
            },
        )
    )
    assert message == (
        "parameter 'previous_end': expected a date after previous_start (2026-02-01; the window "
        "is half-open [start, end)) (got '2026-01-01')"
    )
    message = _error(
        _call(facts_db, "costs", {"start": "2026-03-01", "end": "2026-04-01", "group_by": ["team"]})
    )
    assert message.startswith("parameter 'group_by': unknown dimension 'team'")
    message = _error(_call(facts_db, "costs", {"start": "2026-03-01", "end": "2026-04-01", "x": 1}))
    assert message.startswith("parameter 'x': Extra inputs are not permitted")
    message = _error(_call(facts_db, "costs", {"end": "2026-04-01"}))
    assert message == "parameter 'start': Field required"
    message = _error(_call(facts_db, "anomalies", {"status": "gone"}))
    assert message.startswith("parameter 'status': Input should be 'open'")
    message = _error(_call(facts_db, "ask", {"question": "   "}))
    assert message == "parameter 'question': expected a question about your costs"
    message = _error(_call(facts_db, "forecasts", {"scope_type": "planet"}))
    assert "scope" in message
    assert _writes(facts_db) == (0, 0)


def test_an_unexpected_failure_is_one_line_without_internals(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_ctx: ToolContext, _params: Any) -> Any:
        raise RuntimeError("secret connection detail")

    spec = dataclasses.replace(TOOLS[0], operation=broken)
    result = run_tool(db, spec, {"start": "2026-03-01", "end": "2026-04-01"})
    assert _error(result) == (
        "internal error (RuntimeError); the server's log on stderr has the details"
    )
    assert "secret connection detail" in caplog.text  # logged for the operator, not sent


def test_an_unknown_tool_is_a_protocol_error(db: Database) -> None:
    async def use(client: Client) -> None:
        with pytest.raises(MCPError, match="unknown tool 'drop_tables'; expected one of costs"):
            await client.call_tool("drop_tables", {})

    _with_client(db, use)


# --------------------------------------------------------------------------- the other reads


def _seed_analyses(db: Database) -> dict[str, int]:
    with session_scope(db.sessions) as session:
        add_facts(
            session,
            [
                {"day": f"2026-03-{d:02d}", "service": "EC2", "account": "111", "billed": "100"}
                for d in range(1, 11)
            ],
        )
        anomaly = Anomaly(
            scope_type="service",
            scope_key="EC2",
            billing_currency="USD",
            start_day=dt.date(2026, 3, 4),
            end_day=dt.date(2026, 3, 6),
            expected_cost=Decimal("200"),
            actual_cost=Decimal("650.5"),
            impact=Decimal("450.5"),
            impact_percent=Decimal("225.25"),
            severity="critical",
            score=Decimal("9.1"),
            root_cause=[
                {
                    "account": "111",
                    "service": "EC2",
                    "region": "us-east-1",
                    "usage_type": "BoxUsage:m5.24xlarge",
                    "resource": "i-0abc",
                    "actual": "600",
                    "expected": "150",
                    "deviation": "450",
                    "share": "0.999",
                }
            ],
        )
        resolved = Anomaly(
            scope_type="total",
            scope_key="total",
            billing_currency="USD",
            start_day=dt.date(2026, 2, 1),
            end_day=dt.date(2026, 2, 2),
            expected_cost=Decimal("1"),
            actual_cost=Decimal("2"),
            impact=Decimal("1"),
            impact_percent=Decimal("100"),
            severity="low",
            score=Decimal("3"),
            status="resolved",
        )
        recommendation = Recommendation(
            kind="ec2_idle",
            resource_id="i-idle",
            account_id="111",
            action="terminate",
            estimated_monthly_saving=Decimal("70.08"),
        )
        run = ForecastRun(
            scope_type="total",
            scope_key="total",
            billing_currency="USD",
            model="ets",
            trained_until=dt.date(2026, 3, 11),
            horizon_days=3,
            backtest={"scores": {"ets": {"mase": 0.8}}},
        )
        session.add_all([anomaly, resolved, recommendation, run])
        session.flush()
        for i in range(3):
            session.add(
                ForecastPoint(
                    forecast_run_id=run.id,
                    day=dt.date(2026, 3, 11) + dt.timedelta(days=i),
                    yhat=Decimal("101.5"),
                    lower_80=Decimal("90"),
                    upper_80=Decimal("110"),
                    lower_95=Decimal("80"),
                    upper_95=Decimal("120"),
                )
            )
        budget = create_budget(
            session=session,
            spec=BudgetSpec(
                name="ec2", scope_type="service", scope_key="EC2", amount=Decimal(2000)
            ),
            actor="test",
        )
        return {"anomaly": anomaly.id, "recommendation": recommendation.id, "budget": budget.id}


def test_anomalies_recommendations_forecasts_and_budgets_read_and_write_nothing(
    db: Database,
) -> None:
    ids = _seed_analyses(db)
    before = _writes(db)

    anomalies = _document(_call(db, "anomalies", {"start": "2026-03-01", "end": "2026-04-01"}))
    [item] = anomalies["items"]
    assert item["id"] == ids["anomaly"]
    assert (item["impact"], item["expected_cost"], item["days"]) == ("450.50", "200.00", 2)
    assert (item["status"], item["end_day"]) == ("open", "2026-03-06")
    assert item["root_cause"][0]["deviation"] == "450.00"
    every = _document(_call(db, "anomalies", {"status": None}))
    assert {a["status"] for a in every["items"]} == {"open", "resolved"}

    recommendations = _document(_call(db, "recommendations", {"kind": "ec2_idle"}))
    assert [r["id"] for r in recommendations["items"]] == [ids["recommendation"]]
    assert recommendations["items"][0]["estimated_monthly_saving"] == "70.08"
    assert (recommendations["total"], recommendations["next_offset"]) == (1, None)

    forecasts = _document(_call(db, "forecasts", {"include_forecast": True}))
    [run] = forecasts["items"]
    assert (run["model"], run["as_of"]) == ("ets", "2026-03-11")
    assert [p["yhat"] for p in run["forecast"]] == ["101.50"] * 3
    assert _document(_call(db, "forecasts", {}))["items"][0]["forecast"] is None

    budgets = _document(_call(db, "budgets", {"as_of": "2026-03-11"}))
    [status] = budgets["items"]
    assert status["budget"]["id"] == ids["budget"]
    assert (status["budget"]["amount"], status["period_start"]) == ("2000.00", "2026-03-01")
    assert status["actual"] == "1000.00"  # 10 days x 100, the days before as_of
    assert status["actual_percent"] == "50.00"

    assert _writes(db) == before  # no audit record, no log entry


def test_a_read_tool_session_cannot_write(facts_db: Database) -> None:
    with (
        pytest.raises(InternalError, match="read-only transaction"),
        tool_session(facts_db, commit=False) as session,
    ):
        session.execute(text("DELETE FROM billing_facts"))
    with facts_db.sessions() as session:
        assert session.scalar(text("SELECT count(*) FROM billing_facts")) == len(FACTS)


# --------------------------------------------------------------------------- stdio


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_finops_mcp_serves_the_tools_over_stdio(
    facts_db: Database, db_url: str, tmp_path: Path, mode: Literal["legacy", "auto"]
) -> None:
    """``legacy`` is the initialize handshake today's desktop clients speak; ``auto`` probes
    the newer protocol first."""
    finops = shutil.which("finops", path=str(Path(sys.executable).parent))
    command, args = (finops, ["mcp"]) if finops else (sys.executable, ["-m", "finops.cli", "mcp"])
    server = StdioServerParameters(
        command=command, args=args, env={"FINOPS_DATABASE_URL": db_url}, cwd=tmp_path
    )
    errlog = tmp_path / "stderr.log"

    async def main() -> tuple[list[str], CallToolResult]:
        with errlog.open("w") as stderr, anyio.fail_after(120):
            async with Client(stdio_client(server, errlog=stderr), mode=mode) as client:
                listing = await client.list_tools()
                result = await client.call_tool(
                    "cost_changes",
                    {"start": "2026-09-16", "end": "2026-11-15", "direction": "rising",
                     "filters": {"currency": ["USD"]}},
                )  # fmt: skip
                return [tool.name for tool in listing.tools], result

    names, result = anyio.run(main)
    assert names == TOOL_NAMES, errlog.read_text()
    assert _changes(_document(result)["rows"]) == EXPECTED_RISING
    assert "Traceback" not in errlog.read_text()
