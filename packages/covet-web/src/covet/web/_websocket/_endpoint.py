"""Running a WebSocket handler: whatever it does, the connection ends with the right code.

=====================================  ==============================================
the handler...                         the client sees
=====================================  ==============================================
returns after ``accept()``             close 1000 (unless it closed the socket itself)
returns without accepting              HTTP 403 (close 1008 on servers without the
                                       ``websocket.http.response`` extension)
raises ``WebSocketDisconnect``         nothing more: the connection is already over
raises anything else                   what the app's exception handler for it does,
                                       else the built-in ending (``_failure``)
=====================================  ==============================================

Rooms the connection joined are left in every case.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from .._problem import problem_document
from ._close import CloseCode, WebSocketState
from ._connection import WebSocket
from ._errors import WebSocketDisconnect
from ._failure import WebSocketHandlers, end_with_error

__all__ = ["run_websocket_endpoint"]

logger = logging.getLogger("covet.web.websockets")


async def run_websocket_endpoint(
    websocket: WebSocket,
    call: Callable[[WebSocket], Awaitable[Any]],
    handlers: WebSocketHandlers | None,
) -> None:
    """Run ``call(websocket)`` (the handler, with its arguments resolved) to a clean end.

    ``handlers`` are the exception handlers of the app that owns the route (``None``:
    the built-in endings only).
    """
    try:
        await call(websocket)
    except WebSocketDisconnect:
        pass
    except Exception as exc:
        await end_with_error(websocket, exc, handlers)
    else:
        state = websocket.connection_state
        try:
            if state is WebSocketState.CONNECTING:
                problem = problem_document(403, "the handler did not accept the connection")
                await websocket._reject(403, problem, None)
            elif state is WebSocketState.CONNECTED:
                await websocket.close(CloseCode.NORMAL_CLOSURE, "")
        except Exception:  # the server refused the message: the connection is over anyway
            logger.debug("could not end the WebSocket", exc_info=True)
    finally:
        await websocket.leave_rooms()
