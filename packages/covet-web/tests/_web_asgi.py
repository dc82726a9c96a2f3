"""Test helpers that drive raw ASGI apps in process (real servers are in ``_servers``).

``client(app)`` is an httpx client over ASGITransport; ``run_asgi`` calls an app with a
scripted ``receive`` and records what it sends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from covet.web._types import ASGIApp, Message, Receive, Scope, Send


def client(app: ASGIApp, base_url: str = "http://testserver", **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client that calls ``app`` in process."""
    transport = httpx.ASGITransport(app=app, **kwargs)
    return httpx.AsyncClient(transport=transport, base_url=base_url)


def http_scope(
    path: str = "/",
    *,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    **extra: Any,
) -> Scope:
    """A minimal HTTP scope."""
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers or [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    scope.update(extra)
    return scope


async def run_asgi(
    app: ASGIApp,
    scope: Scope,
    *,
    disconnect_when: Callable[[list[Message]], bool] | None = None,
) -> list[Message]:
    """Call ``app`` and return the messages it sent.

    ``receive`` gives an empty request body, then blocks until ``disconnect_when(sent)``
    is true (checked after every send), then reports ``http.disconnect``.
    """
    sent: list[Message] = []
    changed = asyncio.Event()
    body_given = False

    async def receive() -> Message:
        nonlocal body_given
        if not body_given:
            body_given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        if disconnect_when is None:
            await asyncio.Future()  # never: the client stays
        while not disconnect_when(sent):  # type: ignore[misc]
            changed.clear()
            await changed.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        changed.set()

    await app(scope, receive, send)
    return sent


def body_of(messages: list[Message]) -> bytes:
    """The concatenated response body of recorded messages."""
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


def start_of(messages: list[Message]) -> Message:
    """The ``http.response.start`` message."""
    return next(m for m in messages if m["type"] == "http.response.start")


def headers_of(messages: list[Message]) -> dict[str, str]:
    """The response headers (last value wins) of recorded messages."""
    return {k.decode(): v.decode() for k, v in start_of(messages)["headers"]}


async def echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer every HTTP request with a 2-byte ``text/plain`` body."""
    assert scope["type"] == "http"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})
