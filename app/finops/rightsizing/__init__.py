"""Rightsizing and idle recommendations for EC2, ECS (Fargate and EC2), EKS node groups and
Lambda, priced from the catalogue, with the utilization evidence.

Pure rules: :mod:`~finops.rightsizing.ec2`, :mod:`~finops.rightsizing.containers`,
:mod:`~finops.rightsizing.lambda_functions`, :mod:`~finops.rightsizing.evidence`; the job, the
one-instance rule and the status changes: :mod:`~finops.rightsizing.service`.
"""

from finops.rightsizing.containers import (
    FARGATE_COMBINATIONS,
    is_valid_fargate_size,
    recommend_fargate,
    recommend_node_group,
    recommend_task_reservation,
)
from finops.rightsizing.ec2 import Ec2Policy, Ec2Recommendation, Ec2Rightsizer, Ec2Utilization
from finops.rightsizing.lambda_functions import recommend_lambda_memory
from finops.rightsizing.service import (
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
