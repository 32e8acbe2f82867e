"""What the ``finops`` commands print: the costs document and its table, a recommendation line,
and dataclass results turned into JSON-ready values.

The costs document (``finops costs``) has the shape ``{"rows": [{"group", "currency",
"billed_cost", "effective_cost", "list_cost", ...}], "total": {...}}`` with costs as decimal
strings. ``group`` is ``null`` without ``--group-by``, the value for one dimension, or an object
for several. Where the data holds several currencies, rows are split by currency and ``total``
is a list with one entry per currency.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from finops.cli.support import json_default
from finops.core.errors import InvalidInputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from finops.costs.query import CostAmounts
    from finops.rightsizing.views import RecommendationView


def _amounts(amounts: CostAmounts) -> dict[str, Any]:
    from finops.core.money import format_money

    return {
        "billed_cost": format_money(amounts.billed),
        "effective_cost": format_money(amounts.effective),
        "list_cost": format_money(amounts.list),
        "contracted_cost": format_money(amounts.contracted),
        "line_items": amounts.line_items,
    }


def costs_document(
    *,
    session: Session,
    start: dt.date,
    end: dt.date,
    group_by: list[str],
    granularity: str | None = None,
    metric: str = "effective",
    filters: dict[str, list[str | None]] | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Run the cost query and shape it for ``finops costs`` (see the module docstring)."""
    from finops.costs.query import CostQuery, query_costs

    try:
        query = CostQuery.model_validate(
            {
                "start": start,
                "end": end,
                "group_by": group_by,
                "granularity": granularity,
                "metric": metric,
                "filters": filters or {},
                "limit": limit,
            }
        )
    except InvalidInputError:
        raise
    result = query_costs(session=session, query=query)
    dims = list(query.group_by)
    rows = []
    for row in result.rows:
        if not dims:
            group: Any = None
        elif len(dims) == 1:
            group = row.keys.get(dims[0])
        else:
            group = {d: row.keys.get(d) for d in dims}
        entry: dict[str, Any] = {"group": group}
        if query.granularity:
            entry["period_start"] = row.period_start.isoformat()
            entry["period_end"] = row.period_end.isoformat()
        entry["currency"] = row.currency
        entry.update(_amounts(row.amounts))
        rows.append(entry)
    totals = [{"currency": t.currency, **_amounts(t.amounts)} for t in result.totals]
    total: Any
    if len(totals) == 1:
        total = totals[0]
    elif not totals:
        total = {
            "currency": None,
            "billed_cost": "0.00",
            "effective_cost": "0.00",
            "list_cost": "0.00",
            "contracted_cost": "0.00",
            "line_items": 0,
        }
    else:
        total = totals
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "end_exclusive": True,
        "group_by": dims,
        "granularity": query.granularity,
        "rows": rows,
        "total": total,
        "fact_count": result.fact_count,
    }


def render_costs_table(document: dict[str, Any]) -> str:
    """A fixed-width table of the document, money right-aligned, one line per row."""
    header = ["group", "currency", "billed", "effective", "list"]
    if document.get("granularity"):
        header.insert(0, "period")
    lines: list[list[str]] = []
    for row in document["rows"]:
        group = row["group"]
        if isinstance(group, dict):
            group = " / ".join("-" if v is None else str(v) for v in group.values())
        cells = [
            ("(all)" if not document["group_by"] else ("-" if group is None else str(group))),
            row["currency"],
            row["billed_cost"],
            row["effective_cost"],
            row["list_cost"],
        ]
        if document.get("granularity"):
            cells.insert(0, row["period_start"])
        lines.append(cells)
    totals = document["total"] if isinstance(document["total"], list) else [document["total"]]
    for total in totals:
        cells = [
            "TOTAL",
            total["currency"] or "-",
            total["billed_cost"],
            total["effective_cost"],
            total["list_cost"],
        ]
        if document.get("granularity"):
            cells.insert(0, "")
        lines.append(cells)
    widths = [
        max(len(h), *(len(c[i]) for c in lines)) if lines else len(h) for i, h in enumerate(header)
    ]
    numeric = {len(header) - 3, len(header) - 2, len(header) - 1}

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [fmt(header), fmt(["-" * w for w in widths])]
    out += [fmt(c) for c in lines]
    return "\n".join(out)


def print_recommendation(view: RecommendationView) -> None:
    """Echo one recommendation as a fixed-width line: id, status, kind, action, saving, resource."""
    doc = view.model_dump(mode="json")
    typer.echo(
        f"{doc['id']:6} {doc['status']:10} {doc['kind']:20} {doc['action']:10} "
        f"{doc['estimated_monthly_saving']:>12} {doc['billing_currency']}  "
        f"{doc['resource_id']}"
    )


def jsonable_result(result: Any) -> Any:
    """``result`` (dataclasses, dicts, lists, decimals, paths, dates) as plain JSON values."""
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {
            f.name: jsonable_result(getattr(result, f.name)) for f in dataclasses.fields(result)
        }
    if isinstance(result, dict):
        return {str(k): jsonable_result(v) for k, v in result.items()}
    if isinstance(result, list | tuple):
        return [jsonable_result(v) for v in result]
    if isinstance(result, Decimal | Path | dt.date):
        return json_default(result)
    return result


def cost_changes_document(*, session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """Run :func:`finops.costs.changes.cost_changes` and shape it for ``finops cost-changes``."""
    from finops.core.money import format_money
    from finops.costs.changes import ChangeQuery, cost_changes

    query = ChangeQuery.model_validate(values)
    result = cost_changes(session=session, query=query)
    return {
        "start": result.current_window[0].isoformat(),
        "end": result.current_window[1].isoformat(),
        "previous_start": result.previous_window[0].isoformat(),
        "previous_end": result.previous_window[1].isoformat(),
        "group_by": query.group_by,
        "metric": query.metric,
        "direction": query.direction,
        "rows": [
            {
                "group": row.key,
                "currency": row.currency,
                "current": format_money(row.current),
                "previous": format_money(row.previous),
                "change": format_money(row.change),
                "change_percent": None
                if row.change_percent is None
                else format_money(row.change_percent),
            }
            for row in result.rows
        ],
    }
