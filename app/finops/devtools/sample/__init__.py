"""Deterministic sample AWS billing data (CUR 2.0, legacy CUR, FOCUS) with ground truth."""

from finops.devtools.sample.generator import CostTotals, SampleResult, generate_sample
from finops.devtools.sample.writers import FORMATS, SampleFormat

__all__ = ["FORMATS", "CostTotals", "SampleFormat", "SampleResult", "generate_sample"]
