"""Budgets on PostgreSQL: status from exact spend, alerts once, webhooks from Vault, retries."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from decimal import Decimal as Dec

import hvac
import pytest
from sqlalchemy import select

from finops.audit import list_audit
from finops.budgets import (
    BudgetSpec,
    budget_status,
    create_budget,
    evaluate_budgets,
    get_budget,
    list_alerts,
)
from finops.core.errors import ConflictError, InvalidInputError
from finops.db.database import Database
from finops.db.models import BudgetAlert
from finops.secrets import SecretResolver, resolver_from_env
from tests.support.facts import BUDGET_FACTS, add_facts
from tests.support.openbao import OpenBaoServer
from tests.support.webhook_receiver import webhook_receiver

AS_OF = dt.date(2026, 3, 11)  # ten days of March are billed


@pytest.fixture
def seeded(db: Database) -> Database:
    with db.sessions.begin() as session:
        add_facts(session, BUDGET_FACTS)
    return db


def spec(**overrides: object) -> BudgetSpec:
    values: dict[str, object] = {"name": "all", "amount": Dec("3000")}
    values.update(overrides)
    return BudgetSpec.model_validate(values)


def test_status_sums_only_this_period_this_scope_and_this_currency(seeded: Database) -> None:
    with seeded.sessions.begin() as session:
        total = create_budget(session=session, spec=spec(), actor="test")
        web = create_budget(
            session=session,
            spec=spec(name="web", scope_type="tag", scope_key="team=web", amount=Dec("1000")),
            actor="test",
        )
        s3 = create_budget(
            session=session,
            spec=spec(name="s3", scope_type="service", scope_key="S3", amount=Dec("100")),
            actor="test",
        )
        total_status = budget_status(session=session, budget=total, as_of=AS_OF)
        web_status = budget_status(session=session, budget=web, as_of=AS_OF)
        s3_status = budget_status(session=session, budget=s3, as_of=AS_OF)
    # 1000 EC2 + 50 S3 - 10 credit; the EUR fact and February do not count.
    assert total_status.actual == Dec("1040")
    assert (total_status.period_start, total_status.period_end) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 4, 1),
    )
    # 10 of 31 days elapsed: 1040 * 31 / 10.
    assert total_status.forecast == Dec("3224")
    assert total_status.actual_percent == Dec("34.67")
    assert [(c.kind, c.percent) for c in total_status.crossed] == [("forecast", Dec("100"))]
    assert web_status.actual == Dec("990")
    assert [(c.kind, c.percent) for c in web_status.crossed] == [
        ("actual", Dec("80")),
        ("forecast", Dec("100")),
    ]
    assert s3_status.actual == Dec("50")
    assert s3_status.forecast == Dec("155")


def test_alerts_are_raised_once_per_threshold_and_period(seeded: Database) -> None:
    with seeded.sessions.begin() as session:
        create_budget(
            session=session,
            spec=spec(name="web", scope_type="tag", scope_key="team=web", amount=Dec("1000")),
            actor="alice",
        )
    first = evaluate_budgets(db=seeded, as_of=AS_OF, resolver=SecretResolver(environ={}))
    second = evaluate_budgets(db=seeded, as_of=AS_OF, resolver=SecretResolver(environ={}))
    assert first["alerts_raised"] == 2
    assert second["alerts_raised"] == 0
    with seeded.sessions() as session:
        alerts = list_alerts(session=session)
        assert sorted((a.threshold_kind, a.threshold_percent) for a in alerts) == [
            ("actual", Dec("80")),
            ("forecast", Dec("100")),
        ]
        assert {a.delivery_status for a in alerts} == {"not_sent"}
        actions = [e.action for e in list_audit(session=session)]
    assert actions.count("raised") == 2
    assert "created" in actions


def test_alert_is_posted_to_the_webhook_whose_url_is_in_vault(
    seeded: Database,
    openbao: OpenBaoServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    path = f"finops-{uuid.uuid4().hex[:8]}"
    with webhook_receiver() as receiver:
        client = hvac.Client(url=openbao.addr, token=openbao.token)
        client.secrets.kv.v2.create_or_update_secret(
            path=path, secret={"slack_finops_webhook": receiver.url}, mount_point="secret"
        )
        resolver = resolver_from_env(
            {
                "FINOPS_VAULT_ADDR": openbao.addr,
                "FINOPS_VAULT_TOKEN": openbao.token,
                "FINOPS_VAULT_PATH": path,
            }
        )
        with seeded.sessions.begin() as session:
            create_budget(
                session=session,
                spec=spec(
                    name="s3",
                    scope_type="service",
                    scope_key="S3",
                    amount=Dec("60"),
                    webhook_secret_name="slack_finops_webhook",
                    thresholds=[{"kind": "actual", "percent": "50"}],
                ),
                actor="alice",
            )
        result = evaluate_budgets(db=seeded, as_of=AS_OF, resolver=resolver)
    assert result == {"alerts_raised": 1, "alerts_delivered": 1, "deliveries_failed": 0}
    [message] = receiver.received
    assert "budget 's3' reached 50%" in message["text"]
    assert message["budget"]["value"] == "50"
    assert message["blocks"][0]["type"] == "section"
    assert receiver.url not in caplog.text
    with seeded.sessions() as session:
        [alert] = list_alerts(session=session)
        assert (alert.delivery_status, alert.delivery_attempts) == ("delivered", 1)


def test_failed_delivery_is_retried_recorded_and_retried_next_run(seeded: Database) -> None:
    with webhook_receiver(status=503) as receiver:
        resolver = SecretResolver(environ={"FINOPS_HOOK": receiver.url})
        with seeded.sessions.begin() as session:
            create_budget(
                session=session,
                spec=spec(
                    name="s3",
                    scope_type="service",
                    scope_key="S3",
                    amount=Dec("60"),
                    webhook_secret_name="hook",
                    thresholds=[{"kind": "actual", "percent": "50"}],
                ),
                actor="alice",
            )
        first = evaluate_budgets(
            db=seeded, as_of=AS_OF, resolver=resolver, attempts=3, backoff_seconds=0
        )
        assert first == {"alerts_raised": 1, "alerts_delivered": 0, "deliveries_failed": 1}
        assert len(receiver.received) == 3
        receiver.status = 200
        second = evaluate_budgets(db=seeded, as_of=AS_OF, resolver=resolver, backoff_seconds=0)
    assert second == {"alerts_raised": 0, "alerts_delivered": 1, "deliveries_failed": 0}
    with seeded.sessions() as session:
        alert = session.scalars(select(BudgetAlert)).one()
        assert alert.delivery_status == "delivered"
        assert alert.delivery_attempts == 4
        actions = [e.action for e in list_audit(session=session, entity_type="budget_alert")]
    assert actions == ["delivered", "delivery_failed", "raised"]


def test_bad_budget_definitions_are_refused(db: Database) -> None:
    with pytest.raises(InvalidInputError, match="scope_key"):
        spec(scope_type="service")
    with pytest.raises(InvalidInputError, match="KEY=VALUE"):
        spec(scope_type="tag", scope_key="team")
    with pytest.raises(InvalidInputError, match="amount"):
        spec(amount="-5")
    with db.sessions.begin() as session:
        budget = create_budget(session=session, spec=spec(), actor="a")
        with pytest.raises(ConflictError):
            create_budget(session=session, spec=spec(), actor="a")
        assert get_budget(session=session, budget_id=budget.id).amount == Dec("3000")


def test_forecast_thresholds_use_the_stored_cost_forecast_when_there_is_one(
    seeded: Database,
) -> None:
    from finops.db.models import ForecastPoint, ForecastRun

    with seeded.sessions.begin() as session:
        run = ForecastRun(
            scope_type="service",
            scope_key="S3",
            billing_currency="USD",
            model="ets",
            trained_until=AS_OF,
            horizon_days=21,
        )
        session.add(run)
        session.flush()
        for i in range(21):  # 11..31 March at 9 a day = 189
            session.add(
                ForecastPoint(
                    forecast_run_id=run.id,
                    day=AS_OF + dt.timedelta(days=i),
                    yhat=Dec("9"),
                    lower_80=Dec("8"),
                    upper_80=Dec("10"),
                    lower_95=Dec("7"),
                    upper_95=Dec("11"),
                )
            )
        s3 = create_budget(
            session=session,
            spec=spec(name="s3", scope_type="service", scope_key="S3", amount=Dec("200")),
            actor="test",
        )
        status = budget_status(session=session, budget=s3, as_of=AS_OF)
    # 50 billed so far + 189 forecast for the rest of March (run-rate would say 155).
    assert status.forecast == Dec("239")
    assert status.forecast_method == "forecast:ets"
    assert [(c.kind, c.percent) for c in status.crossed] == [("forecast", Dec("100"))]
