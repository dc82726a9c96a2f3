"""The WebSocket connection a handler receives: accept, receive, send, close.

It speaks ASGI ``websocket`` messages and keeps two states: what the client did
(connected, disconnected) and what the application did (accepted, closed). Every
receiving method enforces the connection's ``max_message_size`` and turns a message of the
wrong kind into :class:`WebSocketMessageError`, which the endpoint runner answers with the
right close code. Ping/pong and frame-level limits belong to the server (uvicorn's
``ws_ping_interval``, ``ws_max_size``): ASGI hands the application whole messages only.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar, overload

from .._encoding import current_encoder
from .._problem import problem_document
from .._responses import Response
from ..errors import status_phrase
from ._close import CloseCode, WebSocketState, check_close, truncate_reason
from ._errors import WebSocketDisconnect, WebSocketMessageError, WebSocketStateError
from ._handshake import Handshake
from ._json import decode_json, decode_typed
from ._rejection import denial_receive, denial_send, rejection_messages

if TYPE_CHECKING:
    from .._types import Message, Receive, Scope, Send

__all__ = ["DEFAULT_MAX_MESSAGE_SIZE", "WebSocket"]

T = TypeVar("T")

DEFAULT_MAX_MESSAGE_SIZE: Final = 1024 * 1024
"""The default limit on one received message, in bytes (UTF-8 bytes for text): 1 MiB."""

_CONNECTING: Final = WebSocketState.CONNECTING
_CONNECTED: Final = WebSocketState.CONNECTED
_DISCONNECTED: Final = WebSocketState.DISCONNECTED
_HTTP_RESPONSE_EXTENSION: Final = "websocket.http.response"


class _Membership(Protocol):
    """What a connection needs from a room it joined: a way to leave it."""

    async def leave(self, websocket: WebSocket, /) -> None: ...


class WebSocket(Handshake):
    """One WebSocket connection, as a handler sees it.

    Accept it, exchange messages, close it::

        @app.websocket("/echo")
        async def echo(websocket: WebSocket) -> None:
            await websocket.accept()
            async for text in websocket.iter_text():
                await websocket.send_text(text)

    Leaving the handler closes the connection with 1000; an uncaught exception goes to the
    app's exception handler for WebSockets, if it has one, else closes it with 1011
    (logged, never sent to the client). ``max_message_size`` bounds each received
    message (``None``: only the server's limit applies).
    """

    __slots__ = (
        "__weakref__",  # so applications can keep WeakSets of connections
        "_app_state",
        "_client_state",
        "_receive",
        "_rooms",
        "_send",
        "close_code",
        "close_reason",
        "max_message_size",
        "subprotocol",
    )

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        path_params: dict[str, Any] | None = None,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        if scope.get("type") != "websocket":
            raise ValueError(f"a WebSocket needs a 'websocket' scope, got {scope.get('type')!r}")
        if max_message_size is not None and max_message_size < 1:
            raise ValueError(f"max_message_size must be positive or None, got {max_message_size}")
        super().__init__(scope, path_params)
        self._receive = receive
        self._send = send
        self.max_message_size = max_message_size
        self._client_state = _CONNECTING
        self._app_state = _CONNECTING
        #: The subprotocol passed to :meth:`accept`, if any.
        self.subprotocol: str | None = None
        #: The close code once the connection is over (sent or received), else ``None``.
        self.close_code: int | None = None
        #: The close frame's reason once the connection is over.
        self.close_reason: str = ""
        self._rooms: set[_Membership] | None = None

    def __repr__(self) -> str:
        return f"<WebSocket {self.scope.get('path', '')!r} {self.connection_state.value}>"

    def select_subprotocol(self, supported: Iterable[str]) -> str | None:
        """The first of ``supported`` (the server's preference order) the client offered.

        ``await websocket.accept(websocket.select_subprotocol(["v2.chat", "v1.chat"]))``
        """
        offered = self.subprotocols
        return next((name for name in supported if name in offered), None)

    @property
    def connection_state(self) -> WebSocketState:
        """``CONNECTING`` before :meth:`accept`, ``CONNECTED`` while open, then ``DISCONNECTED``."""
        if self._app_state is _DISCONNECTED or self._client_state is _DISCONNECTED:
            return _DISCONNECTED
        return self._app_state

    # -- handshake and closing ----------------------------------------------------------

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> None:
        """Complete the handshake, choosing ``subprotocol`` and adding response ``headers``.

        ``subprotocol`` must be one the client offered (see :meth:`select_subprotocol`).
        """
        if self._app_state is not _CONNECTING:
            raise WebSocketStateError(
                "accept() was already called"
                if self._app_state is _CONNECTED
                else "the connection is closed; it cannot be accepted"
            )
        if subprotocol is not None and subprotocol not in self.subprotocols:
            raise ValueError(
                f"subprotocol {subprotocol!r} was not offered by the client "
                f"(offered: {self.subprotocols!r}); pick one with select_subprotocol()"
            )
        if self._client_state is _CONNECTING:
            await self._await_connect()
        message: dict[str, Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            message["headers"] = [
                (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in pairs
            ]
        await self._send_or_disconnect(message)
        self._app_state = _CONNECTED
        self.subprotocol = subprotocol

    async def close(self, code: int = CloseCode.NORMAL_CLOSURE, reason: str = "") -> None:
        """Close the connection with ``code`` and ``reason``; a no-op once it is over.

        Before :meth:`accept` this refuses the handshake (the server answers 403); use
        :meth:`reject` to choose the HTTP status.
        """
        check_close(code, reason)
        if self._app_state is _DISCONNECTED:
            return
        self._app_state = _DISCONNECTED
        if self._client_state is not _DISCONNECTED:
            self.close_code, self.close_reason = int(code), reason
            # The client may have left meanwhile: the connection is over either way.
            with contextlib.suppress(OSError):
                await self._send({"type": "websocket.close", "code": int(code), "reason": reason})
        await self.leave_rooms()

    async def reject(
        self,
        status_code: int = 403,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        """Refuse the handshake with an HTTP error: an RFC 9457 problem details response.

        ``extensions`` become extra members of the problem object. Servers without the
        ``websocket.http.response`` ASGI extension cannot send a response: the connection
        is then closed before the handshake with 1008 (1011 for a 5xx status) and the
        server answers 403 itself. ``raise HTTPError(...)`` before ``accept()`` does the same.
        """
        if not 400 <= status_code <= 599:
            raise ValueError(f"reject() takes an HTTP error status (400-599), got {status_code}")
        problem = problem_document(
            status_code, detail, instance=self.scope.get("path"), **extensions
        )
        await self._reject(status_code, problem, headers)

    async def _reject(
        self,
        status: int,
        problem: Mapping[str, Any],
        headers: Mapping[str, str] | None,
        *,
        reason: str | None = None,
    ) -> None:
        """Refuse with a problem; ``reason`` is the close reason if it must be a close."""
        detail = str(problem.get("detail") or "")
        start, body = rejection_messages(status, problem, headers)

        async def respond() -> None:
            await self._send(start)
            await self._send(body)

        await self._refuse(status, detail if reason is None else reason, respond)

    async def _deny(self, response: Response) -> None:
        """Refuse the handshake with ``response`` (an exception handler's answer)."""

        async def respond() -> None:
            await response(self.scope, denial_receive(self._receive), denial_send(self._send))

        await self._refuse(response.status_code, status_phrase(response.status_code), respond)

    async def _refuse(
        self, status: int, reason: str, respond: Callable[[], Awaitable[None]]
    ) -> None:
        if self._app_state is not _CONNECTING:
            raise WebSocketStateError("reject() must be called before accept()")
        if _HTTP_RESPONSE_EXTENSION not in (self.scope.get("extensions") or {}):
            code = CloseCode.POLICY_VIOLATION if status < 500 else CloseCode.INTERNAL_ERROR
            await self.close(code, truncate_reason(reason))
            return
        self._app_state = _DISCONNECTED
        self.close_code, self.close_reason = int(CloseCode.POLICY_VIOLATION), reason
        with contextlib.suppress(OSError):  # the client left before reading the refusal
            await respond()
        await self.leave_rooms()

    # -- receiving ----------------------------------------------------------------------

    async def receive(self) -> Message:
        """The next raw ASGI message (``websocket.receive`` or ``websocket.disconnect``)."""
        if self._client_state is _CONNECTING:
            await self._await_connect()
        message = await self._receive()
        if message["type"] == "websocket.disconnect":
            self._client_disconnected(message)
        return message

    async def receive_message(self) -> str | bytes:
        """The next message's data: ``str`` for a text frame, ``bytes`` for a binary one.

        Raises :class:`WebSocketDisconnect` when the connection is over, and
        :class:`WebSocketMessageError` (1009) for a message over ``max_message_size``.
        """
        if self._app_state is not _CONNECTED or self._client_state is not _CONNECTED:
            self._check_can_exchange("receive")
        message = await self._receive()
        kind = message["type"]
        if kind == "websocket.receive":
            text: str | None = message.get("text")
            data: str | bytes = text if text is not None else message.get("bytes") or b""
            limit = self.max_message_size
            if limit is not None and len(data) > limit // 4 and _size(data) > limit:
                raise WebSocketMessageError(
                    CloseCode.MESSAGE_TOO_BIG, f"message larger than {limit} bytes"
                )
            return data
        if kind == "websocket.disconnect":
            self._client_disconnected(message)
            await self.leave_rooms()
            raise WebSocketDisconnect(
                self.close_code or CloseCode.NO_STATUS_RCVD, self.close_reason
            )
        raise WebSocketStateError(f"unexpected ASGI message {kind!r} from the server")

    async def receive_text(self) -> str:
        """The next message, which must be text (else :class:`WebSocketMessageError`, 1003)."""
        data = await self.receive_message()
        if type(data) is not str:
            raise WebSocketMessageError(
                CloseCode.UNSUPPORTED_DATA, "expected a text message, got a binary one"
            )
        return data

    async def receive_bytes(self) -> bytes:
        """The next message, which must be binary (else :class:`WebSocketMessageError`, 1003)."""
        data = await self.receive_message()
        if type(data) is str:
            raise WebSocketMessageError(
                CloseCode.UNSUPPORTED_DATA, "expected a binary message, got a text one"
            )
        return data  # type: ignore[return-value]  # bytes, or a bytes-like from the server

    @overload
    async def receive_json(self) -> Any: ...
    @overload
    async def receive_json(self, type: type[T]) -> T: ...
    async def receive_json(self, type: Any = None) -> Any:
        """The next message (text or binary) decoded as JSON.

        With ``type`` (a msgspec Struct, dataclass, TypedDict, ``list[int]``, ...) the value
        is validated into it. Malformed JSON, JSON nested too deeply or a mismatch raises
        :class:`WebSocketMessageError` (1003).
        """
        data = await self.receive_message()
        if type is None:
            return decode_json(data)
        return decode_typed(data, type)

    # -- iterating --------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        """Messages until the client disconnects: ``async for message in websocket``."""
        return self.iter_messages()

    async def iter_messages(self) -> AsyncIterator[str | bytes]:
        """Each message's data (``str`` or ``bytes``) until the connection is over."""
        while True:
            try:
                data = await self.receive_message()
            except WebSocketDisconnect:
                return
            yield data

    async def iter_text(self) -> AsyncIterator[str]:
        """Each text message until the connection is over; a binary one raises (1003)."""
        while True:
            try:
                text = await self.receive_text()
            except WebSocketDisconnect:
                return
            yield text

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Each binary message until the connection is over; a text one raises (1003)."""
        while True:
            try:
                data = await self.receive_bytes()
            except WebSocketDisconnect:
                return
            yield data

    @overload
    def iter_json(self) -> AsyncIterator[Any]: ...
    @overload
    def iter_json(self, type: type[T]) -> AsyncIterator[T]: ...
    async def iter_json(self, type: Any = None) -> AsyncIterator[Any]:
        """Each message decoded as JSON (into ``type`` if given) until the connection is over."""
        while True:
            try:
                value = await self.receive_json(type)
            except WebSocketDisconnect:
                return
            yield value

    # -- sending ----------------------------------------------------------------------

    async def send(self, message: Message) -> None:
        """Send a raw ASGI message; a departed client raises :class:`WebSocketDisconnect`."""
        await self._send_or_disconnect(message)

    async def send_text(self, data: str) -> None:
        """Send a text message."""
        if type(data) is not str:
            raise TypeError(
                f"send_text() takes a str, got {type(data).__name__}; "
                "use send_bytes() for binary data"
            )
        if self._app_state is not _CONNECTED or self._client_state is not _CONNECTED:
            self._check_can_exchange("send")
        await self._send_or_disconnect({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes | bytearray | memoryview) -> None:
        """Send a binary message."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(
                f"send_bytes() takes bytes, got {type(data).__name__}; use send_text() for a str"
            )
        if self._app_state is not _CONNECTED or self._client_state is not _CONNECTED:
            self._check_can_exchange("send")
        await self._send_or_disconnect({"type": "websocket.send", "bytes": bytes(data)})

    async def send_json(self, data: Any, *, binary: bool = False) -> None:
        """Send ``data`` as JSON (dataclasses, Structs, pydantic models, UUIDs, any int, ...).

        A text message unless ``binary`` is true.
        """
        encoded = current_encoder().json(data)
        if binary:
            await self.send_bytes(encoded)
        else:
            await self.send_text(encoded.decode())

    # -- rooms --------------------------------------------------------------------------

    def _joined(self, room: _Membership) -> None:
        """Record that the connection joined ``room``, so it leaves it when it ends."""
        if self._rooms is None:
            self._rooms = set()
        self._rooms.add(room)

    def _left(self, room: _Membership) -> None:
        if self._rooms is not None:
            self._rooms.discard(room)

    async def leave_rooms(self) -> None:
        """Leave every room this connection joined (done for you when it ends)."""
        while self._rooms:
            await self._rooms.pop().leave(self)

    # -- internals ----------------------------------------------------------------------

    async def _await_connect(self) -> None:
        message = await self._receive()
        if message["type"] == "websocket.connect":
            self._client_state = _CONNECTED
            return
        if message["type"] == "websocket.disconnect":
            self._client_disconnected(message)
            raise WebSocketDisconnect(
                self.close_code or CloseCode.NO_STATUS_RCVD, self.close_reason
            )
        raise WebSocketStateError(f"expected 'websocket.connect', got {message['type']!r}")

    def _client_disconnected(self, message: Message) -> None:
        self._client_state = _DISCONNECTED
        if self.close_code is None:
            self.close_code = int(message.get("code", CloseCode.NORMAL_CLOSURE))
            self.close_reason = message.get("reason") or ""

    def _check_can_exchange(self, action: str) -> None:
        """Raise the error explaining why ``action`` is not possible now."""
        if self._app_state is _CONNECTING:
            raise WebSocketStateError(f"call `await websocket.accept()` before you {action}")
        if self._client_state is _DISCONNECTED or self._app_state is _DISCONNECTED:
            raise WebSocketDisconnect(
                self.close_code or CloseCode.NO_STATUS_RCVD, self.close_reason
            )

    async def _send_or_disconnect(self, message: Message) -> None:
        try:
            await self._send(message)
        except OSError as exc:
            # ASGI 2.4: a send after the client left raises an OSError subclass.
            self._client_state = _DISCONNECTED
            if self.close_code is None:
                self.close_code = int(CloseCode.ABNORMAL_CLOSURE)
            await self.leave_rooms()
            raise WebSocketDisconnect(self.close_code, self.close_reason) from exc


def _size(data: str | bytes) -> int:
    """The size of a message in bytes (text counts its UTF-8 encoding)."""
    return len(data.encode()) if type(data) is str else len(data)
