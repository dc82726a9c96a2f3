"""The exceptions a WebSocket handler meets.

::

    WebError
    ├── WebSocketDisconnect                 the connection is over (client left, or closed)
    ├── WebSocketMessageError (ValueError)  a message the handler cannot use: 1003 or 1009
    └── WebSocketStateError (RuntimeError)  an operation the connection's state forbids

Raised out of a handler, the endpoint runner turns each into the right ending:
``WebSocketDisconnect`` ends quietly, ``WebSocketMessageError`` closes with its
``close_code`` (unless the app has an exception handler for it), anything else goes to
the app's exception handler for it, or closes with 1011 and is logged.
"""

from __future__ import annotations

from ..errors import WebError
from ._close import CloseCode, truncate_reason

__all__ = ["WebSocketDisconnect", "WebSocketMessageError", "WebSocketStateError"]


class WebSocketDisconnect(WebError):
    """The connection is over: the client went away, or the application closed it.

    ``code`` is the close code (1000 for a normal closure, 1006 when the connection dropped
    without a close frame) and ``reason`` the close frame's text. Receiving loops
    (``async for message in websocket``, ``iter_text()``, ...) end quietly instead of
    raising it.
    """

    def __init__(self, code: int = CloseCode.NORMAL_CLOSURE, reason: str = "") -> None:
        super().__init__(f"WebSocket closed with code {code}" + (f": {reason}" if reason else ""))
        self.code = int(code)
        self.reason = reason


class WebSocketMessageError(WebError, ValueError):
    """A received message the handler cannot use: not text, not JSON, too large, ....

    ``close_code`` is 1003 (unsupported data: wrong frame type, malformed JSON, a message
    that does not match the expected type) or 1009 (message too big); ``reason`` is a short
    text safe to send to the client. Catch it to answer the client and keep going; left
    uncaught, the connection closes with ``close_code``.
    """

    def __init__(self, close_code: int, detail: str) -> None:
        super().__init__(detail)
        self.close_code = int(close_code)
        self.detail = detail
        self.reason = truncate_reason(detail)


class WebSocketStateError(WebError, RuntimeError):
    """The connection's state forbids the call (send before ``accept()``, accept twice, ...)."""
