"""Remediation policies: the declarative format, validated before anything runs.

A policy (one YAML file, or the same document as a JSON request body) names a resource filter,
one action and a mode::

    name: stop-idle-dev-ec2
    description: Stop EC2 instances the rightsizing job found idle, in dev.
    filter:
      resource_type: ec2_instance
      recommendation_kind: ec2_idle
      tags: {equals: {env: dev}, exists: [owner]}
      account_ids: ["123456789012"]
      regions: [us-east-1]
      min_age_days: 7
      min_monthly_saving: "20"
    action: {type: stop_ec2}
    mode: approval              # dry-run (default) | approval | auto
    exclude_tags: {team: payments}
    max_actions_per_run: 5

Guarantees of :func:`validate_policy` / :func:`load_policy_file`: they return a
:class:`PolicyDefinition` every rule of which holds, or raise :class:`PolicyError` whose message
names the source, the field path (``filter.tags.equals``) and what was expected. Unknown keys
are refused at every level, duplicate YAML keys too. ``auto`` is accepted only for an action the
engine's :class:`AutoAllowList` allows, and only when the filter pins the resources to what the
allow-list names (e.g. ``env`` tag equal to a non-production value); anything else is refused
here, not when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from finops.remediation.exceptions import PolicyError

ResourceKind = Literal["ec2_instance", "ecs_service", "lambda_function", "eks_nodegroup"]
Mode = Literal["dry-run", "approval", "auto"]
RecommendationKind = Literal[
    "ec2_idle",
    "ec2_rightsize",
    "fargate_task",
    "ecs_task_reservation",
    "node_group",
    "lambda_memory",
]

MODES: tuple[str, ...] = ("dry-run", "approval", "auto")
EXCLUDE_TAG_DEFAULT = ("finops:exclude", "true")
"""Every policy refuses resources carrying this tag, whatever its own ``exclude_tags`` say."""

_TAG_KEY = Annotated[str, Field(min_length=1, max_length=128)]
_TAG_VALUE = Annotated[str, Field(max_length=256)]


class PolicyModel(BaseModel):
    """Base of every part of a policy: unknown keys are refused, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _tag_text(value: Any) -> Any:
    # YAML reads `finops:exclude: true` as a boolean and `cost-centre: 42` as a number; tags
    # are strings on AWS, so write them the way AWS would.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return value


def _tag_map(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _tag_text(v) for k, v in value.items()}
    return value


class TagFilter(PolicyModel):
    """Tags a resource must carry: ``equals`` key -> value, ``exists`` keys with any value."""

    equals: dict[_TAG_KEY, _TAG_VALUE] = Field(default_factory=dict)
    exists: list[_TAG_KEY] = Field(default_factory=list, max_length=50)

    @field_validator("equals", mode="before")
    @classmethod
    def _tags_as_text(cls, value: Any) -> Any:
        return _tag_map(value)


class ResourceFilter(PolicyModel):
    """Which resources a policy acts on (every given condition must hold)."""

    resource_type: ResourceKind = Field(description="What the action acts on.")
    recommendation_kind: RecommendationKind | None = Field(
        default=None,
        description="Act on open/accepted recommendations of this kind (the recommendation "
        "gives the target and the expected saving); omitted = act on inventoried resources.",
    )
    tags: TagFilter = Field(default_factory=TagFilter)
    account_ids: list[Annotated[str, Field(pattern=r"^[0-9]{12}$")]] = Field(
        default_factory=list, max_length=1000
    )
    regions: list[Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")]] = Field(
        default_factory=list, max_length=50
    )
    min_age_days: int = Field(
        default=0,
        ge=0,
        le=3650,
        description="The resource (or, without an inventory row, its recommendation) has been "
        "known for at least this many days.",
    )
    min_monthly_saving: Decimal = Field(
        default=Decimal(0),
        ge=0,
        max_digits=18,
        decimal_places=6,
        description="Expected monthly saving at least this much (recommendation or catalogue).",
    )


class StopEc2(PolicyModel):
    type: Literal["stop_ec2"]


class StartEc2(PolicyModel):
    type: Literal["start_ec2"]


class ResizeEc2(PolicyModel):
    type: Literal["resize_ec2"]
    instance_type: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9-]+\.[a-z0-9-]+$",
        description="Target type; omitted when an ec2_rightsize recommendation gives it.",
    )


class ScaleEcsService(PolicyModel):
    type: Literal["scale_ecs_service"]
    desired_count: int = Field(ge=0, le=5000, description="The service's new desired count.")


class ChangeEcsTaskSize(PolicyModel):
    type: Literal["change_ecs_task_size"]
    cpu: Literal[256, 512, 1024, 2048, 4096, 8192, 16384] | None = Field(
        default=None, description="Task CPU units (1024 = 1 vCPU)."
    )
    memory: int | None = Field(default=None, ge=512, le=122880, description="Task memory, MiB.")


class ChangeLambdaMemory(PolicyModel):
    type: Literal["change_lambda_memory"]
    memory_mb: int | None = Field(default=None, ge=128, le=10240)


class ChangeLambdaArchitecture(PolicyModel):
    type: Literal["change_lambda_architecture"]
    architecture: Literal["arm64", "x86_64"]


class ScaleEksNodegroup(PolicyModel):
    type: Literal["scale_eks_nodegroup"]
    desired_size: int | None = Field(default=None, ge=0, le=1000)


ActionSpec = Annotated[
    StopEc2
    | StartEc2
    | ResizeEc2
    | ScaleEcsService
    | ChangeEcsTaskSize
    | ChangeLambdaMemory
    | ChangeLambdaArchitecture
    | ScaleEksNodegroup,
    Field(discriminator="type"),
]

ACTION_MODELS: dict[str, type[PolicyModel]] = {
    "stop_ec2": StopEc2,
    "start_ec2": StartEc2,
    "resize_ec2": ResizeEc2,
    "scale_ecs_service": ScaleEcsService,
    "change_ecs_task_size": ChangeEcsTaskSize,
    "change_lambda_memory": ChangeLambdaMemory,
    "change_lambda_architecture": ChangeLambdaArchitecture,
    "scale_eks_nodegroup": ScaleEksNodegroup,
}
ACTION_TYPES: tuple[str, ...] = tuple(ACTION_MODELS)

ACTION_RESOURCE: dict[str, str] = {
    "stop_ec2": "ec2_instance",
    "start_ec2": "ec2_instance",
    "resize_ec2": "ec2_instance",
    "scale_ecs_service": "ecs_service",
    "change_ecs_task_size": "ecs_service",
    "change_lambda_memory": "lambda_function",
    "change_lambda_architecture": "lambda_function",
    "scale_eks_nodegroup": "eks_nodegroup",
}
"""The resource type each action acts on."""

ACTION_RECOMMENDATION_KINDS: dict[str, tuple[str, ...]] = {
    "stop_ec2": ("ec2_idle",),
    "start_ec2": (),
    "resize_ec2": ("ec2_rightsize",),
    "scale_ecs_service": (),
    "change_ecs_task_size": ("fargate_task",),
    "change_lambda_memory": ("lambda_memory",),
    "change_lambda_architecture": (),
    "scale_eks_nodegroup": ("node_group",),
}
"""Recommendation kinds whose target an action can carry out."""

_TARGET_FIELDS: dict[str, tuple[str, ...]] = {
    "resize_ec2": ("instance_type",),
    "change_ecs_task_size": ("cpu", "memory"),
    "change_lambda_memory": ("memory_mb",),
    "scale_eks_nodegroup": ("desired_size",),
}
"""Optional target fields: required without a recommendation, refused with one."""


class PolicyDefinition(PolicyModel):
    """A remediation policy: filter + action + mode, with its safety rails."""

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,99}$",
        description="Lower-case letters, digits and dashes (it appears in URLs).",
    )
    description: str = Field(min_length=1, max_length=2000)
    enabled: bool = True
    filter: ResourceFilter
    action: ActionSpec
    mode: Mode = Field(default="dry-run", description="dry-run (default), approval or auto.")
    exclude_tags: dict[_TAG_KEY, _TAG_VALUE] = Field(
        default_factory=dict,
        description="Resources carrying any of these tags are refused (with the reason "
        "recorded); finops:exclude=true always is.",
    )
    max_actions_per_run: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Blast radius: candidates beyond this many in one run are refused "
        "(and recorded as such).",
    )

    @field_validator("exclude_tags", mode="before")
    @classmethod
    def _tags_as_text(cls, value: Any) -> Any:
        return _tag_map(value)

    @property
    def exclusions(self) -> dict[str, str]:
        """Every tag that excludes a resource: the policy's own plus ``finops:exclude=true``."""
        key, value = EXCLUDE_TAG_DEFAULT
        return {key: value, **self.exclude_tags}

    def action_parameters(self) -> dict[str, Any]:
        """The action's parameters (its fields other than ``type``) that are set."""
        return {
            k: v
            for k, v in self.action.model_dump(mode="json").items()
            if k != "type" and v is not None
        }


# --------------------------------------------------------------------------- auto allow-list


@dataclass(frozen=True)
class AutoRule:
    """``action`` may run in ``auto`` mode when the policy's filter pins tag ``tag_key`` to one
    of ``tag_values`` (so only those resources can ever match)."""

    action: str
    tag_key: str
    tag_values: frozenset[str]

    def describe(self) -> str:
        return f"{self.action} with filter.tags.equals.{self.tag_key} in {sorted(self.tag_values)}"


@dataclass(frozen=True)
class AutoAllowList:
    """The policy engine's allow-list of actions that may run without a human approval."""

    rules: tuple[AutoRule, ...]

    def allows(self, policy: PolicyDefinition) -> bool:
        """Whether ``policy`` (its action and filter) is covered by a rule."""
        return self.rule_for(policy) is not None

    def rule_for(self, policy: PolicyDefinition) -> AutoRule | None:
        for rule in self.rules:
            pinned = policy.filter.tags.equals.get(rule.tag_key)
            if rule.action == policy.action.type and pinned in rule.tag_values:
                return rule
        return None

    def describe(self) -> str:
        return "; ".join(rule.describe() for rule in self.rules) or "nothing"


NON_PRODUCTION = frozenset({"dev", "development", "test", "qa", "sandbox"})
DEFAULT_AUTO_ALLOW_LIST = AutoAllowList(
    rules=(
        AutoRule("stop_ec2", "env", NON_PRODUCTION),
        AutoRule("scale_ecs_service", "env", NON_PRODUCTION),
    )
)
"""Stopping EC2 instances and scaling ECS services, in non-production only."""


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Problem:
    field: str
    expected: str
    got: Any = None
    has_got: bool = False


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _error(source: str, problems: list[Problem]) -> PolicyError:
    parts = []
    for p in problems:
        got = f" (got {_shown(p.got)})" if p.has_got else ""
        parts.append(f"field '{p.field}': expected {p.expected}{got}")
    return PolicyError(
        f"{source}: " + "; ".join(parts),
        details={
            "source": source,
            "field": problems[0].field,
            "parameter": problems[0].field,
            "errors": [
                {
                    "field": p.field,
                    "expected": p.expected,
                    **({"got": _shown(p.got)} if p.has_got else {}),
                }
                for p in problems
            ],
        },
    )


def _model_at(path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The policy model that holds keys at ``path`` (for listing the allowed keys)."""
    if not path:
        return PolicyDefinition
    if path == ("filter",):
        return ResourceFilter
    if path == ("filter", "tags"):
        return TagFilter
    if len(path) == 2 and path[0] == "action" and path[1] in ACTION_MODELS:
        return ACTION_MODELS[str(path[1])]
    return None


def _field_path(loc: tuple[Any, ...]) -> str:
    # pydantic puts the discriminator's value into the location of a tagged union member
    # ("action", "resize_ec2", "instance_type"); a reader knows it as "action.instance_type".
    parts = list(loc)
    if len(parts) >= 2 and parts[0] == "action" and parts[1] in ACTION_MODELS:
        del parts[1]
    return ".".join(str(p) for p in parts) or "(document)"


def _structural_problems(exc: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error.get("loc", ()))
        kind = error.get("type", "")
        message = str(error.get("msg", "a valid value")).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            parent = _model_at(loc[:-1])
            allowed = ", ".join(n for n in parent.model_fields if n != "type") if parent else ""
            expected = f"no such key (allowed: {allowed})" if allowed else "no such key"
            problems.append(Problem(_field_path(loc), expected))
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            given = error.get("input")
            tag = given.get("type") if isinstance(given, dict) else None
            expected = f"one of {', '.join(ACTION_TYPES)}"
            problems.append(
                Problem(_field_path((*loc, "type")), expected, tag, kind == "union_tag_invalid")
            )
        elif kind == "missing":
            problems.append(Problem(_field_path(loc), "a value (the key is required)"))
        else:
            problems.append(Problem(_field_path(loc), _expected(message), error.get("input"), True))
    return problems


_PHRASES = (
    ("Input should be ", ""),
    ("String should match pattern ", "a string matching pattern "),
    ("String should have ", "a string with "),
    ("List should have ", "a list with "),
    ("Dictionary should have ", "a mapping with "),
    ("Decimal input should be ", "a decimal that is "),
    ("Decimal input should have ", "a decimal with "),
)


def _expected(message: str) -> str:
    """pydantic's "Input should be X" read as what was expected: "X"."""
    for prefix, replacement in _PHRASES:
        if message.startswith(prefix):
            return replacement + message[len(prefix) :]
    return message[:1].lower() + message[1:]


def _semantic_problems(policy: PolicyDefinition, allow_list: AutoAllowList) -> list[Problem]:
    problems: list[Problem] = []
    action = policy.action.type
    acts_on = ACTION_RESOURCE[action]
    if acts_on != policy.filter.resource_type:
        problems.append(
            Problem(
                "action.type",
                f"an action on {policy.filter.resource_type} (filter.resource_type); "
                f"{action} acts on {acts_on}",
                action,
                True,
            )
        )
    kind = policy.filter.recommendation_kind
    kinds = ACTION_RECOMMENDATION_KINDS[action]
    if kind is not None and kind not in kinds:
        expected = (
            f"one of {', '.join(kinds)} for {action}"
            if kinds
            else f"no recommendation_kind: {action} takes its target from the action"
        )
        problems.append(Problem("filter.recommendation_kind", expected, kind, True))
    params = policy.action_parameters()
    for name in _TARGET_FIELDS.get(action, ()):
        if kind is not None and name in params:
            problems.append(
                Problem(
                    f"action.{name}",
                    f"no {name}: the {kind} recommendation gives the target",
                    params[name],
                    True,
                )
            )
        elif kind is None and name not in params:
            problems.append(
                Problem(
                    f"action.{name}",
                    "a value (without filter.recommendation_kind the action names its target)",
                )
            )
    if policy.mode == "auto" and not allow_list.allows(policy):
        problems.append(
            Problem(
                "mode",
                f"'dry-run' or 'approval': auto mode is allowed only for {allow_list.describe()}",
                "auto",
                True,
            )
        )
    return problems


def validate_policy(
    document: Any,
    *,
    source: str,
    allow_list: AutoAllowList = DEFAULT_AUTO_ALLOW_LIST,
) -> PolicyDefinition:
    """The validated policy of ``document`` (a mapping from YAML or JSON).

    Raises :class:`PolicyError` naming ``source``, every bad field path and the expectation:
    structural problems (types, unknown keys, ranges) first; when the structure is sound, the
    rules across fields (action fits the resource type and recommendation kind, target given
    exactly once, ``auto`` only where ``allow_list`` allows it).
    """
    if not isinstance(document, dict):
        raise _error(
            source,
            [Problem("(document)", "a mapping of policy keys", type(document).__name__, True)],
        )
    try:
        policy = PolicyDefinition.model_validate(document)
    except ValidationError as exc:
        raise _error(source, _structural_problems(exc)) from exc
    problems = _semantic_problems(policy, allow_list)
    if problems:
        raise _error(source, problems)
    return policy


# --------------------------------------------------------------------------- YAML


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
        except TypeError:
            continue  # unhashable: construct_mapping reports it
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"found the key {key!r} twice",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_duplicates,
)


def parse_policy_yaml(
    text: str, *, source: str, allow_list: AutoAllowList = DEFAULT_AUTO_ALLOW_LIST
) -> PolicyDefinition:
    """The validated policy in YAML ``text``; PolicyError naming ``source`` (and the line and
    column for malformed YAML) otherwise."""
    try:
        document = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(
            f"{source}: {where}not valid YAML ({problem}); expected one policy mapping",
            details={
                "source": source,
                "field": "(document)",
                "parameter": "(document)",
                **({"line": mark.line + 1, "column": mark.column + 1} if mark else {}),
            },
        ) from exc
    return validate_policy(document, source=source, allow_list=allow_list)


def load_policy_file(
    path: Path | str, *, allow_list: AutoAllowList = DEFAULT_AUTO_ALLOW_LIST
) -> PolicyDefinition:
    """The validated policy in the YAML file at ``path`` (see :func:`parse_policy_yaml`)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise PolicyError(
            f"{file}: cannot read the policy file ({why}); expected a UTF-8 YAML file",
            details={"source": str(file), "field": "(file)", "parameter": "file"},
        ) from exc
    return parse_policy_yaml(text, source=str(file), allow_list=allow_list)
