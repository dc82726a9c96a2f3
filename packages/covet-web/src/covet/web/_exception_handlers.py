"""Turning exceptions into responses: user handlers first, then problem details.

Handlers are registered by exception type (the most specific class in the exception's
MRO wins) or by status code (for ``HTTPError`` with that status, and 500 for anything
unhandled). An unhandled exception is logged with its traceback and a request id and
answered with a 500 problem carrying that id; the traceback reaches the client only with
``debug=True``.

A handler serves HTTP requests, WebSocket connections or both, as the annotation of its
first parameter says: ``Request`` (or none) for HTTP, ``WebSocket`` for WebSockets,
``Request | WebSocket`` for both. So one key may have an HTTP handler and a WebSocket
handler, and a handler written for requests never receives a WebSocket. How a WebSocket
handler's outcome ends the connection is ``covet.web._websocket._failure``'s business.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import re
import traceback
import types
import typing
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias, TypeVar

from ._problem import ProblemResponse, problem_from_error, problem_response
from ._request import Request
from ._responses import Response
from ._types import Receive, Scope, Send
from ._websocket._connection import WebSocket
from ._websocket._errors import WebSocketMessageError
from .errors import ConfigurationError, HTTPError

__all__ = [
    "ExceptionHandler",
    "ExceptionHandlers",
    "HTTPExceptionHandler",
    "WebSocketExceptionHandler",
    "handler_serves",
    "request_id_for",
]

logger = logging.getLogger("covet.web")

HTTPExceptionHandler: TypeAlias = Callable[[Request, Any], Response | Awaitable[Response]]
"""``handler(request, exc) -> Response``, sync or async."""

WebSocketExceptionHandler: TypeAlias = Callable[
    [WebSocket, Any], Response | Awaitable[Response | None] | None
]
"""``handler(websocket, exc)``: it closes or refuses the connection, or returns a Response
(the handshake's answer before ``accept()``; after it, a close with 1008, 1011 for a 5xx)."""

ExceptionHandler: TypeAlias = HTTPExceptionHandler | WebSocketExceptionHandler
H = TypeVar("H")
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,200}")
_WORD = re.compile(r"\w+")


def request_id_for(scope: Scope) -> str:
    """The request's id: set by a request-id middleware, sent by the client, or new."""
    state = scope.get("state")
    if state:
        existing = state.get("request_id")
        if isinstance(existing, str) and existing:
            return existing
    for key, value in scope.get("headers", ()):
        if key == b"x-request-id":
            candidate: str = value.decode("latin-1")
            # Only echo ids that cannot inject anything into logs or headers.
            if _SAFE_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def _first_parameter_annotation(handler: Callable[..., Any]) -> Any:
    """The annotation of ``handler``'s first positional parameter (``empty`` if none).

    A string annotation is evaluated if it can be; else it is returned as the string.
    """
    try:
        parameters = list(inspect.signature(handler).parameters.values())
    except (TypeError, ValueError):  # no signature (some builtins): nothing to go by
        return inspect.Parameter.empty
    if not parameters or parameters[0].kind not in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    ):
        return inspect.Parameter.empty
    first = parameters[0]
    if isinstance(first.annotation, str):
        # Names imported under TYPE_CHECKING do not resolve: keep the string then.
        with contextlib.suppress(Exception):
            evaluated = inspect.signature(handler, eval_str=True).parameters[first.name]
            return evaluated.annotation
    return first.annotation


def handler_serves(handler: Callable[..., Any]) -> tuple[bool, bool]:
    """Whether ``handler`` serves HTTP requests and whether it serves WebSockets.

    Read from its first parameter's annotation: ``WebSocket`` (or a subclass) for
    WebSockets only, ``Request | WebSocket`` for both, anything else (``Request``, none,
    ``Any``) for HTTP only. An annotation left as a string that cannot be resolved (an
    import under ``TYPE_CHECKING``) is read by the names it contains.
    """
    annotation = _first_parameter_annotation(handler)
    if isinstance(annotation, str):
        names = set(_WORD.findall(annotation))
        websocket = "WebSocket" in names
        return (not websocket or "Request" in names), websocket
    origin = typing.get_origin(annotation)
    members = (
        typing.get_args(annotation)
        if origin is typing.Union or origin is types.UnionType
        else (annotation,)
    )
    http = websocket = False
    for member in members:
        if isinstance(member, type) and issubclass(member, WebSocket):
            websocket = True
        elif member is not type(None):
            http = True
    return http or not websocket, websocket


def _find(
    handlers: Mapping[type[BaseException], H], exc: BaseException, stop: type[BaseException]
) -> H | None:
    """The handler of the closest class of ``exc``'s MRO, looking no further than ``stop``."""
    for cls in type(exc).__mro__:
        handler = handlers.get(cls)
        if handler is not None or cls is stop:
            return handler
    return None


class ExceptionHandlers:
    """An app's exception handlers, by type and by status code, for HTTP and WebSockets."""

    def __init__(self, *, debug: bool = False) -> None:
        self.debug = debug
        self.by_type: dict[type[BaseException], HTTPExceptionHandler] = {}
        self.by_status: dict[int, HTTPExceptionHandler] = {}
        self.websocket_by_type: dict[type[BaseException], WebSocketExceptionHandler] = {}
        self.websocket_by_status: dict[int, WebSocketExceptionHandler] = {}

    def add(self, key: type[BaseException] | int, handler: ExceptionHandler) -> None:
        """Register ``handler`` for an exception class or a status code.

        It serves HTTP, WebSockets or both, as :func:`handler_serves` reads it.
        """
        if not callable(handler):
            raise ConfigurationError(f"an exception handler must be callable, not {handler!r}")
        http_table, websocket_table = self._tables_for(key)
        http, websocket = handler_serves(handler)
        if http:
            http_table[key] = handler
        if websocket:
            websocket_table[key] = handler

    def _tables_for(self, key: object) -> tuple[dict[Any, Any], dict[Any, Any]]:
        """The HTTP and WebSocket tables a handler keyed by ``key`` goes to."""
        if isinstance(key, int) and not isinstance(key, bool):
            if not 400 <= key <= 599:
                raise ConfigurationError(f"exception handler status {key} is not 400-599")
            return self.by_status, self.websocket_by_status
        if isinstance(key, type) and issubclass(key, BaseException):
            return self.by_type, self.websocket_by_type
        raise ConfigurationError(
            f"exception handlers are keyed by an exception class or a status code, not {key!r}"
        )

    def update(self, handlers: Mapping[type[BaseException] | int, ExceptionHandler]) -> None:
        """Register several handlers."""
        for key, handler in handlers.items():
            self.add(key, handler)

    def intercepts(self, status: int) -> bool:
        """Whether a user handler could answer an ``HTTPError`` with ``status``."""
        return status in self.by_status or any(issubclass(cls, HTTPError) for cls in self.by_type)

    def lookup(self, exc: BaseException) -> HTTPExceptionHandler | None:
        """The HTTP handler for ``exc``, or ``None`` for the built-in answer.

        An ``HTTPError`` goes to its status's handler, else to a handler for its class or
        a base up to ``HTTPError`` (a handler for ``Exception`` is for unhandled errors,
        not for 404s). Anything else goes to the handler of its closest class, else to the
        500 handler.
        """
        if isinstance(exc, HTTPError):
            handler = self.by_status.get(exc.status)
            if handler is not None:
                return handler
            return _find(self.by_type, exc, HTTPError)
        handler = _find(self.by_type, exc, BaseException)
        return handler if handler is not None else self.by_status.get(500)

    def lookup_websocket(self, exc: BaseException) -> WebSocketExceptionHandler | None:
        """The WebSocket handler for ``exc``, or ``None`` for the built-in ending.

        As :meth:`lookup`, and a ``WebSocketMessageError`` (a bad message: 1003, 1009)
        is, like an ``HTTPError``, only for handlers of its class, not for ``Exception``
        or 500 handlers.
        """
        if isinstance(exc, HTTPError):
            handler = self.websocket_by_status.get(exc.status)
            if handler is not None:
                return handler
            return _find(self.websocket_by_type, exc, HTTPError)
        if isinstance(exc, WebSocketMessageError):
            return _find(self.websocket_by_type, exc, WebSocketMessageError)
        handler = _find(self.websocket_by_type, exc, BaseException)
        return handler if handler is not None else self.websocket_by_status.get(500)

    async def handle(self, scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
        """Send the response for ``exc`` (the response has not started)."""
        response = await self.resolve(scope, receive, exc)
        await response(scope, receive, send)

    async def resolve(self, scope: Scope, receive: Receive, exc: Exception) -> Response:
        """The response for ``exc``, running the user's handler if one matches."""
        handler = self.lookup(exc)
        if handler is None:
            return self.response_for(scope, receive, exc)
        try:
            response = handler(Request(scope, receive), exc)
            if inspect.isawaitable(response):
                response = await response
            if not isinstance(response, Response):
                raise TypeError(
                    f"exception handler {getattr(handler, '__qualname__', handler)!r} "
                    f"returned {type(response).__name__}, not a Response"
                )
        except Exception as handler_exc:
            return self.server_error(scope, handler_exc)
        return response

    def response_for(self, scope: Scope, receive: Receive, exc: Exception) -> Response:
        """The built-in response for ``exc`` (no user handler)."""
        if isinstance(exc, HTTPError):
            return problem_from_error(exc)
        return self.server_error(scope, exc)

    def server_error(self, scope: Scope, exc: BaseException) -> ProblemResponse:
        """Log ``exc`` with a request id and return the 500 problem carrying that id."""
        request_id = request_id_for(scope)
        logger.error(
            "unhandled %s in %s %s (request id %s)",
            type(exc).__name__,
            scope.get("method", scope.get("type")),
            scope.get("path"),
            request_id,
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        extensions: dict[str, Any] = {"request_id": request_id}
        detail = f"the server failed to handle the request; quote request id {request_id}"
        if self.debug:
            detail = f"{type(exc).__name__}: {exc}"
            extensions["traceback"] = traceback.format_exception(exc)
        return problem_response(500, detail, headers={"x-request-id": request_id}, **extensions)
