"""What a stored recommendation is: its kinds, its statuses, which of them are active, and the
snapshot an audit record keeps of it.

Lifecycle: ``open`` -> ``accepted`` -> ``applied``; ``open``/``accepted`` -> ``dismissed``; the
job moves an ``open``/``accepted`` recommendation to ``superseded`` when a later run no longer
finds it.
"""

from __future__ import annotations

from typing import Any

from finops.db.models import Recommendation

ENTITY = "recommendation"
"""The audit log's entity type for a recommendation."""

ACTIVE = ("open", "accepted")
STATUSES = ("open", "accepted", "applied", "dismissed", "superseded")
KINDS = (
    "ec2_idle",
    "ec2_rightsize",
    "fargate_task",
    "ecs_task_reservation",
    "node_group",
    "lambda_memory",
)


def recommendation_snapshot(rec: Recommendation) -> dict[str, Any]:
    """The fields an audit record's before/after keeps of ``rec``."""
    return {
        "kind": rec.kind,
        "resource_id": rec.resource_id,
        "action": rec.action,
        "status": rec.status,
        "current_config": rec.current_config,
        "recommended_config": rec.recommended_config,
        "estimated_monthly_saving": rec.estimated_monthly_saving,
        "performance_risk": rec.performance_risk,
        "applied_at": rec.applied_at,
    }
