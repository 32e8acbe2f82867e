"""What every remediation action shares: the AWS client factory, targets, observations, waiting,
the :class:`ActionHandler` interface and the registries of handlers (by name) and observers (by
resource kind). The action families (:mod:`.ec2`, :mod:`.ecs`, :mod:`.lambda_functions`,
:mod:`.eks`) implement it; :mod:`finops.remediation.actions` registers them all.

The planner (:mod:`finops.remediation.planning`) and the executor
(:mod:`finops.remediation.execution`) only talk to this interface:

- ``observe`` reads the live state and tags of the resource (boto3, through a
  :data:`ClientFactory` that defaults to :func:`finops.aws.clients.aws_client`);
- ``desired`` is pure: the state the action wants from the current state, the policy's
  parameters and the recommendation's target (raises :class:`PlanRefusalError` with the reason);
- ``preflight`` checks the target against AWS before anything changes (e.g. the instance type
  exists and runs the instance's architecture);
- ``converge`` drives the resource to a goal state: the desired one when executing, the
  original one when restoring (after a failure, or on rollback), so one code path does both;
- ``reached`` says whether an observed state is the goal (verification polls it until it holds
  or the :class:`WaitPolicy` runs out).

No rules about *whether* to act live here (that is the policy, the planner and the executor);
this package only knows *how*.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from finops.aws.clients import aws_client, default_region
from finops.catalogue.model import PriceCatalogue
from finops.remediation.exceptions import ActionFailedError, PlanRefusalError, ResourceGoneError

logger = logging.getLogger(__name__)

ClientFactory = Callable[[str, str], Any]
"""``(service, region) -> boto3 client``."""


def default_clients(service: str, region: str) -> Any:
    """The platform's boto3 client (retries, timeouts, endpoint) for ``service`` in ``region``."""
    return aws_client(service, region=region)


def reusing(factory: ClientFactory) -> ClientFactory:
    """``factory`` with one client per (service, region) for the caller's lifetime (building a
    boto3 client parses its service model: a tenth of a second each time)."""
    made: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str) -> Any:
        key = (service, region)
        if key not in made:
            made[key] = factory(service, region)
        return made[key]

    return client


@dataclass(frozen=True)
class WaitPolicy:
    """How long verification waits for a resource to reach its goal state, and how often it
    looks."""

    timeout_seconds: float = 900.0
    interval_seconds: float = 5.0


def aws_error_text(exc: BaseException) -> str:
    """A one-line description of an AWS (or other) failure, without request ids."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        operation = getattr(exc, "operation_name", "AWS call")
        return f"{operation}: {error.get('Code', 'Error')}: {error.get('Message', '')}".strip()
    if isinstance(exc, ActionFailedError | PlanRefusalError):
        return str(exc)
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first_line[:200]}"


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """Where a resource is and how AWS addresses it."""

    kind: str
    resource_id: str
    region: str
    cluster: str | None = None
    name: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "resource_id": self.resource_id,
            "region": self.region,
            "cluster": self.cluster,
            "name": self.name,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Target:
        return cls(
            kind=str(doc["kind"]),
            resource_id=str(doc["resource_id"]),
            region=str(doc["region"]),
            cluster=doc.get("cluster"),
            name=doc.get("name"),
        )


def resource_kind_of(resource_id: str) -> str | None:
    """The resource type a stored resource id denotes (by its shape), or None."""
    if resource_id.startswith("i-"):
        return "ec2_instance"
    if resource_id.startswith("arn:") and ":ecs:" in resource_id and ":service/" in resource_id:
        return "ecs_service"
    if resource_id.startswith("arn:") and ":lambda:" in resource_id and ":function:" in resource_id:
        return "lambda_function"
    if resource_id.startswith("arn:") and ":eks:" in resource_id and ":nodegroup/" in resource_id:
        return "eks_nodegroup"
    if resource_id.startswith("eks:"):
        return "eks_nodegroup"  # a rightsizing node-group id: eks:<cluster>/<group>:<type>
    return None


def target_for(resource_id: str, region: str | None) -> Target:
    """The :class:`Target` of a stored resource id; :class:`PlanRefusalError` when it cannot be
    addressed (unknown shape, node group without a name)."""
    kind = resource_kind_of(resource_id)
    fallback = region or default_region()
    if kind == "ec2_instance":
        return Target(kind, resource_id, fallback)
    if kind is None:
        raise PlanRefusalError(f"resource id {resource_id!r} is not a supported resource")
    if resource_id.startswith("eks:"):
        body = resource_id[len("eks:") :]
        group_path = body.rsplit(":", 1)[0] if ":" in body else body
        cluster, _, group = group_path.partition("/")
        if not cluster or not group:
            raise PlanRefusalError(
                f"node group {resource_id!r} has no node-group name (tag eks:nodegroup-name)"
            )
        return Target(kind, resource_id, fallback, cluster=cluster, name=group)
    parts = resource_id.split(":", 6)
    arn_region = parts[3] if len(parts) > 3 and parts[3] else fallback
    if kind == "ecs_service":
        path = resource_id.split(":service/", 1)[1].split("/")
        cluster, name = (path[0], path[1]) if len(path) >= 2 else ("default", path[0])
        return Target(kind, resource_id, arn_region, cluster=cluster, name=name)
    if kind == "lambda_function":
        name = resource_id.split(":function:", 1)[1].split(":")[0]
        return Target(kind, resource_id, arn_region, name=name)
    path = resource_id.split(":nodegroup/", 1)[1].split("/")
    if len(path) < 2:
        raise PlanRefusalError(f"node group ARN {resource_id!r} has no cluster/name")
    return Target(kind, resource_id, arn_region, cluster=path[0], name=path[1])


@dataclass(frozen=True)
class Observation:
    """The live state of a resource (JSON-able) and its tags."""

    state: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- observers

Observer = Callable[[ClientFactory, Target], Observation]
"""Reads the live state and tags of one resource kind (``(clients, target) -> Observation``)."""

OBSERVERS: dict[str, Observer] = {}
"""The observer of every resource kind, filled by :func:`register_family`."""

# Error codes meaning "no such resource" (EC2 InvalidInstanceID.NotFound, ECS/EKS/Lambda
# ResourceNotFoundException, ECS ServiceNotFoundException, ClusterNotFoundException).
NOT_FOUND_SUFFIXES = ("NotFound", "NotFoundException")


def observe(clients: ClientFactory, target: Target) -> Observation:
    """The live state and tags of ``target``; ActionFailedError when AWS cannot tell."""
    try:
        return OBSERVERS[target.kind](clients, target)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        text = f"cannot read {target.resource_id}: {aws_error_text(exc)}"
        if code.endswith(NOT_FOUND_SUFFIXES):
            raise ResourceGoneError(text) from exc
        raise ActionFailedError(text) from exc
    except (BotoCoreError, ResponseParserError) as exc:
        # ResponseParserError: an endpoint that answered with something that is not AWS's
        # protocol (a proxy's error page, an emulator's crash page)
        raise ActionFailedError(f"cannot read {target.resource_id}: {aws_error_text(exc)}") from exc


def wait_until(
    clients: ClientFactory,
    target: Target,
    *,
    goal_reached: Callable[[dict[str, Any]], bool],
    broken: Callable[[dict[str, Any]], str | None],
    wait: WaitPolicy,
    what: str,
) -> dict[str, Any]:
    """Poll ``target`` until ``goal_reached(state)``; return that state.

    ActionFailedError when ``broken(state)`` names a reason it never will, or when
    ``wait.timeout_seconds`` pass (naming the last state seen).
    """
    deadline = time.monotonic() + wait.timeout_seconds
    while True:
        state = observe(clients, target).state
        if goal_reached(state):
            return state
        reason = broken(state)
        if reason:
            raise ActionFailedError(f"{target.resource_id}: {what} failed: {reason}")
        if time.monotonic() >= deadline:
            raise ActionFailedError(
                f"{target.resource_id}: {what} not reached within {wait.timeout_seconds:g}s "
                f"(last state {state})"
            )
        time.sleep(wait.interval_seconds)


# --------------------------------------------------------------------------- handlers


class ActionHandler:
    """One action type. Subclasses set the class attributes and override the hooks."""

    name: ClassVar[str]
    resource_kind: ClassVar[str]
    keys: ClassVar[tuple[str, ...]]
    """The state keys the action changes (the plan's current -> desired diff)."""
    restore_keys: ClassVar[tuple[str, ...]] = ()
    """Extra state keys a restore needs (e.g. the task definition to go back to)."""

    def view(self, state: dict[str, Any]) -> dict[str, Any]:
        """The part of ``state`` this action changes."""
        return {k: state.get(k) for k in self.keys}

    def snapshot(self, state: dict[str, Any]) -> dict[str, Any]:
        """What a restore brings back: the changed keys plus :attr:`restore_keys`."""
        return {k: state.get(k) for k in (*self.keys, *self.restore_keys)}

    def desired(
        self,
        current: dict[str, Any],
        parameters: dict[str, Any],
        recommended: dict[str, Any] | None,
    ) -> dict[str, Any]:
        raise NotImplementedError

    def preflight(
        self,
        clients: ClientFactory,
        target: Target,
        state: dict[str, Any],
        desired: dict[str, Any],
    ) -> None:
        """Refuse (PlanRefusalError) a target AWS would refuse, before anything changes."""

    def converge(
        self, clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
    ) -> dict[str, Any]:
        raise NotImplementedError

    def reached(self, state: dict[str, Any], goal: dict[str, Any]) -> bool:
        return all(state.get(k) == v for k, v in goal.items())

    def broken(self, state: dict[str, Any]) -> str | None:
        return None

    def estimate(
        self,
        catalogue: PriceCatalogue,
        target: Target,
        state: dict[str, Any],
        desired: dict[str, Any],
    ) -> Decimal | None:
        """Expected monthly saving (USD, catalogue prices) when no recommendation gives one."""
        return None

    def verify(
        self, clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
    ) -> dict[str, Any]:
        """Wait until the resource is in ``goal``; return the state seen (ActionFailedError
        otherwise)."""
        return wait_until(
            clients,
            target,
            goal_reached=lambda s: self.reached(s, goal),
            broken=self.broken,
            wait=wait,
            what=f"{self.name} to {goal}",
        )


def instance_hourly_price(
    catalogue: PriceCatalogue, instance_type: Any, region: str
) -> Decimal | None:
    """The catalogue's hourly price of an EC2 instance type in ``region`` (None when unknown or
    when ``instance_type`` is not a type name)."""
    if not isinstance(instance_type, str):
        return None
    return catalogue.hourly_price(instance_type, region)


# --------------------------------------------------------------------------- registry


ACTIONS: dict[str, ActionHandler] = {}
"""Every action, by name (the names of :data:`finops.remediation.policy.ACTION_TYPES`); filled
by :func:`register_family` when :mod:`finops.remediation.actions` is imported."""


def register_family(*, kind: str, observer: Observer, handlers: tuple[ActionHandler, ...]) -> None:
    """Register one action family: the observer of resource ``kind`` and its handlers by name.

    Raises ValueError when the kind or a handler name is registered already, or a handler acts
    on another kind (a programming error, found at import time).
    """
    if kind in OBSERVERS:
        raise ValueError(f"resource kind {kind!r} is registered already")
    for handler in handlers:
        if handler.name in ACTIONS:
            raise ValueError(f"action {handler.name!r} is registered already")
        if handler.resource_kind != kind:
            raise ValueError(f"action {handler.name!r} acts on {handler.resource_kind}, not {kind}")
    OBSERVERS[kind] = observer
    for handler in handlers:
        ACTIONS[handler.name] = handler
