"""Logs in Lambda: Powertools' Logger writing the platform's JSON log format.

The lines carry the fields of :mod:`finops.observability.logs` (``timestamp``, ``level``,
``logger``, ``message``, the ``request_id``/``route``/``job``/``run_id`` of the surrounding
``log_context``) beside Powertools' own (``service``, ``location``, ``xray_trace_id``), and
are masked by the same :func:`finops.observability.logs.redact_value` before they are written,
so CloudWatch Logs and Loki receive one format and never a secret.
"""

from __future__ import annotations

import contextvars
import logging
import os
from typing import IO, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from finops.observability.logs import current_context, redact_value

#: The logger trees the platform writes to; their records go through the Powertools handler.
PLATFORM_LOGGERS = ("finops", "chalicelib")
DEFAULT_SERVICE = "finops-api"

_RECORD_LOGGER: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "finops_record_logger", default=None
)


class PlatformJsonFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter with the platform's field names, context and masking."""

    def format(self, record: logging.LogRecord) -> str:
        token = _RECORD_LOGGER.set(record.name)
        try:
            return super().format(record)
        finally:
            _RECORD_LOGGER.reset(token)

    def serialize(self, log: Any) -> str:
        document = {"logger": _RECORD_LOGGER.get(), **current_context(), **dict(log)}
        return super().serialize(redact_value(document))


def configure_lambda_logging(
    service: str | None = None, level: str | None = None, stream: IO[str] | None = None
) -> Logger:
    """Route every ``finops.*`` and ``chalicelib.*`` record, present and future loggers alike,
    through one Powertools Logger (UTC RFC 3339 timestamps, masked JSON) at ``level``
    (``FINOPS_LOG_LEVEL``, else INFO). Records do not also reach the root logger, so a line is
    written once. Returns the Logger."""
    logger = Logger(
        service=service or os.environ.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE,
        level=(level or os.environ.get("FINOPS_LOG_LEVEL") or "INFO").upper(),
        logger_formatter=PlatformJsonFormatter(utc=True, use_rfc3339=True),
        stream=stream,
    )
    handler = logger.registered_handler
    for name in PLATFORM_LOGGERS:
        platform_logger = logging.getLogger(name)
        platform_logger.handlers[:] = [handler]
        platform_logger.setLevel(logger.log_level)
        platform_logger.propagate = False
    return logger
