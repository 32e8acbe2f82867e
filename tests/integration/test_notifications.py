"""Webhook notifications: routed by kind to a URL held in Vault, retried, audited; the anomaly
job announces new anomalies once."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import hvac
import pytest

from finops.anomalies import detect_cost_anomalies
from finops.audit import list_audit
from finops.db.database import Database
from finops.notifications import publish
from finops.secrets import SecretResolver, resolver_from_env
from tests.support.openbao import OpenBaoServer
from tests.support.sample_billing import ingest_sample
from tests.support.webhook_receiver import webhook_receiver


def test_approval_message_goes_to_the_approvals_webhook_held_in_vault(
    db: Database, openbao: OpenBaoServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = f"finops-{uuid.uuid4().hex[:8]}"
    with webhook_receiver() as approvals, webhook_receiver() as fallback:
        hvac.Client(url=openbao.addr, token=openbao.token).secrets.kv.v2.create_or_update_secret(
            path=path,
            secret={"webhook_approvals": approvals.url, "webhook_default": fallback.url},
            mount_point="secret",
        )
        resolver = resolver_from_env(
            {
                "FINOPS_VAULT_ADDR": openbao.addr,
                "FINOPS_VAULT_TOKEN": openbao.token,
                "FINOPS_VAULT_PATH": path,
            }
        )
        sent = publish(
            db=db,
            kind="remediation.approval",
            title="2 actions await approval",
            lines=["stop i-1 (saves 12.40 USD/month)", "stop i-2 (saves 3.10 USD/month)"],
            link="http://127.0.0.1:8000/remediation",
            resolver=resolver,
        )
        other = publish(
            db=db, kind="insight.daily", title="daily digest", lines=[], resolver=resolver
        )
    assert (sent, other) == (1, 1)
    [message] = approvals.received
    assert message["kind"] == "remediation.approval"
    assert message["text"].splitlines() == [
        "2 actions await approval",
        "• stop i-1 (saves 12.40 USD/month)",
        "• stop i-2 (saves 3.10 USD/month)",
    ]
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "2 actions await approval"},
    }
    assert "http://127.0.0.1:8000/remediation" in str(message["blocks"][-1])
    # a kind without its own channel falls back to the default webhook
    assert [m["text"] for m in fallback.received] == ["daily digest"]
    assert approvals.url not in caplog.text
    with db.sessions() as session:
        entries = list_audit(session=session, entity_type="notification")
    assert sorted((e.entity_id, e.action) for e in entries) == [
        ("insight.daily", "sent"),
        ("remediation.approval", "sent"),
    ]
    assert all(approvals.url not in str(e.details) for e in entries)


def test_failed_delivery_is_retried_and_audited(db: Database) -> None:
    waits: list[float] = []
    with webhook_receiver(status=503) as receiver:
        resolver = SecretResolver(environ={"FINOPS_WEBHOOK_ANOMALIES": receiver.url})
        sent = publish(
            db=db,
            kind="anomaly.detected",
            title="1 new cost anomaly",
            lines=["x"],
            resolver=resolver,
            attempts=3,
            backoff_seconds=0.25,
            sleep=waits.append,
        )
    assert sent == 0
    assert len(receiver.received) == 3
    assert waits == [0.25, 0.5]
    with db.sessions() as session:
        [entry] = list_audit(session=session, entity_type="notification")
    assert entry.action == "delivery_failed"
    assert entry.details == {
        "channel": "webhook_anomalies",
        "attempts": 3,
        "error": "attempt 3: HTTP 503",
    }


def test_unconfigured_channel_sends_nothing_and_records_nothing(db: Database) -> None:
    sent = publish(
        db=db, kind="anomaly.detected", title="t", lines=[], resolver=SecretResolver(environ={})
    )
    assert sent == 0
    with db.sessions() as session:
        assert list_audit(session=session, entity_type="notification") == []


def test_anomaly_job_announces_new_anomalies_once(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_sample(db, tmp_path)
    with webhook_receiver() as receiver:
        monkeypatch.setenv("FINOPS_WEBHOOK_ANOMALIES", receiver.url)
        first = detect_cost_anomalies(db=db, lookback_days=90, recent_days=90)
        second = detect_cost_anomalies(db=db, lookback_days=90, recent_days=90)
    assert first["created"] > 0
    assert first["notified"] == 1
    assert second["created"] == 0
    assert "notified" not in second
    [message] = receiver.received
    lines = message["text"].splitlines()
    expected_title = f"{first['created']} new cost anomal{'y' if first['created'] == 1 else 'ies'}"
    assert lines[0] == expected_title
    with db.sessions() as session:
        created = list_audit(session=session, entity_type="anomaly")
    ids = sorted(int(e.entity_id) for e in created if e.action == "created")
    shown = min(len(ids), 20)
    assert len(lines) - 1 == shown + (1 if len(ids) > 20 else 0)
    for anomaly_id in ids[:shown]:
        assert any(f"[anomaly {anomaly_id}]" in line for line in lines[1:])
