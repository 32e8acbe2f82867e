"""The remediation actions, one module per family; importing this package registers every family
(its observer and handlers) in :data:`~finops.remediation.actions.base.ACTIONS` and
:data:`~finops.remediation.actions.base.OBSERVERS`."""

from __future__ import annotations

from finops.remediation.actions import ec2, ecs, eks, lambda_functions
from finops.remediation.actions.base import register_family

register_family(kind=ec2.KIND, observer=ec2.observe_instance, handlers=ec2.HANDLERS)
register_family(kind=ecs.KIND, observer=ecs.observe_service, handlers=ecs.HANDLERS)
register_family(
    kind=lambda_functions.KIND,
    observer=lambda_functions.observe_function,
    handlers=lambda_functions.HANDLERS,
)
register_family(kind=eks.KIND, observer=eks.observe_nodegroup, handlers=eks.HANDLERS)
