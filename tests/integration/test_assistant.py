"""The assistant on the real database: the issue's question answered the same way by the CLI,
the API and the command the answer cites, with figures summed by hand; everything logged."""

from __future__ import annotations

import json
import shlex
from decimal import Decimal

import pytest
from sqlalchemy import select

from finops.db.database import Database
from finops.db.engine import session_scope
from finops.db.models import AIQueryLog, AuditRecord
from tests.support.api_client import api_client
from tests.support.facts import add_facts
from tests.support.finops_cli import run

pytestmark = pytest.mark.postgres

AS_OF = "2026-11-15"
QUESTION = "Top 5 services with rising cost last 60 days?"
EC2 = "Amazon Elastic Compute Cloud"
S3 = "Amazon Simple Storage Service"
LAMBDA = "AWS Lambda"
RDS = "Amazon Relational Database Service"

# The last 60 days are [2026-09-16, 2026-11-15); the 60 before, [2026-07-18, 2026-09-16).
# Per service: (days in the previous window, cost per day), (days in the current window, cost).
FACTS = [
    # EC2: 100.10 before, 250.35 now -> +150.25
    {"day": "2026-08-01", "service": EC2, "billed": "100.10"},
    {"day": "2026-10-01", "service": EC2, "billed": "200.30"},
    {"day": "2026-11-14", "service": EC2, "billed": "50.05"},
    # S3: 10.00 before, 12.01 now -> +2.01
    {"day": "2026-07-18", "service": S3, "billed": "10.00"},
    {"day": "2026-09-16", "service": S3, "billed": "12.01"},
    # Lambda: nothing before, 7.77 now -> +7.77
    {"day": "2026-10-20", "service": LAMBDA, "billed": "7.77"},
    # RDS: 80.00 before, 30.00 now -> falls, not rising
    {"day": "2026-09-15", "service": RDS, "billed": "80.00"},
    {"day": "2026-10-05", "service": RDS, "billed": "30.00"},
    # outside both windows: never counted
    {"day": "2026-07-17", "service": LAMBDA, "billed": "999.00"},
    {"day": "2026-11-15", "service": S3, "billed": "999.00"},
]
EXPECTED_RISING = [(EC2, Decimal("150.25")), (LAMBDA, Decimal("7.77")), (S3, Decimal("2.01"))]


@pytest.fixture
def facts_db(db: Database) -> Database:
    with session_scope(db.sessions) as session:
        add_facts(session, FACTS)
    return db


def _rows(document: dict[str, object]) -> list[tuple[str, Decimal]]:
    answer = document["answer"]
    assert isinstance(answer, dict)
    return [(r["group"], Decimal(r["value"])) for r in answer["rows"]]


def test_the_issue_question_answers_alike_in_cli_api_and_the_cited_command(
    facts_db: Database, db_url: str
) -> None:
    done = run(["ask", QUESTION, "--as-of", AS_OF, "--json"], url=db_url)
    assert done.returncode == 0, done.stderr
    cli_document = json.loads(done.stdout)
    assert cli_document["status"] == "answered"
    assert cli_document["plan"]["intent"] == "rising"
    assert cli_document["plan"]["window"]["start"] == "2026-09-16"
    assert cli_document["plan"]["previous_window"]["start"] == "2026-07-18"
    assert _rows(cli_document) == EXPECTED_RISING
    assert cli_document["answer"]["metric"] == "effective_cost"

    with api_client(facts_db) as api:
        status, api_document = api.send(
            "POST", "/ask", {"question": QUESTION, "as_of": AS_OF}, role="viewer"
        )
        assert status == 200, api_document
        assert _rows(api_document) == EXPECTED_RISING
        (source,) = api_document["sources"]
        assert source["path"] == "/api/v1/costs/changes"
        query = "&".join(f"{k}={v}" for k, v in source["params"].items())
        status, cited = api.get(f"/costs/changes?{query}")
        assert status == 200, cited
        assert [(r["group"], Decimal(r["change"])) for r in cited["rows"]] == EXPECTED_RISING

    # the command the answer shows prints the same rows
    argv = shlex.split(cli_document["cli"])
    assert argv[0] == "finops"
    reproduced = run(argv[1:], url=db_url)
    assert reproduced.returncode == 0, reproduced.stderr
    rows = json.loads(reproduced.stdout)["rows"]
    assert [(r["group"], Decimal(r["change"])) for r in rows] == EXPECTED_RISING


def test_a_total_equals_finops_costs_over_the_same_window(facts_db: Database, db_url: str) -> None:
    done = run(
        ["ask", "How much did we spend on EC2 last month?", "--as-of", AS_OF, "--json"], url=db_url
    )
    document = json.loads(done.stdout)
    assert document["plan"]["filters"] == {"service": [EC2]}
    assert Decimal(document["answer"]["value"]) == Decimal("200.30")  # October only
    costs = run(
        [
            "costs",
            "--start",
            "2026-10-01",
            "--end",
            "2026-11-01",
            "--filter",
            f"service={EC2}",
            "--json",
        ],
        url=db_url,
    )
    assert costs.returncode == 0, costs.stderr
    assert Decimal(json.loads(costs.stdout)["total"]["effective_cost"]) == Decimal("200.30")


def test_every_question_is_logged_and_audited_and_refusals_compute_nothing(
    facts_db: Database,
) -> None:
    from finops.assistant.service import ask

    with session_scope(facts_db.sessions) as session:
        answered = ask(session=session, question=QUESTION, actor="test", as_of=None)
        refused = ask(
            session=session, question="delete every EC2 instance now", actor="test", as_of=None
        )
        unclear = ask(
            session=session, question="how much did redshift cost?", actor="test", as_of=None
        )
    assert (answered.status, refused.status, unclear.status) == ("answered", "refused", "clarify")
    assert refused.answer is None
    assert refused.plan is None
    assert "never change" in refused.message
    assert "redshift" in unclear.message
    with facts_db.sessions() as session:
        logs = session.scalars(select(AIQueryLog).order_by(AIQueryLog.id)).all()
        assert [(log.status, log.asked_by) for log in logs] == [
            ("answered", "test"),
            ("refused", "test"),
            ("clarify", "test"),
        ]
        assert logs[0].plan is not None
        assert logs[0].plan["intent"] == "rising"
        assert logs[0].query_text is not None
        assert logs[0].query_text.startswith("finops cost-changes")
        assert logs[1].plan is None
        audits = session.scalars(
            select(AuditRecord).where(AuditRecord.entity_type == "ai_query")
        ).all()
        assert sorted(a.action for a in audits) == [
            "assistant.answered",
            "assistant.clarify",
            "assistant.refused",
        ]


def test_bad_requests_get_a_clear_400(facts_db: Database) -> None:
    with api_client(facts_db) as api:
        status, body = api.send("POST", "/ask", {"question": ""}, role="viewer")
        assert status == 400
        assert "question" in json.dumps(body)
        status, body = api.send(
            "POST", "/ask", {"question": "costs", "as_of": "2026-13-40"}, role="viewer"
        )
        assert status == 400
        assert "as_of" in json.dumps(body)
        status, body = api.send("POST", "/ask", {"question": QUESTION}, role=None)
        assert status == 401


def test_recommendations_are_answered_from_the_recommendations_service(
    facts_db: Database, db_url: str
) -> None:
    from finops.db.models import Recommendation

    savings = {"i-aaa": "70.08", "i-bbb": "10.00", "i-ccc": "5.50", "i-ddd": "99.99"}
    with session_scope(facts_db.sessions) as session:
        for resource, saving in savings.items():
            session.add(
                Recommendation(
                    kind="ec2_idle",
                    resource_id=resource,
                    region_id="us-east-1",
                    action="stop",
                    status="dismissed" if resource == "i-ddd" else "open",
                    estimated_monthly_saving=Decimal(saving),
                )
            )
    done = run(["ask", "what are our top 2 recommendations?", "--json"], url=db_url)
    document = json.loads(done.stdout)
    assert document["plan"]["intent"] == "recommendations"
    # the dismissed one (largest) is not open: hand-ranked open ones are aaa, bbb
    assert _rows(document) == [("stop i-aaa", Decimal("70.08")), ("stop i-bbb", Decimal("10.00"))]
    assert Decimal(document["answer"]["value"]) == Decimal("80.08")
    reproduced = run(shlex.split(document["cli"])[1:], url=db_url)
    items = json.loads(reproduced.stdout)["items"]
    assert [(i["resource_id"], Decimal(i["estimated_monthly_saving"])) for i in items] == [
        ("i-aaa", Decimal("70.08")),
        ("i-bbb", Decimal("10.00")),
    ]


def test_the_history_shows_each_caller_their_own_questions_and_admins_all(
    facts_db: Database,
) -> None:
    with api_client(facts_db) as api:
        for role, question in (
            ("viewer", QUESTION),
            ("viewer", "drop table billing_facts"),
            ("admin", "How much did we spend on EC2 last month?"),
        ):
            status, _ = api.send("POST", "/ask", {"question": question, "as_of": AS_OF}, role=role)
            assert status == 200
        status, mine = api.get("/ask/history", role="viewer")
        assert status == 200
        assert [(i["question"], i["status"]) for i in mine["items"]] == [
            ("drop table billing_facts", "refused"),
            (QUESTION, "answered"),
        ]
        assert mine["total"] == 2
        assert mine["items"][1]["command"].startswith("finops cost-changes")
        assert mine["items"][0]["plan"] is None
        status, everyone = api.get("/ask/history?limit=2", role="admin")
        assert status == 200
        assert everyone["total"] == 3
        assert len(everyone["items"]) == 2
        assert everyone["next_offset"] == 2
        assert {i["asked_by"] for i in everyone["items"]} <= {"api:viewer-key", "api:admin-key"}


def test_bad_cost_change_requests_get_a_precise_error_and_change_nothing(
    facts_db: Database, db_url: str
) -> None:
    from sqlalchemy import func

    from finops.db.models import BillingFact

    with facts_db.sessions() as session:
        before = session.scalar(select(func.count()).select_from(BillingFact))
    with api_client(facts_db) as api:
        status, body = api.get("/costs/changes?start=2026-10-01&end=2026-09-01")
        assert status == 400
        assert "end must be after start" in json.dumps(body)
        status, body = api.get("/costs/changes?start=2026-10-01&end=2026-11-01&direction=up")
        assert status == 400
        assert "direction" in json.dumps(body)
        status, body = api.get(
            "/costs/changes?start=2026-10-01&end=2026-11-01&previous_start=2026-09-01"
        )
        assert status == 400
        assert "previous_start and previous_end go together" in json.dumps(body)
    done = run(
        ["cost-changes", "--start", "2026-10-01", "--end", "2026-11-01", "--filter", "service"],
        url=db_url,
    )
    assert done.returncode == 1
    assert "option '--filter': expected DIMENSION=VALUE, got 'service'" in done.stderr
    assert "Traceback" not in done.stderr
    done = run(
        ["costs", "--start", "2026-10-01", "--end", "2026-11-01", "--limit", "0"], url=db_url
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    with facts_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(BillingFact)) == before
