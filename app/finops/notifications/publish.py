"""Publish a platform event (new anomaly, remediation awaiting approval) to its webhook.

Routing: each kind's prefix names a channel, and each channel's webhook URL is a secret
(Vault KV v2 field, else ``FINOPS_<NAME>``): ``anomaly.*`` → ``webhook_anomalies``,
``remediation.*`` → ``webhook_approvals``, ``budget.*`` → ``webhook_budgets``; any kind falls back
to ``webhook_default``. A channel with no secret set is not an error: the message is recorded as
``not_configured`` in the log. Every delivery attempt's outcome (sent, or failed after retries) is
an audit record (entity type ``notification``), so a missed alert is visible; the URL never is.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from finops.audit import record_audit
from finops.db.database import Database
from finops.notifications.webhook import deliver_webhook
from finops.secrets import SecretResolver, resolver_from_env

logger = logging.getLogger(__name__)

CHANNEL_SECRETS: dict[str, str] = {
    "anomaly": "webhook_anomalies",
    "remediation": "webhook_approvals",
    "budget": "webhook_budgets",
}
DEFAULT_SECRET = "webhook_default"  # noqa: S105 - a secret *name*, not a value
MAX_LINES = 20


def channel_secret(kind: str, resolver: SecretResolver) -> str | None:
    """The secret name whose webhook receives ``kind``, or None when none is configured."""
    prefix = kind.split(".", 1)[0]
    for name in (CHANNEL_SECRETS.get(prefix), DEFAULT_SECRET):
        if name and resolver.get(name) is not None:
            return name
    return None


def slack_document(
    *, kind: str, title: str, lines: Sequence[str], link: str | None
) -> dict[str, Any]:
    """A Slack-compatible message: ``text`` for plain receivers, ``blocks`` for Slack."""
    shown = list(lines[:MAX_LINES])
    if len(lines) > MAX_LINES:
        shown.append(f"... and {len(lines) - MAX_LINES} more")
    body = "\n".join(f"• {line}" for line in shown)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
    ]
    if body:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body}})
    if link:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{link}|Open>"}]}
        )
    text = title if not body else f"{title}\n{body}"
    return {"text": text, "blocks": blocks, "kind": kind}


def publish(
    *,
    db: Database,
    kind: str,
    title: str,
    lines: list[str],
    link: str | None = None,
    resolver: SecretResolver | None = None,
    attempts: int = 3,
    backoff_seconds: float = 0.5,
    sleep: Callable[[float], None] | None = None,
) -> int:
    """Send one message of ``kind``; returns 1 when delivered, 0 otherwise (never raises for a
    delivery failure). The outcome is recorded in the audit log with the attempts and error."""
    secrets = resolver or resolver_from_env()
    secret_name = channel_secret(kind, secrets)
    document = slack_document(kind=kind, title=title, lines=lines, link=link)
    if secret_name is None:
        logger.info(
            "notification not sent: no webhook configured",
            extra={"kind": kind, "channels": _candidates(kind)},
        )
        return 0
    result = deliver_webhook(
        resolver=secrets,
        secret_name=secret_name,
        document=document,
        attempts=attempts,
        backoff_seconds=backoff_seconds,
        sleep=sleep or time.sleep,
    )
    delivered = result.delivered
    outcome = "sent" if delivered else "delivery_failed"
    details = {"channel": secret_name, "attempts": result.attempts, "error": result.error}
    with db.sessions.begin() as session:
        record_audit(
            session=session,
            actor="system:notifications",
            action=outcome,
            entity_type="notification",
            entity_id=kind,
            after={"title": title, "lines": len(lines)},
            details=details,
        )
    if not delivered:
        logger.warning("notification not delivered", extra={"kind": kind})
    return 1 if delivered else 0


def _candidates(kind: str) -> list[str]:
    prefix = kind.split(".", 1)[0]
    return [name for name in (CHANNEL_SECRETS.get(prefix), DEFAULT_SECRET) if name]
