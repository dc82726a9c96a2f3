"""The floor: hand-written ASGI apps, no framework.

What a careful author writes by hand: a dict of static paths, the one parameterised path
parsed with ``str.partition``, the query string with ``urllib.parse.parse_qsl``, H4's body
decoded and validated by msgspec into a Struct, JSON written by orjson (H2, H3) and msgspec
(H4). H5's three middleware are small pure-ASGI classes (CORS and security headers shared
with covet's H5, a gzip that skips bodies under 500 bytes) and its "dependency" is a header
read by hand. H6's 200 routes are a dict of static paths plus a dict of prefixes.
"""

from __future__ import annotations

import gzip
from typing import Any
from urllib.parse import parse_qsl

import msgspec
import orjson

from . import _web_common as c

_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
_JSON = [(b"content-type", b"application/json")]
_NOT_FOUND = b"Not Found"


class Item(msgspec.Struct):
    name: str
    price: float
    count: int
    active: bool
    tags: list[str]


_item_decoder = msgspec.json.Decoder(Item)
_encoder = msgspec.json.Encoder()


async def _respond(send: c.Send, status: int, headers: list[Any], body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: c.Receive) -> bytes:
    message = await receive()
    body = message.get("body", b"")
    if not message.get("more_body", False):
        return bytes(body)
    chunks = [body]
    while message.get("more_body", False):
        message = await receive()
        chunks.append(message.get("body", b""))
    return b"".join(chunks)


async def plaintext(scope: c.Scope, receive: c.Receive, send: c.Send) -> None:
    await _respond(send, 200, _TEXT, c.PLAINTEXT)


async def json_message(scope: c.Scope, receive: c.Receive, send: c.Send) -> None:
    await _respond(send, 200, _JSON, orjson.dumps({"message": "Hello, World!"}))


async def user(scope: c.Scope, receive: c.Receive, send: c.Send, raw_id: str) -> None:
    try:
        user_id = int(raw_id)
    except ValueError:
        await _respond(send, 404, _TEXT, _NOT_FOUND)
        return
    q = None
    for key, value in parse_qsl(scope["query_string"].decode("latin-1")):
        if key == "q":
            q = value
            break
    if q is None:
        await _respond(send, 422, _JSON, b'{"detail":"query parameter q is required"}')
        return
    await _respond(send, 200, _JSON, orjson.dumps({"id": user_id, "q": q}))


async def create_item(scope: c.Scope, receive: c.Receive, send: c.Send) -> None:
    try:
        item = _item_decoder.decode(await _read_body(receive))
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
        await _respond(send, 422, _JSON, orjson.dumps({"detail": str(exc)}))
        return
    await _respond(send, 201, _JSON, _encoder.encode(item))


async def with_token(scope: c.Scope, receive: c.Receive, send: c.Send) -> None:
    token = None
    for name, value in scope["headers"]:
        if name == b"x-token":
            token = value.decode("latin-1")
            break
    if token is None:
        await _respond(send, 422, _JSON, b'{"detail":"header x-token is required"}')
        return
    await _respond(send, 200, _JSON, orjson.dumps(c.h5_body(token)))


_STATIC = {
    "/plaintext": plaintext,
    "/json": json_message,
    "/items": create_item,
    "/middleware": with_token,
}
_METHODS = {"/items": "POST"}


async def app(scope: c.Scope, receive: c.Receive, send: c.Send) -> None:
    """H1-H5's routes."""
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    path = scope["path"]
    handler = _STATIC.get(path)
    if handler is not None:
        if scope["method"] != _METHODS.get(path, "GET"):
            await _respond(send, 405, _TEXT, b"Method Not Allowed")
            return
        await handler(scope, receive, send)
        return
    head, sep, rest = path.partition("/users/")
    if not head and sep and rest and "/" not in rest:
        await user(scope, receive, send, rest)
        return
    await _respond(send, 404, _TEXT, _NOT_FOUND)


async def _lifespan(receive: c.Receive, send: c.Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


class GZipMiddleware:
    """Compresses a one-message body of at least ``minimum_size`` bytes when accepted."""

    def __init__(self, app: c.ASGIApp, minimum_size: int = c.GZIP_MIN_SIZE) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: c.Scope, receive: c.Receive, send: c.Send) -> None:
        if scope["type"] != "http" or not any(
            name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"]
        ):
            await self.app(scope, receive, send)
            return
        minimum = self.minimum_size
        start: c.Message | None = None

        async def send_compressed(message: c.Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message  # held until the body shows whether to compress
                return
            if start is not None:
                held, start = start, None
                body = message.get("body", b"")
                if len(body) >= minimum and not message.get("more_body", False):
                    body = gzip.compress(body, 6)
                    headers = [(k, v) for k, v in held["headers"] if k != b"content-length"]
                    held["headers"] = [
                        *headers,
                        (b"content-encoding", b"gzip"),
                        (b"content-length", str(len(body)).encode()),
                        (b"vary", b"Accept-Encoding"),
                    ]
                    message = {"type": "http.response.body", "body": body}
                await send(held)
            await send(message)

        await self.app(scope, receive, send_compressed)


def build_app() -> c.ASGIApp:
    return app


def build_middleware_app() -> c.ASGIApp:
    inner = GZipMiddleware(app)
    return c.CORSMiddleware(c.SecurityHeadersMiddleware(inner), allow_origins=[c.ORIGIN])


def build_big_app() -> c.ASGIApp:
    """200 routes: a dict of static paths, and a dict of prefixes for ``{prefix}/{id}``."""

    def static_handler(i: int) -> c.ASGIApp:
        body = orjson.dumps({"route": i})

        async def handler(scope: c.Scope, receive: c.Receive, send: c.Send) -> None:
            await _respond(send, 200, _JSON, body)

        return handler

    def dynamic_handler(i: int) -> Any:
        async def handler(scope: c.Scope, receive: c.Receive, send: c.Send, raw: str) -> None:
            try:
                item_id = int(raw)
            except ValueError:
                await _respond(send, 404, _TEXT, _NOT_FOUND)
                return
            await _respond(send, 200, _JSON, orjson.dumps({"route": i, "id": item_id}))

        return handler

    half = c.ROUTES // 2
    static = {c.static_path(i): static_handler(i) for i in range(half)}
    dynamic = {c.dynamic_prefix(i): dynamic_handler(i) for i in range(half)}

    async def big(scope: c.Scope, receive: c.Receive, send: c.Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        path = scope["path"]
        handler = static.get(path)
        if handler is not None:
            await handler(scope, receive, send)
            return
        prefix, _, last = path.rpartition("/")
        dynamic_route = dynamic.get(prefix)
        if dynamic_route is not None and last:
            await dynamic_route(scope, receive, send, last)
            return
        await _respond(send, 404, _TEXT, _NOT_FOUND)

    return big
