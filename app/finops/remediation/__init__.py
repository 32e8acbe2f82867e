"""Policy-driven remediation: declarative policies (filter + action + mode) validated before
they run, planned against the live resources, approved by a second operator (or allow-listed
for auto mode), executed with boto3, verified, audited at every step, and rolled back.

Where things are, in the order they build on each other:

- :mod:`~finops.remediation.policy`: the policy format (pure);
- :mod:`~finops.remediation.actions`: how each action reads, changes, verifies and restores a
  resource (one module per family, the interface in :mod:`~finops.remediation.actions.base`);
- :mod:`~finops.remediation.kinds`: the policy modes and action kinds (string enums);
- :mod:`~finops.remediation.lifecycle`: the statuses and the one way a status changes;
- :mod:`~finops.remediation.views`: the views of policies, actions and plan runs;
- :mod:`~finops.remediation.store`: policies and actions as stored (save, read, list);
- :mod:`~finops.remediation.candidates`, :mod:`~finops.remediation.planning`: planning a run;
- :mod:`~finops.remediation.approval`: approve or reject a planned action;
- :mod:`~finops.remediation.execution`: execute, verify, restore, roll back;
- :mod:`~finops.remediation.job`: the ``remediate`` job.
"""

from finops.remediation.actions.base import ACTIONS, ClientFactory, WaitPolicy
from finops.remediation.approval import approve_action, reject_action
from finops.remediation.exceptions import ActionFailedError, PolicyError
from finops.remediation.execution import execute_action, rollback_action
from finops.remediation.job import run_policies
from finops.remediation.kinds import ActionKind, PolicyMode
from finops.remediation.lifecycle import ActionStatus
from finops.remediation.planning import plan_policy
from finops.remediation.policy import (
    DEFAULT_AUTO_ALLOW_LIST,
    AutoAllowList,
    AutoRule,
    PolicyDefinition,
    load_policy_file,
    parse_policy_yaml,
    validate_policy,
)
from finops.remediation.store import (
    get_action,
    get_policy,
    list_actions,
    list_policies,
    save_policy,
)
from finops.remediation.views import ActionView, PlanRunView, PolicyView

__all__ = [
    "ACTIONS",
    "DEFAULT_AUTO_ALLOW_LIST",
    "ActionFailedError",
    "ActionKind",
    "ActionStatus",
    "ActionView",
    "AutoAllowList",
    "AutoRule",
    "ClientFactory",
    "PlanRunView",
    "PolicyDefinition",
    "PolicyError",
    "PolicyMode",
    "PolicyView",
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
    "reject_action",
    "rollback_action",
    "run_policies",
    "save_policy",
    "validate_policy",
]
