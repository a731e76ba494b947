"""Parse error bodies of the ModelArts API and its gateway, in every shape they arrive in.

Documented shapes are ``{"error_code", "error_msg"}`` from ModelArts and the same
with ``request_id`` from the API gateway. Proxies and overloaded backends also
return HTML, plain text, empty or truncated bodies; those yield a description of
what arrived instead of an exception, because a parse failure must never hide
the HTTP status that classifies the call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

_SNIPPET_CHARS = 200


@dataclass(frozen=True)
class ErrorBody:
    """The error fields found in a response body; ``None`` where the body had none."""

    error_code: str | None
    error_msg: str | None
    request_id: str | None = None


def parse_error_body(content: bytes, content_type: str | None = None) -> ErrorBody:
    """Extract ``error_code``, ``error_msg`` and ``request_id``; describe bodies that lack them."""
    text = content.decode("utf-8", errors="replace").strip()
    if not text:
        return ErrorBody(None, None)

    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # json.loads raises RecursionError on deeply nested arrays
        return ErrorBody(None, _describe_unparsed(text, content_type))

    if not isinstance(document, dict):
        return ErrorBody(None, f"unexpected JSON body: {_snippet(text)}")

    # Some gateways nest the fields under "error"; the documented ones put them at the top.
    nested = document.get("error")
    fields: dict[str, object] = nested if isinstance(nested, dict) else document
    code = _string(fields.get("error_code"))
    message = _string(fields.get("error_msg"))
    request_id = _string(fields.get("request_id")) or _string(document.get("request_id"))
    if code is None and message is None:
        return ErrorBody(None, f"JSON body without error_code: {_snippet(text)}", request_id)
    return ErrorBody(code, message, request_id)


def _describe_unparsed(text: str, content_type: str | None) -> str:
    kind = "HTML" if text.lstrip().lower().startswith(("<!doctype", "<html")) else "non-JSON"
    suffix = f" ({content_type})" if content_type else ""
    return f"{kind} body{suffix}: {_snippet(text)}"


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SNIPPET_CHARS else flat[:_SNIPPET_CHARS] + "..."


def _string(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
