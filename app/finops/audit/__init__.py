"""Audit: the append-only record of who (or which job) did what, when, before -> after."""

from finops.audit.log import AuditEntry, count_audit, list_audit, record_audit

__all__ = ["AuditEntry", "count_audit", "list_audit", "record_audit"]
