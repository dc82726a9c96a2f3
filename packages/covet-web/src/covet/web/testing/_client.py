"""TestClient and AsyncTestClient: httpx clients wired straight into an ASGI app.

Both run the app's lifespan when used as context managers, keep cookies between
requests, stream responses (``client.stream()``, see ``_transport``) and answer
``websocket_connect()`` with an in-process WebSocket session::

    with TestClient(app) as client:              # lifespan start-up ran
        assert client.get("/items/1").json() == {"id": 1}

    async with AsyncTestClient(app) as client:
        response = await client.post("/items", json={"name": "pen"})

The sync client runs the app on an event loop in a background thread (one loop for the
client's whole life, so the lifespan, requests and WebSockets share it).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Coroutine, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from .._types import ASGIApp, Scope
from ._lifespan import LifespanDriver
from ._transport import AsyncTransport, SyncTransport

if TYPE_CHECKING:
    from ._websocket import AsyncWebSocketSession, WebSocketSession

__all__ = ["AsyncTestClient", "TestClient"]

T = TypeVar("T")


class _LoopThread:
    """An event loop running in a daemon thread; call it with a coroutine to run it there."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="covet-test-client", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def __call__(self, coro: Coroutine[Any, Any, T], /) -> T:
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("a TestClient cannot be used from inside the app it tests")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        if self.loop.is_closed():
            return

        async def cancel_pending() -> None:
            current = asyncio.current_task()
            pending = [t for t in asyncio.all_tasks() if t is not current]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            await self.loop.shutdown_asyncgens()

        asyncio.run_coroutine_threadsafe(cancel_pending(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


def _websocket_scope_for(
    client: Any, path: str, headers: Mapping[str, str] | None, subprotocols: Iterable[str]
) -> Scope:
    """The handshake scope a test client sends for ``path`` (sync and async alike)."""
    from ._websocket import websocket_scope

    url = client.base_url.join(path)
    return websocket_scope(
        url.path,
        query_string=url.query,
        headers=_websocket_headers(client, url, headers),
        subprotocols=subprotocols,
        scheme="wss" if url.scheme == "https" else "ws",
        host=url.host,
        root_path=client.root_path,
        client=client.client_address,
        state=client._lifespan.state,
    )


def _websocket_headers(
    client: httpx.Client | httpx.AsyncClient, url: httpx.URL, headers: Mapping[str, str] | None
) -> list[tuple[str, str]]:
    merged = [(k, v) for k, v in client.headers.multi_items() if k.lower() in ("user-agent",)]
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
    if cookie:
        merged.append(("cookie", cookie))
    if headers:
        merged += list(headers.items())
    return merged


class TestClient(httpx.Client):
    """A synchronous httpx client for ``app`` (``base_url="http://testserver"``).

    ``raise_server_exceptions`` re-raises an exception that escapes the app (a Covet app
    turns handler errors into 500 problems itself); ``root_path`` plays an app mounted
    behind a proxy prefix; ``client`` is the address the app sees.
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(
        self,
        app: ASGIApp,
        *,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        client: tuple[str, int] = ("testclient", 50000),
        cookies: httpx._types.CookieTypes | None = None,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = True,
        timeout: float | None = None,
    ) -> None:
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions
        self.root_path = root_path
        self.client_address = client
        self._lifespan = LifespanDriver(app)
        self._loop_thread: _LoopThread | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self.timeout_seconds = timeout
        self._in_process = SyncTransport(self)
        super().__init__(
            base_url=base_url,
            transport=self._in_process,
            cookies=cookies,
            headers={"user-agent": "covet-testclient", **(headers or {})},
            follow_redirects=follow_redirects,
        )

    @property
    def _portal(self) -> _LoopThread:
        if self._loop_thread is None:
            self._loop_thread = _LoopThread()
            # A client that is never closed still stops its thread when collected.
            self._finalizer = weakref.finalize(self, _LoopThread.close, self._loop_thread)
        return self._loop_thread

    def __enter__(self) -> TestClient:
        super().__enter__()
        try:
            self._portal(self._lifespan.startup())
        except BaseException:
            self._stop_loop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        try:
            self._in_process.hang_up()  # streams left open stop before the app shuts down
            self._portal(self._lifespan.shutdown())
        finally:
            super().__exit__(exc_type, exc, tb)
            self._stop_loop()

    def close(self) -> None:
        """Close the client and stop its event loop thread."""
        super().close()
        self._stop_loop()

    def _stop_loop(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None
        self._loop_thread = None

    def websocket_connect(
        self,
        path: str,
        *,
        subprotocols: Iterable[str] = (),
        headers: Mapping[str, str] | None = None,
        timeout: float | None = 10.0,
    ) -> WebSocketSession:
        """Open an in-process WebSocket session on ``path``; use it with ``with``."""
        from ._websocket import connect_sync

        scope = _websocket_scope_for(self, path, headers, subprotocols)
        return connect_sync(self.app, scope, portal=self._portal, timeout=timeout)


class AsyncTestClient(httpx.AsyncClient):
    """An async httpx client for ``app``; ``async with`` runs the app's lifespan.

    Options as for :class:`TestClient`. The app runs in the caller's event loop.
    """

    __test__ = False

    def __init__(
        self,
        app: ASGIApp,
        *,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        client: tuple[str, int] = ("testclient", 50000),
        cookies: httpx._types.CookieTypes | None = None,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = True,
    ) -> None:
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions
        self.root_path = root_path
        self.client_address = client
        self._lifespan = LifespanDriver(app)
        self._in_process = AsyncTransport(self)
        super().__init__(
            base_url=base_url,
            transport=self._in_process,
            cookies=cookies,
            headers={"user-agent": "covet-testclient", **(headers or {})},
            follow_redirects=follow_redirects,
        )

    async def __aenter__(self) -> AsyncTestClient:
        await super().__aenter__()
        await self._lifespan.startup()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        try:
            await self._in_process.hang_up()  # streams left open stop before the shutdown
            await self._lifespan.shutdown()
        finally:
            await super().__aexit__(exc_type, exc, tb)

    def websocket_connect(
        self,
        path: str,
        *,
        subprotocols: Iterable[str] = (),
        headers: Mapping[str, str] | None = None,
        timeout: float | None = 10.0,
    ) -> AsyncWebSocketSession:
        """Open an in-process WebSocket session on ``path``; use it with ``async with``."""
        from ._websocket import connect_async

        scope = _websocket_scope_for(self, path, headers, subprotocols)
        return connect_async(self.app, scope, timeout=timeout)
