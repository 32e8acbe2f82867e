"""Routes of policy-driven remediation: policies, plan runs, approvals, execution, rollback.

Thin: validate -> call :mod:`finops.remediation` -> shape the reply. The mutating operations work
in their own transactions through ``ctx.database`` (execution commits ``executing`` before it
touches AWS), so they never use the request's session.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from pydantic import Field
from pydantic.config import ExtraValues

from finops import remediation as service
from finops.api.models import NoParams, PageParams, ResponseModel, page_fields
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.auth.roles import Role
from finops.core.models import InputModel
from finops.remediation import policy as policy_format
from finops.remediation.views import ActionView, PlanRunView, PolicyView


class PolicyBody(policy_format.PolicyDefinition, InputModel):
    """A remediation policy as JSON (the YAML file's document)."""

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: ExtraValues | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        # the policy format's own validation, so a body and a file get the same messages
        # (source, field path, expectation) and the same cross-field and auto-mode rules
        policy_format.validate_policy(obj, source="request body")
        return super().model_validate(
            obj,
            strict=strict,
            extra=extra,
            from_attributes=from_attributes,
            context=context,
            by_alias=by_alias,
            by_name=by_name,
        )


class PolicyNameParams(InputModel):
    name: str = Field(min_length=1, max_length=100, description="The policy's name.")


class PlanParams(PolicyNameParams):
    as_of: dt.date | None = Field(
        default=None, description="The run's day (minimum ages count to it); default today."
    )


class ActionIdParams(InputModel):
    action_id: int = Field(ge=1, description="The action's id.")


class ActionsParams(PageParams):
    status: service.ActionStatus | None = None
    policy: str | None = Field(default=None, description="A policy's name.")
    run_id: str | None = Field(default=None, description="One plan run.")


class DecisionBody(InputModel):
    note: str | None = Field(default=None, max_length=2000, description="Why (audited).")


class PoliciesResponse(ResponseModel):
    items: list[PolicyView]


class ActionsPage(ResponseModel):
    items: list[ActionView]
    total: int
    limit: int
    offset: int
    next_offset: int | None


def _list_policies(ctx: OperationContext, _params: NoParams) -> Reply:
    items = service.list_policies(session=ctx.session)
    return Reply(PoliciesResponse(items=items))


def _save_policy(ctx: OperationContext, _params: NoParams) -> Reply:
    assert isinstance(ctx.body, PolicyBody)
    saved = service.save_policy(db=ctx.database, policy=ctx.body, actor=ctx.actor)
    return Reply(saved, status=201 if saved.created else 200)


def _plan(ctx: OperationContext, params: PlanParams) -> Reply:
    run = service.plan_policy(
        db=ctx.database, name=params.name, actor=ctx.actor, as_of=params.as_of
    )
    return Reply(run)


def _list_actions(ctx: OperationContext, params: ActionsParams) -> Reply:
    page = service.list_actions(
        session=ctx.session,
        status=params.status,
        policy=params.policy,
        run_id=params.run_id,
        limit=params.limit,
        offset=params.offset,
    )
    return Reply(ActionsPage(items=page.items, **page_fields(page.total, params)))


def _get_action(ctx: OperationContext, params: ActionIdParams) -> Reply:
    return Reply(service.get_action(session=ctx.session, action_id=params.action_id))


def _approve(ctx: OperationContext, params: ActionIdParams) -> Reply:
    assert isinstance(ctx.body, DecisionBody)
    return Reply(
        service.approve_action(
            db=ctx.database, action_id=params.action_id, actor=ctx.actor, note=ctx.body.note
        )
    )


def _reject(ctx: OperationContext, params: ActionIdParams) -> Reply:
    assert isinstance(ctx.body, DecisionBody)
    return Reply(
        service.reject_action(
            db=ctx.database, action_id=params.action_id, actor=ctx.actor, note=ctx.body.note
        )
    )


def _execute(ctx: OperationContext, params: ActionIdParams) -> Reply:
    return Reply(
        service.execute_action(db=ctx.database, action_id=params.action_id, actor=ctx.actor)
    )


def _rollback(ctx: OperationContext, params: ActionIdParams) -> Reply:
    return Reply(
        service.rollback_action(db=ctx.database, action_id=params.action_id, actor=ctx.actor)
    )


def _action_route(
    verb: str, operation: Any, summary: str, body: type[InputModel] | None
) -> RouteSpec:
    return RouteSpec(
        operation_id=f"{verb}RemediationAction",
        method="POST",
        path=f"/remediation/actions/{{action_id}}/{verb}",
        summary=summary,
        tag="remediation",
        query_model=ActionIdParams,
        response_model=ActionView,
        min_role=Role.OPERATOR,
        operation=operation,
        body_model=body,
        extra_statuses=(404, 409),
    )


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec(
        operation_id="listRemediationPolicies",
        method="GET",
        path="/remediation/policies",
        summary="Stored remediation policies.",
        tag="remediation",
        query_model=NoParams,
        response_model=PoliciesResponse,
        min_role=Role.VIEWER,
        operation=_list_policies,
    ),
    RouteSpec(
        operation_id="saveRemediationPolicy",
        method="POST",
        path="/remediation/policies",
        summary="Create or replace a remediation policy (admin); validated before it is stored. "
        "201 when created, 200 when replaced.",
        tag="remediation",
        query_model=NoParams,
        response_model=PolicyView,
        min_role=Role.ADMIN,
        operation=_save_policy,
        body_model=PolicyBody,
    ),
    RouteSpec(
        operation_id="planRemediationPolicy",
        method="POST",
        path="/remediation/policies/{name}/plan",
        summary="Plan one run of a policy (operator): planned or refused actions with their "
        "diff and expected saving; nothing changes in AWS.",
        tag="remediation",
        query_model=PlanParams,
        response_model=PlanRunView,
        min_role=Role.OPERATOR,
        operation=_plan,
        extra_statuses=(404, 409),
    ),
    RouteSpec(
        operation_id="listRemediationActions",
        method="GET",
        path="/remediation/actions",
        summary="Remediation actions, newest first.",
        tag="remediation",
        query_model=ActionsParams,
        response_model=ActionsPage,
        min_role=Role.VIEWER,
        operation=_list_actions,
    ),
    RouteSpec(
        operation_id="getRemediationAction",
        method="GET",
        path="/remediation/actions/{action_id}",
        summary="One remediation action: plan, decision, execution, rollback.",
        tag="remediation",
        query_model=ActionIdParams,
        response_model=ActionView,
        min_role=Role.VIEWER,
        operation=_get_action,
        extra_statuses=(404,),
    ),
    _action_route(
        "approve",
        _approve,
        "Approve a planned action (operator other than the requester).",
        DecisionBody,
    ),
    _action_route("reject", _reject, "Reject a planned action (operator).", DecisionBody),
    _action_route(
        "execute",
        _execute,
        "Execute an approved action and verify the new state (operator); a failure restores "
        "the original state and answers the failed action.",
        None,
    ),
    _action_route(
        "rollback",
        _rollback,
        "Restore and verify the original state of an executed action (operator).",
        None,
    ),
)
