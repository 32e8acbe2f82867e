"""What a stored recommendation is: its kinds, its statuses, which of them are active, and the
snapshot an audit record keeps of it.

Lifecycle: ``open`` -> ``accepted`` -> ``applied``; ``open``/``accepted`` -> ``dismissed``; the
job moves an ``open``/``accepted`` recommendation to ``superseded`` when a later run no longer
finds it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from finops.db.models import Recommendation

ENTITY = "recommendation"
"""The audit log's entity type for a recommendation."""


class RecommendationKind(StrEnum):
    """What a recommendation is about (the ``kind`` column holds the value)."""

    EC2_IDLE = "ec2_idle"
    EC2_RIGHTSIZE = "ec2_rightsize"
    FARGATE_TASK = "fargate_task"
    ECS_TASK_RESERVATION = "ecs_task_reservation"
    NODE_GROUP = "node_group"
    LAMBDA_MEMORY = "lambda_memory"


class RecommendationStatus(StrEnum):
    """Where a recommendation is in its lifecycle (the ``status`` column holds the value)."""

    OPEN = "open"
    ACCEPTED = "accepted"
    APPLIED = "applied"
    DISMISSED = "dismissed"
    SUPERSEDED = "superseded"


ACTIVE: tuple[str, ...] = (RecommendationStatus.OPEN.value, RecommendationStatus.ACCEPTED.value)
"""The statuses the job still maintains (and may supersede)."""
STATUSES: tuple[str, ...] = tuple(status.value for status in RecommendationStatus)
KINDS: tuple[str, ...] = tuple(kind.value for kind in RecommendationKind)


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
