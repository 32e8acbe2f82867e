"""Notifications: Slack-compatible webhooks for new anomalies, budget alerts and approvals.

:func:`publish` sends one message to the channel of its ``kind``; budgets deliver their own
alerts (per-budget webhook secret) through the same :mod:`finops.notifications.webhook` delivery.
"""

from finops.notifications.publish import CHANNEL_SECRETS, channel_secret, publish
from finops.notifications.webhook import DeliveryResult, deliver_webhook, post_json

__all__ = [
    "CHANNEL_SECRETS",
    "DeliveryResult",
    "channel_secret",
    "deliver_webhook",
    "post_json",
    "publish",
]
