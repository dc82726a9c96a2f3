"""Integers beyond 64 bits, wherever JSON (or MessagePack) is written or read.

orjson stops at 64 bits: it refuses to write a larger int and reads one as a float. Every
path that carries a user's value must keep it exact instead: problems, Server-Sent
Events, WebSocket messages both ways (and the test client's), broadcasts, refused
handshakes, and MessagePack answers, which cannot hold such an int at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covet.web import Covet, EventSourceResponse, HTTPError, problem_response
from covet.web.testing import TestClient, WebSocketRejected
from covet.web.websockets import Broadcaster, WebSocket

BIG = 2**70
NEGATIVE = -(2**65)
BIG_TEXT = b"1180591620717411303424"

big_ints = st.one_of(
    st.integers(min_value=2**64, max_value=2**200), st.integers(max_value=-(2**63) - 1)
)


def test_a_problem_extension_keeps_a_big_int() -> None:
    app = Covet()

    @app.get("/quota")
    async def quota() -> None:
        raise HTTPError(429, "over quota", used=BIG)

    @app.get("/built")
    async def built() -> Any:
        return problem_response(409, "taken", ids=[BIG, NEGATIVE])

    with TestClient(app) as client:
        over = client.get("/quota")
        assert over.status_code == 429
        assert over.headers["content-type"] == "application/problem+json"
        assert b'"used":' + BIG_TEXT in over.content
        assert client.get("/built").json()["ids"] == [BIG, NEGATIVE]


def test_server_sent_event_data_keeps_a_big_int() -> None:
    app = Covet()

    @app.get("/events")
    async def events() -> EventSourceResponse:
        async def stream() -> AsyncIterator[Any]:
            yield {"n": BIG}

        return EventSourceResponse(stream(), ping_interval=None)

    with TestClient(app) as client:
        response = client.get("/events")
    assert response.status_code == 200
    assert response.content == b'data: {"n":' + BIG_TEXT + b"}\n\n"


def echo_app() -> Covet:
    app = Covet()
    hub = Broadcaster()

    @app.websocket("/echo")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        value = await websocket.receive_json()
        await websocket.send_json({"got": value, "type": type(value["n"]).__name__})
        await websocket.send_json([value["n"]], binary=True)
        room = hub.room("all")
        await room.join(websocket)
        await room.broadcast_json({"broadcast": value["n"]})

    @app.websocket("/refused")
    async def refused(websocket: WebSocket) -> None:
        raise HTTPError(403, "over quota", used=BIG)

    return app


def test_websocket_json_keeps_big_ints_both_ways() -> None:
    with TestClient(echo_app()) as client, client.websocket_connect("/echo") as ws:
        ws.send_json({"n": BIG})  # the test client writes it exactly too
        assert ws.receive_json() == {"got": {"n": BIG}, "type": "int"}
        assert ws.receive_bytes() == b"[" + BIG_TEXT + b"]"
        assert ws.receive_json() == {"broadcast": BIG}


def test_websocket_receive_json_reads_a_big_int_written_by_hand() -> None:
    with TestClient(echo_app()) as client, client.websocket_connect("/echo") as ws:
        ws.send_text('{"n": -36893488147419103233}')  # as a float: -36893488147419103232
        assert ws.receive_json() == {"got": {"n": NEGATIVE - 1}, "type": "int"}


def test_a_refused_handshake_problem_keeps_a_big_int() -> None:
    with (
        TestClient(echo_app()) as client,
        pytest.raises(WebSocketRejected) as refused,
        client.websocket_connect("/refused"),
    ):
        pass
    assert refused.value.status_code == 403
    assert refused.value.json()["used"] == BIG


@settings(max_examples=40, deadline=None)
@given(n=big_ints)
def test_any_big_int_round_trips_through_a_websocket(n: int) -> None:
    with TestClient(echo_app()) as client, client.websocket_connect("/echo") as ws:
        ws.send_json({"n": n})
        assert ws.receive_json()["got"] == {"n": n}


class Reading(msgspec.Struct):
    sensor: str
    count: int


def msgpack_app() -> Covet:
    app = Covet(msgpack=True)

    @app.get("/counts")
    async def counts(n: int) -> dict[str, int]:
        return {"count": n}

    @app.get("/readings")
    async def reading(n: int) -> Reading:
        return Reading("t1", n)

    return app


@pytest.mark.parametrize("path", ["/counts", "/readings"])
def test_msgpack_falls_back_to_json_for_an_int_it_cannot_hold(path: str) -> None:
    packed = {"Accept": "application/msgpack"}
    with TestClient(msgpack_app()) as client:
        small = client.get(path, params={"n": 7}, headers=packed)
        assert small.headers["content-type"] == "application/msgpack"
        assert msgspec.msgpack.decode(small.content)["count"] == 7

        big = client.get(path, params={"n": BIG}, headers=packed)
    assert big.status_code == 200
    assert big.headers["content-type"] == "application/json"
    assert big.headers["vary"] == "Accept"
    assert big.json()["count"] == BIG


@settings(max_examples=40, deadline=None)
@given(n=st.one_of(big_ints, st.integers(min_value=-(2**63), max_value=2**64 - 1)))
def test_msgpack_negotiation_never_fails_on_an_int(n: int) -> None:
    with TestClient(msgpack_app()) as client:
        response = client.get("/counts", params={"n": n}, headers={"Accept": "application/msgpack"})
    assert response.status_code == 200
    if response.headers["content-type"] == "application/msgpack":
        assert msgspec.msgpack.decode(response.content) == {"count": n}
    else:
        assert not -(2**63) <= n <= 2**64 - 1
        assert response.json() == {"count": n}
