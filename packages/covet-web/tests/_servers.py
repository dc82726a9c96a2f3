"""Real servers for tests: uvicorn on a free loopback port, and what a WebSocket client saw.

``serve(app)`` runs uvicorn inside the test's event loop (async tests); ``serve_in_thread(app)``
runs it in a thread with its own loop (sync tests, module-scoped fixtures, a browser). Both
listen on a socket bound before the server starts, so no other process can take the port
in between, and yield the base URL. Keyword options are ``uvicorn.Config``'s and override
the defaults: no logging configuration of uvicorn's own, warnings only, no access log, the
lifespan run when the app speaks it, and the sans-I/O WebSocket implementation.
``free_port()`` is for servers started as another process, which bind the port themselves.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import uvicorn
from websockets.asyncio.client import ClientConnection

from covet.web._types import ASGIApp

_DEFAULTS: dict[str, Any] = {
    "log_config": None,
    "log_level": "warning",
    "access_log": False,
    "lifespan": "auto",
    "ws": "websockets-sansio",
}
_START_TIMEOUT = 20.0  # seconds: a loaded machine starts slowly


def free_port() -> int:
    """A loopback port free right now (for a server process that binds it itself)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _server(app: ASGIApp, options: dict[str, Any]) -> uvicorn.Server:
    return uvicorn.Server(uvicorn.Config(app, **{**_DEFAULTS, **options}))


@asynccontextmanager
async def serve(app: ASGIApp, *, scheme: str = "http", **options: Any) -> AsyncIterator[str]:
    """Run ``app`` under uvicorn in this event loop; yield ``scheme://127.0.0.1:<port>``.

    ``scheme="ws"`` gives the base URL a WebSocket client connects to.
    """
    sock = _listening_socket()
    server = _server(app, options)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if task.done():
                task.result()  # raises the reason it stopped, if it raised one
                raise RuntimeError("uvicorn stopped before it started (lifespan start-up?)")
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            await asyncio.sleep(0.005)
        yield f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextmanager
def serve_in_thread(app: ASGIApp, **options: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn in a thread; yield its ``http://`` base URL."""
    sock = _listening_socket()
    server = _server(app, options)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


async def closed_code(client: ClientConnection) -> tuple[int, str]:
    """Wait until the server closes; the close code and reason it sent."""
    await asyncio.wait_for(client.wait_closed(), 10)
    received = client.protocol.close_rcvd
    assert received is not None, "the connection dropped without a close frame"
    return received.code, received.reason
