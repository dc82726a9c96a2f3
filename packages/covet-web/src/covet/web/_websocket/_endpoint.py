"""Running a WebSocket handler: whatever it does, the connection ends with the right code.

=====================================  ==============================================
the handler...                         the client sees
=====================================  ==============================================
returns after ``accept()``             close 1000 (unless it closed the socket itself)
returns without accepting              HTTP 403 (close 1008 on servers without the
                                       ``websocket.http.response`` extension)
raises ``HTTPError`` (422 included)    that HTTP status as a problem before ``accept()``;
                                       after it, close 1008 (4xx) or 1011 (5xx)
raises ``WebSocketMessageError``       close with its code (1003 bad data, 1009 too big)
raises ``WebSocketDisconnect``         nothing more: the connection is already over
raises anything else                   HTTP 500 before ``accept()``, close 1011 after;
                                       logged with the traceback, never sent
=====================================  ==============================================

Rooms the connection joined are left in every case.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from .._problem import problem_document
from ..errors import HTTPError
from ._close import CloseCode, WebSocketState, truncate_reason
from ._connection import WebSocket
from ._errors import WebSocketDisconnect, WebSocketMessageError

__all__ = ["run_websocket_endpoint"]

logger = logging.getLogger("covet.web.websockets")


async def run_websocket_endpoint(
    websocket: WebSocket, call: Callable[[WebSocket], Awaitable[Any]]
) -> None:
    """Run ``call(websocket)`` (the handler, with its arguments resolved) to a clean end."""
    try:
        await call(websocket)
    except WebSocketDisconnect:
        pass
    except WebSocketMessageError as exc:
        await _close_quietly(websocket, exc.close_code, exc.reason)
    except HTTPError as exc:
        await _answer_http_error(websocket, exc)
    except Exception:
        logger.exception(
            "WebSocket handler for %s raised; closing the connection with 1011",
            websocket.scope.get("path", "?"),
        )
        if websocket.connection_state is WebSocketState.CONNECTING:
            await _reject_quietly(websocket, 500, problem_document(500), None)
        else:
            await _close_quietly(websocket, CloseCode.INTERNAL_ERROR, "Internal error")
    else:
        if websocket.connection_state is WebSocketState.CONNECTING:
            problem = problem_document(403, "the handler did not accept the connection")
            await _reject_quietly(websocket, 403, problem, None)
        else:
            await _close_quietly(websocket, CloseCode.NORMAL_CLOSURE, "")
    finally:
        await websocket.leave_rooms()


async def _answer_http_error(websocket: WebSocket, exc: HTTPError) -> None:
    status = exc.status
    if websocket.connection_state is WebSocketState.CONNECTING:
        # RequestValidationError carries its failing fields in ``extensions["errors"]``.
        problem = problem_document(
            status,
            exc.detail,
            title=exc.title,
            type=exc.type,
            instance=exc.instance or websocket.scope.get("path"),
            **exc.extensions,
        )
        await _reject_quietly(websocket, status, problem, exc.headers or None)
    else:
        code = CloseCode.POLICY_VIOLATION if status < 500 else CloseCode.INTERNAL_ERROR
        await _close_quietly(websocket, code, truncate_reason(exc.detail or ""))


async def _reject_quietly(
    websocket: WebSocket,
    status: int,
    problem: dict[str, Any],
    headers: dict[str, str] | None,
) -> None:
    try:
        await websocket._reject(status, problem, headers)
    except Exception:  # the server refused the response: nothing more can be said
        logger.debug("could not send the WebSocket rejection", exc_info=True)


async def _close_quietly(websocket: WebSocket, code: int, reason: str) -> None:
    try:
        await websocket.close(code, reason)
    except Exception:
        logger.debug("could not close the WebSocket", exc_info=True)
