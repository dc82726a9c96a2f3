"""The WebSocket connection and the endpoint runner, driven in-process through the test session."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covet.web._types import Receive, Scope, Send
from covet.web._websocket._endpoint import run_websocket_endpoint
from covet.web.errors import HTTPError, RequestValidationError
from covet.web.testing._websocket import (
    AsyncWebSocketSession,
    WebSocketRejected,
    connect_async,
    websocket_scope,
)
from covet.web.websockets import (
    DEFAULT_MAX_MESSAGE_SIZE,
    CloseCode,
    WebSocket,
    WebSocketDisconnect,
    WebSocketMessageError,
    WebSocketState,
    WebSocketStateError,
)

Handler = Callable[[WebSocket], Awaitable[Any]]


def serve(handler: Handler, *, max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE) -> Any:
    """A minimal ASGI app running ``handler`` the way the router does."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send, max_message_size=max_message_size)
        await run_websocket_endpoint(websocket, handler, None)

    return app


def connect(handler: Handler, path: str = "/ws", **kwargs: Any) -> AsyncWebSocketSession:
    max_size = kwargs.pop("max_message_size", DEFAULT_MAX_MESSAGE_SIZE)
    return connect_async(serve(handler, max_message_size=max_size), websocket_scope(path, **kwargs))


async def echo_text(websocket: WebSocket) -> None:
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text)


# -- accepting -------------------------------------------------------------------------


async def test_accept_with_the_preferred_subprotocol_and_headers() -> None:
    async def handler(websocket: WebSocket) -> None:
        chosen = websocket.select_subprotocol(["v2.chat", "v1.chat"])
        await websocket.accept(chosen, headers={"X-Server": "covet"})
        await websocket.send_json(websocket.subprotocols)

    async with connect(handler, subprotocols=["v1.chat", "v2.chat"]) as ws:
        assert ws.subprotocol == "v2.chat"
        assert ("x-server", "covet") in ws.headers
        assert await ws.receive_json() == ["v1.chat", "v2.chat"]


async def test_select_subprotocol_is_none_when_nothing_matches() -> None:
    async def handler(websocket: WebSocket) -> None:
        chosen = websocket.select_subprotocol(["graphql-transport-ws"])
        await websocket.accept(chosen)
        await websocket.send_text(repr(chosen))

    async with connect(handler, subprotocols=["mqtt"]) as ws:
        assert ws.subprotocol is None
        assert await ws.receive_text() == "None"


async def test_accepting_a_subprotocol_the_client_did_not_offer_is_an_error() -> None:
    async def handler(websocket: WebSocket) -> None:
        with pytest.raises(ValueError, match="was not offered by the client"):
            await websocket.accept("v9")
        await websocket.accept()
        await websocket.close()

    async with connect(handler, subprotocols=["v1"]) as ws:
        with pytest.raises(WebSocketDisconnect):
            await ws.receive_text()


async def test_accept_twice_is_a_state_error() -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        with pytest.raises(WebSocketStateError, match="already"):
            await websocket.accept()
        await websocket.send_text("ok")

    async with connect(handler) as ws:
        assert await ws.receive_text() == "ok"


async def test_handshake_request_data_is_visible() -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(
            {
                "url": str(websocket.url),
                "token": websocket.query_params["token"],
                "agent": websocket.headers["user-agent"],
                "cookie": websocket.cookies["session"],
                "client": list(websocket.client or ()),
                "state": websocket.connection_state.value,
            }
        )

    async with connect(
        handler,
        "/live",
        query_string=b"token=abc",
        headers=[("User-Agent", "pytest"), ("Cookie", "session=s1; theme=dark")],
    ) as ws:
        assert await ws.receive_json() == {
            "url": "ws://testserver/live?token=abc",
            "token": "abc",
            "agent": "pytest",
            "cookie": "s1",
            "client": ["testclient", 50000],
            "state": "connected",
        }


# -- exchanging messages ----------------------------------------------------------------


async def test_text_bytes_and_json_round_trip() -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text((await websocket.receive_text()).upper())
        await websocket.send_bytes((await websocket.receive_bytes())[::-1])
        value = await websocket.receive_json()
        await websocket.send_json({"got": value})
        await websocket.send_json([1, "é"], binary=True)

    async with connect(handler) as ws:
        await ws.send_text("héllo")
        assert await ws.receive_text() == "HÉLLO"
        await ws.send_bytes(b"\x00\x01\x02")
        assert await ws.receive_bytes() == b"\x02\x01\x00"
        await ws.send_json({"a": [1, 2.5, None]}, binary=True)  # JSON may come as binary too
        assert await ws.receive_json() == {"got": {"a": [1, 2.5, None]}}
        assert await ws.receive_bytes() == '[1,"é"]'.encode()


async def test_async_for_yields_text_and_bytes_until_the_client_leaves() -> None:
    seen: list[str | bytes] = []

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        seen.extend([message async for message in websocket])
        seen.append(f"closed {websocket.close_code}")

    async with connect(handler) as ws:
        await ws.send_text("a")
        await ws.send_bytes(b"b")
        await ws.close(4000)
    assert seen == ["a", b"b", "closed 4000"]


async def test_iter_bytes_and_iter_json() -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        async for data in websocket.iter_bytes():
            if data == b"json":
                break
            await websocket.send_bytes(data * 2)
        async for value in websocket.iter_json():
            await websocket.send_json(value)

    async with connect(handler) as ws:
        await ws.send_bytes(b"ab")
        assert await ws.receive_bytes() == b"abab"
        await ws.send_bytes(b"json")
        await ws.send_text('{"k": 1}')
        assert await ws.receive_json() == {"k": 1}


@dataclass
class Move:
    x: int
    y: int


class Chat(msgspec.Struct):
    room: str
    text: str


async def test_receive_json_validates_into_a_type() -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        move = await websocket.receive_json(Move)
        assert isinstance(move, Move)
        await websocket.send_json(move)  # dataclasses and Structs encode too
        async for chat in websocket.iter_json(Chat):
            await websocket.send_json(chat)

    async with connect(handler) as ws:
        await ws.send_json({"x": 1, "y": 2})
        assert await ws.receive_json() == {"x": 1, "y": 2}
        await ws.send_json({"room": "a", "text": "hi"})
        assert await ws.receive_json() == {"room": "a", "text": "hi"}
        await ws.send_json({"room": "a"})
        with pytest.raises(WebSocketDisconnect) as info:
            await ws.receive_json()
    assert info.value.code == CloseCode.UNSUPPORTED_DATA
    assert "text" in info.value.reason  # says which field is missing


async def test_the_handler_can_catch_a_bad_message_and_carry_on() -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:
            try:
                value = await websocket.receive_json()
            except WebSocketMessageError as exc:
                await websocket.send_json({"error": exc.detail, "code": exc.close_code})
                continue
            await websocket.send_json(value)

    async with connect(handler) as ws:
        await ws.send_text("{oops")
        assert await ws.receive_json() == {"error": "message is not valid JSON", "code": 1003}
        await ws.send_text("[1]")
        assert await ws.receive_json() == [1]


@pytest.mark.parametrize("typed", [False, True])
async def test_json_too_deep_or_not_utf8_is_bad_data_not_a_crash(
    typed: bool, caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:
            try:
                value = await websocket.receive_json(list[Any] if typed else None)
            except WebSocketMessageError as exc:
                await websocket.send_json({"error": exc.detail, "code": exc.close_code})
                continue
            await websocket.send_json(value)

    deep = "[" * 5_000 + "]" * 5_000
    async with connect(handler) as ws:
        await ws.send_text(deep)
        assert await ws.receive_json() == {"error": "message is nested too deeply", "code": 1003}
        await ws.send_bytes(b'["\xff"]')  # not UTF-8
        assert await ws.receive_json() == {"error": "message is not valid JSON", "code": 1003}
        await ws.send_text("[[1]]")
        assert await ws.receive_json() == [[1]]

    async def unguarded(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_json(list[Any] if typed else None)

    async with connect(unguarded) as ws:
        await ws.send_text(deep)
        with pytest.raises(WebSocketDisconnect) as info:
            await ws.receive_text()
    assert (info.value.code, info.value.reason) == (1003, "message is nested too deeply")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_send_text_rejects_bytes_with_a_clear_error() -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        with pytest.raises(TypeError, match="use send_bytes"):
            await websocket.send_text(b"raw")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="use send_text"):
            await websocket.send_bytes("text")  # type: ignore[arg-type]
        await websocket.send_text("ok")

    async with connect(handler) as ws:
        assert await ws.receive_text() == "ok"


async def test_sending_or_receiving_before_accept_is_a_state_error() -> None:
    async def handler(websocket: WebSocket) -> None:
        assert websocket.connection_state is WebSocketState.CONNECTING
        with pytest.raises(WebSocketStateError, match="accept"):
            await websocket.send_text("too early")
        with pytest.raises(WebSocketStateError, match="accept"):
            await websocket.receive_text()
        await websocket.accept()
        await websocket.send_text("ok")

    async with connect(handler) as ws:
        assert await ws.receive_text() == "ok"


# -- closing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "expects", "reason"),
    [
        (b"bin", "text", "expected a text message, got a binary one"),
        ("txt", "bytes", "expected a binary message, got a text one"),
        ("{not json", "json", "message is not valid JSON"),
        (b"\xff\xfe", "json", "message is not valid JSON"),
    ],
)
async def test_a_message_of_the_wrong_kind_closes_with_1003(
    frame: str | bytes, expects: str, reason: str
) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await getattr(websocket, f"receive_{expects}")()

    async with connect(handler) as ws:
        await (ws.send_text(frame) if isinstance(frame, str) else ws.send_bytes(frame))
        with pytest.raises(WebSocketDisconnect) as info:
            await ws.receive_text()
    assert (info.value.code, info.value.reason) == (1003, reason)


@pytest.mark.parametrize(
    ("frame", "too_big"),
    [
        ("x" * 16, False),
        ("x" * 17, True),
        (b"x" * 17, True),
        ("é" * 8, False),  # 16 bytes of UTF-8
        ("é" * 9, True),  # 9 characters, but 18 bytes
        ("€" * 6, True),  # 6 characters, 18 bytes
    ],
)
async def test_max_message_size_counts_bytes_and_closes_with_1009(
    frame: str | bytes, too_big: bool
) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        async for message in websocket:
            await websocket.send_text(f"{len(message)}")

    async with connect(handler, max_message_size=16) as ws:
        await (ws.send_text(frame) if isinstance(frame, str) else ws.send_bytes(frame))
        if too_big:
            with pytest.raises(WebSocketDisconnect) as info:
                await ws.receive_text()
            assert info.value.code == CloseCode.MESSAGE_TOO_BIG
            assert info.value.reason == "message larger than 16 bytes"
        else:
            assert await ws.receive_text() == str(len(frame))


async def test_no_size_limit_with_none() -> None:
    async with connect(echo_text, max_message_size=None) as ws:
        await ws.send_text("x" * (DEFAULT_MAX_MESSAGE_SIZE + 1))
        assert len(await ws.receive_text()) == DEFAULT_MAX_MESSAGE_SIZE + 1


def test_max_message_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_message_size"):
        WebSocket(websocket_scope("/"), _never, _never, max_message_size=0)


def test_a_websocket_needs_a_websocket_scope() -> None:
    with pytest.raises(ValueError, match="'websocket' scope"):
        WebSocket({"type": "http"}, _never, _never)


async def _never(*_: Any) -> Any:
    raise AssertionError("not called")


async def test_returning_closes_with_1000() -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("bye")

    async with connect(handler) as ws:
        assert await ws.receive_text() == "bye"
        with pytest.raises(WebSocketDisconnect) as info:
            await ws.receive_text()
    assert info.value.code == CloseCode.NORMAL_CLOSURE


async def test_close_with_a_code_and_reason() -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close(CloseCode.POLICY_VIOLATION, "no spam")
        await websocket.close()  # already closed: a no-op
        assert websocket.connection_state is WebSocketState.DISCONNECTED
        with pytest.raises(WebSocketDisconnect):
            await websocket.send_text("after close")

    async with connect(handler) as ws:
        with pytest.raises(WebSocketDisconnect) as info:
            await ws.receive_text()
    assert (info.value.code, info.value.reason) == (1008, "no spam")


@pytest.mark.parametrize("code", [999, 1004, 1005, 1006, 1015, 2000, 5000])
async def test_unsendable_close_codes_are_refused(code: int) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        with pytest.raises(ValueError, match=f"close code {code} cannot be sent"):
            await websocket.close(code)
        with pytest.raises(ValueError, match="at most 123 bytes"):
            await websocket.close(1000, "é" * 62)
        await websocket.close(3000, "é" * 61)

    async with connect(handler) as ws:
        with pytest.raises(WebSocketDisconnect) as info:
            await ws.receive_text()
    assert info.value.code == 3000


async def test_an_unhandled_exception_closes_with_1011_logged_not_leaked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        raise KeyError("secret-database-password")

    with caplog.at_level(logging.ERROR, logger="covet.web.websockets"):
        async with connect(handler, "/boom") as ws:
            await ws.send_text("go")
            with pytest.raises(WebSocketDisconnect) as info:
                await ws.receive_text()
    assert info.value.code == CloseCode.INTERNAL_ERROR
    assert "secret" not in info.value.reason
    [record] = caplog.records
    assert "/boom" in record.getMessage()
    assert record.exc_info is not None and "secret-database-password" in str(record.exc_info[1])


async def test_an_exception_before_accept_is_a_500_problem(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def handler(websocket: WebSocket) -> None:
        raise RuntimeError("secret")

    with (
        caplog.at_level(logging.ERROR, logger="covet.web.websockets"),
        pytest.raises(WebSocketRejected) as info,
    ):
        async with connect(handler):
            pass
    assert info.value.status_code == 500
    assert info.value.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
    }
    assert len(caplog.records) == 1


async def test_client_disconnect_ends_the_handler_quietly(caplog: pytest.LogCaptureFixture) -> None:
    codes: list[int | None] = []

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.receive_text()
        finally:
            codes.append(websocket.close_code)

    with caplog.at_level(logging.DEBUG, logger="covet.web.websockets"):
        async with connect(handler) as ws:
            await ws.close(1001, "going away")
    assert codes == [1001]
    assert caplog.records == []


# -- refusing the handshake ------------------------------------------------------------


async def test_returning_without_accepting_is_a_403() -> None:
    async def handler(websocket: WebSocket) -> None:
        return None

    with pytest.raises(WebSocketRejected) as info:
        async with connect(handler):
            pass
    assert info.value.status_code == 403
    assert ("content-type", "application/problem+json") in info.value.headers


async def test_reject_sends_a_problem_with_the_chosen_status() -> None:
    async def handler(websocket: WebSocket) -> None:
        if "authorization" not in websocket.headers:
            await websocket.reject(
                401, "a token is required", headers={"WWW-Authenticate": "Bearer"}
            )
            return
        await websocket.accept()

    with pytest.raises(WebSocketRejected) as info:
        async with connect(handler, "/private"):
            pass
    assert info.value.status_code == 401
    assert ("www-authenticate", "Bearer") in info.value.headers
    assert info.value.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "a token is required",
        "instance": "/private",
    }


async def test_http_errors_raised_before_accept_become_their_status() -> None:
    async def handler(websocket: WebSocket) -> None:
        raise RequestValidationError(
            [{"loc": ["query", "room"], "msg": "missing", "type": "missing"}]
        )

    with pytest.raises(WebSocketRejected) as info:
        async with connect(handler):
            pass
    assert info.value.status_code == 422
    assert info.value.json()["errors"] == [
        {"loc": ["query", "room"], "msg": "missing", "type": "missing"}
    ]


@pytest.mark.parametrize(("status", "code"), [(404, 1008), (503, 1011)])
async def test_http_errors_after_accept_close_the_connection(status: int, code: int) -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        raise HTTPError(status, "room closed")

    async with connect(handler) as ws:
        with pytest.raises(WebSocketDisconnect) as info:
            await ws.receive_text()
    assert (info.value.code, info.value.reason) == (code, "room closed")


@pytest.mark.parametrize(("status", "code"), [(403, 1008), (500, 1011)])
async def test_without_the_http_response_extension_a_refusal_is_a_close(
    status: int, code: int
) -> None:
    closes: list[int | None] = []

    async def handler(websocket: WebSocket) -> None:
        try:
            await websocket.reject(status, "nope")
        finally:
            closes.append(websocket.close_code)

    with pytest.raises(WebSocketRejected) as info:
        async with connect(handler, http_response_extension=False):
            pass
    assert info.value.status_code == 403  # what a server answers to a close before accept
    assert closes == [code]


async def test_reject_after_accept_is_a_state_error() -> None:
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        with pytest.raises(WebSocketStateError, match="before accept"):
            await websocket.reject(403)
        with pytest.raises(ValueError, match="400-599"):
            await websocket.reject(200)
        await websocket.send_text("ok")

    async with connect(handler) as ws:
        assert await ws.receive_text() == "ok"


# -- random input ---------------------------------------------------------------------

json_ish = st.from_regex(r'[\[\]{}",:0-9a-z\\ .eE+-]{0,40}', fullmatch=True)
frames = st.lists(st.one_of(st.text(max_size=40), st.binary(max_size=40), json_ish), max_size=6)


class Point(msgspec.Struct):
    x: int
    y: float


@settings(max_examples=150, deadline=None)
@given(batch=frames, expects=st.sampled_from(["text", "bytes", "json", "point", "any"]))
def test_random_frames_end_with_a_clean_close_code(batch: list[str | bytes], expects: str) -> None:
    crashes: list[BaseException] = []

    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                if expects == "point":
                    value: Any = await websocket.receive_json(Point)
                elif expects == "any":
                    value = await websocket.receive_message()
                else:
                    value = await getattr(websocket, f"receive_{expects}")()
                await websocket.send_text(type(value).__name__)
        except (WebSocketDisconnect, WebSocketMessageError):
            raise
        except BaseException as exc:  # anything else would be a bug in the connection
            crashes.append(exc)
            raise

    async def scenario() -> int | None:
        async with connect(handler, max_message_size=32) as ws:
            for frame in batch:
                await (ws.send_text(frame) if isinstance(frame, str) else ws.send_bytes(frame))
                try:
                    await ws.receive_text()
                except WebSocketDisconnect:
                    break
            return ws.close_code

    code = asyncio.run(scenario())
    assert crashes == []
    assert code in (None, 1000, 1003, 1009)  # None: every frame answered, then the client closed
