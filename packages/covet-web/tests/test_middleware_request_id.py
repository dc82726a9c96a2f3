"""RequestIDMiddleware: ids in and out, scope state, the context variable."""

from __future__ import annotations

import re

from covet.web._types import Receive, Scope, Send
from covet.web.middleware import RequestIDMiddleware, current_request_id

from ._web_asgi import client


async def id_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Echo what the app sees: the state entry and the context variable."""
    body = f"{scope['state']['request_id']}|{current_request_id()}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


async def test_a_new_id_is_generated_and_exposed() -> None:
    async with client(RequestIDMiddleware(id_app)) as http:
        first = await http.get("/")
        second = await http.get("/")
    request_id = first.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert first.text == f"{request_id}|{request_id}"
    assert second.headers["x-request-id"] != request_id
    assert current_request_id() is None  # reset after the request


async def test_a_well_formed_incoming_id_is_kept() -> None:
    async with client(RequestIDMiddleware(id_app)) as http:
        response = await http.get("/", headers={"x-request-id": "trace-42.a:b"})
    assert response.headers["x-request-id"] == "trace-42.a:b"
    assert response.text == "trace-42.a:b|trace-42.a:b"


async def test_malformed_or_untrusted_ids_are_replaced() -> None:
    async with client(RequestIDMiddleware(id_app)) as http:
        for bad in ("has space", "x" * 201, "new\\line"):
            response = await http.get("/", headers={"x-request-id": bad})
            assert response.headers["x-request-id"] != bad
    app = RequestIDMiddleware(id_app, trust_incoming=False, generator=lambda: "fixed")
    async with client(app) as http:
        response = await http.get("/", headers={"x-request-id": "mine"})
    assert response.headers["x-request-id"] == "fixed"


async def test_custom_header_and_an_id_set_by_the_app_wins() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"x-trace", b"app")]}
        )
        await send({"type": "http.response.body", "body": b""})

    async with client(RequestIDMiddleware(app, header_name="X-Trace")) as http:
        response = await http.get("/")
    assert response.headers.get_list("x-trace") == ["app"]
