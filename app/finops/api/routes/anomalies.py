"""Anomaly routes: cost anomalies with impact and root cause, one anomaly's daily band, and the
operator's feedback."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from finops.anomalies.views import AnomalySeverity, AnomalyStatus
from finops.api.models import DecimalText, PageParams, ResponseModel
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.auth.roles import Role
from finops.core.models import InputModel


class AnomaliesParams(PageParams):
    status: AnomalyStatus | None = None
    scope_type: str | None = Field(
        default=None, description="total, account, service, account_service or tag:<key>."
    )
    scope_key: str | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    start: dt.date | None = Field(default=None, description="Overlapping [start, end).")
    end: dt.date | None = None


class AnomalyIdParams(InputModel):
    anomaly_id: int = Field(ge=1, description="The anomaly's id.")


class AnomalyFeedbackBody(InputModel):
    status: AnomalyStatus = Field(
        description="planned_activity and not_an_anomaly stop the same step being flagged again."
    )
    note: str | None = Field(default=None, max_length=2000)


class ContributorOut(ResponseModel):
    account: str | None
    service: str | None
    region: str | None
    usage_type: str | None
    resource: str | None
    actual: str = DecimalText
    expected: str = DecimalText
    deviation: str = DecimalText
    share: str = DecimalText


class AnomalyOut(ResponseModel):
    id: int
    scope_type: str
    scope_key: str
    currency: str
    start_day: dt.date
    end_day: dt.date = Field(description="Exclusive.")
    days: int
    expected_cost: str = DecimalText
    actual_cost: str = DecimalText
    impact: str = DecimalText
    impact_percent: str | None
    severity: AnomalySeverity
    score: str = DecimalText
    status: AnomalyStatus
    root_cause: list[ContributorOut]
    detected_at: dt.datetime


class AnomaliesResponse(ResponseModel):
    items: list[AnomalyOut]
    limit: int
    offset: int


def _anomalies(ctx: OperationContext, params: AnomaliesParams) -> Reply:
    from finops.anomalies import list_anomalies

    views = list_anomalies(
        session=ctx.session,
        status=params.status,
        scope_type=params.scope_type,
        scope_key=params.scope_key,
        currency=params.currency,
        start=params.start,
        end=params.end,
        limit=params.limit,
        offset=params.offset,
    )
    return Reply(
        AnomaliesResponse(
            items=[AnomalyOut.model_validate(v.as_json()) for v in views],
            limit=params.limit,
            offset=params.offset,
        )
    )


def _anomaly(ctx: OperationContext, params: AnomalyIdParams) -> Reply:
    from finops.anomalies import get_anomaly

    view = get_anomaly(session=ctx.session, anomaly_id=params.anomaly_id)
    return Reply(AnomalyOut.model_validate(view.as_json()))


class BandPointOut(ResponseModel):
    day: dt.date
    actual: str = DecimalText
    expected: str | None = Field(description="Exact decimal text; null during warm-up.")
    lower: str | None
    upper: str | None
    in_anomaly: bool


class AnomalyBandOut(ResponseModel):
    anomaly_id: int
    currency: str
    points: list[BandPointOut]


def _anomaly_band(ctx: OperationContext, params: AnomalyIdParams) -> Reply:
    from finops.anomalies import anomaly_band, get_anomaly
    from finops.config import get_settings

    view = get_anomaly(session=ctx.session, anomaly_id=params.anomaly_id)
    points = anomaly_band(
        session=ctx.session,
        anomaly_id=params.anomaly_id,
        holiday_country=get_settings().holiday_country or None,
    )
    return Reply(
        AnomalyBandOut(
            anomaly_id=params.anomaly_id,
            currency=view.currency,
            points=[BandPointOut.model_validate(p.as_json()) for p in points],
        )
    )


def _anomaly_feedback(ctx: OperationContext, params: AnomalyIdParams) -> Reply:
    from finops.anomalies import set_anomaly_status

    assert isinstance(ctx.body, AnomalyFeedbackBody)
    view = set_anomaly_status(
        session=ctx.session,
        anomaly_id=params.anomaly_id,
        status=ctx.body.status,
        actor=ctx.actor,
        note=ctx.body.note,
    )
    return Reply(AnomalyOut.model_validate(view.as_json()))


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec(
        operation_id="listAnomalies",
        method="GET",
        path="/anomalies",
        summary="Cost anomalies with impact, severity and root-cause contributors.",
        tag="anomalies",
        query_model=AnomaliesParams,
        response_model=AnomaliesResponse,
        min_role=Role.VIEWER,
        operation=_anomalies,
    ),
    RouteSpec(
        operation_id="getAnomaly",
        method="GET",
        path="/anomalies/{anomaly_id}",
        summary="One anomaly.",
        tag="anomalies",
        query_model=AnomalyIdParams,
        response_model=AnomalyOut,
        min_role=Role.VIEWER,
        operation=_anomaly,
        extra_statuses=(404,),
    ),
    RouteSpec(
        operation_id="getAnomalyBand",
        method="GET",
        path="/anomalies/{anomaly_id}/band",
        summary="The anomaly's scope day by day: actual cost with the expected value and band.",
        tag="anomalies",
        query_model=AnomalyIdParams,
        response_model=AnomalyBandOut,
        min_role=Role.VIEWER,
        operation=_anomaly_band,
        extra_statuses=(404,),
    ),
    RouteSpec(
        operation_id="setAnomalyFeedback",
        method="POST",
        path="/anomalies/{anomaly_id}/feedback",
        summary="Acknowledge, resolve, or mark as planned / not an anomaly (operator).",
        tag="anomalies",
        query_model=AnomalyIdParams,
        response_model=AnomalyOut,
        min_role=Role.OPERATOR,
        operation=_anomaly_feedback,
        body_model=AnomalyFeedbackBody,
        extra_statuses=(404,),
    ),
)
