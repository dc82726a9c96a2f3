"""A real uvicorn serving WebSockets on a free port, and what a ``websockets`` client saw."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from websockets.asyncio.client import ClientConnection


@asynccontextmanager
async def serve(app: Any, **options: Any) -> AsyncIterator[str]:
    """Run ``app`` under uvicorn on a free port; yield its ``ws://`` base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="critical", lifespan="on", ws="websockets-sansio", **options
    )
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.005)
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def closed_code(client: ClientConnection) -> tuple[int, str]:
    """Wait until the server closes; the close code and reason it sent."""
    await asyncio.wait_for(client.wait_closed(), 10)
    received = client.protocol.close_rcvd
    assert received is not None, "the connection dropped without a close frame"
    return received.code, received.reason
