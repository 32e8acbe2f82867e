"""The names remediation stores as text: policy modes and action kinds (the statuses are in
:mod:`finops.remediation.lifecycle`), as string enums whose values are the stored strings."""

from __future__ import annotations

from enum import StrEnum


class PolicyMode(StrEnum):
    """How a policy's planned actions proceed: only recorded, approved by a second operator, or
    executed by the remediate job (allow-listed policies only)."""

    DRY_RUN = "dry-run"
    APPROVAL = "approval"
    AUTO = "auto"


class ActionKind(StrEnum):
    """What an action does to its resource (one handler each in finops.remediation.actions)."""

    STOP_EC2 = "stop_ec2"
    START_EC2 = "start_ec2"
    RESIZE_EC2 = "resize_ec2"
    SCALE_ECS_SERVICE = "scale_ecs_service"
    CHANGE_ECS_TASK_SIZE = "change_ecs_task_size"
    CHANGE_LAMBDA_MEMORY = "change_lambda_memory"
    CHANGE_LAMBDA_ARCHITECTURE = "change_lambda_architecture"
    SCALE_EKS_NODEGROUP = "scale_eks_nodegroup"
