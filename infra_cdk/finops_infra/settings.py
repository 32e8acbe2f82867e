"""Deployment settings read from CDK context, typed and checked before any construct is made.

Every value has a default that deploys a small, working estate; ``cdk.json`` and ``-c key=value``
override them. A wrong value stops synthesis with a message naming the context key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,20}$")
#: A Spark driver and one executor at EMR Serverless's defaults (4 vCPU each).
_SPARK_MIN_VCPU = 8
_MWAA_CLASSES = ("mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge")


class SettingsError(ValueError):
    """A context value is missing or malformed; the message names the key."""


@dataclass(frozen=True)
class DeploymentSettings:
    """What to deploy and how big. Field names are the CDK context keys (``finops:<name>``)."""

    prefix: str = "finops"
    account: str | None = None
    region: str = "eu-west-1"
    environment: str = "prod"
    # network
    max_azs: int = 2
    nat_gateways: int = 1
    # database
    postgres_version: str = "16.13"
    db_instance_class: str = "t4g.small"
    db_allocated_storage_gib: int = 20
    db_max_allocated_storage_gib: int = 100
    db_multi_az: bool = False
    db_backup_retention_days: int = 7
    db_rotation_days: int = 30
    # billing bucket
    billing_prefix: str = ""
    billing_noncurrent_version_days: int = 90
    # API and jobs
    api_memory_mb: int = 1024
    api_timeout_seconds: int = 30
    jobs_lambda_timeout_seconds: int = 900
    jobs_cpu: int = 2048
    jobs_memory_mb: int = 8192
    log_retention_days: int = 90
    # the assistant: "parser" (offline) or "bedrock" (the API may invoke this model)
    assistant_engine: str = "parser"
    bedrock_model_id: str = "anthropic.claude-3-5-haiku-20241022-v1:0"
    # orchestration
    mwaa_environment_class: str = "mw1.small"
    mwaa_airflow_version: str = "3.0.6"
    mwaa_max_workers: int = 2
    # the Spark ingest path: the EMR Serverless application's ceiling (it costs nothing idle)
    spark_max_vcpu: int = 400
    spark_max_memory_gb: int = 3000
    # observability
    observability: bool = True
    # frontend
    domain_name: str | None = None
    certificate_arn: str | None = None
    # build inputs (paths relative to the repository unless absolute)
    chalice_project_dir: str = "dist/chalice"
    dashboard_dir: str = "frontend/dist"
    mwaa_bundle_dir: str = "dist/mwaa"
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _PREFIX.match(self.prefix):
            raise SettingsError(
                f"finops:prefix must be 2-21 lowercase letters, digits or '-', got {self.prefix!r}"
            )
        for name in ("max_azs",):
            if not 2 <= getattr(self, name) <= 3:
                raise SettingsError(f"finops:{name} must be 2 or 3 (RDS and MWAA need two AZs)")
        if self.nat_gateways < 0 or self.nat_gateways > self.max_azs:
            raise SettingsError("finops:nat_gateways must be between 0 and finops:max_azs")
        if not re.fullmatch(r"\d+\.\d+", self.postgres_version):
            raise SettingsError(
                f"finops:postgres_version must be a pinned MAJOR.MINOR such as 16.13, "
                f"got {self.postgres_version!r}"
            )
        if self.mwaa_environment_class not in _MWAA_CLASSES:
            raise SettingsError(
                f"finops:mwaa_environment_class must be one of {', '.join(_MWAA_CLASSES)}"
            )
        if not self.mwaa_airflow_version.startswith("3."):
            raise SettingsError("finops:mwaa_airflow_version must be an Airflow 3.x version")
        if self.spark_max_vcpu < _SPARK_MIN_VCPU:
            raise SettingsError(
                f"finops:spark_max_vcpu must be >= {_SPARK_MIN_VCPU} (a driver and one executor "
                f"of 4 vCPU, EMR Serverless's Spark defaults), got {self.spark_max_vcpu}"
            )
        if not 2 * self.spark_max_vcpu <= self.spark_max_memory_gb <= 8 * self.spark_max_vcpu:
            raise SettingsError(
                "finops:spark_max_memory_gb must be 2 to 8 GB per vCPU of finops:spark_max_vcpu "
                f"(EMR Serverless workers' range), got {self.spark_max_memory_gb} for "
                f"{self.spark_max_vcpu} vCPU"
            )
        if self.db_allocated_storage_gib < 20:
            raise SettingsError("finops:db_allocated_storage_gib must be >= 20 (gp3 minimum)")
        if self.db_max_allocated_storage_gib < self.db_allocated_storage_gib:
            raise SettingsError("finops:db_max_allocated_storage_gib must be >= the allocation")
        if self.assistant_engine not in ("parser", "bedrock"):
            raise SettingsError("finops:assistant_engine must be parser or bedrock")
        if self.log_retention_days not in (30, 90, 180, 365):
            raise SettingsError("finops:log_retention_days must be one of 30, 90, 180, 365")
        if bool(self.domain_name) != bool(self.certificate_arn):
            raise SettingsError(
                "finops:domain_name and finops:certificate_arn go together (a us-east-1 ACM "
                "certificate for the dashboard's domain)"
            )

    def path(self, value: str) -> Path:
        """``value`` as an absolute path (relative ones are under the repository)."""
        candidate = Path(value)
        return candidate if candidate.is_absolute() else REPO_ROOT / candidate

    def cdk_environment(self) -> Any:
        """The stacks' ``aws_cdk.Environment`` (account unset: resolved by ``cdk deploy``)."""
        import aws_cdk as cdk

        return cdk.Environment(account=self.account, region=self.region)

    def name(self, suffix: str) -> str:
        """A physical name for the deployment: ``<prefix>-<suffix>``."""
        return f"{self.prefix}-{suffix}"

    @classmethod
    def from_context(cls, get: Any) -> DeploymentSettings:
        """Settings from a context lookup ``get(key) -> value | None`` (``node.try_get_context``);
        booleans and numbers given on the command line as strings are converted."""
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw = get(f"finops:{spec.name}")
            if raw is None:
                continue
            values[spec.name] = _coerce(spec.name, spec.type, raw)
        return cls(**values)


def _coerce(name: str, annotation: Any, raw: Any) -> Any:
    kind = str(annotation)
    try:
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            lowered = str(raw).lower()
            if lowered not in {"true", "false"}:
                raise ValueError(raw)
            return lowered == "true"
        if kind == "int":
            if isinstance(raw, bool):
                raise ValueError(raw)
            return int(raw)
        if kind.startswith("dict"):
            if not isinstance(raw, dict):
                raise ValueError(raw)
            return {str(k): str(v) for k, v in raw.items()}
        return None if raw == "" and "None" in kind else str(raw)
    except ValueError:
        raise SettingsError(f"finops:{name} must be {kind}, got {raw!r}") from None
