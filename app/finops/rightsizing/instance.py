"""The EC2 rule for one instance given its summary statistics (``finops rightsize-instance``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finops.catalogue import packaged_catalogue
from finops.catalogue.model import PriceCatalogue
from finops.core.errors import InvalidInputError
from finops.core.units import HOURS_PER_MONTH
from finops.db.types import decimal_to_text, to_json_document
from finops.rightsizing.ec2 import Ec2Rightsizer, Ec2Utilization


def rightsize_instance(
    *,
    instance_type: str,
    cpu_max: float,
    cpu_p99: float | None = None,
    mem_max: float | None = None,
    network_max_kibps: float | None = None,
    days_observed: float | None = None,
    region: str = "us-east-1",
    os: str = "Linux",
    hours: Decimal | float = HOURS_PER_MONTH,
    catalogue: PriceCatalogue | None = None,
) -> dict[str, Any]:
    """The EC2 rule applied to one instance's summary statistics (the CLI's
    ``finops rightsize-instance``).

    The same rule the rightsizing job applies: ``terminate`` needs the idle evidence of
    :mod:`finops.rightsizing.idle` including ``days_observed`` >= the 14-day lookback; without
    it an idle instance gets ``stop``. ``hours`` may be fractional.

    Returns ``{"action": "modify"|"terminate"|"stop"|"keep", "recommended_type": str|None,
    "monthly_saving": "<decimal>", ...}`` plus the finding, risk, prices, the Graviton alternative
    and the evidence; money is decimal text. Only Linux on-demand prices are in the catalogue.
    """
    if os.strip().lower() != "linux":
        raise InvalidInputError(
            f"parameter 'os': only Linux on-demand prices are in the catalogue, got {os!r}",
            details={"parameter": "os", "got": os, "expected": ["Linux"]},
        )
    rightsizer = Ec2Rightsizer(catalogue or packaged_catalogue())
    rec = rightsizer.recommend(
        instance_type=instance_type,
        usage=Ec2Utilization(
            cpu_max=cpu_max,
            cpu_p99_5=cpu_p99,
            mem_max=mem_max,
            network_max_kibps=network_max_kibps,
            days_observed=days_observed,
        ),
        region=region,
        hours=hours,
    )
    body = to_json_document(rec.as_dict())
    return {
        "action": rec.action,
        "recommended_type": rec.recommended_type,
        "monthly_saving": decimal_to_text(rec.monthly_saving),
        **{k: v for k, v in body.items() if k not in ("action", "monthly_saving")},
        "region": region,
        "os": "Linux",
    }
