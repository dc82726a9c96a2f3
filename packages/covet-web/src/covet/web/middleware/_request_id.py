"""A request id on every request: taken from ``X-Request-ID`` or generated, echoed back.

The id is stored in ``scope["state"]["request_id"]`` (so ``request.state.request_id``
reads it) and in a context variable that log records and error pages can read from any
code running for the request (:func:`current_request_id`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from .._types import ASGIApp, Message, Receive, Scope, Send
from ._replies import header

_request_id: ContextVar[str | None] = ContextVar("covet_web_request_id", default=None)

# Ids from clients are echoed into headers and logs: accept only a safe, bounded shape.
_SAFE_ID = re.compile(rb"[A-Za-z0-9._:+/=@-]{1,200}")


def current_request_id() -> str | None:
    """The id of the request being handled (None outside :class:`RequestIDMiddleware`)."""
    return _request_id.get()


def _uuid4_hex() -> str:
    return uuid.uuid4().hex


class RequestIDMiddleware:
    """Give each HTTP and WebSocket request an id and send it back in the response header.

    ``trust_incoming`` (default True) reuses a well-formed id sent by the client or a
    proxy in ``header_name``, so one id follows a request across services; malformed or
    overlong ids are replaced. ``generator`` makes new ids (default: a random UUID's hex).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        header_name: str = "X-Request-ID",
        trust_incoming: bool = True,
        generator: Callable[[], str] = _uuid4_hex,
    ) -> None:
        self.app = app
        self.header_name = header_name.lower().encode("latin-1")
        self.trust_incoming = trust_incoming
        self.generator = generator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = header(scope, self.header_name) if self.trust_incoming else None
        if incoming is not None and _SAFE_ID.fullmatch(incoming):
            request_id = incoming.decode("latin-1")
        else:
            request_id = self.generator()
        scope.setdefault("state", {})["request_id"] = request_id
        token = _request_id.set(request_id)
        try:
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
            else:
                await self.app(scope, receive, _IdSend(send, self.header_name, request_id).send)
        finally:
            _request_id.reset(token)


class _IdSend:
    __slots__ = ("_header", "_send")

    def __init__(self, send: Send, name: bytes, request_id: str) -> None:
        self._send = send
        self._header = (name, request_id.encode("latin-1"))

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            name = self._header[0]
            headers = list(message.get("headers", ()))
            if not any(bytes(k).lower() == name for k, _ in headers):
                headers.append(self._header)
                message = {**message, "headers": headers}
        await self._send(message)
