"""Responses whose body is produced while it is sent: streams and Server-Sent Events.

The body comes from an async iterable, or a sync one (a sequence is read in place; any
other sync iterator is advanced in a worker thread so a blocking generator cannot stall
the event loop). While streaming, the response listens for ``http.disconnect``: when the
client goes away the iterator is cancelled and closed, so its ``finally`` blocks run and an
endless event stream does not keep producing for nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from typing import Any, TypeAlias

from ._background import Background, run_background
from ._encoding import current_encoder
from ._responses import Response
from ._types import Message, Receive, Scope, Send

__all__ = [
    "Content",
    "ContentStream",
    "EventSourceResponse",
    "ServerSentEvent",
    "StreamingResponse",
]

Content: TypeAlias = str | bytes | bytearray | memoryview
ContentStream: TypeAlias = AsyncIterable[Any] | Iterable[Any]
_DONE = object()


def _next_or_done(iterator: Iterator[Any]) -> Any:
    return next(iterator, _DONE)


async def _iterate(content: ContentStream, in_thread: bool) -> AsyncGenerator[Any, None]:
    """``content`` as an async iterator; sync iterators run in a thread when ``in_thread``."""
    if isinstance(content, AsyncIterable):
        async for item in content:
            yield item
        return
    if isinstance(content, Sequence) or not in_thread:
        for item in content:
            yield item
        return
    iterator = iter(content)
    try:
        while (item := await asyncio.to_thread(_next_or_done, iterator)) is not _DONE:
            yield item
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


class StreamingResponse(Response):
    """A response whose body is sent chunk by chunk from an iterable.

    Chunks may be ``bytes`` or ``str`` (encoded with the response's charset). The client
    leaving stops the iteration::

        async def numbers():
            for n in range(10):
                yield f"{n}\\n"

        return StreamingResponse(numbers(), media_type="text/plain")

    ``iterate_in_thread`` (default True) advances a sync iterator in a worker thread;
    pass False for iterators that never block.
    """

    def __init__(
        self,
        content: ContentStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Background | None = None,
        *,
        iterate_in_thread: bool = True,
    ) -> None:
        if isinstance(content, str | bytes | bytearray | memoryview):
            raise TypeError(
                f"{type(self).__name__} needs an iterable of chunks, not one "
                f"{type(content).__name__}: use Response for a body known up front"
            )
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = b""
        # The length is unknown: the server frames the body (chunked encoding, HTTP/2).
        self.init_headers(headers, None)
        self.body_iterator = content
        self.iterate_in_thread = iterate_in_thread

    def encode_chunk(self, chunk: Any) -> bytes:
        """One item of the iterable as bytes."""
        if isinstance(chunk, bytes):
            return chunk
        if isinstance(chunk, str):
            return chunk.encode(self.charset)
        if isinstance(chunk, bytearray | memoryview):
            return bytes(chunk)
        raise TypeError(
            f"{type(self).__name__} content must yield bytes or str, got {type(chunk).__name__}"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        try:
            if scope.get("method") == "HEAD":
                await send({"type": "http.response.body", "body": b""})
            else:
                await stream_until_disconnect(self._stream(send), receive)
        finally:
            if scope.get("method") == "HEAD":
                await _close(self.body_iterator)
            if self.background is not None:
                await run_background(self.background)

    async def _stream(self, send: Send) -> None:
        iterator = _iterate(self.body_iterator, self.iterate_in_thread)
        try:
            await self.send_chunks(iterator, send)
        finally:
            await iterator.aclose()
            await _close(self.body_iterator)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def send_chunks(self, chunks: AsyncIterator[Any], send: Send) -> None:
        """Send every chunk as an ``http.response.body`` message with ``more_body``."""
        async for chunk in chunks:
            body = self.encode_chunk(chunk)
            if body:
                await send({"type": "http.response.body", "body": body, "more_body": True})


async def stream_until_disconnect(sending: Coroutine[Any, Any, None], receive: Receive) -> None:
    """Run ``sending`` until it finishes or the client disconnects, whichever comes first.

    Two tasks, only for streamed bodies: one sends, one waits for the ``http.disconnect``
    that must interrupt it. Tasks copy the context, so context variables stay visible.
    A send that fails with ``OSError`` (how ASGI 2.4 servers report a disconnect) ends the
    stream quietly too; any other error propagates.
    """
    sender = asyncio.ensure_future(sending)
    listener = asyncio.ensure_future(_wait_for_disconnect(receive))
    try:
        await asyncio.wait((sender, listener), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sender, listener):
            task.cancel()
        results = await asyncio.gather(sender, listener, return_exceptions=True)
    error = results[0]
    if isinstance(error, BaseException) and not isinstance(error, asyncio.CancelledError | OSError):
        raise error


async def _wait_for_disconnect(receive: Receive) -> None:
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _close(content: object) -> None:
    """Close a generator the response did not run to the end (finalizers, resources)."""
    aclose = getattr(content, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(RuntimeError):  # already running or closed
            await aclose()
        return
    close = getattr(content, "close", None)
    if close is not None:
        close()


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(slots=True)
class ServerSentEvent:
    """One event of a ``text/event-stream``.

    ``data`` that is not a ``str`` is sent as JSON; a multi-line ``str`` becomes several
    ``data:`` lines, which the browser joins back with newlines. ``id`` sets the client's
    ``Last-Event-ID``; ``retry`` (milliseconds) its reconnection delay; ``comment`` lines
    are ignored by clients (useful as keep-alives)::

        ServerSentEvent({"price": 42}, event="tick", id=7)
    """

    data: Any = None
    event: str | None = None
    id: str | int | None = None
    retry: int | None = None
    comment: str | None = None

    def encode(self) -> bytes:
        """The event in wire format, ending with the blank line that dispatches it."""
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(f": {line}" for line in _LINE_BREAK.split(self.comment))
        if self.id is not None:
            value = str(self.id)
            if "\0" in value or _LINE_BREAK.search(value):
                raise ValueError(
                    f"a Server-Sent Event id cannot hold NUL or line breaks: {value!r}"
                )
            lines.append(f"id: {value}")
        if self.event is not None:
            if _LINE_BREAK.search(self.event):
                raise ValueError(
                    f"a Server-Sent Event name cannot hold line breaks: {self.event!r}"
                )
            lines.append(f"event: {self.event}")
        if self.retry is not None:
            if not isinstance(self.retry, int) or self.retry < 0:
                raise ValueError(
                    f"retry must be a non-negative int (milliseconds), got {self.retry!r}"
                )
            lines.append(f"retry: {self.retry}")
        if self.data is not None:
            data = self.data
            if isinstance(data, bytes | bytearray | memoryview):
                data = bytes(data).decode("utf-8")
            elif not isinstance(data, str):
                data = current_encoder().json(data).decode("utf-8")
            lines.extend(f"data: {line}" for line in _LINE_BREAK.split(data))
        lines.append("\n")
        return "\n".join(lines).encode("utf-8")


class EventSourceResponse(StreamingResponse):
    """A ``text/event-stream`` response: each item of ``content`` is one event.

    Items are :class:`ServerSentEvent` objects or plain data (``str``, or anything JSON
    can encode). While the stream is idle a comment (``: ping``) is sent every
    ``ping_interval`` seconds so proxies keep the connection open and a vanished client is
    noticed; ``None`` turns pings off::

        async def ticks():
            while True:
                yield ServerSentEvent({"t": time.time()}, event="tick")
                await asyncio.sleep(1)

        return EventSourceResponse(ticks())
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        content: ContentStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        background: Background | None = None,
        *,
        ping_interval: float | None = 15.0,
        iterate_in_thread: bool = True,
    ) -> None:
        if ping_interval is not None and ping_interval <= 0:
            raise ValueError(f"ping_interval must be > 0 seconds or None, got {ping_interval}")
        super().__init__(
            content,
            status_code,
            headers,
            self.media_type,
            background,
            iterate_in_thread=iterate_in_thread,
        )
        self.ping_interval = ping_interval
        self.headers.setdefault("cache-control", "no-store")
        # nginx buffers proxied responses by default, which would hold events back.
        self.headers.setdefault("x-accel-buffering", "no")

    def encode_chunk(self, chunk: Any) -> bytes:
        """One item as an encoded event."""
        event = chunk if isinstance(chunk, ServerSentEvent) else ServerSentEvent(data=chunk)
        return event.encode()

    async def send_chunks(self, chunks: AsyncIterator[Any], send: Send) -> None:
        """Send the events, with keep-alive comments while the stream is idle."""
        if self.ping_interval is None:
            await super().send_chunks(chunks, send)
            return
        lock = asyncio.Lock()  # pings and events must not interleave mid-message

        async def locked_send(message: Message) -> None:
            async with lock:
                await send(message)

        pinger = asyncio.ensure_future(self._ping(locked_send, self.ping_interval))
        try:
            await super().send_chunks(chunks, locked_send)
        finally:
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pinger

    @staticmethod
    async def _ping(send: Send, interval: float) -> None:
        ping = {"type": "http.response.body", "body": b": ping\n\n", "more_body": True}
        while True:
            await asyncio.sleep(interval)
            await send(dict(ping))
