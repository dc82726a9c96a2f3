"""CompressionMiddleware: negotiation, thresholds, pass-through cases, streaming."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Sequence

import brotli  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from covet.web._types import Message, Receive, Scope, Send
from covet.web.errors import ConfigurationError
from covet.web.middleware import CompressionMiddleware, is_compressible
from covet.web.middleware._compression import choose_encoding, parse_accept_encoding

from ._web_asgi import body_of, client, headers_of, http_scope, run_asgi

TEXT = b"The quick brown fox jumps over the lazy dog. " * 40  # 1800 bytes


def make_app(
    body: bytes = TEXT,
    *,
    headers: Sequence[tuple[bytes, bytes]] = ((b"content-type", b"text/plain; charset=utf-8"),),
    status: int = 200,
    chunks: Sequence[bytes] | None = None,
    with_length: bool = True,
) -> object:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raw = list(headers)
        if with_length and chunks is None:
            raw.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        if chunks is None:
            await send({"type": "http.response.body", "body": body})
        else:
            for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})

    return app


async def call(
    app: object, accept: str | None = "gzip", method: str = "GET", **options: object
) -> list[Message]:
    headers = [(b"host", b"testserver")]
    if accept is not None:
        headers.append((b"accept-encoding", accept.encode()))
    middleware = CompressionMiddleware(app, **options)  # type: ignore[arg-type]
    return await run_asgi(middleware, http_scope(method=method, headers=headers))


async def test_gzip_whole_body() -> None:
    sent = await call(make_app())
    headers = headers_of(sent)
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    body = body_of(sent)
    assert int(headers["content-length"]) == len(body) < len(TEXT)
    assert gzip.decompress(body) == TEXT


async def test_brotli_when_preferred_or_tied() -> None:
    for accept in ("gzip, deflate, br", "br", "*", "gzip;q=0.5, br;q=0.9"):
        sent = await call(make_app(), accept)
        assert headers_of(sent)["content-encoding"] == "br", accept
        assert brotli.decompress(body_of(sent)) == TEXT


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("gzip;q=1, br;q=0.5", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("*;q=0.1, br;q=0", "gzip"),
        ("identity", None),
        ("gzip;q=0", None),
        ("deflate", None),
        ("gzip;q=abc", None),
        ("gzip;q=2", None),
        ("", None),
        ("GZIP", "gzip"),
    ],
)
def test_negotiation(accept: str, expected: str | None) -> None:
    assert choose_encoding(accept, brotli=True) == expected


async def test_brotli_can_be_turned_off() -> None:
    sent = await call(make_app(), "br, gzip", brotli=False)
    assert headers_of(sent)["content-encoding"] == "gzip"
    assert (await call(make_app(), "br", brotli=False))[0]["headers"] == [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", b"1800"),
    ]


async def test_small_bodies_pass_untouched() -> None:
    for app in (make_app(b"tiny"), make_app(b"tiny", with_length=False)):
        sent = await call(app)
        assert "content-encoding" not in headers_of(sent)
        assert "vary" not in headers_of(sent)
        assert body_of(sent) == b"tiny"
    sent = await call(make_app(), minimum_size=5000)
    assert body_of(sent) == TEXT


@pytest.mark.parametrize(
    "headers",
    [
        [(b"content-type", b"text/plain"), (b"content-encoding", b"br")],
        [(b"content-type", b"image/png")],
        [(b"content-type", b"text/event-stream")],
        [(b"content-type", b"text/plain"), (b"cache-control", b"no-transform")],
        [],
    ],
)
async def test_responses_that_must_not_be_compressed(headers: list[tuple[bytes, bytes]]) -> None:
    sent = await call(make_app(headers=headers))
    assert body_of(sent) == TEXT
    assert headers_of(sent).get("content-encoding") in (None, "br")


@pytest.mark.parametrize("status", [204, 206, 304])
async def test_statuses_that_pass_untouched(status: int) -> None:
    sent = await call(make_app(status=status))
    assert "content-encoding" not in headers_of(sent)


async def test_head_and_no_accept_encoding_pass_untouched() -> None:
    assert body_of(await call(make_app(), method="HEAD")) == TEXT
    assert body_of(await call(make_app(), accept=None)) == TEXT


async def test_strong_etag_is_weakened_and_vary_is_merged() -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"etag", b'"abc"'),
        (b"vary", b"Origin"),
    ]
    sent = await call(make_app(headers=headers))
    raw = sent[0]["headers"]
    assert (b"etag", b'W/"abc"') in raw
    assert [v for k, v in raw if k == b"vary"] == [b"Origin", b"Accept-Encoding"]
    already = [*headers[:2], (b"vary", b"accept-encoding")]
    raw = (await call(make_app(headers=already)))[0]["headers"]
    assert [v for k, v in raw if k == b"vary"] == [b"accept-encoding"]


@pytest.mark.parametrize("accept", ["gzip", "br"])
async def test_streamed_bodies_are_flushed_chunk_by_chunk(accept: str) -> None:
    chunks = [b"event %d\n" % n * 3 for n in range(5)]
    sent = await call(make_app(chunks=chunks), accept)
    headers = headers_of(sent)
    assert headers["content-encoding"] == accept
    assert "content-length" not in headers
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if accept == "gzip" else brotli.Decompressor()
    decode = decoder.decompress if accept == "gzip" else decoder.process
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    # Every chunk the app sent can be decoded as soon as it arrives: nothing is held back.
    for chunk, message in zip(chunks, bodies, strict=False):
        assert message["more_body"]
        assert decode(message["body"]) == chunk
    assert not bodies[-1]["more_body"]


async def test_pathsend_is_hidden_from_the_app_when_compressing() -> None:
    seen: list[object] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope.get("extensions"))
        await make_app()(scope, receive, send)  # type: ignore[operator]

    middleware = CompressionMiddleware(app)
    scope = http_scope(
        headers=[(b"accept-encoding", b"gzip")],
        extensions={"http.response.pathsend": {}, "other": {}},
    )
    await run_asgi(middleware, scope)
    assert seen == [{"other": {}}]


async def test_through_httpx_the_client_decodes() -> None:
    async with client(CompressionMiddleware(make_app())) as http:  # type: ignore[arg-type]
        response = await http.get("/", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == TEXT


def test_is_compressible() -> None:
    for media_type in (
        "text/html; charset=utf-8",
        "application/json",
        "application/problem+json",
        "image/svg+xml",
        "application/atom+xml",
    ):
        assert is_compressible(media_type), media_type
    for media_type in (
        "image/png",
        "video/mp4",
        "application/zip",
        "text/event-stream",
        "font/woff2",
    ):
        assert not is_compressible(media_type), media_type


@pytest.mark.parametrize(
    "options",
    [{"minimum_size": -1}, {"gzip_level": 10}, {"brotli_quality": 12}],
)
def test_bad_options_are_refused(options: dict[str, int]) -> None:
    with pytest.raises(ConfigurationError):
        CompressionMiddleware(make_app(), **options)  # type: ignore[arg-type]


@given(st.text(max_size=60))
def test_accept_encoding_parser_never_fails(value: str) -> None:
    for coding, quality in parse_accept_encoding(value).items():
        assert coding == coding.strip().lower()
        assert 0.0 <= quality <= 1.0
    assert choose_encoding(value, brotli=True) in (None, "gzip", "br")
