"""Batch stages: the registry (:mod:`.registry`), the stages themselves (:mod:`.stages`), their
parameters (:mod:`.parameters`) and the graph of what each reads and writes (:mod:`.graph`)."""

# Importing the stages registers them (their capabilities load only when a stage runs).
from finops.jobs import stages as _stages  # noqa: F401
from finops.jobs.after_delivery import run_after_delivery
from finops.jobs.graph import after_delivery_stages, analysis_stages
from finops.jobs.registry import Job, get_job, register, registered_jobs, run_job

__all__ = [
    "Job",
    "after_delivery_stages",
    "analysis_stages",
    "get_job",
    "register",
    "registered_jobs",
    "run_after_delivery",
    "run_job",
]
