"""Response compression: gzip always, brotli when the ``brotli`` package is installed.

The coding is chosen from the request's ``Accept-Encoding`` q-values (brotli wins ties).
A whole body is compressed in one go; a streamed body (``more_body``) is compressed chunk by
chunk with a flush after each, so server-sent events and long polls still arrive promptly.
Responses that are already encoded, partial (206), tiny, marked ``no-transform`` or of a
type that does not compress (images, archives, event streams) pass through untouched.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, Protocol

from .._types import ASGIApp, Message, Receive, Scope, Send
from ..errors import ConfigurationError
from ._replies import header

try:
    import brotli as _brotli  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - exercised only without the [brotli] extra
    _brotli = None


BROTLI_AVAILABLE = _brotli is not None

# Types worth compressing besides text/*: structured text and uncompressed binaries.
_COMPRESSIBLE_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/ecmascript",
        "application/xml",
        "application/xhtml+xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/x-ndjson",
        "application/graphql-response+json",
        "application/manifest+json",
        "application/wasm",
        "application/x-yaml",
        "application/yaml",
        "application/toml",
        "application/msgpack",
        "application/vnd.api+json",
        "image/svg+xml",
        "image/x-icon",
        "image/bmp",
        "font/ttf",
        "font/otf",
    }
)


def is_compressible(content_type: str) -> bool:
    """Whether a response of this ``Content-Type`` is worth compressing.

    Text (except ``text/event-stream``, which many proxies mishandle when encoded),
    JSON, XML and their ``+json``/``+xml`` variants, SVG, WebAssembly, TTF/OTF fonts.
    """
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type.startswith("text/"):
        return media_type != "text/event-stream"
    return media_type in _COMPRESSIBLE_TYPES or media_type.endswith(("+json", "+xml"))


def parse_accept_encoding(value: str) -> dict[str, float]:
    """``"gzip;q=0.8, br"`` → ``{"gzip": 0.8, "br": 1.0}``; malformed q-values count as 0."""
    codings: dict[str, float] = {}
    for item in value.split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, number = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(number.strip())
                except ValueError:
                    quality = 0.0
                if not 0.0 <= quality <= 1.0:  # also rejects nan
                    quality = 0.0
        codings[coding] = quality
    return codings


def choose_encoding(accept_encoding: str, *, brotli: bool) -> str | None:
    """The coding to use for this ``Accept-Encoding``: ``"br"``, ``"gzip"`` or None."""
    codings = parse_accept_encoding(accept_encoding)
    wildcard = codings.get("*", 0.0)
    best: str | None = None
    best_quality = 0.0
    for coding in ("br", "gzip") if brotli else ("gzip",):
        quality = codings.get(coding, wildcard)
        if quality > best_quality:
            best, best_quality = coding, quality
    return best


class _Encoder(Protocol):
    def compress(self, data: bytes) -> bytes: ...
    def flush(self) -> bytes: ...
    def finish(self) -> bytes: ...


class _GzipEncoder:
    __slots__ = ("_zlib",)

    def __init__(self, level: int) -> None:
        # wbits 16 + MAX_WBITS: a gzip header and trailer around the deflate stream.
        self._zlib = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def compress(self, data: bytes) -> bytes:
        return self._zlib.compress(data)

    def flush(self) -> bytes:
        return self._zlib.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        return self._zlib.flush(zlib.Z_FINISH)


class _BrotliEncoder:
    __slots__ = ("_brotli",)

    def __init__(self, quality: int) -> None:
        self._brotli: Any = _brotli.Compressor(quality=quality)

    def compress(self, data: bytes) -> bytes:
        return bytes(self._brotli.process(data))

    def flush(self) -> bytes:
        return bytes(self._brotli.flush())

    def finish(self) -> bytes:
        return bytes(self._brotli.finish())


class CompressionMiddleware:
    """Compress responses with gzip or brotli, as the client's ``Accept-Encoding`` allows.

    ``app = CompressionMiddleware(app, minimum_size=500)``. Bodies smaller than
    ``minimum_size`` bytes are sent as they are; ``brotli=False`` turns brotli off even
    when installed; ``compressible`` decides by ``Content-Type`` (default
    :func:`is_compressible`).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        minimum_size: int = 500,
        gzip_level: int = 6,
        brotli_quality: int = 4,
        brotli: bool = True,
        compressible: Callable[[str], bool] = is_compressible,
    ) -> None:
        if minimum_size < 0:
            raise ConfigurationError(f"minimum_size must be >= 0, got {minimum_size}")
        if not 0 <= gzip_level <= 9:
            raise ConfigurationError(f"gzip_level must be 0..9, got {gzip_level}")
        if not 0 <= brotli_quality <= 11:
            raise ConfigurationError(f"brotli_quality must be 0..11, got {brotli_quality}")
        self.app = app
        self.minimum_size = minimum_size
        self.gzip_level = gzip_level
        self.brotli_quality = brotli_quality
        self.brotli = brotli and BROTLI_AVAILABLE
        self.compressible = compressible
        # Few distinct Accept-Encoding values reach a server: parse each once.
        self._choices: dict[bytes, str | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        accept = header(scope, b"accept-encoding")
        encoding = self._choose(accept) if accept else None
        if encoding is None:
            await self.app(scope, receive, send)
            return
        extensions = scope.get("extensions")
        if extensions and "http.response.pathsend" in extensions:
            # A file sent by path bypasses us: make the app send its body as messages.
            scope = dict(scope)
            scope["extensions"] = {
                k: v for k, v in extensions.items() if k != "http.response.pathsend"
            }
        responder = _CompressingSend(self, send, encoding)
        await self.app(scope, receive, responder.send)

    def _choose(self, accept: bytes) -> str | None:
        try:
            return self._choices[accept]
        except KeyError:
            choice = choose_encoding(accept.decode("latin-1"), brotli=self.brotli)
            if len(self._choices) >= 512:
                self._choices.clear()
            self._choices[accept] = choice
            return choice

    def encoder(self, encoding: str) -> _Encoder:
        if encoding == "br":
            return _BrotliEncoder(self.brotli_quality)
        return _GzipEncoder(self.gzip_level)


class _CompressingSend:
    """The ``send`` handed to the app for one request: decides at the first body message."""

    __slots__ = ("_encoder", "_encoding", "_mode", "_options", "_send", "_start")

    def __init__(self, options: CompressionMiddleware, send: Send, encoding: str) -> None:
        self._options = options
        self._send = send
        self._encoding = encoding
        self._start: Message | None = None
        self._mode = "undecided"  # then "identity" or "encode"
        self._encoder: _Encoder | None = None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self._eligible(message):
                self._start = message  # held until the first body tells the size
            else:
                self._mode = "identity"
                await self._send(message)
        elif kind == "http.response.body" and self._mode == "undecided":
            await self._first_body(message)
        elif kind == "http.response.body" and self._mode == "encode":
            assert self._encoder is not None
            body = message.get("body", b"")
            more_body = message.get("more_body", False)
            data = self._encoder.compress(body) if body else b""
            data += self._encoder.flush() if more_body else self._encoder.finish()
            if data or not more_body:
                await self._send(
                    {"type": "http.response.body", "body": data, "more_body": more_body}
                )
        else:
            await self._send(message)

    def _eligible(self, start: Message) -> bool:
        status = start.get("status", 200)
        if status < 200 or status in (204, 206, 304):
            return False
        content_type = ""
        for name, value in start.get("headers", ()):
            name = bytes(name).lower()
            if name == b"content-encoding":
                return False
            if name == b"content-type":
                content_type = bytes(value).decode("latin-1")
            elif (name == b"cache-control" and b"no-transform" in bytes(value).lower()) or (
                name == b"content-length" and int(value) < self._options.minimum_size
            ):
                return False
        return bool(content_type) and self._options.compressible(content_type)

    async def _first_body(self, message: Message) -> None:
        assert self._start is not None
        body: bytes = message.get("body", b"")
        more_body = message.get("more_body", False)
        if not more_body and len(body) < self._options.minimum_size:
            self._mode = "identity"
            await self._send(self._start)
            await self._send(message)
            return
        self._mode = "encode"
        encoder = self._encoder = self._options.encoder(self._encoding)
        data = encoder.compress(body)
        if more_body:
            data += encoder.flush()
            headers = _encoded_headers(self._start, self._encoding, None)
        else:
            data += encoder.finish()
            headers = _encoded_headers(self._start, self._encoding, len(data))
        await self._send({**self._start, "headers": headers})
        await self._send({"type": "http.response.body", "body": data, "more_body": more_body})


def _small(content_length: bytes, minimum_size: int) -> bool:
    try:
        return int(content_length) < minimum_size
    except ValueError:
        return False


def _encoded_headers(
    start: Message, encoding: str, length: int | None
) -> list[tuple[bytes, bytes]]:
    """The start message's headers for the encoded body: new length, encoding, Vary, ETag."""
    headers: list[tuple[bytes, bytes]] = []
    vary_done = False
    for name, value in start.get("headers", ()):
        lower = bytes(name).lower()
        if lower == b"content-length":
            continue
        if lower == b"vary":
            tokens = {t.strip().lower() for t in bytes(value).split(b",")}
            if b"accept-encoding" in tokens or b"*" in tokens:
                vary_done = True
        elif lower == b"etag" and not bytes(value).startswith(b"W/"):
            # The encoded bytes differ from the identity ones: a strong tag would lie.
            value = b"W/" + bytes(value)
        headers.append((name, value))
    headers.append((b"content-encoding", encoding.encode()))
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    if not vary_done:
        headers.append((b"vary", b"Accept-Encoding"))
    return headers
