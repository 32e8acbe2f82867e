"""Error mapping for every route: platform errors -> status + envelope, anything else -> 500.

Chalice turns an exception raised in a view into its own generic 500 before middleware sees it,
so the mapping is a decorator applied to each view (see STYLE.md).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from chalice.app import Response
from sqlalchemy.exc import OperationalError

from finops.api.errors import envelope_for, error_envelope, internal_error_envelope
from finops.core.errors import FinOpsError

logger = logging.getLogger("finops.api")

JSON_HEADERS = {"Content-Type": "application/json"}


def json_response(body: dict[str, Any], status: int) -> Response:
    return Response(body=body, status_code=status, headers=dict(JSON_HEADERS))


def map_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Wrap a view: FinOpsError -> its status and envelope; any other exception -> a generic
    500 envelope (logged with its stack trace, never returned)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except OperationalError:
            # Database unreachable or gone away: a dependency problem, not the caller's.
            logger.exception("database unavailable in %s", getattr(view, "__name__", "view"))
            return json_response(
                error_envelope("database_unavailable", "The database is unavailable; retry later."),
                503,
            )
        except FinOpsError as exc:
            status, body = envelope_for(exc)
            if status >= 500:
                logger.error("platform error", extra={"code": exc.code})
            return json_response(body, status)
        except Exception:
            logger.exception("unhandled error in %s", getattr(view, "__name__", "view"))
            return json_response(internal_error_envelope(), 500)

    return wrapper


def response_document(response: Response) -> Any:
    """The reply's body as a JSON document (parsed when it is text; None when it is not JSON)."""
    body = response.body
    if isinstance(body, str | bytes):
        try:
            return json.loads(body)
        except ValueError:
            return None
    return body


def envelope_chalice_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """HTTP middleware: rewrite Chalice's own error bodies (405, 415, unhandled 500...) into the
    envelope so clients only ever see one error shape."""
    response = get_response(event)
    if response.status_code < 400:
        return response
    body = response_document(response)
    chalice_format = isinstance(body, dict) and {"Code", "Message"} <= body.keys()
    if isinstance(body, dict) and not chalice_format:
        return response  # one of ours (an envelope, or health's own body)
    if response.status_code >= 500:
        replacement = internal_error_envelope()
    elif chalice_format:
        assert isinstance(body, dict)
        replacement = error_envelope(_snake(str(body["Code"])), str(body["Message"]))
    else:
        replacement = error_envelope("http_error", f"HTTP {response.status_code}")
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    headers.update(JSON_HEADERS)
    return Response(body=replacement, status_code=response.status_code, headers=headers)


def _snake(name: str) -> str:
    name = name.removesuffix("Error")
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_") or "error"
