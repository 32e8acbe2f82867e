"""One structured log format (JSON lines) for the API, the jobs and the CLI's ``--log-json``.

Every line carries ``timestamp`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, the
fields of the surrounding :func:`log_context` (``request_id``, ``route``, ``job``, ``run_id``)
and the record's ``extra`` values. Before a line is written, anything shaped like a secret is
masked: API keys (``fo_...``), passwords in URLs and ``key=value`` pairs, bearer and Vault
tokens, AWS secret keys. Lambdas use Powertools' Logger with the same field names.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

MASK = "***"
_CONTEXT: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar(
    "finops_log_context", default=None
)
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}

_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # API keys of this platform: fo_ + 32 URL-safe characters
    (re.compile(r"\bfo_[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])"), "fo_" + MASK),
    # user:password@ in URLs (database URLs, webhooks)
    (
        re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@", re.I),
        r"\g<head>" + MASK + "@",
    ),
    # Authorization headers and bearer tokens
    (re.compile(r"(?P<head>\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]+", re.I), r"\g<head>" + MASK),
    # Vault / OpenBao tokens
    (re.compile(r"\b(?:hvs|hvb|hvr|s)\.[A-Za-z0-9_-]{20,}\b"), MASK),
    # key=value / "key": "value" for secret-sounding keys
    (
        re.compile(
            r"(?P<head>\b(?:password|passwd|secret|token|api[_-]?key|secret[_-]?access[_-]?key"
            r"|webhook[_-]?url)\b[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&]+",
            re.I,
        ),
        r"\g<head>" + MASK,
    ),
    # AWS secret access keys (40 characters of base64) after an access key id
    (re.compile(r"\b(?P<head>AKIA[0-9A-Z]{16}[\s:/,]+)[A-Za-z0-9/+=]{40}\b"), r"\g<head>" + MASK),
)


def redact(text: str) -> str:
    """``text`` with every secret-shaped part replaced by ``***`` (idempotent)."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(value: Any) -> Any:
    """``value`` (a log document or any part of one) with :func:`redact` applied to every string
    in it, mappings and sequences walked; numbers, booleans and ``None`` kept as they are."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {str(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add ``fields`` (request id, route, job, run id...) to every log line in the block,
    nested blocks adding to the outer ones; restored on exit."""
    token = _CONTEXT.set({**(_CONTEXT.get() or {}), **fields})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def current_context() -> dict[str, Any]:
    """The fields :func:`log_context` adds right now."""
    return dict(_CONTEXT.get() or {})


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object per line, secrets masked (see the module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "timestamp": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **current_context(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and key not in document:
                document[key] = value
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(redact_value(document), default=str)


def configure_json_logging(level: str = "INFO", stream: Any = None) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr by default) as JSON lines, replacing
    its handlers; returns the handler."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    return handler
