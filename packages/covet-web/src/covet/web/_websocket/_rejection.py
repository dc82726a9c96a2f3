"""A refused handshake as an HTTP response (the ASGI ``websocket.http.response`` extension).

A problem details document, or any ``Response`` (an exception handler's answer), whose
``http.response.*`` messages are sent as ``websocket.http.response.*``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._encoding import current_encoder
from .._problem import PROBLEM_MEDIA_TYPE

if TYPE_CHECKING:
    from .._types import Message, Receive, Send

__all__ = ["denial_receive", "denial_send", "rejection_messages"]


def rejection_messages(
    status: int, problem: Mapping[str, Any], headers: Mapping[str, str] | None
) -> tuple[Message, Message]:
    """The ``websocket.http.response.start`` and ``.body`` messages carrying ``problem``."""
    body = current_encoder().json(problem)
    raw = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if headers:
        raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    start: Message = {"type": "websocket.http.response.start", "status": status, "headers": raw}
    return start, {"type": "websocket.http.response.body", "body": body, "more_body": False}


def denial_send(send: Send) -> Send:
    """``send`` for a ``Response`` refusing a handshake: it speaks ``websocket.http.response``."""

    async def send_denial(message: Message) -> None:
        kind = message["type"]
        if kind not in ("http.response.start", "http.response.body"):
            raise RuntimeError(f"a response refusing a WebSocket handshake sent {kind!r}")
        await send({**message, "type": f"websocket.{kind}"})

    return send_denial


def denial_receive(receive: Receive) -> Receive:
    """``receive`` for a ``Response`` refusing a handshake: only the client leaving."""

    async def receive_disconnect() -> Message:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return {"type": "http.disconnect"}

    return receive_disconnect
