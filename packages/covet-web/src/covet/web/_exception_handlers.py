"""Turning exceptions into responses: user handlers first, then problem details.

Handlers are registered by exception type (the most specific class in the exception's
MRO wins) or by status code (for ``HTTPError`` with that status, and 500 for anything
unhandled). An unhandled exception is logged with its traceback and a request id and
answered with a 500 problem carrying that id; the traceback reaches the client only with
``debug=True``.
"""

from __future__ import annotations

import inspect
import logging
import re
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias

from ._problem import ProblemResponse, problem_from_error, problem_response
from ._request import Request
from ._responses import Response
from ._types import Receive, Scope, Send
from .errors import ConfigurationError, HTTPError

__all__ = ["ExceptionHandler", "ExceptionHandlers", "request_id_for"]

logger = logging.getLogger("covet.web")

ExceptionHandler: TypeAlias = Callable[[Request, Any], Response | Awaitable[Response]]
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,200}")


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


class ExceptionHandlers:
    """An app's exception handlers, by type and by status code."""

    def __init__(self, *, debug: bool = False) -> None:
        self.debug = debug
        self.by_type: dict[type[BaseException], ExceptionHandler] = {}
        self.by_status: dict[int, ExceptionHandler] = {}

    def add(self, key: type[BaseException] | int, handler: ExceptionHandler) -> None:
        """Register ``handler`` for an exception class or a status code."""
        if isinstance(key, int):
            if not 400 <= key <= 599:
                raise ConfigurationError(f"exception handler status {key} is not 400-599")
            self.by_status[key] = handler
        elif isinstance(key, type) and issubclass(key, BaseException):
            self.by_type[key] = handler
        else:
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

    def lookup(self, exc: BaseException) -> ExceptionHandler | None:
        """The handler for ``exc``, or ``None`` for the built-in answer.

        An ``HTTPError`` goes to its status's handler, else to a handler for its class or
        a base up to ``HTTPError`` (a handler for ``Exception`` is for unhandled errors,
        not for 404s). Anything else goes to the handler of its closest class, else to the
        500 handler.
        """
        if isinstance(exc, HTTPError):
            handler = self.by_status.get(exc.status)
            if handler is not None:
                return handler
            for cls in type(exc).__mro__:
                handler = self.by_type.get(cls)
                if handler is not None:
                    return handler
                if cls is HTTPError:
                    break
            return None
        for cls in type(exc).__mro__:
            handler = self.by_type.get(cls)
            if handler is not None:
                return handler
        return self.by_status.get(500)

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
