"""One HTTP request running through an ASGI app in-process, its response read as it comes.

The app runs as a task. :meth:`HTTPExchange.start` returns once the app has sent the
status and headers, with whatever body it had already sent; :meth:`HTTPExchange.read`
waits for more. The body travels through a small buffer: an app that produces faster
than the test reads waits, as it would on a socket, so an endless stream costs nothing
while nobody reads it. Closing the exchange before the end is a client hanging up: the
app's ``receive()`` answers ``http.disconnect`` and its later sends raise ``OSError``
(ASGI 2.4), so a streaming response stops and its ``finally`` blocks run.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Final, TypeAlias

from .._types import ASGIApp, Message, Scope

__all__ = ["CLOSE_GRACE", "HTTPExchange", "ResponseHead"]

CLOSE_GRACE: Final = 5.0
"""Seconds an app gets to stop after the client hung up, before its task is cancelled."""

_HIGH_WATER: Final = 64 * 1024  # bytes sent and not yet read, beyond which the app waits

ResponseHead: TypeAlias = tuple[int, list[tuple[bytes, bytes]], list[bytes], bool]
"""Status, headers, the body chunks sent so far, and whether the body is complete."""


class HTTPExchange:
    """The app answering one request; every method runs on the app's event loop."""

    def __init__(
        self, app: ASGIApp, scope: Scope, body: bytes, *, raise_server_exceptions: bool
    ) -> None:
        self.app = app
        self.scope = scope
        self.raise_server_exceptions = raise_server_exceptions
        self._request_body: bytes | None = body
        self._status: int | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._started = asyncio.Event()
        self._buffer: deque[bytes] = deque()
        self._buffered = 0
        self._readable = asyncio.Event()  # a chunk arrived, or the body ended
        self._drained = asyncio.Event()  # the reader took what was buffered
        self._hung_up = asyncio.Event()  # the body is complete, or the client left
        self._body_done = False
        self._client_left = False
        self._finished = False
        self._task: asyncio.Task[None] | None = None

    @property
    def settled(self) -> bool:
        """Whether the app has returned (or the exchange was closed): nothing to hang up."""
        task = self._task
        return self._finished or task is None or task.done()

    # -- the client's side --------------------------------------------------------------

    async def start(self) -> ResponseHead:
        """Run the app until it sends the status and headers; what it sent so far.

        An exception escaping the app before that is raised here (or answered with a
        plain 500 if ``raise_server_exceptions`` is false).
        """
        task = self._task = asyncio.get_running_loop().create_task(self._run())
        started = asyncio.ensure_future(self._started.wait())
        try:
            await asyncio.wait({started, task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            started.cancel()
        if self._status is None:
            self._finished = True
            exc = task.exception()
            if exc is None:
                raise RuntimeError("the app returned without sending a response")
            if self.raise_server_exceptions:
                raise exc
            return 500, [], [b"Internal Server Error"], True
        chunks = self._take_buffered()
        if self._body_done:
            await self._finish()
        return self._status, self._headers, chunks, self._body_done

    async def read(self) -> tuple[list[bytes], bool]:
        """The body chunks sent since the last read (waiting for one), and whether that was
        the end. At the end the app has returned; an exception that escaped it is raised."""
        task = self._task
        assert task is not None, "start() first"
        while not self._buffer and not self._body_done and not task.done():
            self._readable.clear()
            readable = asyncio.ensure_future(self._readable.wait())
            try:
                await asyncio.wait({readable, task}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                readable.cancel()
        chunks = self._take_buffered()
        done = self._body_done or task.done()
        if done:
            await self._finish()
        return chunks, done

    async def aclose(self) -> None:
        """Hang up: tell the app the client left, and wait for it to stop."""
        task = self._task
        if task is None or self._finished:
            return
        self._finished = True
        if not self._body_done:
            self._client_left = True
            self._buffer.clear()
            self._hung_up.set()
            self._drained.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), CLOSE_GRACE)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return
        except OSError:  # a send after the client left: how ASGI 2.4 apps learn it
            return
        except Exception:
            if self.raise_server_exceptions:
                raise

    # -- the app's side -----------------------------------------------------------------

    async def _run(self) -> None:
        await self.app(self.scope, self._receive, self._send)

    async def _receive(self) -> Message:
        body = self._request_body
        if body is not None:
            self._request_body = None
            return {"type": "http.request", "body": body, "more_body": False}
        # Later reads see the client hang up: once the response is complete, or earlier
        # if the test closed the response.
        await self._hung_up.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self._status is not None:
                raise RuntimeError("the app sent http.response.start twice")
            self._status = int(message["status"])
            self._headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
            self._started.set()
        elif kind == "http.response.body":
            if self._status is None:
                raise RuntimeError("the app sent a body before http.response.start")
            if self._client_left:
                raise OSError("the client closed the response")
            if self._body_done:
                raise RuntimeError("the app sent a body after the response was complete")
            self._body(bytes(message.get("body", b"")), bool(message.get("more_body", False)))
            while self._buffered > _HIGH_WATER and not self._client_left:
                self._drained.clear()
                await self._drained.wait()
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} in an http scope")

    def _body(self, chunk: bytes, more_body: bool) -> None:
        if chunk:
            self._buffer.append(chunk)
            self._buffered += len(chunk)
        if not more_body:
            self._body_done = True
            self._hung_up.set()
        self._readable.set()

    # -- internals ----------------------------------------------------------------------

    def _take_buffered(self) -> list[bytes]:
        chunks = list(self._buffer)
        self._buffer.clear()
        self._buffered = 0
        self._drained.set()
        return chunks

    async def _finish(self) -> None:
        """Wait for the app to return (background tasks run after the body); re-raise."""
        task = self._task
        if task is None or self._finished:
            return
        self._finished = True
        await task  # an exception after the response started is raised whatever the option
