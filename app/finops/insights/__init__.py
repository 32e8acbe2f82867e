"""Insights: daily top movers, new services, waste and budget risk, each with its data."""

from finops.insights.movers import Mover, rank_movers
from finops.insights.service import build_insights, list_insights

__all__ = ["Mover", "build_insights", "list_insights", "rank_movers"]
