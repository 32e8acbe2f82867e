"""The cost series the anomaly detector reads: one per scope and billing currency, daily
``Usage`` effective cost read from the stored billing facts, zero-filled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finops.core.errors import InvalidInputError
from finops.costs.buckets import utc_day
from finops.costs.dimensions import parse_dimension
from finops.costs.query import CostQuery, query_costs
from finops.db.models import BillingFact

SCOPE_TYPES = ("total", "account", "service", "account_service")
DEFAULT_SCOPES = SCOPE_TYPES
MEASURED_CHARGES = ["Usage"]
WEEK = 7
NONE_KEY = "(none)"


@dataclass(frozen=True)
class Scope:
    """One cost series: its type, key (as stored) and the cost filters that select it."""

    scope_type: str
    scope_key: str
    currency: str
    filters: dict[str, list[str | None]] = field(hash=False, compare=False)


def float_to_decimal(value: float, places: str = "0.000001") -> Decimal:
    """``value`` as a Decimal rounded to ``places`` (the detector's floats, made exact text)."""
    return Decimal(repr(float(value))).quantize(Decimal(places))


def validate_scopes(scopes: Sequence[str]) -> list[str]:
    """The scope names normalised (``tag:<key>`` parsed), deduplicated in order;
    InvalidInputError for an unknown scope or none at all."""
    result: list[str] = []
    for raw in scopes:
        name = raw.strip()
        if name.lower().startswith("tag:"):
            result.append(str(parse_dimension(name, parameter="scopes")))
        elif name.lower() in SCOPE_TYPES:
            result.append(name.lower())
        else:
            raise InvalidInputError(
                f"parameter 'scopes': unknown scope {raw!r}; expected one of "
                f"{', '.join(SCOPE_TYPES)} or tag:<key>",
                details={"parameter": "scopes", "got": raw},
            )
    if not result:
        raise InvalidInputError(
            "parameter 'scopes': expected at least one scope", details={"parameter": "scopes"}
        )
    return list(dict.fromkeys(result))


def _key(value: str | None) -> str:
    return NONE_KEY if value is None else value


@dataclass
class ScopeSeries:
    scope: Scope
    costs: list[Decimal]


def scope_series(
    session: Session,
    *,
    scopes: list[str],
    start: dt.date,
    end: dt.date,
    filters: dict[str, list[str | None]] | None = None,
) -> list[ScopeSeries]:
    """Daily Usage effective cost of every scope and currency, zero-filled over [start, end);
    ``filters`` (cost-query filters) narrow the facts read, e.g. to one scope's account."""
    narrowed: dict[str, Any] = {"charge_category": list(MEASURED_CHARGES), **(filters or {})}
    n_days = (end - start).days
    series: dict[Scope, list[Decimal]] = {}

    def add(scope: Scope, day: dt.date, amount: Decimal) -> None:
        if scope not in series:
            series[scope] = [Decimal(0)] * n_days
        series[scope][(day - start).days] += amount

    base = [s for s in scopes if s in SCOPE_TYPES]
    if base:
        result = query_costs(
            session=session,
            query=CostQuery(
                start=start,
                end=end,
                granularity="day",
                group_by=["account", "service"],
                filters=narrowed,
            ),
        )
        for row in result.rows:
            account, service = row.keys["account"], row.keys["service"]
            amount, cur, day = row.amounts.effective, row.currency, row.period_start
            if "total" in base:
                add(Scope("total", "total", cur, {}), day, amount)
            if "account" in base:
                add(Scope("account", _key(account), cur, {"account": [account]}), day, amount)
            if "service" in base:
                add(Scope("service", _key(service), cur, {"service": [service]}), day, amount)
            if "account_service" in base:
                add(
                    Scope(
                        "account_service",
                        f"{_key(account)}|{_key(service)}",
                        cur,
                        {"account": [account], "service": [service]},
                    ),
                    day,
                    amount,
                )
    for tag_scope in (s for s in scopes if s.startswith("tag:")):
        result = query_costs(
            session=session,
            query=CostQuery(
                start=start,
                end=end,
                granularity="day",
                group_by=[tag_scope],
                filters=narrowed,
            ),
        )
        for row in result.rows:
            value = row.keys[tag_scope]
            add(
                Scope(tag_scope, _key(value), row.currency, {tag_scope: [value]}),
                row.period_start,
                row.amounts.effective,
            )
    return [ScopeSeries(scope, costs) for scope, costs in sorted(series.items(), key=_scope_order)]


def _scope_order(item: tuple[Scope, list[Decimal]]) -> tuple[str, str, str]:
    scope = item[0]
    return (scope.currency, scope.scope_type, scope.scope_key)


def usage_day_range(session: Session) -> tuple[dt.date, dt.date] | None:
    """The first and last UTC day with ``Usage`` facts; None when there are none."""
    day = utc_day(BillingFact.charge_period_start)
    first, last = session.execute(
        select(func.min(day), func.max(day)).where(
            BillingFact.charge_category.in_(MEASURED_CHARGES)
        )
    ).one()
    if first is None or last is None:
        return None
    return dt.date.fromisoformat(str(first)), dt.date.fromisoformat(str(last))
