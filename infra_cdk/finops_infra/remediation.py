"""The IAM actions each remediation action kind needs, and nothing else.

The remediation role is built from this table, so a new action kind cannot ship without its
permissions being written down here (a test holds the table and
:class:`finops.remediation.kinds.ActionKind` in step).
"""

from __future__ import annotations

from finops.remediation.kinds import ActionKind

#: Tag a resource must carry for the remediation role to change it (EC2 supports the condition).
OPT_IN_TAG = "finops:remediation"

PERMISSIONS: dict[ActionKind, tuple[str, ...]] = {
    ActionKind.STOP_EC2: ("ec2:StopInstances",),
    ActionKind.START_EC2: ("ec2:StartInstances",),
    ActionKind.RESIZE_EC2: (
        "ec2:StopInstances",
        "ec2:ModifyInstanceAttribute",
        "ec2:StartInstances",
    ),
    ActionKind.SCALE_ECS_SERVICE: ("ecs:UpdateService",),
    ActionKind.CHANGE_ECS_TASK_SIZE: ("ecs:RegisterTaskDefinition", "ecs:UpdateService"),
    ActionKind.CHANGE_LAMBDA_MEMORY: ("lambda:UpdateFunctionConfiguration",),
    ActionKind.CHANGE_LAMBDA_ARCHITECTURE: ("lambda:UpdateFunctionCode",),
    ActionKind.SCALE_EKS_NODEGROUP: ("eks:UpdateNodegroupConfig",),
}

#: What every action reads before and after it acts (its plan and its verification).
READS = (
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceTypes",
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "lambda:GetFunctionConfiguration",
    "lambda:GetFunction",
    "eks:DescribeNodegroup",
)


def write_actions() -> list[str]:
    """Every write action any kind needs, sorted and unique."""
    return sorted({action for actions in PERMISSIONS.values() for action in actions})
