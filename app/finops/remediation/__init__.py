"""Policy-driven remediation: declarative policies (filter + action + mode) validated before
they run, planned against the live resources, approved by a second operator (or allow-listed
for auto mode), executed with boto3, verified, audited at every step, and rolled back.

The policy format: :mod:`~finops.remediation.policy` (pure); how each action reads, changes,
verifies and restores a resource: :mod:`~finops.remediation.actions`; the flow, the database and
the ``remediate`` job: :mod:`~finops.remediation.service`.
"""

from finops.remediation.actions import ACTIONS, ClientFactory, WaitPolicy
from finops.remediation.exceptions import ActionFailedError, PolicyError
from finops.remediation.policy import (
    DEFAULT_AUTO_ALLOW_LIST,
    AutoAllowList,
    AutoRule,
    PolicyDefinition,
    load_policy_file,
    parse_policy_yaml,
    validate_policy,
)
from finops.remediation.service import (
    STATUSES,
    approve_action,
    execute_action,
    get_action,
    get_policy,
    list_actions,
    list_policies,
    plan_policy,
    policy_to_dict,
    reject_action,
    rollback_action,
    run_policies,
    save_policy,
)

__all__ = [
    "ACTIONS",
    "DEFAULT_AUTO_ALLOW_LIST",
    "STATUSES",
    "ActionFailedError",
    "AutoAllowList",
    "AutoRule",
    "ClientFactory",
    "PolicyDefinition",
    "PolicyError",
    "WaitPolicy",
    "approve_action",
    "execute_action",
    "get_action",
    "get_policy",
    "list_actions",
    "list_policies",
    "load_policy_file",
    "parse_policy_yaml",
    "plan_policy",
    "policy_to_dict",
    "reject_action",
    "rollback_action",
    "run_policies",
    "save_policy",
    "validate_policy",
]
