"""Build the CDK app: every stack, wired, with cdk-nag's AWS Solutions checks on."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from finops_infra.api import ApiStack
from finops_infra.data import DataStack
from finops_infra.frontend import FrontendStack
from finops_infra.jobs import JobsStack
from finops_infra.network import NetworkStack
from finops_infra.observability import ObservabilityStack
from finops_infra.orchestration import OrchestrationStack
from finops_infra.settings import DeploymentSettings
from finops_infra.spark import SparkStack


def build_app(
    outdir: Path | None = None,
    context: dict[str, object] | None = None,
    staging_dir: Path | None = None,
) -> tuple[cdk.App, dict[str, cdk.Stack]]:
    """The app and its stacks by short name. ``context`` adds CDK context (``finops:*`` keys);
    ``staging_dir`` is where the Chalice project and the MWAA bundle are assembled."""
    app = cdk.App(
        outdir=str(outdir) if outdir else None,
        context={"@aws-cdk/core:validationReportJson": True, **(context or {})},
    )
    settings = DeploymentSettings.from_context(app.node.try_get_context)
    staging = staging_dir or Path(app.outdir) / "staging"

    def name(part: str) -> str:
        return settings.name(part)

    network = NetworkStack(app, name("network"), settings)
    data = DataStack(app, name("data"), settings, network)
    spark = SparkStack(app, name("spark"), settings, network, data)
    api = ApiStack(app, name("api"), settings, network, data, staging / "chalice")
    jobs = JobsStack(app, name("jobs"), settings, network, data)
    for consumer in (api, jobs):  # they name the scan bucket (no import): it comes first
        consumer.add_stack_dependency(spark, "the jobs read and write the Spark scan bucket")
    orchestration = OrchestrationStack(
        app, name("orchestration"), settings, network, data, spark, api, jobs, staging / "mwaa"
    )
    stacks: dict[str, cdk.Stack] = {
        "network": network,
        "data": data,
        "spark": spark,
        "api": api,
        "jobs": jobs,
        "orchestration": orchestration,
    }
    if settings.observability:
        stacks["observability"] = ObservabilityStack(
            app, name("observability"), settings, network, data, jobs
        )
    stacks["frontend"] = FrontendStack(app, name("frontend"), settings, data, api)
    for stack in stacks.values():
        for key, value in {"project": "finops-platform", **settings.tags}.items():
            cdk.Tags.of(stack).add(key, value)
    add_checks(app)
    return app, stacks


def add_checks(app: cdk.App) -> None:
    """cdk-nag's AWS Solutions pack on every construct of ``app``: synthesis fails on any
    error not acknowledged (with its reason) through :mod:`finops_infra.nag`."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
