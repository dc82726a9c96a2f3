"""A refused handshake as an HTTP problem details response (ASGI ``websocket.http.response``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._encoding import current_encoder
from .._problem import PROBLEM_MEDIA_TYPE

if TYPE_CHECKING:
    from .._types import Message

__all__ = ["rejection_messages"]


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
