"""Rooms and broadcast: in-process membership, fan-out, automatic leave, the backend protocol."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest

from covet.web._types import Receive, Scope, Send
from covet.web._websocket._endpoint import run_websocket_endpoint
from covet.web.testing._websocket import AsyncWebSocketSession, connect_async, websocket_scope
from covet.web.websockets import (
    BroadcastBackend,
    Broadcaster,
    BroadcastMessage,
    InProcessBackend,
    WebSocket,
    WebSocketDisconnect,
    WebSocketStateError,
)

_Deliver = Callable[[BroadcastMessage], Awaitable[None]]


def serve(handler: Callable[[WebSocket], Awaitable[Any]]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await run_websocket_endpoint(WebSocket(scope, receive, send), handler, None)

    return app


def chat_app(hub: Broadcaster) -> Any:
    """Each client joins the room named by its path and says "joined"; text goes to others."""

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        room = hub.room(websocket.scope["path"].strip("/"))
        await room.join(websocket)
        await websocket.send_text("joined")
        async for text in websocket.iter_text():
            if text == "all":
                await room.broadcast_json({"to": "all", "n": len(room)})
            elif text == "leave":
                await room.leave(websocket)
                await websocket.send_text("left")
            else:
                await room.broadcast(text, exclude=websocket)

    return serve(handler)


@asynccontextmanager
async def clients(app: Any, *paths: str) -> AsyncIterator[list[AsyncWebSocketSession]]:
    async with AsyncExitStack() as stack:
        sessions = []
        for path in paths:
            session = await stack.enter_async_context(connect_async(app, websocket_scope(path)))
            assert await session.receive_text() == "joined"
            sessions.append(session)
        yield sessions


async def test_broadcast_to_others_and_to_all() -> None:
    hub = Broadcaster()
    async with clients(chat_app(hub), "/lobby", "/lobby", "/lobby", "/other") as (a, b, c, d):
        await a.send_text("hello")
        assert await b.receive_text() == "hello"
        assert await c.receive_text() == "hello"
        await b.send_text("all")
        for session in (a, b, c):
            assert await session.receive_json() == {"to": "all", "n": 3}
        # the other room heard nothing, and the sender did not get its own message
        await d.send_text("all")
        assert await d.receive_json() == {"to": "all", "n": 1}
        assert hub.rooms == ["lobby", "other"]


async def test_binary_broadcast_and_json_as_binary() -> None:
    hub = Broadcaster()
    room = hub.room("bin")

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await room.join(websocket)
        await websocket.send_text("joined")
        async for _ in websocket:
            await room.broadcast(bytearray(b"\x00\x01"))
            await room.broadcast_json([1], binary=True)

    async with clients(serve(handler), "/", "/") as (a, b):
        await a.send_text("go")
        for session in (a, b):
            assert await session.receive_bytes() == b"\x00\x01"
            assert await session.receive_bytes() == b"[1]"


async def test_leaving_explicitly_and_on_disconnect() -> None:
    hub = Broadcaster()
    room = hub.room("lobby")
    async with clients(chat_app(hub), "/lobby", "/lobby") as (a, b):
        assert len(room) == 2
        await a.send_text("leave")
        assert await a.receive_text() == "left"
        assert len(room) == 1
        await b.close()
        assert len(room) == 0
    assert hub.rooms == []  # an empty room is forgotten


async def test_the_connection_leaves_when_the_handler_ends_or_closes() -> None:
    hub = Broadcaster()
    room = hub.room("r")

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await room.join(websocket)
        await hub.room("second").join(websocket)
        if await websocket.receive_text() == "close":
            await websocket.close()
            assert websocket not in room and hub.rooms == []
        # returning leaves too

    async with connect_async(serve(handler), websocket_scope("/")) as ws:
        await ws.send_text("return")
    async with connect_async(serve(handler), websocket_scope("/")) as ws:
        await ws.send_text("close")
    assert hub.rooms == []


async def test_no_reference_to_a_finished_connection_is_kept() -> None:
    hub = Broadcaster()
    refs: list[weakref.ref[WebSocket]] = []

    async def handler(websocket: WebSocket) -> None:
        refs.append(weakref.ref(websocket))
        await websocket.accept()
        await hub.room("r").join(websocket)
        await hub.room(f"own-{len(refs)}").join(websocket)
        if await websocket.receive_text() == "close":
            await websocket.close()
        else:
            await websocket.receive_text()  # until the client leaves

    for ending in ("close", "return", "disconnect"):
        async with connect_async(serve(handler), websocket_scope("/")) as ws:
            await ws.send_text(ending)
    del ws
    gc.collect()
    assert [ref() for ref in refs] == [None, None, None]
    assert hub.rooms == [] and not hub._members and not hub._subscribed


async def test_a_crashing_handler_leaves_its_rooms() -> None:
    hub = Broadcaster()

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await hub.room("r").join(websocket)
        await websocket.receive_text()
        raise RuntimeError("handler crashed")

    async with connect_async(serve(handler), websocket_scope("/")) as ws:
        await ws.send_text("x")
        with pytest.raises(WebSocketDisconnect):
            await ws.receive_text()
    assert hub.rooms == []


def bare_websocket(send: Send) -> WebSocket:
    """A connection over hand-written ASGI channels, to play a server's failures exactly."""

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    return WebSocket(websocket_scope("/"), receive, send)


async def test_a_member_that_went_away_is_dropped_and_the_others_still_receive() -> None:
    room = Broadcaster().room("r")
    delivered: list[Any] = []

    async def send_ok(message: Any) -> None:
        delivered.append(message)

    async def send_gone(message: Any) -> None:
        if message["type"] == "websocket.send":
            raise OSError("the client left")  # what an ASGI 2.4 server raises

    gone, alive = bare_websocket(send_gone), bare_websocket(send_ok)
    for websocket in (gone, alive):
        await websocket.accept()
        await room.join(websocket)
    await room.broadcast("news")
    assert delivered[-1] == {"type": "websocket.send", "text": "news"}
    assert room.members == (alive,)
    assert gone.close_code == 1006 and hub_rooms(gone) == []


def hub_rooms(websocket: WebSocket) -> list[Any]:
    return list(websocket._rooms or ())


async def test_a_slow_member_does_not_hold_back_the_others() -> None:
    room = Broadcaster().room("r")
    release, news_arrived = asyncio.Event(), asyncio.Event()

    async def send_slow(message: Any) -> None:
        if message["type"] == "websocket.send":
            await release.wait()  # its socket buffer is full

    async def send_ok(message: Any) -> None:
        if message.get("text") == "news":
            news_arrived.set()

    for websocket in (bare_websocket(send_slow), bare_websocket(send_ok)):
        await websocket.accept()
        await room.join(websocket)
    broadcast = asyncio.create_task(room.broadcast("news"))
    await news_arrived.wait()
    assert not broadcast.done()
    release.set()
    await broadcast
    assert len(room) == 2


async def test_join_needs_an_accepted_connection() -> None:
    hub = Broadcaster()

    async def handler(websocket: WebSocket) -> None:
        with pytest.raises(WebSocketStateError, match="accept"):
            await hub.room("r").join(websocket)
        await websocket.accept()
        await hub.room("r").join(websocket)
        await hub.room("r").join(websocket)  # twice is once
        await websocket.send_json([len(hub.room("r")), [r.name for r in hub.rooms_of(websocket)]])

    async with connect_async(serve(handler), websocket_scope("/")) as ws:
        assert await ws.receive_json() == [1, ["r"]]


def test_rooms_are_handles_compared_by_name() -> None:
    hub, other = Broadcaster(), Broadcaster()
    assert hub.room("a") == hub.room("a")
    assert hub.room("a") != hub.room("b")
    assert hub.room("a") != other.room("a")
    assert len({hub.room("a"), hub.room("a")}) == 1
    assert repr(hub.room("a")) == "<Room 'a' members=0>"
    with pytest.raises(ValueError, match="non-empty str"):
        hub.room("")


async def test_broadcast_takes_text_or_bytes() -> None:
    room = Broadcaster().room("r")
    with pytest.raises(TypeError, match="use broadcast_json"):
        await room.broadcast({"a": 1})  # type: ignore[arg-type]
    await room.broadcast("nobody listens")  # an empty room is fine


async def test_a_closed_broadcaster_refuses_work_and_forgets_members() -> None:
    hub = Broadcaster()

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await hub.room("r").join(websocket)
        await websocket.send_text("joined")
        await websocket.receive_text()
        with pytest.raises(WebSocketStateError, match="closed"):
            await hub.room("r").broadcast("x")
        with pytest.raises(WebSocketStateError, match="closed"):
            await hub.room("r").join(websocket)
        await websocket.send_text("done")

    async with clients(serve(handler), "/") as (ws,):
        async with hub:
            pass
        await hub.close()  # twice is fine
        assert hub.rooms == []
        await ws.send_text("check")
        assert await ws.receive_text() == "done"


class Network:
    """Stands in for Redis pub/sub: every process's backend sees every publish."""

    def __init__(self) -> None:
        self.backends: list[NetworkBackend] = []


class NetworkBackend:
    """A cross-process backend over :class:`Network`, as a Redis backend would behave."""

    def __init__(self, network: Network) -> None:
        self.subscriptions: dict[str, _Deliver] = {}
        self.network = network
        network.backends.append(self)
        self.closed = False

    async def subscribe(self, room: str, deliver: _Deliver) -> None:
        self.subscriptions[room] = deliver

    async def unsubscribe(self, room: str) -> None:
        del self.subscriptions[room]

    async def publish(self, message: BroadcastMessage) -> None:
        for backend in self.network.backends:
            deliver = backend.subscriptions.get(message.room)
            if deliver is not None:
                await deliver(message)

    async def close(self) -> None:
        self.closed = True


async def test_a_backend_carries_broadcasts_between_broadcasters() -> None:
    network = Network()
    worker1, worker2 = NetworkBackend(network), NetworkBackend(network)
    hub1, hub2 = Broadcaster(worker1), Broadcaster(worker2)
    backend: BroadcastBackend = worker1  # the protocol is satisfied structurally
    assert backend is worker1
    async with clients(chat_app(hub1), "/r", "/r") as (a, b), clients(chat_app(hub2), "/r") as (c,):
        assert set(worker1.subscriptions) == set(worker2.subscriptions) == {"r"}
        await a.send_text("hi")  # "everyone else": excluded only in the sender's process
        assert await b.receive_text() == "hi"
        assert await c.receive_text() == "hi"
        await c.send_text("all")  # n is len(room) in c's process: rooms count local members
        for session in (a, b, c):
            assert await session.receive_json() == {"to": "all", "n": 1}
    assert worker1.subscriptions == worker2.subscriptions == {}
    await hub1.close()
    assert worker1.closed and not worker2.closed


async def test_the_in_process_backend_delivers_to_its_subscriber_only() -> None:
    backend = InProcessBackend()
    got: list[BroadcastMessage] = []

    async def deliver(message: BroadcastMessage) -> None:
        got.append(message)

    await backend.subscribe("a", deliver)
    await backend.publish(BroadcastMessage("a", "x", "origin"))
    await backend.publish(BroadcastMessage("b", "y", "origin"))
    await backend.unsubscribe("a")
    await backend.publish(BroadcastMessage("a", "z", "origin"))
    assert [m.data for m in got] == ["x"]
    await backend.close()


async def test_sending_to_a_disconnected_member_raises_disconnect_not_state_error() -> None:
    # What the fan-out relies on to drop members: sends after the client left raise
    # WebSocketDisconnect.
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        with pytest.raises(WebSocketDisconnect):
            await websocket.receive_text()
        with pytest.raises(WebSocketDisconnect):
            await websocket.send_text("late")

    async with connect_async(serve(handler), websocket_scope("/")) as ws:
        await ws.send_text("x")
