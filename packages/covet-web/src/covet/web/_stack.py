"""The middleware stack: user middleware around the app, and a guard around them.

Middleware are plain ASGI: a class or factory taking the app to wrap. ``Middleware(cls,
**options)`` defers construction until the app starts, so the stack is built once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from ._types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ErrorGuard", "Middleware", "build_stack"]

logger = logging.getLogger("covet.web")


class Middleware:
    """A middleware and its options, instantiated as ``cls(app, *args, **kwargs)``.

    >>> Middleware(CompressionMiddleware, minimum_size=500)
    """

    __slots__ = ("args", "cls", "kwargs")

    def __init__(self, cls: Callable[..., ASGIApp], /, *args: Any, **kwargs: Any) -> None:
        self.cls = cls
        self.args = args
        self.kwargs = kwargs

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """The middleware instance around ``app``."""
        return self.cls(app, *self.args, **self.kwargs)

    def __repr__(self) -> str:
        name = getattr(self.cls, "__name__", repr(self.cls))
        options = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"Middleware({', '.join([name, *options])})"


MiddlewareSpec = Middleware | Callable[[ASGIApp], ASGIApp]


class _Tracker:
    __slots__ = ("send", "started")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


class ErrorGuard:
    """Outermost layer when there is middleware: an exception a middleware raises still
    leaves as a 500 problem (or, if the response had started, is logged)."""

    __slots__ = ("app", "handle")

    def __init__(
        self,
        app: ASGIApp,
        handle: Callable[[Scope, Receive, Send, Exception], Any],
    ) -> None:
        self.app = app
        self.handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracker = _Tracker(send)
        try:
            await self.app(scope, receive, tracker)
        except Exception as exc:
            if tracker.started:
                logger.exception(
                    "exception after the response started (%s %s)",
                    scope.get("method"),
                    scope.get("path"),
                )
                return
            await self.handle(scope, receive, send, exc)


def build_stack(
    app: ASGIApp,
    middleware: Sequence[MiddlewareSpec],
    handle_error: Callable[[Scope, Receive, Send, Exception], Any],
) -> ASGIApp:
    """``app`` wrapped by ``middleware`` (the first listed is the outermost)."""
    if not middleware:
        return app
    for spec in reversed(middleware):
        app = spec.wrap(app) if isinstance(spec, Middleware) else spec(app)
    return ErrorGuard(app, handle_error)
