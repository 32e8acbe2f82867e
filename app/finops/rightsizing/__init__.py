"""Rightsizing and idle recommendations for EC2, ECS (Fargate and EC2), EKS node groups and
Lambda, priced from the catalogue, with the utilization evidence.

Pure rules: :mod:`~finops.rightsizing.ec2`, :mod:`~finops.rightsizing.containers`,
:mod:`~finops.rightsizing.lambda_functions`, :mod:`~finops.rightsizing.evidence`. At the edges:
the one-instance rule (:mod:`~finops.rightsizing.instance`), what the job reads
(:mod:`~finops.rightsizing.inputs`), what it finds (:mod:`~finops.rightsizing.findings`), the
``rightsize`` job (:mod:`~finops.rightsizing.job`), kinds, statuses and the audit snapshot
(:mod:`~finops.rightsizing.recommendation`), the view and reading
(:mod:`~finops.rightsizing.views`) and status changes (:mod:`~finops.rightsizing.lifecycle`).
"""

from finops.rightsizing.containers import (
    FARGATE_COMBINATIONS,
    is_valid_fargate_size,
    recommend_fargate,
    recommend_node_group,
    recommend_task_reservation,
)
from finops.rightsizing.ec2 import Ec2Policy, Ec2Recommendation, Ec2Rightsizer, Ec2Utilization
from finops.rightsizing.instance import rightsize_instance
from finops.rightsizing.job import rightsize
from finops.rightsizing.lambda_functions import recommend_lambda_memory
from finops.rightsizing.lifecycle import (
    accept_recommendation,
    dismiss_recommendation,
    mark_recommendation_applied,
)
from finops.rightsizing.recommendation import RecommendationKind, RecommendationStatus
from finops.rightsizing.views import RecommendationView, get_recommendation, list_recommendations

__all__ = [
    "FARGATE_COMBINATIONS",
    "Ec2Policy",
    "Ec2Recommendation",
    "Ec2Rightsizer",
    "Ec2Utilization",
    "RecommendationKind",
    "RecommendationStatus",
    "RecommendationView",
    "accept_recommendation",
    "dismiss_recommendation",
    "get_recommendation",
    "is_valid_fargate_size",
    "list_recommendations",
    "mark_recommendation_applied",
    "recommend_fargate",
    "recommend_lambda_memory",
    "recommend_node_group",
    "recommend_task_reservation",
    "rightsize",
    "rightsize_instance",
]
