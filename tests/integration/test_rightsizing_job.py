"""The rightsize job on a generated sample (billing + CloudWatch-shaped usage) in PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from finops.catalogue import packaged_catalogue
from finops.core.errors import ConflictError
from finops.db.database import Database
from finops.db.models import AuditRecord, PriceCatalogueEntry, Recommendation, Resource
from finops.devtools.sample import generate_sample
from finops.ingest.service import ingest_paths
from finops.rightsizing import (
    accept_recommendation,
    dismiss_recommendation,
    get_recommendation,
    list_recommendations,
    mark_recommendation_applied,
    rightsize,
)
from finops.usage import load_usage_dir

END = dt.date(2026, 3, 15)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("rightsizing-sample")
    generate_sample(out_dir=out, months=2, accounts=3, end=END)
    return out, json.loads((out / "labels.json").read_text(encoding="utf-8"))


def _load(db: Database, out: Path, labels: dict[str, Any]) -> None:
    ingest_paths(db=db, paths=[out / "billing"])
    load_usage_dir(db=db, path=out / "usage")
    # what an inventory step (ECS DescribeServices / task definitions) would record
    with db.sessions.begin() as session:
        for svc in labels["resources"]["ecs_services"]:
            if svc["launch_type"] == "FARGATE":
                session.execute(
                    update(Resource)
                    .where(Resource.resource_id == svc["resource_id"])
                    .values(
                        attributes={
                            "launch_type": "FARGATE",
                            "vcpu": svc["vcpu"],
                            "memory_gb": svc["memory_gb"],
                        }
                    )
                )


def _by_resource(db: Database) -> dict[tuple[str, str], dict[str, Any]]:
    with db.sessions() as session:
        page = list_recommendations(session=session, limit=1000)
    docs = [view.model_dump(mode="json") for view in page.items]
    return {(r["resource_id"], r["kind"]): r for r in docs}


def test_planted_idle_and_oversized_resources_get_the_right_recommendations(
    db: Database, sample: tuple[Path, dict[str, Any]]
) -> None:
    out, labels = sample
    _load(db, out, labels)
    counts = rightsize(db=db, as_of=END, lookback_days=14)
    assert counts["window_start"] == "2026-03-01"
    assert counts["created"] == counts["findings"] > 0
    recs = _by_resource(db)
    prices = packaged_catalogue()

    for idle in labels["idle"]:
        rec = recs[(idle["resource_id"], "ec2_idle")]
        hourly = prices.ec2_prices[("us-east-1", idle["instance_type"])]
        assert rec["action"] == "terminate"
        assert rec["status"] == "open"
        assert Decimal(rec["estimated_monthly_saving"]) == hourly * 730
        assert rec["evidence"]["cpu_max_percent"] < 5
        assert rec["evidence"]["days_observed"] == 14

    oversized_ec2 = [o for o in labels["oversized"] if o["resource_type"] == "ec2-instance"]
    for item in oversized_ec2:
        rec = recs[(item["resource_id"], "ec2_rightsize")]
        current = prices.ec2_prices[("us-east-1", item["instance_type"])]
        target = prices.ec2_prices[("us-east-1", rec["recommended_config"]["instance_type"])]
        assert rec["action"] == "modify"
        assert target < current
        assert Decimal(rec["estimated_monthly_saving"]) == (current - target) * 730
        assert rec["evidence"]["memory_considered"] is True

    for item in labels["oversized"]:
        if item["resource_type"] == "ecs-service-fargate":
            rec = recs[(item["resource_id"], "fargate_task")]
            assert rec["action"] == "modify"
            assert Decimal(rec["recommended_config"]["vcpu"]) < Decimal(item["vcpu"])
        if item["resource_type"] == "lambda-function":
            rec = recs[(item["resource_id"], "lambda_memory")]
            assert rec["current_config"]["memory_mb"] == item["memory_mb"]
            want = -(-item["max_memory_used_mb"] * 12 // 10 // 64) * 64
            assert rec["recommended_config"]["memory_mb"] in (want, want + 64)

    # normal app servers are not told to stop
    idle_ids = {i["resource_id"] for i in labels["idle"]}
    assert {rid for rid, kind in recs if kind == "ec2_idle"} == idle_ids

    with db.sessions() as session:
        audits = session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.entity_type == "recommendation", AuditRecord.action == "created")
        )
        catalogue_rows = session.scalar(select(func.count()).select_from(PriceCatalogueEntry))
    assert audits == counts["created"]
    assert catalogue_rows == counts["catalogue_rows_loaded"] > 1000

    again = rightsize(db=db, as_of=END, lookback_days=14)
    assert (again["created"], again["updated"], again["unchanged"]) == (
        0,
        0,
        counts["findings"],
    )
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == audits


@pytest.mark.smoke
def test_status_changes_are_audited_and_dismissed_ones_stay_dismissed(
    db: Database, sample: tuple[Path, dict[str, Any]]
) -> None:
    out, labels = sample
    _load(db, out, labels)
    rightsize(db=db, as_of=END)
    idle = labels["idle"]
    recs = _by_resource(db)
    first = recs[(idle[0]["resource_id"], "ec2_idle")]["id"]
    second = recs[(idle[1]["resource_id"], "ec2_idle")]["id"]
    third = recs[(idle[2]["resource_id"], "ec2_idle")]["id"]
    with db.sessions.begin() as session:
        accepted = accept_recommendation(
            session=session, recommendation_id=first, actor="alice"
        ).model_dump(mode="json")
        dismissed = dismiss_recommendation(
            session=session, recommendation_id=second, actor="bob", note="kept for DR"
        ).model_dump(mode="json")
    assert (accepted["status"], dismissed["status"]) == ("accepted", "dismissed")
    with db.sessions.begin() as session:
        applied = mark_recommendation_applied(
            session=session, recommendation_id=first, actor="alice", applied_on=END
        ).model_dump(mode="json")
    assert applied["status"] == "applied"
    assert applied["applied_at"].startswith("2026-03-15")
    hourly = packaged_catalogue().ec2_prices[("us-east-1", idle[0]["instance_type"])]
    assert Decimal(applied["savings_baseline"]["baseline_daily_cost"]) == hourly * 24
    with pytest.raises(ConflictError), db.sessions.begin() as session:
        accept_recommendation(session=session, recommendation_id=first, actor="alice")

    counts = rightsize(db=db, as_of=END)
    assert counts["suppressed_dismissed"] == 1
    assert counts["suppressed_recently_applied"] == 1  # usage predates the change
    assert counts["created"] == 0
    with db.sessions() as session:
        kinds = {
            r.action
            for r in session.scalars(
                select(AuditRecord).where(
                    AuditRecord.entity_type == "recommendation",
                    AuditRecord.entity_id.in_([str(first), str(second), str(third)]),
                )
            )
        }
        statuses = dict(session.execute(select(Recommendation.id, Recommendation.status)).all())
    assert {"created", "accepted", "dismissed", "applied"} <= kinds
    assert (statuses[first], statuses[second], statuses[third]) == (
        "applied",
        "dismissed",
        "open",
    )


def test_a_stale_writer_loses_to_a_concurrent_status_change(
    db: Database, sample: tuple[Path, dict[str, Any]]
) -> None:
    out, labels = sample
    _load(db, out, labels)
    rightsize(db=db, as_of=END)
    rid = _by_resource(db)[(labels["idle"][0]["resource_id"], "ec2_idle")]["id"]
    with db.sessions() as stale:
        loaded = get_recommendation(session=stale, recommendation_id=rid)
        assert loaded.status == "open"
        with db.sessions.begin() as other:
            accept_recommendation(session=other, recommendation_id=rid, actor="bob")
        with pytest.raises(ConflictError) as lost:
            accept_recommendation(session=stale, recommendation_id=rid, actor="alice")
        stale.rollback()
    assert str(lost.value) == (
        f"recommendation {rid} is accepted; only a recommendation that is open can become accepted"
    )
    assert lost.value.details == {"status": "accepted", "target": "accepted"}
    with db.sessions() as session:
        accepted_by = [
            r.actor
            for r in session.scalars(
                select(AuditRecord).where(
                    AuditRecord.entity_type == "recommendation",
                    AuditRecord.entity_id == str(rid),
                    AuditRecord.action == "accepted",
                )
            )
        ]
    assert accepted_by == ["bob"]
