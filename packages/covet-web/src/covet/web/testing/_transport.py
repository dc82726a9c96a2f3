"""Running one HTTP request through an ASGI app in-process, as httpx transports.

No socket is opened: the httpx request becomes an ASGI scope, the app runs, and what it
sends becomes an httpx response. The body is collected whole, so a response that streams
forever (Server-Sent Events without an end) needs a real server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx

from .._types import ASGIApp, Message, Scope

__all__ = ["AsyncTransport", "SyncTransport", "build_http_scope", "run_http"]

T = TypeVar("T")
Portal = Callable[[Coroutine[Any, Any, T]], T]
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def build_http_scope(
    request: httpx.Request,
    *,
    root_path: str,
    client: tuple[str, int],
    state: dict[str, Any] | None,
) -> Scope:
    """The ASGI ``http`` scope a server would build for ``request``."""
    url = request.url
    raw_path = url.raw_path.split(b"?", 1)[0]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "server": (url.host, url.port or _DEFAULT_PORTS.get(url.scheme, 80)),
        "client": client,
        # As servers do behind a proxy that strips the prefix: root_path is part of path.
        "root_path": root_path,
        "path": root_path + url.path,
        "raw_path": root_path.encode() + raw_path,
        "query_string": url.query,
        "headers": [(key.lower(), value) for key, value in request.headers.raw],
        "state": dict(state) if state is not None else {},
        "extensions": {},
    }


async def run_http(
    app: ASGIApp,
    request: httpx.Request,
    body: bytes,
    *,
    root_path: str,
    client: tuple[str, int],
    state: dict[str, Any] | None,
    raise_server_exceptions: bool,
) -> httpx.Response:
    """Call ``app`` with ``request`` and return what it answered."""
    scope = build_http_scope(request, root_path=root_path, client=client, state=state)
    request_sent = False
    response_done = asyncio.Event()
    status: int | None = None
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        # Later reads see the client hang up, once the response is complete.
        await response_done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, headers
        kind = message["type"]
        if kind == "http.response.start":
            if status is not None:
                raise RuntimeError("the app sent http.response.start twice")
            status = message["status"]
            headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif kind == "http.response.body":
            if status is None:
                raise RuntimeError("the app sent a body before http.response.start")
            if response_done.is_set():
                raise RuntimeError("the app sent a body after the response was complete")
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                response_done.set()
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} in an http scope")

    try:
        await app(scope, receive, send)
    except Exception:
        if raise_server_exceptions or status is not None:
            raise
        status, headers, chunks = 500, [], [b"Internal Server Error"]
    if status is None:
        raise RuntimeError("the app returned without sending a response")
    return httpx.Response(
        status, headers=headers, stream=httpx.ByteStream(b"".join(chunks)), request=request
    )


class SyncTransport(httpx.BaseTransport):
    """An httpx transport that runs the app on the test client's event loop thread."""

    def __init__(self, owner: Any) -> None:
        self.owner = owner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        owner = self.owner
        body = request.read()
        portal: Portal[httpx.Response] = owner._portal
        return portal(
            run_http(
                owner.app,
                request,
                body,
                root_path=owner.root_path,
                client=owner.client_address,
                state=owner._lifespan.state,
                raise_server_exceptions=owner.raise_server_exceptions,
            )
        )


class AsyncTransport(httpx.AsyncBaseTransport):
    """An httpx transport that runs the app in the caller's event loop."""

    def __init__(self, owner: Any) -> None:
        self.owner = owner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        owner = self.owner
        body = await request.aread()
        return await run_http(
            owner.app,
            request,
            body,
            root_path=owner.root_path,
            client=owner.client_address,
            state=owner._lifespan.state,
            raise_server_exceptions=owner.raise_server_exceptions,
        )
