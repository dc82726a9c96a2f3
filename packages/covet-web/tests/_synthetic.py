"""Requests over synthetic ASGI scopes, for tests of the parameter plans."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from covet.web._request import Request


def make_request(
    *,
    query: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    path_params: dict[str, Any] | None = None,
    method: str = "GET",
) -> Request:
    """A real Request over a synthetic ASGI scope (what the app builds per request)."""
    scope = {
        "type": "http",
        "method": method,
        "path": "/",
        "query_string": query,
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "path_params": path_params or {},
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)
