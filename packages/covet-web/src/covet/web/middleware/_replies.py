"""Tiny ASGI replies that middleware send on their own: problem details and redirects.

Middleware answer before the application runs (a bad Host, plain HTTP), so they cannot use
the app's exception handlers; these helpers send the same RFC 9457 shape the app uses.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from .._types import Scope, Send


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of request header ``name`` (lower-case bytes), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


async def send_problem(
    send: Send,
    status: int,
    title: str,
    detail: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Send an ``application/problem+json`` response (RFC 9457), with extra ``headers``."""
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        separators=(",", ":"),
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or ()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_redirect(send: Send, location: str, status: int) -> None:
    """Send an empty redirect to ``location``."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"location", location.encode("latin-1")),
                (b"content-length", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def request_target(scope: Scope) -> str:
    """The request's path and query string as they came on the wire (still %-encoded)."""
    raw_path = scope.get("raw_path")
    if raw_path is not None:
        path = bytes(raw_path).decode("latin-1")
    else:
        path = quote(scope.get("root_path", "") + scope["path"])
    query = scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path
