"""WebSocket endpoints under a real uvicorn on a free port, talking to real `websockets` clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from covet.web import Covet
from covet.web.errors import HTTPError
from covet.web.params import Depends, Query
from covet.web.websockets import Broadcaster, WebSocket, WebSocketMessageError

from ._servers import closed_code, serve


def require_token(token: Annotated[str | None, Query()] = None) -> str:
    """A dependency that refuses the handshake without the right token."""
    if token != "s3cret":
        raise HTTPError(401, "a valid token is required", headers={"WWW-Authenticate": "Bearer"})
    return token


def build_app(*, max_message_size: int = 1024) -> tuple[Covet, Broadcaster]:
    app = Covet()
    hub = Broadcaster()

    @app.websocket("/echo")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept(websocket.select_subprotocol(["v2.echo", "v1.echo"]))
        async for message in websocket:
            if isinstance(message, str):
                await websocket.send_text(message)
            else:
                await websocket.send_bytes(message)

    @app.websocket("/json")
    async def json_echo(websocket: WebSocket) -> None:
        await websocket.accept()
        async for value in websocket.iter_json():
            await websocket.send_json({"echo": value})

    @app.websocket("/text")
    async def text_only(websocket: WebSocket) -> None:
        websocket.max_message_size = max_message_size  # a handler may set its own limit
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text)

    @app.websocket("/crash")
    async def crash(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        raise LookupError("the database password is hunter2")

    @app.websocket("/close/{code:int}")
    async def close_with(websocket: WebSocket, code: int) -> None:
        await websocket.accept()
        await websocket.close(code, f"closing with {code}")

    def token(token: Annotated[str | None, Query()] = None) -> str:
        if token != "s3cret":
            raise HTTPError(
                401, "a valid token is required", headers={"WWW-Authenticate": "Bearer"}
            )
        return token

    @app.websocket("/private")
    async def private(websocket: WebSocket, user: Annotated[str, Depends(require_token)]) -> None:
        await websocket.accept()
        await websocket.send_text(f"welcome {user}")

    @app.websocket("/refuse")
    async def refuse(websocket: WebSocket) -> None:
        return None

    @app.websocket("/rooms/{name}")
    async def room(websocket: WebSocket, name: str) -> None:
        await websocket.accept()
        members = hub.room(name)
        await members.join(websocket)
        await websocket.send_text("joined")
        async for text in websocket.iter_text():
            await members.broadcast(text, exclude=websocket)

    @app.websocket("/fuzz")
    async def fuzz(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:
            try:
                value = await websocket.receive_json()
            except WebSocketMessageError as exc:
                if exc.close_code == 1009:
                    raise
                await websocket.send_json({"error": exc.close_code})
                continue
            await websocket.send_json({"ok": value})

    return app, hub


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Broadcaster]]:
    app, hub = build_app()
    async with serve(app, scheme="ws") as url:
        yield url, hub


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait for ``condition`` (server-side effects of a client's action are asynchronous)."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the condition never became true")


async def test_echo_text_bytes_and_json(server: tuple[str, Broadcaster]) -> None:
    url, _ = server
    async with connect(f"{url}/echo") as client:
        await client.send("héllo")
        assert await client.recv() == "héllo"
        await client.send(b"\x00\xff")
        assert await client.recv() == b"\x00\xff"
    async with connect(f"{url}/json") as client:
        await client.send(orjson.dumps({"a": [1, None]}).decode())
        assert orjson.loads(await client.recv()) == {"echo": {"a": [1, None]}}
        await client.send(b'"binary json"')
        assert orjson.loads(await client.recv()) == {"echo": "binary json"}


async def test_subprotocol_negotiation(server: tuple[str, Broadcaster]) -> None:
    url, _ = server
    async with connect(
        f"{url}/echo", subprotocols=[Subprotocol("v1.echo"), Subprotocol("v2.echo")]
    ) as client:
        assert client.subprotocol == "v2.echo"
    async with connect(f"{url}/echo", subprotocols=[Subprotocol("v1.echo")]) as client:
        assert client.subprotocol == "v1.echo"
    async with connect(f"{url}/echo") as client:
        assert client.subprotocol is None


async def test_path_params_and_a_normal_close(server: tuple[str, Broadcaster]) -> None:
    url, _ = server
    async with connect(f"{url}/close/4321") as client:
        assert await closed_code(client) == (4321, "closing with 4321")
    async with connect(f"{url}/close/1000") as client:
        assert await closed_code(client) == (1000, "closing with 1000")


@pytest.mark.parametrize(
    ("path", "frame", "expected"),
    [
        ("/json", "{not json", (1003, "message is not valid JSON")),
        ("/text", b"binary", (1003, "expected a text message, got a binary one")),
        ("/text", "x" * 1025, (1009, "message larger than 1024 bytes")),
        ("/crash", "go", (1011, "Internal error")),
    ],
)
async def test_close_codes_seen_by_the_client(
    server: tuple[str, Broadcaster], path: str, frame: str | bytes, expected: tuple[int, str]
) -> None:
    url, _ = server
    async with connect(f"{url}{path}") as client:
        await client.send(frame)
        assert await closed_code(client) == expected


async def test_a_message_over_the_servers_own_limit_is_1009_from_uvicorn() -> None:
    app, _ = build_app(max_message_size=10_000)
    async with serve(app, scheme="ws", ws_max_size=100) as url, connect(f"{url}/text") as client:
        await client.send("x" * 101)
        code, _ = await closed_code(client)
    assert code == 1009


async def test_invalid_utf8_in_a_text_frame_is_refused_by_the_server(
    server: tuple[str, Broadcaster],
) -> None:
    url, _ = server
    async with connect(f"{url}/text") as client:
        await client.send(b"\xff\xfe", text=True)
        code, _ = await closed_code(client)
    assert code == 1007  # the server's job: the handler never sees the frame


async def test_refusals_are_http_errors_with_problem_bodies(
    server: tuple[str, Broadcaster],
) -> None:
    url, _ = server
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"{url}/private"):
            pass
    response = info.value.response
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.headers["Content-Type"] == "application/problem+json"
    assert orjson.loads(response.body or b"")["detail"] == "a valid token is required"
    async with connect(f"{url}/private?token=s3cret") as client:
        assert await client.recv() == "welcome s3cret"

    with pytest.raises(InvalidStatus) as info:
        async with connect(f"{url}/refuse"):
            pass
    assert info.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"{url}/no-such-route"):
            pass
    assert info.value.response.status_code == 404


async def test_broadcast_reaches_every_other_member(server: tuple[str, Broadcaster]) -> None:
    url, hub = server
    clients = [await connect(f"{url}/rooms/lobby") for _ in range(5)]
    outsider = await connect(f"{url}/rooms/elsewhere")
    try:
        for client in [*clients, outsider]:
            assert await client.recv() == "joined"
        assert len(hub.room("lobby")) == 5
        await clients[0].send("hello, room")
        for client in clients[1:]:
            assert await client.recv() == "hello, room"
        await clients[1].send("second")
        assert await clients[0].recv() == "second"  # the first sender got nothing before this
        await asyncio.wait_for(outsider.send("ping"), 5)  # the other room is separate
    finally:
        for client in [*clients, outsider]:
            await client.close()
    await eventually(lambda: not hub.rooms)  # the handlers finish as the closes arrive


async def test_a_client_that_drops_is_removed_from_its_room(
    server: tuple[str, Broadcaster],
) -> None:
    url, hub = server
    stayer, leaver = await connect(f"{url}/rooms/r"), await connect(f"{url}/rooms/r")
    for client in (stayer, leaver):
        assert await client.recv() == "joined"
    leaver.transport.abort()  # no close frame: the connection just dies
    await eventually(lambda: len(hub.room("r")) == 1)
    await stayer.close()


frames = st.one_of(
    st.text(max_size=64),
    st.binary(max_size=64),
    st.from_regex(r'[\[\]{}",:0-9a-z\\ .eE+-]{0,40}', fullmatch=True),
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=8,
    ).map(lambda value: orjson.dumps(value).decode()),
)


@pytest.fixture
def fuzz_server() -> Iterator[tuple[asyncio.Runner, str]]:
    """One server for every hypothesis example: the runner's loop keeps it alive between them."""
    with asyncio.Runner() as runner:
        app, _ = build_app()
        context = serve(app, scheme="ws")
        url = runner.run(context.__aenter__())
        try:
            yield runner, url
        finally:
            runner.run(context.__aexit__(None, None, None))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(frames, min_size=1, max_size=8))
def test_random_frames_never_crash_the_handler(
    fuzz_server: tuple[asyncio.Runner, str], batch: list[str | bytes]
) -> None:
    runner, url = fuzz_server

    async def exchange() -> None:
        async with connect(f"{url}/fuzz") as client:
            for frame in batch:
                await client.send(frame)
                reply = orjson.loads(await client.recv())
                if "error" in reply:
                    assert reply == {"error": 1003}
                else:
                    assert reply == {"ok": orjson.loads(frame)}
            await client.close()
            assert client.close_code == 1000

    runner.run(exchange())
