"""Fields of an Amazon Resource Name (``arn:partition:service:region:account:resource``)."""

from __future__ import annotations


def _field(value: str, index: int) -> str | None:
    parts = value.split(":")
    if not value.startswith("arn:") or len(parts) < 6:
        return None
    return parts[index] or None


def arn_region(value: str) -> str | None:
    """The region of an ARN; ``None`` for a global resource or a value that is not an ARN."""
    return _field(value, 3)


def arn_account(value: str) -> str | None:
    """The account of an ARN; ``None`` when absent or for a value that is not an ARN."""
    return _field(value, 4)
