"""How a WebSocket connection ends when its handler raises: the app's handler, else ours.

The app's exception handlers for WebSockets (see ``covet.web._exception_handlers``) get
the first say. A handler may close the connection, refuse the handshake, or return a
``Response``: before ``accept()`` that response is the handshake's HTTP answer, after it
the connection closes with 1008 (1011 for a 5xx status). A connection the handler leaves
open gets the built-in ending, as does every exception without a handler:

=====================================  ==============================================
the exception                          the built-in ending
=====================================  ==============================================
``HTTPError`` (422 included)           before ``accept()``, that HTTP status as a
                                       problem; after it, close 1008 (4xx) or 1011
                                       (5xx) with the detail (the failing fields for a
                                       422) as the reason
``WebSocketMessageError``              close with its code (1003 bad data, 1009 too big)
anything else                          HTTP 500 before ``accept()``, close 1011 after;
                                       logged with the traceback, never sent
=====================================  ==============================================

Servers without the ``websocket.http.response`` extension cannot send an HTTP answer:
a refusal is then a close before the handshake (1008, 1011 for a 5xx), which the server
turns into a 403.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from .._problem import problem_document
from .._responses import Response
from ..errors import HTTPError, RequestValidationError, status_phrase
from ._close import CloseCode, WebSocketState, truncate_reason
from ._errors import WebSocketDisconnect, WebSocketMessageError

if TYPE_CHECKING:
    from ._connection import WebSocket

__all__ = ["WebSocketHandlers", "end_with_error"]

logger = logging.getLogger("covet.web.websockets")


class WebSocketHandlers(Protocol):
    """Where the app's WebSocket exception handlers are found (``ExceptionHandlers``)."""

    def lookup_websocket(self, exc: BaseException, /) -> Callable[[WebSocket, Any], Any] | None:
        """The handler for ``exc``, or ``None`` for the built-in ending."""
        ...


async def end_with_error(
    websocket: WebSocket, exc: Exception, handlers: WebSocketHandlers | None
) -> None:
    """End ``websocket`` after ``exc`` escaped its handler (not a ``WebSocketDisconnect``)."""
    handler = handlers.lookup_websocket(exc) if handlers is not None else None
    if handler is None:
        await _builtin_ending(websocket, exc, log=True)
        return
    try:
        outcome = handler(websocket, exc)
        if inspect.isawaitable(outcome):
            outcome = await outcome
        if outcome is not None and not isinstance(outcome, Response):
            raise TypeError(
                f"exception handler {getattr(handler, '__qualname__', handler)!r} returned "
                f"{type(outcome).__name__}, not a Response or None"
            )
    except WebSocketDisconnect:
        return  # the client left while the handler answered it: nothing more to say
    except Exception as handler_exc:
        logger.exception(
            "the exception handler for %s on WebSocket %s raised",
            type(exc).__name__,
            websocket.scope.get("path", "?"),
        )
        await _builtin_ending(websocket, handler_exc, log=False)
        return
    if outcome is not None:
        await _answer_with(websocket, outcome)
    if websocket.connection_state is not WebSocketState.DISCONNECTED:
        await _builtin_ending(websocket, exc, log=False)


async def _answer_with(websocket: WebSocket, response: Response) -> None:
    """End ``websocket`` with what a handler's ``response`` means for it."""
    status = response.status_code
    if websocket.connection_state is WebSocketState.CONNECTING:
        try:
            await websocket._deny(response)
        except Exception:  # the server refused the response: the fallback ending follows
            logger.debug("could not send the WebSocket denial response", exc_info=True)
    elif websocket.connection_state is WebSocketState.CONNECTED:
        code = CloseCode.POLICY_VIOLATION if status < 500 else CloseCode.INTERNAL_ERROR
        await _close_quietly(websocket, code, status_phrase(status))


async def _builtin_ending(websocket: WebSocket, exc: Exception, *, log: bool) -> None:
    if isinstance(exc, WebSocketMessageError):
        await _close_quietly(websocket, exc.close_code, exc.reason)
    elif isinstance(exc, HTTPError):
        await _answer_http_error(websocket, exc)
    else:
        if log:
            logger.error(
                "WebSocket handler for %s raised; closing the connection with 1011",
                websocket.scope.get("path", "?"),
                exc_info=(type(exc), exc, exc.__traceback__),
            )
        if websocket.connection_state is WebSocketState.CONNECTING:
            await _reject_quietly(websocket, 500, problem_document(500), None)
        else:
            await _close_quietly(websocket, CloseCode.INTERNAL_ERROR, "Internal error")


def _close_reason_for(exc: HTTPError) -> str:
    """The close frame's reason for ``exc``: its detail, or the fields that failed."""
    if isinstance(exc, RequestValidationError) and exc.errors:
        reason = "; ".join(
            f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', '')}"
            for error in exc.errors
        )
    else:
        reason = exc.detail or status_phrase(exc.status)
    return truncate_reason(reason)


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
        await _reject_quietly(websocket, status, problem, exc.headers or None, exc)
    else:
        code = CloseCode.POLICY_VIOLATION if status < 500 else CloseCode.INTERNAL_ERROR
        await _close_quietly(websocket, code, _close_reason_for(exc))


async def _reject_quietly(
    websocket: WebSocket,
    status: int,
    problem: dict[str, Any],
    headers: dict[str, str] | None,
    exc: HTTPError | None = None,
) -> None:
    reason = _close_reason_for(exc) if exc is not None else None
    try:
        await websocket._reject(status, problem, headers, reason=reason)
    except Exception:  # the server refused the response: nothing more can be said
        logger.debug("could not send the WebSocket rejection", exc_info=True)


async def _close_quietly(websocket: WebSocket, code: int, reason: str) -> None:
    try:
        await websocket.close(code, reason)
    except Exception:
        logger.debug("could not close the WebSocket", exc_info=True)
