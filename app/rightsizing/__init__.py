"""Rightsizing and idle recommendations for EC2, ECS (Fargate and EC2), EKS node groups and
Lambda, priced from the catalogue, with the utilization evidence.

Pure rules: :mod:`~app.rightsizing.ec2`, :mod:`~app.rightsizing.containers`,
:mod:`~app.rightsizing.lambda_functions`, :mod:`~app.rightsizing.evidence`; the job, the
one-instance rule and the status changes: :mod:`~app.rightsizing.service`.
"""

from app.rightsizing.containers import (
    FARGATE_COMBINATIONS,
    is_valid_fargate_size,
    recommend_fargate,
    recommend_node_group,
    recommend_task_reservation,
)
from app.rightsizing.ec2 import Ec2Policy, Ec2Recommendation, Ec2Rightsizer, Ec2Utilization
from app.rightsizing.lambda_functions import recommend_lambda_memory
from app.rightsizing.service import (
    accept_recommendation,
    dismiss_recommendation,
    get_recommendation,
    list_recommendations,
    mark_recommendation_applied,
    recommendation_to_dict,
    rightsize,
    rightsize_instance,
)

__all__ = [
    "FARGATE_COMBINATIONS",
    "Ec2Policy",
    "Ec2Recommendation",
    "Ec2Rightsizer",
    "Ec2Utilization",
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
    "recommendation_to_dict",
    "rightsize",
    "rightsize_instance",
]
