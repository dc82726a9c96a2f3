"""The in-process WebSocket test sessions (sync through a portal, and async) on raw ASGI apps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import pytest

from covet.web import Covet
from covet.web._types import Receive, Scope, Send
from covet.web.errors import HTTPError
from covet.web.params import Depends, Query
from covet.web.testing import AsyncTestClient, TestClient
from covet.web.testing._websocket import (
    WebSocketRejected,
    WebSocketSession,
    connect_async,
    connect_sync,
    websocket_scope,
)
from covet.web.websockets import WebSocket, WebSocketDisconnect


async def raw_echo(scope: Scope, receive: Receive, send: Send) -> None:
    """A hand-written ASGI app: the session must work with any app, not only covet's."""
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept", "subprotocol": (scope["subprotocols"] or [None])[0]})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") == "close":
            await send({"type": "websocket.close", "code": 4001, "reason": "asked"})
            return
        if message.get("text") == "crash":
            raise ZeroDivisionError("app bug")
        if message.get("text") == "return":
            return
        await send(
            {
                "type": "websocket.send",
                **{k: message[k] for k in ("text", "bytes") if message.get(k) is not None},
            }
        )


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as runner:
        yield runner


def sync_session(runner: asyncio.Runner, app: Any = raw_echo, **scope: Any) -> WebSocketSession:
    return connect_sync(app, websocket_scope("/ws", **scope), portal=runner.run)


def test_sync_session_round_trips(runner: asyncio.Runner) -> None:
    with sync_session(runner, subprotocols=["v1", "v2"]) as ws:
        assert ws.subprotocol == "v1"
        ws.send_text("hi")
        assert ws.receive_text() == "hi"
        ws.send_bytes(b"\x00")
        assert ws.receive_bytes() == b"\x00"
        ws.send_json({"a": 1})
        assert ws.receive_json() == {"a": 1}
        ws.send_json([2], binary=True)
        assert ws.receive_json() == [2]
        ws.send({"type": "websocket.receive", "text": "raw"})
        assert ws.receive() == {"type": "websocket.send", "text": "raw"}
        ws.close(1000)
        assert ws.close_code == 1000


def test_sync_session_sees_the_app_close(runner: asyncio.Runner) -> None:
    with sync_session(runner) as ws:
        ws.send_text("close")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert (info.value.code, info.value.reason) == (4001, "asked")
        assert (ws.close_code, ws.close_reason) == (4001, "asked")
        with pytest.raises(WebSocketDisconnect):
            ws.send_text("after close")


def test_an_exception_escaping_the_app_is_raised_in_the_test(runner: asyncio.Runner) -> None:
    with sync_session(runner) as ws:
        ws.send_text("crash")
        with pytest.raises(ZeroDivisionError, match="app bug"):
            ws.receive_text()


def test_an_app_that_returns_without_closing_looks_like_a_dropped_connection(
    runner: asyncio.Runner,
) -> None:
    with sync_session(runner) as ws:
        ws.send_text("return")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert info.value.code == 1006


def test_wrong_message_kind_is_an_assertion(runner: asyncio.Runner) -> None:
    with sync_session(runner) as ws:
        ws.send_bytes(b"bin")
        with pytest.raises(AssertionError, match="expected a text message"):
            ws.receive_text()
        ws.send_text("txt")
        with pytest.raises(AssertionError, match="expected a binary message"):
            ws.receive_bytes()


async def test_a_close_before_accept_is_a_403() -> None:
    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "websocket.close", "code": 1008})

    with pytest.raises(WebSocketRejected) as info:
        async with connect_async(refuse, websocket_scope("/")):
            pass
    assert (info.value.status_code, info.value.body) == (403, b"")


async def test_an_http_response_before_accept_is_read_in_full() -> None:
    async def deny(scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 429,
                "headers": [(b"retry-after", b"5")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": b'{"a":', "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b"1}"})

    with pytest.raises(WebSocketRejected) as info:
        async with connect_async(deny, websocket_scope("/")):
            pass
    assert info.value.status_code == 429
    assert info.value.headers == [("retry-after", "5")]
    assert info.value.json() == {"a": 1}


async def test_an_app_that_never_answers_times_out_with_a_clear_error() -> None:
    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.Event().wait()

    with pytest.raises(TimeoutError, match="sent nothing within"):
        async with connect_async(silent, websocket_scope("/quiet"), timeout=0.01):
            pass


async def test_accepting_a_subprotocol_not_offered_fails_the_app() -> None:
    async def bad(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept", "subprotocol": "v9"})

    with pytest.raises(RuntimeError, match="not offered"):
        async with connect_async(bad, websocket_scope("/", subprotocols=["v1"])):
            pass


async def test_the_scope_looks_like_a_servers() -> None:
    scope = websocket_scope(
        "/chat",
        query_string=b"a=1",
        headers=[("X-A", "b")],
        subprotocols=["p1", "p2"],
        root_path="/api",
    )
    assert scope["type"] == "websocket"
    assert scope["path"] == "/api/chat" and scope["root_path"] == "/api"
    assert (b"x-a", b"b") in scope["headers"]
    assert (b"sec-websocket-protocol", b"p1, p2") in scope["headers"]
    assert scope["subprotocols"] == ["p1", "p2"]
    assert "websocket.http.response" in scope["extensions"]
    assert websocket_scope("/", http_response_extension=False)["extensions"] == {}


async def test_connecting_twice_is_an_error() -> None:
    session = connect_async(raw_echo, websocket_scope("/"))
    async with session:
        with pytest.raises(RuntimeError, match="already connected"):
            await session.connect()


# -- through covet's TestClient and AsyncTestClient -------------------------------------


def current_user(token: Annotated[str | None, Query()] = None) -> str:
    if token is None:
        raise HTTPError(401, "log in first")
    return f"user:{token}"


events: list[str] = []


async def session_resource() -> AsyncIterator[str]:
    events.append("opened")
    try:
        yield "resource"
    finally:
        events.append("closed")


def covet_app() -> Covet:
    @asynccontextmanager
    async def lifespan(app: Covet) -> AsyncIterator[dict[str, Any]]:
        yield {"greeting": "welcome"}

    app = Covet(lifespan=lifespan)

    @app.websocket("/rooms/{room_id:int}")
    async def room(
        websocket: WebSocket, room_id: int, user: Annotated[str, Depends(current_user)]
    ) -> None:
        await websocket.accept(websocket.select_subprotocol(["chat.v1"]))
        events.append("accepted")
        await websocket.send_json(
            {"room": room_id, "user": user, "greeting": websocket.state.greeting}
        )
        async for text in websocket.iter_text():
            await websocket.send_text(text[::-1])

    @app.websocket("/resource")
    async def uses_resource(
        websocket: WebSocket, resource: Annotated[str, Depends(session_resource)]
    ) -> None:
        await websocket.accept()
        events.append(f"using {resource}")
        await websocket.receive_text()  # until the client leaves

    return app


def test_generator_dependencies_are_torn_down_when_the_connection_ends() -> None:
    events.clear()
    with TestClient(covet_app()) as client, client.websocket_connect("/resource") as ws:
        assert ws.subprotocol is None
    assert events == ["opened", "using resource", "closed"]


def test_test_client_websocket_with_path_params_dependencies_and_lifespan_state() -> None:
    with TestClient(covet_app()) as client:
        with client.websocket_connect("/rooms/7?token=ada", subprotocols=["chat.v1"]) as ws:
            assert ws.subprotocol == "chat.v1"
            assert ws.receive_json() == {"room": 7, "user": "user:ada", "greeting": "welcome"}
            ws.send_text("abc")
            assert ws.receive_text() == "cba"
        with pytest.raises(WebSocketRejected) as info, client.websocket_connect("/rooms/7"):
            pass
        assert info.value.status_code == 401
        assert info.value.json()["detail"] == "log in first"
        with pytest.raises(WebSocketRejected) as info, client.websocket_connect("/rooms/x?token=a"):
            pass
        assert info.value.status_code == 404


async def test_async_test_client_websocket() -> None:
    async with AsyncTestClient(covet_app()) as client:
        async with client.websocket_connect("/rooms/1?token=bo") as ws:
            assert (await ws.receive_json())["user"] == "user:bo"
            await ws.send_text("xy")
            assert await ws.receive_text() == "yx"
            await ws.close(1001)
        assert ws.close_code == 1001
