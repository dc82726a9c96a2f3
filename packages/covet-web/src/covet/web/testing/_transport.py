"""Running HTTP requests through an ASGI app in-process, as httpx transports.

No socket is opened: the httpx request becomes an ASGI scope, the app runs, and what it
sends becomes an httpx response, returned as soon as the status and headers are sent.
The body streams: ``client.get()`` reads it whole (and returns once the app has
finished, background tasks included), while ``client.stream()`` reads it as the app
sends it, so an endless Server-Sent Events stream can be tested. Closing a response
before its end tells the app the client left (see ``_exchange``).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator
from typing import Any, TypeVar

import httpx

from .._types import ASGIApp, Scope
from ._exchange import HTTPExchange, ResponseHead

__all__ = ["AsyncTransport", "SyncTransport", "build_http_scope", "open_exchange"]

T = TypeVar("T")
Portal = Callable[[Coroutine[Any, Any, T]], T]
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def build_http_scope(
    request: httpx.Request,
    *,
    root_path: str,
    client: tuple[str, int],
    state: dict[str, Any] | None,
) -> Scope:
    """The ASGI ``http`` scope a server would build for ``request``."""
    url = request.url
    raw_path = url.raw_path.split(b"?", 1)[0]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "server": (url.host, url.port or _DEFAULT_PORTS.get(url.scheme, 80)),
        "client": client,
        # As servers do behind a proxy that strips the prefix: root_path is part of path.
        "root_path": root_path,
        "path": root_path + url.path,
        "raw_path": root_path.encode() + raw_path,
        "query_string": url.query,
        "headers": [(key.lower(), value) for key, value in request.headers.raw],
        "state": dict(state) if state is not None else {},
        "extensions": {},
    }


async def open_exchange(
    app: ASGIApp,
    request: httpx.Request,
    body: bytes,
    *,
    root_path: str,
    client: tuple[str, int],
    state: dict[str, Any] | None,
    raise_server_exceptions: bool,
) -> tuple[HTTPExchange, ResponseHead]:
    """Start ``app`` on ``request``; the exchange and the response's head once it is sent."""
    scope = build_http_scope(request, root_path=root_path, client=client, state=state)
    exchange = HTTPExchange(app, scope, body, raise_server_exceptions=raise_server_exceptions)
    return exchange, await exchange.start()


def _response(
    request: httpx.Request, head: ResponseHead, stream: httpx.SyncByteStream | httpx.AsyncByteStream
) -> httpx.Response:
    status, headers, _, _ = head
    return httpx.Response(status, headers=headers, stream=stream, request=request)


class _SyncBody(httpx.SyncByteStream):
    """A response body read from the app on the client's event loop thread."""

    def __init__(self, exchange: HTTPExchange, head: ResponseHead, portal: Portal[Any]) -> None:
        self._exchange = exchange
        self._portal = portal
        _, _, self._chunks, self._done = head

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunks, self._chunks = self._chunks, []
            yield from chunks
            if self._done:
                return
            self._chunks, self._done = self._portal(self._exchange.read())

    def close(self) -> None:
        if not self._exchange.settled:
            self._portal(self._exchange.aclose())


class _AsyncBody(httpx.AsyncByteStream):
    """A response body read from the app running in the caller's event loop."""

    def __init__(self, exchange: HTTPExchange, head: ResponseHead) -> None:
        self._exchange = exchange
        _, _, self._chunks, self._done = head

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            chunks, self._chunks = self._chunks, []
            for chunk in chunks:
                yield chunk
            if self._done:
                return
            self._chunks, self._done = await self._exchange.read()

    async def aclose(self) -> None:
        await self._exchange.aclose()


async def _hang_up(exchanges: Iterable[HTTPExchange]) -> None:
    for exchange in exchanges:
        # Streams the test left open: their app's errors are not the test's business now.
        with contextlib.suppress(Exception):
            await exchange.aclose()


class SyncTransport(httpx.BaseTransport):
    """An httpx transport that runs the app on the test client's event loop thread."""

    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self._open: weakref.WeakSet[HTTPExchange] = weakref.WeakSet()

    def hang_up(self) -> None:
        """Close the responses still streaming, so their apps stop."""
        streaming = [exchange for exchange in self._open if not exchange.settled]
        if streaming:
            self.owner._portal(_hang_up(streaming))

    def close(self) -> None:
        self.hang_up()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        owner = self.owner
        body = request.read()
        portal: Portal[tuple[HTTPExchange, ResponseHead]] = owner._portal
        exchange, head = portal(
            open_exchange(
                owner.app,
                request,
                body,
                root_path=owner.root_path,
                client=owner.client_address,
                state=owner._lifespan.state,
                raise_server_exceptions=owner.raise_server_exceptions,
            )
        )
        self._open.add(exchange)
        return _response(request, head, _SyncBody(exchange, head, portal))


class AsyncTransport(httpx.AsyncBaseTransport):
    """An httpx transport that runs the app in the caller's event loop."""

    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self._open: weakref.WeakSet[HTTPExchange] = weakref.WeakSet()

    async def hang_up(self) -> None:
        """Close the responses still streaming, so their apps stop."""
        await _hang_up([exchange for exchange in self._open if not exchange.settled])

    async def aclose(self) -> None:
        await self.hang_up()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        owner = self.owner
        body = await request.aread()
        exchange, head = await open_exchange(
            owner.app,
            request,
            body,
            root_path=owner.root_path,
            client=owner.client_address,
            state=owner._lifespan.state,
            raise_server_exceptions=owner.raise_server_exceptions,
        )
        self._open.add(exchange)
        return _response(request, head, _AsyncBody(exchange, head))
