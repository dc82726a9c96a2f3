"""What every web implementation shares: the requests of H1-H6, the in-process ASGI driver,
lifespan, and the two small ASGI middleware used where a framework has none of its own.

The driver calls an app's ASGI callable directly, the way a server would: a fresh scope per
request (a shallow copy of a template, with ``state`` copied from the lifespan state as
uvicorn does), a ``receive`` that yields the body once and then ``http.disconnect``, and a
``send`` that only keeps the messages. Every implementation pays the same for that.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# --- the scenarios' data ------------------------------------------------------------------

PLAINTEXT = b"Hello, World!"
MESSAGE = {"message": "Hello, World!"}
USER_ID = 123
USER_Q = "hello"
ITEM = {"name": "Widget", "price": 9.99, "count": 3, "active": True, "tags": ["a", "b"]}
ITEM_BODY = json.dumps(ITEM, separators=(",", ":")).encode()
# Each is a type error for one field: a validated implementation answers 400 or 422.
BAD_ITEMS = (
    b'{"name":"Widget","price":"abc","count":3,"active":true,"tags":["a"]}',
    b'{"name":"Widget","price":9.99,"count":3,"active":true}',
    b'{"name":"Widget","price":9.99,"count":3,"active":true,"tags":"a"}',
    b"{not json",
)
TOKEN = "s3cret"
ORIGIN = "https://app.example.com"
# What the security-headers middleware adds (the same set everywhere).
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
)
GZIP_MIN_SIZE = 500  # bytes; H5's body is far smaller, so it is sent uncompressed
ROUTES = 200  # H6: 100 static and 100 parameterised routes
MISSING_PATH = "/api/v1/nothing/42"


def static_path(i: int) -> str:
    """H6's static routes: ``/api/v1/static{i}``."""
    return f"/api/v1/static{i}"


def dynamic_prefix(i: int) -> str:
    """H6's parameterised routes: ``/api/v1/items{i}/{id:int}``."""
    return f"/api/v1/items{i}"


def h5_body(token: str) -> dict[str, str]:
    """H5's response body: the message and what the request-scoped dependency produced."""
    return {"message": "Hello, World!", "token": token}


# --- requests -------------------------------------------------------------------------


@dataclass(frozen=True)
class Req:
    """One request of a scenario: what goes into the scope and the body."""

    method: str
    path: str
    query: bytes = b""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes = b""

    def scope(self, port: int = 8000) -> dict[str, Any]:
        """The ASGI scope a server would build for this request."""
        headers = [
            (b"host", f"127.0.0.1:{port}".encode()),
            (b"user-agent", b"covet-bench"),
            (b"accept", b"*/*"),
            *self.headers,
        ]
        if self.body:
            headers.append((b"content-length", str(len(self.body)).encode()))
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "server": ("127.0.0.1", port),
            "client": ("127.0.0.1", 54321),
            "scheme": "http",
            "method": self.method,
            "root_path": "",
            "path": self.path,
            "raw_path": self.path.encode(),
            "query_string": self.query,
            "headers": headers,
        }


_JSON = ((b"content-type", b"application/json"),)
H1 = Req("GET", "/plaintext")
H2 = Req("GET", "/json")
H3 = Req("GET", f"/users/{USER_ID}", query=f"q={USER_Q}".encode())
H4 = Req("POST", "/items", headers=_JSON, body=ITEM_BODY)
H4_PYDANTIC = Req("POST", "/items/pydantic", headers=_JSON, body=ITEM_BODY)  # a covet variant
H5 = Req(
    "GET",
    "/middleware",
    headers=(
        (b"origin", ORIGIN.encode()),
        (b"accept-encoding", b"gzip, deflate, br"),
        (b"x-token", TOKEN.encode()),
    ),
)
H6 = Req("GET", MISSING_PATH)


@dataclass(frozen=True)
class Resp:
    """What the app sent: status, headers (lower-cased names) and the whole body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _response(messages: list[Message]) -> Resp:
    start = next((m for m in messages if m["type"] == "http.response.start"), None)
    if start is None:
        raise AssertionError(f"no http.response.start was sent: {messages!r}")
    headers: dict[str, str] = {}
    for name, value in start.get("headers", ()):
        key = bytes(name).decode("latin-1").lower()
        headers[key] = (headers[key] + ", " if key in headers else "") + bytes(value).decode(
            "latin-1"
        )
    body = b"".join(
        bytes(m.get("body", b"")) for m in messages if m["type"] == "http.response.body"
    )
    return Resp(int(start["status"]), headers, body)


class _Exchange:
    """One request's receive and send."""

    __slots__ = ("body", "messages", "read")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.read = False
        self.messages: list[Message] = []

    async def receive(self) -> Message:
        if self.read:
            return {"type": "http.disconnect"}
        self.read = True
        return {"type": "http.request", "body": self.body, "more_body": False}

    async def send(self, message: Message) -> None:
        self.messages.append(message)


class Driver:
    """Calls one ASGI app in process, after running its lifespan startup."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}
        self._lifespan: asyncio.Task[None] | None = None
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()

    async def start(self) -> None:
        """Run the lifespan startup, as uvicorn's ``lifespan="auto"`` does."""
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "state": self.state,
        }

        async def run() -> None:
            try:
                await self.app(scope, self._to_app.get, self._from_app.put)
            finally:
                # An app without lifespan support raises or returns: startup is then a no-op.
                self._from_app.put_nowait({"type": "lifespan.returned"})

        self._lifespan = asyncio.create_task(run())
        await self._to_app.put({"type": "lifespan.startup"})
        message = await self._from_app.get()
        if message["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"lifespan startup failed: {message.get('message', '')}")

    async def stop(self) -> None:
        task, self._lifespan = self._lifespan, None
        if task is None:
            return
        if not task.done():
            await self._to_app.put({"type": "lifespan.shutdown"})
            await self._from_app.get()
        with contextlib.suppress(Exception):  # an app without lifespan support raised
            await task

    async def request(self, req: Req) -> Resp:
        """One request, with every message kept: for checks, never timed."""
        scope = req.scope()
        scope["state"] = self.state.copy()
        exchange = _Exchange(req.body)
        await self.app(scope, exchange.receive, exchange.send)
        return _response(exchange.messages)

    async def run(self, req: Req, n: int) -> Resp:
        """n requests, as a server would make them; returns the last response."""
        app = self.app
        template = req.scope()
        state = self.state
        # One exchange reset per request, its bound methods taken once: the driver's own
        # cost stays small next to the cheapest app (the floor), and alike for every app.
        exchange = _Exchange(req.body)
        receive, send, messages = exchange.receive, exchange.send, exchange.messages
        for _ in range(n):
            scope = template.copy()
            scope["state"] = state.copy()
            exchange.read = False
            messages.clear()
            await app(scope, receive, send)
        return _response(messages)


# --- ASGI middleware for implementations whose framework has none -------------------------


class SecurityHeadersMiddleware:
    """Adds a fixed set of security headers to every HTTP response (pure ASGI)."""

    def __init__(self, app: ASGIApp, headers: Iterable[tuple[str, str]] = SECURITY_HEADERS) -> None:
        self.app = app
        self.headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CORSMiddleware:
    """Simple-request CORS for a list of origins (pure ASGI, no preflight caching tricks).

    A preflight (OPTIONS with Access-Control-Request-Method) is answered here; any other
    request from an allowed origin gets Access-Control-Allow-Origin and Vary: Origin.
    """

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Iterable[str],
        allow_methods: Iterable[str] = ("GET", "POST"),
        allow_headers: Iterable[str] = ("x-token", "content-type"),
    ) -> None:
        self.app = app
        self.origins = {o.encode("latin-1") for o in allow_origins}
        self.preflight_headers = [
            (b"access-control-allow-methods", ", ".join(allow_methods).encode()),
            (b"access-control-allow-headers", ", ".join(allow_headers).encode()),
            (b"access-control-max-age", b"600"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = None
        preflight = False
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                preflight = True
        if origin is None or origin not in self.origins:
            await self.app(scope, receive, send)
            return
        allow = [(b"access-control-allow-origin", origin), (b"vary", b"Origin")]
        if preflight and scope["method"] == "OPTIONS":
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": allow + self.preflight_headers,
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *allow]
            await send(message)

        await self.app(scope, receive, send_with_cors)
