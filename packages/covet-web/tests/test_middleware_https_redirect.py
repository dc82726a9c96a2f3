"""HTTPSRedirectMiddleware: http → https with path and query, ports, exclusions, ws."""

from __future__ import annotations

import pytest

from covet.web.errors import ConfigurationError
from covet.web.middleware import HTTPSRedirectMiddleware

from ._web_asgi import client, echo_app, http_scope, run_asgi


async def test_http_is_redirected_keeping_path_and_query() -> None:
    async with client(HTTPSRedirectMiddleware(echo_app)) as http:
        response = await http.get("http://example.com/a%20b/c?x=1&y=%2F")
    assert response.status_code == 307
    assert response.headers["location"] == "https://example.com/a%20b/c?x=1&y=%2F"


async def test_https_passes() -> None:
    async with client(HTTPSRedirectMiddleware(echo_app), base_url="https://example.com") as http:
        response = await http.get("/")
    assert response.status_code == 200


async def test_ports_and_status() -> None:
    app = HTTPSRedirectMiddleware(echo_app, status_code=308, https_port=8443)
    async with client(app) as http:
        response = await http.get("http://example.com:8000/x")
    assert response.status_code == 308
    assert response.headers["location"] == "https://example.com:8443/x"
    async with client(HTTPSRedirectMiddleware(echo_app)) as http:
        response = await http.get("http://example.com:8000/x")
    assert response.headers["location"] == "https://example.com/x"


async def test_excluded_paths_stay_on_http() -> None:
    app = HTTPSRedirectMiddleware(echo_app, exclude_paths=["/healthz"])
    async with client(app) as http:
        assert (await http.get("http://example.com/healthz")).status_code == 200
        assert (await http.get("http://example.com/other")).status_code == 307


async def test_ipv6_host() -> None:
    scope = http_scope("/p", headers=[(b"host", b"[::1]:8000")])
    sent = await run_asgi(HTTPSRedirectMiddleware(echo_app), scope)
    assert (b"location", b"https://[::1]/p") in sent[0]["headers"]


async def test_plain_websocket_is_refused() -> None:
    scope = http_scope()
    scope.update(type="websocket", scheme="ws")
    sent = await run_asgi(HTTPSRedirectMiddleware(echo_app), scope)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": "Use wss://"}]


def test_status_must_be_a_redirect() -> None:
    with pytest.raises(ConfigurationError, match="must be a redirect"):
        HTTPSRedirectMiddleware(echo_app, status_code=200)
