"""Exports of stored billing data (FOCUS 1.2)."""

from __future__ import annotations

from finops.export.focus_export import CostTotals, FocusExportResult, export_focus

__all__ = ["CostTotals", "FocusExportResult", "export_focus"]
