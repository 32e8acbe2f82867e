"""The simulated organisation behind a sample: accounts, resources, commitments and anomalies.

Everything here is a pure function of the seed and the calendar, so the same arguments always
describe the same estate. The billing lines and utilization series are rendered from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from finops.devtools.sample.prices import EC2_INSTANCE_TYPES, SAVINGS_PLAN_RATE_FACTOR, InstanceType

TEAMS = ("platform", "payments", "data", "search", "ml")
ENVS = ("prod", "staging", "dev")
COST_CENTERS = ("CC-1001", "CC-1002", "CC-2001", "CC-3001")
ACCOUNT_NAMES = (
    "shared-services",
    "payments-prod",
    "data-platform",
    "search",
    "ml-research",
)


@dataclass(frozen=True)
class Tags:
    team: str
    env: str
    cost_center: str

    def as_dict(self) -> dict[str, str]:
        return {"team": self.team, "env": self.env, "cost-center": self.cost_center}


@dataclass(frozen=True)
class Month:
    """One billing month: period ``[start, end)``, data held ``[start, data_end)``."""

    index: int
    start: dt.datetime
    end: dt.datetime
    data_end: dt.datetime
    first_day: int  # index of ``start`` in the whole sample's day range

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def days(self) -> int:
        return (self.data_end - self.start).days

    @property
    def hours(self) -> int:
        return self.days * 24

    @property
    def period_hours(self) -> int:
        return int((self.end - self.start).total_seconds()) // 3600

    @property
    def start_epoch(self) -> int:
        return int(self.start.timestamp())


@dataclass(frozen=True)
class Ec2Instance:
    resource_id: str
    account: int
    region: str
    az: str
    instance_type: InstanceType
    tags: Tags | None
    role: str  # app | ecs-node | eks-node | fleet | anomaly
    behaviour: str = "normal"  # normal | idle | oversized
    coverage: str | None = None  # sp | ri
    cluster: str | None = None
    hourly: bool = False
    metrics: bool = True
    first_hour: int = 0  # hour of the sample the instance was launched (fleet only)


@dataclass(frozen=True)
class FargateService:
    resource_id: str
    account: int
    region: str
    vcpu: Decimal
    memory_gb: Decimal
    base_tasks: float
    tags: Tags | None
    behaviour: str = "normal"


@dataclass(frozen=True)
class EcsEc2Service:
    resource_id: str
    account: int
    region: str
    cluster: str
    behaviour: str = "normal"


@dataclass(frozen=True)
class EksCluster:
    resource_id: str
    name: str
    account: int
    region: str
    tags: Tags | None


@dataclass(frozen=True)
class LambdaFunction:
    resource_id: str
    account: int
    region: str
    memory_mb: int
    arch: str
    requests_per_day: float
    duration_ms: float
    tags: Tags | None
    behaviour: str = "normal"
    max_memory_used_mb: int = 0


@dataclass(frozen=True)
class S3Bucket:
    resource_id: str
    account: int
    region: str
    gigabytes: float
    puts_per_day: float
    tags: Tags | None


@dataclass(frozen=True)
class RdsInstance:
    resource_id: str
    account: int
    region: str
    az: str
    db_class: str
    tags: Tags | None


@dataclass(frozen=True)
class Anomaly:
    """An injected cost anomaly: extra usage of one resource on ``days`` consecutive days."""

    kind: str  # spike | level_shift
    account: int
    service: str  # product code
    resource_ids: tuple[str, ...]
    start_day: int
    days: int
    region: str
    # what the extra usage is, per day
    instance_type: InstanceType | None = None
    lambda_requests: int = 0
    lambda_gb_seconds: int = 0
    s3_put_requests: int = 0


@dataclass(frozen=True)
class AppliedChange:
    """A change made to one EC2 instance from day ``day`` on (an index into the sample's days),
    after the platform recommended it; the bill and the utilization show it from then on.

    ``stop``: the instance is stopped, except on the days ``[restarted_from, restarted_until)``
    when someone ran it again. ``resize``: it runs as ``new_type`` from ``day`` on.
    """

    kind: str  # stop | resize
    applied_by: str  # remediation | hand
    resource_id: str
    account: int
    day: int
    new_type: InstanceType | None = None
    restarted_from: int = 0
    restarted_until: int = 0

    def running(self, days: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Whether the instance runs on each of ``days``."""
        if self.kind != "stop":
            return np.ones(len(days), dtype=bool)
        return (days < self.day) | ((days >= self.restarted_from) & (days < self.restarted_until))

    def resized(self, days: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Whether the instance runs as ``new_type`` on each of ``days``."""
        if self.kind != "resize":
            return np.zeros(len(days), dtype=bool)
        return days >= self.day


@dataclass
class Estate:
    """The whole simulated organisation."""

    seed: int
    payer: str
    accounts: list[str]
    account_names: list[str]
    months: list[Month]
    ec2: list[Ec2Instance] = field(default_factory=list)
    fargate: list[FargateService] = field(default_factory=list)
    ecs_ec2_services: list[EcsEc2Service] = field(default_factory=list)
    eks: list[EksCluster] = field(default_factory=list)
    lambdas: list[LambdaFunction] = field(default_factory=list)
    buckets: list[S3Bucket] = field(default_factory=list)
    rds: list[RdsInstance] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    changes: list[AppliedChange] = field(default_factory=list)
    sp_arn: str = ""
    sp_hourly_commitment: Decimal = Decimal(0)
    ri_arn: str = ""
    ri_account: int = 0
    ri_region: str = "us-east-1"
    ri_instance_type: InstanceType | None = None
    ri_count: int = 0

    @property
    def total_days(self) -> int:
        return sum(m.days for m in self.months)

    @property
    def total_hours(self) -> int:
        return self.total_days * 24

    def change_of(self, resource_id: str) -> AppliedChange | None:
        """The applied change planted on ``resource_id``, if any."""
        return next((c for c in self.changes if c.resource_id == resource_id), None)


def month_calendar(*, months: int, end: dt.date) -> list[Month]:
    """``months`` whole billing months ending with the month that contains ``end``.

    The last month holds data only up to (not including) ``end``; earlier months are complete.
    """
    first = dt.date(end.year, end.month, 1)
    starts = []
    year, month = first.year, first.month
    for _ in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    starts.reverse()
    result: list[Month] = []
    day = 0
    for index, start in enumerate(starts):
        nxt = (
            dt.date(start.year + 1, 1, 1)
            if start.month == 12
            else dt.date(start.year, start.month + 1, 1)
        )
        data_end = min(nxt, end)
        entry = Month(
            index=index,
            start=_utc(start),
            end=_utc(nxt),
            data_end=_utc(data_end),
            first_day=day,
        )
        result.append(entry)
        day += entry.days
    return result


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


class _Ids:
    """Deterministic AWS-looking identifiers drawn from one generator."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def hex(self, length: int) -> str:
        return "".join(f"{int(x):x}" for x in self.rng.integers(0, 16, size=length))

    def instance(self) -> str:
        return f"i-0{self.hex(16)}"

    def uuid(self) -> str:
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _tags(rng: np.random.Generator, *, tagged_share: float = 0.88) -> Tags | None:
    if rng.random() > tagged_share:
        return None
    return Tags(
        team=str(rng.choice(TEAMS)),
        env=str(rng.choice(ENVS, p=[0.6, 0.25, 0.15])),
        cost_center=str(rng.choice(COST_CENTERS)),
    )


APP_TYPES = ("t3.large", "m5.large", "m5.xlarge", "c5.xlarge", "r5.large", "m6g.large", "m6i.large")
OVERSIZED_TYPES = ("m5.4xlarge", "c5.2xlarge", "r5.xlarge", "m5.2xlarge")
IDLE_TYPES = ("m5.xlarge", "t3.xlarge", "m6i.xlarge")
FLEET_TYPES = ("m5.large", "m6g.large", "c6g.large", "t3.medium", "c5.xlarge", "m7g.xlarge")
AZS = {"us-east-1": ("a", "b", "c"), "us-west-2": ("a", "b"), "eu-west-1": ("a", "b")}


def build_estate(*, seed: int, accounts: int, months: list[Month]) -> Estate:
    """The base organisation for ``seed``: a payer, ``accounts`` linked accounts and their
    resources, one Compute Savings Plan, one Reserved Instance and (when the sample spans at least
    two weeks) three labelled anomalies."""
    if accounts < 1:
        raise ValueError("accounts must be at least 1")
    rng = np.random.default_rng([seed, 1])
    ids = _Ids(rng)
    account_ids = sorted({str(x) for x in rng.integers(10**11, 10**12, size=accounts * 2)})
    rng.shuffle(account_ids)
    payer, linked = account_ids[0], account_ids[1 : accounts + 1]
    names = [
        ACCOUNT_NAMES[i] if i < len(ACCOUNT_NAMES) else f"workload-{i:02d}" for i in range(accounts)
    ]
    estate = Estate(seed=seed, payer=payer, accounts=linked, account_names=names, months=months)

    def az(region: str) -> str:
        return region + str(rng.choice(AZS[region]))

    def arn(service: str, region: str, account: int, rest: str) -> str:
        return f"arn:aws:{service}:{region}:{linked[account]}:{rest}"

    for a in range(accounts):
        regions = ("us-east-1", "us-east-1", "us-west-2")
        # three normal app servers: the first of account 0 is SP-covered, the second of account
        # min(1, n-1) is RI-covered
        for k in range(3):
            region = regions[k]
            coverage = None
            itype = EC2_INSTANCE_TYPES[str(rng.choice(APP_TYPES))]
            if a == 0 and k == 0:
                coverage = "sp"
            if a == min(1, accounts - 1) and k == 1:
                coverage, itype = "ri", EC2_INSTANCE_TYPES["m5.large"]
            estate.ec2.append(
                Ec2Instance(
                    ids.instance(),
                    a,
                    region,
                    az(region),
                    itype,
                    _tags(rng),
                    "app",
                    coverage=coverage,
                )
            )
        estate.ec2.append(
            Ec2Instance(
                ids.instance(),
                a,
                "us-east-1",
                az("us-east-1"),
                EC2_INSTANCE_TYPES[str(rng.choice(IDLE_TYPES))],
                _tags(rng),
                "app",
                behaviour="idle",
            )
        )
        estate.ec2.append(
            Ec2Instance(
                ids.instance(),
                a,
                "us-east-1",
                az("us-east-1"),
                EC2_INSTANCE_TYPES[str(rng.choice(OVERSIZED_TYPES))],
                _tags(rng),
                "app",
                behaviour="oversized",
            )
        )
        # ECS on EC2: a cluster of two nodes running two services
        cluster = f"ecs-{names[a]}"
        for _ in range(2):
            estate.ec2.append(
                Ec2Instance(
                    ids.instance(),
                    a,
                    "us-east-1",
                    az("us-east-1"),
                    EC2_INSTANCE_TYPES["m5.xlarge"],
                    _tags(rng),
                    "ecs-node",
                    cluster=cluster,
                    coverage="sp" if a == 0 else None,
                )
            )
        for s, behaviour in enumerate(("normal", "oversized")):
            estate.ecs_ec2_services.append(
                EcsEc2Service(
                    arn("ecs", "us-east-1", a, f"service/{cluster}/worker-{s}"),
                    a,
                    "us-east-1",
                    cluster,
                    behaviour,
                )
            )
        # ECS on Fargate
        for s, (vcpu, mem, tasks, behaviour) in enumerate(
            (("0.5", "1", 4.0, "normal"), ("2", "8", 3.0, "oversized"))
        ):
            estate.fargate.append(
                FargateService(
                    arn("ecs", "us-east-1", a, f"service/fargate-{names[a]}/api-{s}"),
                    a,
                    "us-east-1",
                    Decimal(vcpu),
                    Decimal(mem),
                    tasks,
                    _tags(rng),
                    behaviour,
                )
            )
        # EKS: control plane plus three nodes
        eks_name = f"eks-{names[a]}"
        estate.eks.append(
            EksCluster(
                arn("eks", "us-west-2", a, f"cluster/{eks_name}"),
                eks_name,
                a,
                "us-west-2",
                _tags(rng),
            )
        )
        for node_type in ("m6g.large", "m6g.large", "m5.large"):
            estate.ec2.append(
                Ec2Instance(
                    ids.instance(),
                    a,
                    "us-west-2",
                    az("us-west-2"),
                    EC2_INSTANCE_TYPES[node_type],
                    _tags(rng),
                    "eks-node",
                    cluster=eks_name,
                )
            )
        # Lambda
        for f, (region, memory, arch, reqs, dur, behaviour, used) in enumerate(
            (
                ("us-east-1", 512, "x86_64", 2_000_000.0, 120.0, "normal", 310),
                ("eu-west-1", 1024, "arm64", 400_000.0, 850.0, "normal", 700),
                ("us-east-1", 3008, "x86_64", 150_000.0, 400.0, "oversized", 190),
            )
        ):
            estate.lambdas.append(
                LambdaFunction(
                    arn("lambda", region, a, f"function:{names[a]}-fn-{f}"),
                    a,
                    region,
                    memory,
                    arch,
                    reqs * (0.5 + rng.random()),
                    dur,
                    _tags(rng),
                    behaviour,
                    used,
                )
            )
        for b, region in enumerate(("us-east-1", "eu-west-1")):
            estate.buckets.append(
                S3Bucket(
                    f"{names[a]}-{linked[a][-4:]}-bucket-{b}",
                    a,
                    region,
                    float(rng.uniform(200, 4000)),
                    float(rng.uniform(20_000, 200_000)),
                    _tags(rng),
                )
            )
        db_class = str(rng.choice(("db.t3.medium", "db.m5.large")))
        estate.rds.append(
            RdsInstance(
                arn("rds", "us-east-1", a, f"db:{names[a]}-db"),
                a,
                "us-east-1",
                az("us-east-1"),
                db_class,
                _tags(rng),
            )
        )

    estate.sp_arn = f"arn:aws:savingsplans::{payer}:savingsplan/{ids.uuid()}"
    sp_hourly_od = sum(
        (i.instance_type.hourly_usd for i in estate.ec2 if i.coverage == "sp"), Decimal(0)
    )
    # commitment slightly above what the covered instances use, so some of it goes unused
    estate.sp_hourly_commitment = (
        sp_hourly_od * SAVINGS_PLAN_RATE_FACTOR * Decimal("1.08")
    ).quantize(Decimal("0.001"))
    ri_holder = min(1, accounts - 1)
    estate.ri_account = ri_holder
    estate.ri_arn = f"arn:aws:ec2:us-east-1:{linked[ri_holder]}:reserved-instances/{ids.uuid()}"
    estate.ri_instance_type = EC2_INSTANCE_TYPES["m5.large"]
    estate.ri_count = 2  # one reservation more than the covered instance: shows unused RI

    _add_anomalies(estate, ids)
    return estate


def _add_anomalies(estate: Estate, ids: _Ids) -> None:
    total = estate.total_days
    if total < 14:
        return
    n = len(estate.accounts)
    names = estate.account_names
    lambda_account = 0
    estate.anomalies.append(
        Anomaly(
            kind="spike",
            account=lambda_account,
            service="AWSLambda",
            resource_ids=(
                f"arn:aws:lambda:us-east-1:{estate.accounts[lambda_account]}:"
                f"function:{names[lambda_account]}-retry-storm",
            ),
            start_day=total - 12,
            days=3,
            region="us-east-1",
            lambda_requests=40_000_000,
            lambda_gb_seconds=18_000_000,
        )
    )
    ec2_account = 1 % n
    estate.anomalies.append(
        Anomaly(
            kind="level_shift",
            account=ec2_account,
            service="AmazonEC2",
            resource_ids=(ids.instance(), ids.instance()),
            start_day=total - 9,
            days=9,
            region="us-east-1",
            instance_type=EC2_INSTANCE_TYPES["g5.xlarge"],
        )
    )
    s3_account = 2 % n
    estate.anomalies.append(
        Anomaly(
            kind="spike",
            account=s3_account,
            service="AmazonS3",
            resource_ids=(f"{names[s3_account]}-{estate.accounts[s3_account][-4:]}-bucket-0",),
            start_day=total // 2,
            days=2,
            region="us-east-1",
            s3_put_requests=150_000_000,
        )
    )


def add_fleet(estate: Estate, *, instance_hours: int) -> int:
    """Add hourly-billed on-demand EC2 instances worth ``instance_hours`` line items.

    Whole-period instances first; the remainder is one instance launched late. Only the first
    few fleet instances get utilization series (to keep the metrics files bounded). Returns the
    number of instances added.
    """
    hours = estate.total_hours
    if instance_hours <= 0 or hours == 0:
        return 0
    rng = np.random.default_rng([estate.seed, 2])
    ids = _Ids(rng)
    full, rest = divmod(instance_hours, hours)
    count = full + (1 if rest else 0)
    n = len(estate.accounts)
    for k in range(count):
        region = "us-east-1" if k % 3 else "us-west-2"
        itype = EC2_INSTANCE_TYPES[FLEET_TYPES[k % len(FLEET_TYPES)]]
        estate.ec2.append(
            Ec2Instance(
                ids.instance(),
                k % n,
                region,
                region + AZS[region][k % len(AZS[region])],
                itype,
                _tags(rng, tagged_share=0.9),
                "fleet",
                hourly=True,
                metrics=k < 25,
                first_hour=(hours - rest) if k == full else 0,
            )
        )
    return count
