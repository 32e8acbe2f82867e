"""The platform's AWS CDK app: one stack per concern, wired by :func:`finops_infra.app.build_app`.

Stacks (each in its own module): network, data, API (Chalice's CDK construct), jobs (ECS
Fargate), orchestration (MWAA), observability (ECS services) and frontend (S3 + CloudFront).
Settings come from CDK context (see ``infra_cdk/README.md``).
"""
