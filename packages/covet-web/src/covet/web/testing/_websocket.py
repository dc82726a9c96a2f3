"""In-process WebSocket sessions for tests: the app runs as a task, no socket is opened.

``TestClient.websocket_connect()`` and ``AsyncTestClient.websocket_connect()`` return these;
they behave as a real client would::

    with client.websocket_connect("/chat", subprotocols=["v1"]) as ws:
        assert ws.subprotocol == "v1"
        ws.send_json({"text": "hi"})
        assert ws.receive_json() == {"text": "hi"}
        ws.close(1000)

A refused handshake raises :class:`WebSocketRejected` (with the HTTP status and body);
a close from the app makes the next ``receive_*`` raise
:class:`~covet.web.websockets.WebSocketDisconnect` with its code; an exception that
escapes the application is re-raised in the test.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterable
from types import TracebackType
from typing import Any, Protocol, TypeVar

import msgspec

from .._encoding import default_encoder
from .._types import ASGIApp, Message, Scope
from ..errors import WebError
from ..websockets import WebSocketDisconnect

__all__ = [
    "AsyncWebSocketSession",
    "Portal",
    "WebSocketRejected",
    "WebSocketSession",
    "connect_async",
    "connect_sync",
    "websocket_scope",
]

T = TypeVar("T")


class Portal(Protocol):
    """Runs a coroutine to completion on the test client's event loop and returns its result.

    ``asyncio.Runner().run`` is one; so is a function around
    ``asyncio.run_coroutine_threadsafe(coro, loop).result()`` for a loop in another thread.
    """

    def __call__(self, coro: Coroutine[Any, Any, T], /) -> T: ...


class WebSocketRejected(WebError):
    """The application refused the handshake: ``status_code``, ``headers`` and ``body``.

    A close before ``accept()`` is a 403 with an empty body, as a real server sends it.
    """

    def __init__(self, status_code: int, headers: list[tuple[str, str]], body: bytes) -> None:
        super().__init__(f"the WebSocket handshake was refused with HTTP {status_code}")
        self.status_code = status_code
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        """The body decoded as JSON (a problem details object for covet apps)."""
        return msgspec.json.decode(self.body)


def websocket_scope(
    path: str,
    *,
    query_string: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
    subprotocols: Iterable[str] = (),
    scheme: str = "ws",
    host: str = "testserver",
    root_path: str = "",
    client: tuple[str, int] = ("testclient", 50000),
    state: dict[str, Any] | None = None,
    http_response_extension: bool = True,
) -> Scope:
    """An ASGI ``websocket`` scope as a server builds it for a handshake on ``path``.

    ``http_response_extension=False`` plays a server that cannot send a body when
    refusing a handshake (the app then closes with 1008 and the client sees a 403).
    """
    raw_headers = [(b"host", host.encode("latin-1"))]
    raw_headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    offered = list(subprotocols)
    if offered:
        raw_headers.append((b"sec-websocket-protocol", ", ".join(offered).encode("latin-1")))
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": scheme,
        "server": (host, 443 if scheme == "wss" else 80),
        "client": client,
        "root_path": root_path,
        "path": root_path + path,
        "raw_path": (root_path + path).encode(),
        "query_string": query_string,
        "headers": raw_headers,
        "subprotocols": offered,
        "state": dict(state) if state else {},
        "extensions": {"websocket.http.response": {}} if http_response_extension else {},
    }


class AsyncWebSocketSession:
    """A WebSocket connection to an ASGI app running in-process, for async tests.

    ``subprotocol`` and ``headers`` are what the app accepted with; ``close_code`` and
    ``close_reason`` are set once the connection is over. ``timeout`` (seconds, ``None``
    to wait forever) bounds each wait for the app.
    """

    def __init__(self, app: ASGIApp, scope: Scope, *, timeout: float | None = None) -> None:
        self.app = app
        self.scope = scope
        self.timeout = timeout
        self.subprotocol: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.close_code: int | None = None
        self.close_reason: str = ""
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message | None] = asyncio.Queue()  # None: the app ended
        self._task: asyncio.Task[None] | None = None
        self._accepted = False
        self._app_closed = False
        self._client_closed = False
        self._app_error_raised = False

    # -- lifecycle ----------------------------------------------------------------------

    async def __aenter__(self) -> AsyncWebSocketSession:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def connect(self) -> None:
        """Start the app and perform the handshake (``async with`` does it for you)."""
        if self._task is not None:
            raise RuntimeError("this session is already connected")
        self._to_app.put_nowait({"type": "websocket.connect"})
        self._task = asyncio.get_running_loop().create_task(self._run_app())
        message = await self._next_from_app()
        if message is not None and message["type"] == "websocket.accept":
            self._accepted = True
            self.subprotocol = message.get("subprotocol")
            self.headers = [
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", ())
            ]
            return
        rejection = await self._read_rejection(message)
        await self._finish_app()
        raise rejection

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close from the client side (if still open) and wait for the app to finish."""
        if self._task is None:
            return
        if self._accepted and not self._app_closed and self.close_code is None:
            self.close_code, self.close_reason = code, reason
            self._to_app.put_nowait(
                {"type": "websocket.disconnect", "code": code, "reason": reason}
            )
        await self._finish_app()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame with ``code`` and wait for the app to finish."""
        await self.aclose(code, reason)

    # -- sending ------------------------------------------------------------------------

    async def send(self, message: Message) -> None:
        """Put a raw ASGI message in the app's receive queue."""
        self._check_open()
        self._to_app.put_nowait(message)

    async def send_text(self, data: str) -> None:
        """Send a text message."""
        await self.send({"type": "websocket.receive", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        await self.send({"type": "websocket.receive", "bytes": data})

    async def send_json(self, data: Any, *, binary: bool = False) -> None:
        """Send ``data`` as JSON, in a text message unless ``binary``.

        Encoded as the app encodes its own JSON: dataclasses, Structs, ints of any size.
        """
        encoded = default_encoder.json(data)
        await (self.send_bytes(encoded) if binary else self.send_text(encoded.decode()))

    # -- receiving ----------------------------------------------------------------------

    async def receive(self) -> Message:
        """The next raw message from the app (``websocket.send`` or ``websocket.close``)."""
        if self.close_code is not None:
            raise WebSocketDisconnect(self.close_code, self.close_reason)
        message = await self._next_from_app()
        if message is None:
            await self._finish_app()  # re-raises what escaped the app, if anything did
            raise WebSocketDisconnect(1006, "the application returned without closing")
        if message["type"] == "websocket.close":
            self.close_code = int(message.get("code", 1000))
            self.close_reason = message.get("reason") or ""
        return message

    async def receive_message(self) -> str | bytes:
        """The next message's data; raises ``WebSocketDisconnect`` if the app closed."""
        message = await self.receive()
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(self.close_code or 1000, self.close_reason)
        text = message.get("text")
        return text if text is not None else bytes(message.get("bytes") or b"")

    async def receive_text(self) -> str:
        """The next message, which must be text."""
        data = await self.receive_message()
        if not isinstance(data, str):
            raise AssertionError(f"expected a text message, the app sent binary: {data[:80]!r}")
        return data

    async def receive_bytes(self) -> bytes:
        """The next message, which must be binary."""
        data = await self.receive_message()
        if isinstance(data, str):
            raise AssertionError(f"expected a binary message, the app sent text: {data[:80]!r}")
        return data

    async def receive_json(self) -> Any:
        """The next message (text or binary) decoded as JSON (ints of any size kept exact)."""
        return msgspec.json.decode(await self.receive_message())

    # -- internals ----------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._task is None or not self._accepted:
            raise RuntimeError("the session is not connected")
        if self.close_code is not None:
            raise WebSocketDisconnect(self.close_code, self.close_reason)

    async def _run_app(self) -> None:
        try:
            await self.app(self.scope, self._app_receive, self._app_send)
        finally:
            self._from_app.put_nowait(None)

    async def _app_receive(self) -> Message:
        return await self._to_app.get()

    async def _app_send(self, message: Message) -> None:
        if self._app_closed or self._client_closed:
            raise OSError("the WebSocket is closed")  # what ASGI 2.4 servers raise
        kind = message["type"]
        if kind == "websocket.accept":
            offered = self.scope.get("subprotocols") or []
            chosen = message.get("subprotocol")
            if chosen is not None and chosen not in offered:
                raise RuntimeError(f"the app accepted subprotocol {chosen!r}, not offered")
        elif kind == "websocket.close":
            self._app_closed = True
            # A real server answers the app's close frame; the app's receive() sees that.
            self._to_app.put_nowait(
                {"type": "websocket.disconnect", "code": message.get("code", 1000), "reason": ""}
            )
        elif kind == "websocket.http.response.body" and not message.get("more_body", False):
            self._app_closed = True
        self._from_app.put_nowait(message)

    async def _next_from_app(self) -> Message | None:
        try:
            return await asyncio.wait_for(self._from_app.get(), self.timeout)
        except TimeoutError:
            raise TimeoutError(
                f"the application sent nothing within {self.timeout} s "
                f"on {self.scope.get('path')!r}"
            ) from None

    async def _read_rejection(self, message: Message | None) -> BaseException:
        if message is None:
            await self._finish_app()  # re-raises the app's exception, if any
            return RuntimeError("the application returned without accepting or refusing")
        if message["type"] == "websocket.close":
            self.close_code = int(message.get("code", 1000))
            self.close_reason = message.get("reason") or ""
            return WebSocketRejected(403, [], b"")
        if message["type"] == "websocket.http.response.start":
            status = int(message["status"])
            headers = [
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", ())
            ]
            body = b""
            while True:
                part = await self._next_from_app()
                if part is None or part["type"] != "websocket.http.response.body":
                    break
                body += part.get("body", b"")
                if not part.get("more_body", False):
                    break
            self.close_code = 1006
            return WebSocketRejected(status, headers, body)
        return RuntimeError(f"the application sent {message['type']!r} before accepting")

    async def _finish_app(self) -> None:
        """Wait for the app task, then re-raise what escaped it."""
        task = self._task
        if task is None:
            return
        if not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), self.timeout)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                raise TimeoutError(
                    f"the application did not finish within {self.timeout} s after the close"
                ) from None
        if task.cancelled() or self._app_error_raised:
            return
        if (exc := task.exception()) is not None:
            self._app_error_raised = True  # once: not again when the session exits
            raise exc


class WebSocketSession:
    """The blocking face of :class:`AsyncWebSocketSession`, for the sync ``TestClient``."""

    def __init__(self, session: AsyncWebSocketSession, portal: Portal) -> None:
        self._session = session
        self._portal = portal

    def __enter__(self) -> WebSocketSession:
        self._portal(self._session.connect())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._portal(self._session.aclose())

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the app accepted."""
        return self._session.subprotocol

    @property
    def headers(self) -> list[tuple[str, str]]:
        """The headers the app added to its handshake response."""
        return self._session.headers

    @property
    def close_code(self) -> int | None:
        """The close code once the connection is over."""
        return self._session.close_code

    @property
    def close_reason(self) -> str:
        """The close reason once the connection is over."""
        return self._session.close_reason

    def send(self, message: Message) -> None:
        """Put a raw ASGI message in the app's receive queue."""
        self._portal(self._session.send(message))

    def send_text(self, data: str) -> None:
        """Send a text message."""
        self._portal(self._session.send_text(data))

    def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        self._portal(self._session.send_bytes(data))

    def send_json(self, data: Any, *, binary: bool = False) -> None:
        """Send ``data`` as JSON, in a text message unless ``binary``."""
        self._portal(self._session.send_json(data, binary=binary))

    def receive(self) -> Message:
        """The next raw message from the app."""
        return self._portal(self._session.receive())

    def receive_text(self) -> str:
        """The next message, which must be text."""
        return self._portal(self._session.receive_text())

    def receive_bytes(self) -> bytes:
        """The next message, which must be binary."""
        return self._portal(self._session.receive_bytes())

    def receive_json(self) -> Any:
        """The next message decoded as JSON."""
        return self._portal(self._session.receive_json())

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame and wait for the app to finish."""
        self._portal(self._session.close(code, reason))


def connect_async(
    app: ASGIApp, scope: Scope, *, timeout: float | None = None
) -> AsyncWebSocketSession:
    """An async session on ``app`` for ``scope``; use it as ``async with``."""
    return AsyncWebSocketSession(app, scope, timeout=timeout)


def connect_sync(
    app: ASGIApp, scope: Scope, *, portal: Portal, timeout: float | None = None
) -> WebSocketSession:
    """A blocking session on ``app`` for ``scope``, driven through ``portal``; use ``with``.

    The session's coroutines run on the portal's loop, so the app shares the loop (and
    the lifespan state) of the ``TestClient`` that opened it.
    """
    return WebSocketSession(AsyncWebSocketSession(app, scope, timeout=timeout), portal)
