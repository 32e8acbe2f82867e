"""Utilization series (CloudWatch-shaped) loaded into daily per-resource statistics."""

from finops.usage.loader import UsageLoadResult, load_usage_dir, load_usage_file

__all__ = ["UsageLoadResult", "load_usage_dir", "load_usage_file"]
