"""Testing utilities: in-process HTTP and WebSocket clients that run the app's lifespan.

A pytest plugin (loaded automatically) provides the ``app``, ``client`` and
``async_client`` fixtures.
The clients are built on httpx: ``pip install 'covet-web[testing]'``.
"""

try:
    import httpx as _httpx  # noqa: F401  (checked here so the error names the extra)
except ImportError as exc:  # pragma: no cover - exercised by the isolation check
    from ..errors import MissingDependencyError

    raise MissingDependencyError("covet.web.testing", "httpx", "testing") from exc

from ._client import AsyncTestClient as AsyncTestClient
from ._client import TestClient as TestClient
from ._lifespan import LifespanFailed as LifespanFailed
from ._websocket import AsyncWebSocketSession as AsyncWebSocketSession
from ._websocket import WebSocketRejected as WebSocketRejected
from ._websocket import WebSocketSession as WebSocketSession

__all__ = [
    "AsyncTestClient",
    "AsyncWebSocketSession",
    "LifespanFailed",
    "TestClient",
    "WebSocketRejected",
    "WebSocketSession",
]
