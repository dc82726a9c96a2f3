"""All built-in middleware together: lifespan and WebSocket untouched, context kept."""

from __future__ import annotations

import contextvars
from typing import Any

import httpx

from covet.web._types import ASGIApp, Message, Receive, Scope, Send
from covet.web.middleware import (
    CompressionMiddleware,
    HTTPSRedirectMiddleware,
    ProxyHeadersMiddleware,
    RequestIDMiddleware,
    ServerTimingMiddleware,
    TrustedHostMiddleware,
    current_request_id,
)

from ._servers import serve
from ._web_asgi import client

TEXT = b"compress me, " * 200
tenant: contextvars.ContextVar[str] = contextvars.ContextVar("tenant", default="-")


def stack(app: ASGIApp) -> ASGIApp:
    app = CompressionMiddleware(app)
    app = ServerTimingMiddleware(app)
    app = RequestIDMiddleware(app)
    app = TrustedHostMiddleware(app, ["testserver", "127.0.0.1"])
    app = HTTPSRedirectMiddleware(app, exclude_paths=["/"])
    return ProxyHeadersMiddleware(app, ["127.0.0.1"])


class TenantMiddleware:
    """A user's middleware that sets a context variable around the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = tenant.set("acme")
        try:
            await self.app(scope, receive, send)
        finally:
            tenant.reset(token)


async def test_lifespan_and_websocket_scopes_pass_through_untouched() -> None:
    seen: list[tuple[Scope, Message]] = []
    lifespan = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    websocket = {
        "type": "websocket",
        "scheme": "wss",
        "path": "/ws",
        "headers": [(b"host", b"testserver")],
        "client": ("198.51.100.1", 1),
    }

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        await send(message)
        seen.append((scope, message))

    forwarded: list[Message] = []

    async def receive() -> Message:
        return {"type": "probe"}

    async def send(message: Message) -> None:
        forwarded.append(message)

    wrapped = stack(app)
    await wrapped(lifespan, receive, send)
    assert seen[0][0] is lifespan
    assert lifespan == {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    await wrapped(websocket, receive, send)
    assert seen[1][0]["path"] == "/ws"
    assert forwarded == [{"type": "probe"}, {"type": "probe"}]


async def test_context_variables_and_background_work_survive_the_stack() -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        body = f"{tenant.get()} {current_request_id() is not None}".encode() + TEXT
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": body})
        # Work after the response (a background task) still runs, in the same context.
        events.append(f"background {tenant.get()}")

    async with client(TenantMiddleware(stack(app))) as http:
        response = await http.get("/", headers={"accept-encoding": "gzip"})
    assert response.content.startswith(b"acme True")
    assert response.headers["content-encoding"] == "gzip"
    assert "x-request-id" in response.headers
    assert "server-timing" in response.headers
    assert events == ["background acme"]


async def test_stack_under_uvicorn() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        client_host = scope["client"][0]
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        for _ in range(3):
            await send({"type": "http.response.body", "body": TEXT, "more_body": True})
        await send({"type": "http.response.body", "body": client_host.encode()})

    async with serve(stack(app)) as base_url, httpx.AsyncClient() as http:
        response = await http.get(
            f"{base_url}/", headers={"accept-encoding": "br", "x-forwarded-for": "203.0.113.5"}
        )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "br"
    assert response.content == TEXT * 3 + b"203.0.113.5"
    refused: Any = None
    async with serve(stack(app)) as base_url, httpx.AsyncClient() as http:
        refused = await http.get(f"{base_url}/", headers={"host": "evil.example"})
    assert refused.status_code == 400
