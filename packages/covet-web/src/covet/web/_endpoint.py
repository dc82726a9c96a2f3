"""Compiling a route into the ASGI callable that serves it.

Done once per route at start-up: the handler plan is built, the way the return value
becomes bytes is chosen, and a handler with no parameters is called directly. What runs
per request is the closure returned here and nothing else: no Request for a handler
that takes none, no Response object for a dict, a prebuilt header list.
"""

from __future__ import annotations

import logging
import types
import typing
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

from ._encoding import Encoder
from ._negotiation import wants_msgpack
from ._params import build_plan
from ._request import Request
from ._responses import Response
from ._routing import HTTPRoute, PathTemplate, WebSocketRoute
from ._types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "compile_http_route",
    "compile_websocket_route",
    "head_handler",
    "make_encoder",
    "send_value",
]

logger = logging.getLogger("covet.web")

Encode = Callable[[Any, Scope], tuple[Message, bytes] | None]

_JSON = b"application/json"
_TEXT = b"text/plain; charset=utf-8"
_OCTET = b"application/octet-stream"
_MSGPACK = b"application/msgpack"
_LENGTHS = [str(n).encode() for n in range(2048)]


def _length(n: int) -> bytes:
    return _LENGTHS[n] if n < 2048 else str(n).encode()


def _accepts_text(return_type: Any) -> bool:
    """Whether a ``str`` result is text (not a JSON string) for this return annotation."""
    if return_type in (None, Any, str):
        return True
    origin = typing.get_origin(return_type)
    if origin is typing.Union or origin is types.UnionType:
        return str in typing.get_args(return_type)
    return False


class _StartTracker:
    """Remembers whether the response has started (for responses that stream)."""

    __slots__ = ("send", "started")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


async def _send_response(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
    if type(response).__call__ is Response.__call__ and response.background is None:
        await response(scope, receive, send)
        return
    # A streaming response (or a background task) can fail after the headers went out;
    # then nothing can be sent any more: log, and let the server end the connection.
    tracker = _StartTracker(send)
    try:
        await response(scope, receive, tracker)
    except Exception:
        if not tracker.started:
            raise
        logger.exception(
            "%s failed after the response started (%s %s)",
            type(response).__name__,
            scope.get("method"),
            scope.get("path"),
        )


class _NoClass:
    """The type of no value: what a renderer without a declared Struct class compares with."""


def make_encoder(
    status_code: int | None,
    encoder: Encoder,
    *,
    msgpack: bool,
    return_type: Any = None,
) -> Encode:
    """The function that turns a handler's return value into the response messages.

    ``encode(value, scope)`` returns the ``http.response.start`` message and the body, or
    None for a :class:`Response` (sent by :func:`send_value`). dict, list, dataclass,
    Struct, pydantic model → JSON (MessagePack when ``msgpack`` and the client asks for
    it, unless the value holds an int beyond MessagePack's 64 bits); str → text/plain;
    bytes → application/octet-stream; None → 204 (or ``status_code`` with an empty body).
    """
    ok = status_code or 200
    empty = status_code or 204
    empty_headers: list[tuple[bytes, bytes]] = (
        [] if empty < 200 or empty in (204, 304) else [(b"content-length", b"0")]
    )
    encode_json = encoder.json
    encode_msgpack = encoder.msgpack
    text_ok = _accepts_text(return_type)
    vary = [(b"vary", b"Accept")] if msgpack else []
    # A handler declared to return a Struct class: its instances go straight to msgspec.
    fast = encoder.json_for(return_type)
    declared: Any = _NoClass if fast is None else return_type
    encode_declared = encode_json if fast is None else fast

    def encode(value: Any, scope: Scope) -> tuple[Message, bytes] | None:
        kind = type(value)
        if kind is dict or kind is list:
            body = encode_json(value)
            content_type = _JSON
        elif kind is declared:
            body = encode_declared(value)
            content_type = _JSON
        elif value is None:
            start = {"type": "http.response.start", "status": empty, "headers": list(empty_headers)}
            return start, b""
        elif kind is str and text_ok:
            body = value.encode()
            content_type = _TEXT
        elif isinstance(value, Response):
            return None
        elif kind is bytes or kind is bytearray or kind is memoryview:
            body = bytes(value)
            content_type = _OCTET
        else:
            body = encode_json(value)
            content_type = _JSON
        if msgpack and content_type is _JSON:
            for key, accept in scope["headers"]:
                if key == b"accept":
                    if b"msgpack" in accept and wants_msgpack(accept.decode("latin-1")):
                        try:
                            body = encode_msgpack(value)
                            content_type = _MSGPACK
                        except OverflowError:
                            pass  # an int beyond 64 bits: MessagePack has none, JSON it is
                    break
            headers = [
                (b"content-type", content_type),
                (b"content-length", _length(len(body))),
                *vary,
            ]
        else:
            headers = [(b"content-type", content_type), (b"content-length", _length(len(body)))]
        return {"type": "http.response.start", "status": ok, "headers": headers}, body

    return encode


async def send_value(
    encode: Encode, value: Any, scope: Scope, receive: Receive, send: Send
) -> None:
    """Send ``value``, a handler's return value, as the response."""
    encoded = encode(value, scope)
    if encoded is None:
        await _send_response(value, scope, receive, send)
        return
    start, body = encoded
    await send(start)
    await send({"type": "http.response.body", "body": body})


def compile_http_route(
    route: HTTPRoute,
    template: PathTemplate,
    app: Any,
) -> ASGIApp:
    """The ASGI callable serving ``route`` (path parameters come in ``scope["path_params"]``)."""
    plan = build_plan(
        route.endpoint,
        path_params=template.params,
        dependencies=route.dependencies,
        app_context=app,
    )
    route.plan = plan
    encode = make_encoder(
        route.status_code,
        app.encoder,
        msgpack=route.msgpack if route.msgpack is not None else app.msgpack,
        return_type=plan.return_type,
    )
    # The closures below send the encoded value themselves rather than await
    # send_value(): one coroutine fewer per request.
    if plan.is_trivial:
        endpoint = plan.endpoint
        if plan.is_async:

            async def call_async(scope: Scope, receive: Receive, send: Send) -> None:
                value = await endpoint()
                encoded = encode(value, scope)
                if encoded is None:
                    await _send_response(value, scope, receive, send)
                    return
                await send(encoded[0])
                await send({"type": "http.response.body", "body": encoded[1]})

            return call_async

        async def call_sync(scope: Scope, receive: Receive, send: Send) -> None:
            await send_value(encode, endpoint(), scope, receive, send)

        return call_sync

    max_body_size = route.max_body_size if route.max_body_size is not None else app.max_body_size
    run = plan.run
    may_tear_down = bool(plan.dependencies)

    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        request.max_body_size = max_body_size  # cheaper than passing a keyword argument
        try:
            if may_tear_down and plan.has_teardown:
                await _run_with_teardown(run, request, encode, scope, receive, send)
                return
            value = await run(request)
            encoded = encode(value, scope)
            if encoded is None:
                await _send_response(value, scope, receive, send)
                return
            await send(encoded[0])
            await send({"type": "http.response.body", "body": encoded[1]})
        finally:
            if request._form is not None:
                await request._form.close()

    return call


async def _run_with_teardown(
    run: Callable[..., Awaitable[Any]],
    request: Request,
    encode: Encode,
    scope: Scope,
    receive: Receive,
    send: Send,
) -> None:
    stack = AsyncExitStack()
    try:
        value = await run(request, stack)
        await send_value(encode, value, scope, receive, send)
    except BaseException as exc:
        # Generator dependencies see the error (and may translate it) before it is handled.
        await stack.__aexit__(type(exc), exc, exc.__traceback__)
        raise
    try:
        await stack.aclose()
    except Exception:
        logger.exception(
            "a dependency's teardown failed after the response was sent (%s %s)",
            scope.get("method"),
            scope.get("path"),
        )


def head_handler(get: ASGIApp) -> ASGIApp:
    """Answer ``HEAD`` with the ``GET`` handler's status and headers, without the body."""

    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await get(scope, receive, send_headers_only)

    return call


def compile_websocket_route(route: WebSocketRoute, template: PathTemplate, app: Any) -> ASGIApp:
    """The ASGI callable serving a WebSocket route (the session is ``covet.web.websockets``)."""
    from ._websocket._connection import WebSocket
    from ._websocket._endpoint import run_websocket_endpoint

    plan = build_plan(
        route.endpoint,
        path_params=template.params,
        dependencies=route.dependencies,
        app_context=app,
        connection_type=WebSocket,
    )
    route.plan = plan
    run = plan.run
    # The handlers of the app that owns the route, whoever else handles the scope later.
    handlers = app.exception_handlers

    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send, path_params=scope.get("path_params"))
        await run_websocket_endpoint(websocket, run, handlers)

    return call
