"""TrustedHostMiddleware: exact and wildcard hosts, ports, IPv6, www redirect, WebSocket."""

from __future__ import annotations

import pytest

from covet.web._types import Message
from covet.web.errors import ConfigurationError
from covet.web.middleware import TrustedHostMiddleware

from ._web_asgi import body_of, client, echo_app, http_scope, run_asgi


async def status_for(host: str, allowed: list[str], **options: bool) -> int:
    app = TrustedHostMiddleware(echo_app, allowed, **options)
    async with client(app) as http:
        response = await http.get("/path?q=1", headers={"host": host})
    return response.status_code


@pytest.mark.parametrize(
    ("host", "allowed", "status"),
    [
        ("example.com", ["example.com"], 200),
        ("EXAMPLE.com:8000", ["example.com"], 200),
        ("evil.com", ["example.com"], 400),
        ("api.example.com", ["*.example.com"], 200),
        ("a.b.example.com", ["*.example.com"], 200),
        ("example.com", ["*.example.com"], 400),  # the wildcard does not cover the apex
        ("notexample.com", ["*.example.com"], 400),
        ("[::1]:8000", ["::1"], 200),
        ("anything", ["*"], 200),
        ("", ["example.com"], 400),
    ],
)
async def test_hosts(host: str, allowed: list[str], status: int) -> None:
    assert await status_for(host, allowed) == status


async def test_rejection_is_a_problem_document() -> None:
    app = TrustedHostMiddleware(echo_app, ["example.com"])
    async with client(app) as http:
        response = await http.get("/", headers={"host": "evil.com"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Invalid host"


async def test_www_redirect() -> None:
    app = TrustedHostMiddleware(echo_app, ["www.example.com"])
    async with client(app) as http:
        response = await http.get("/path?q=1", headers={"host": "example.com"})
    assert response.status_code == 301
    assert response.headers["location"] == "http://www.example.com/path?q=1"
    assert await status_for("example.com", ["www.example.com"], www_redirect=False) == 400


async def test_websocket_with_a_bad_host_is_closed_with_1008() -> None:
    app = TrustedHostMiddleware(echo_app, ["example.com"])
    scope = http_scope(headers=[(b"host", b"evil.com")])
    scope["type"] = "websocket"
    sent: list[Message] = await run_asgi(app, scope)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": "Invalid host"}]
    assert body_of(sent) == b""


@pytest.mark.parametrize("pattern", ["exa*mple.com", "*example.com", "*.*.com"])
def test_bad_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ConfigurationError, match="wildcard"):
        TrustedHostMiddleware(echo_app, [pattern])


def test_an_empty_list_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="allowed_hosts is empty"):
        TrustedHostMiddleware(echo_app, [])
