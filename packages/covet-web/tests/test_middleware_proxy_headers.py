"""ProxyHeadersMiddleware: trusted peers only, right-most untrusted hop, Forwarded."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covet.web._types import Receive, Scope, Send
from covet.web.errors import ConfigurationError
from covet.web.middleware import ProxyHeadersMiddleware
from covet.web.middleware._proxy_headers import parse_forwarded

from ._web_asgi import echo_app, http_scope, run_asgi


async def seen_scope(
    headers: dict[str, str],
    *,
    peer: str = "10.0.0.1",
    trusted: list[str] | None = None,
    kind: str = "http",
) -> Scope:
    captured: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        captured.append(scope)
        if scope["type"] == "http":
            await echo_app(scope, receive, send)

    raw = [(b"host", b"internal:8000")] + [(k.encode(), v.encode()) for k, v in headers.items()]
    scope = http_scope(headers=raw, client=(peer, 1234), type=kind)
    if kind == "websocket":
        scope["scheme"] = "ws"
    middleware = ProxyHeadersMiddleware(app, trusted or ["10.0.0.0/8"])
    await run_asgi(middleware, scope)
    return captured[0]


def host_of(scope: Scope) -> str:
    return next(v.decode() for k, v in scope["headers"] if k == b"host")


async def test_x_forwarded_headers_from_a_trusted_proxy() -> None:
    scope = await seen_scope(
        {
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-proto": "https",
            "x-forwarded-host": "shop.example.com",
        }
    )
    assert scope["client"] == ("203.0.113.7", 0)
    assert scope["scheme"] == "https"
    assert host_of(scope) == "shop.example.com"


async def test_untrusted_peers_are_ignored() -> None:
    headers = {"x-forwarded-for": "1.2.3.4", "x-forwarded-proto": "https"}
    scope = await seen_scope(headers, peer="198.51.100.9")
    assert scope["client"] == ("198.51.100.9", 1234)
    assert scope["scheme"] == "http"
    assert host_of(scope) == "internal:8000"


async def test_the_client_is_the_right_most_untrusted_hop() -> None:
    # The client forged "6.6.6.6"; our two proxies appended what they saw.
    scope = await seen_scope({"x-forwarded-for": "6.6.6.6, 203.0.113.7, 10.0.0.2"})
    assert scope["client"] == ("203.0.113.7", 0)
    # Every hop trusted: the left-most is the best we know.
    scope = await seen_scope({"x-forwarded-for": "10.1.1.1, 10.0.0.2"})
    assert scope["client"] == ("10.1.1.1", 0)


async def test_forwarded_header_is_preferred() -> None:
    scope = await seen_scope(
        {
            "forwarded": 'for="[2001:db8:cafe::17]:4711";proto=https;host=example.com, for=10.0.0.2',
            "x-forwarded-for": "9.9.9.9",
        }
    )
    assert scope["client"] == ("2001:db8:cafe::17", 0)
    assert scope["scheme"] == "https"
    assert host_of(scope) == "example.com"


async def test_websocket_scheme_becomes_wss() -> None:
    scope = await seen_scope({"x-forwarded-proto": "https"}, kind="websocket")
    assert scope["scheme"] == "wss"


async def test_obfuscated_or_unknown_clients_leave_the_peer() -> None:
    for value in ("for=unknown", "for=_hidden"):
        scope = await seen_scope({"forwarded": value})
        assert scope["client"] == ("10.0.0.1", 1234)


async def test_bad_host_values_are_ignored() -> None:
    scope = await seen_scope({"x-forwarded-host": "evil.com/path with space"})
    assert host_of(scope) == "internal:8000"


async def test_trust_everyone_and_lifespan_passthrough() -> None:
    scope = await seen_scope({"x-forwarded-for": "1.2.3.4"}, peer="8.8.8.8", trusted=["*"])
    assert scope["client"] == ("1.2.3.4", 0)
    seen: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    lifespan = {"type": "lifespan", "asgi": {"version": "3.0"}}
    await ProxyHeadersMiddleware(app, ["*"])(lifespan, None, None)  # type: ignore[arg-type]
    assert seen == [lifespan] and seen[0] is lifespan


def test_bad_trusted_entries_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="invalid trusted proxy"):
        ProxyHeadersMiddleware(echo_app, ["not-an-ip"])


def test_parse_forwarded() -> None:
    hops = parse_forwarded('for=192.0.2.60;proto=http;by=203.0.113.43, for="192.0.2.61:80"')
    assert [(h.address, h.proto) for h in hops] == [("192.0.2.60", "http"), ("192.0.2.61", None)]
    assert parse_forwarded('for="a,b";proto=https')[0].address == "a,b"


@given(st.text(max_size=80))
def test_forwarded_parser_never_fails(value: str) -> None:
    for hop in parse_forwarded(value):
        assert isinstance(hop.address, str)


@given(st.text(max_size=60), st.text(max_size=20), st.text(max_size=30))
async def test_random_headers_never_break_the_scope(xff: str, proto: str, host: str) -> None:
    headers = {"x-forwarded-for": xff, "x-forwarded-proto": proto, "x-forwarded-host": host}
    try:
        encoded = {k: v.encode("latin-1") for k, v in headers.items()}
    except UnicodeEncodeError:
        return
    raw = [(b"host", b"internal")] + [(k.encode(), v) for k, v in encoded.items()]
    captured: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        captured.append(scope)

    await ProxyHeadersMiddleware(app, ["*"])(http_scope(headers=raw), None, None)  # type: ignore[arg-type]
    assert captured[0]["scheme"] in ("http", "https")
    assert isinstance(captured[0]["client"][0], str)
