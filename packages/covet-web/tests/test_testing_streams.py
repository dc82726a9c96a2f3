"""Streaming responses through the test clients: ``client.stream()`` reads as the app sends."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covet.web import (
    Covet,
    EventSourceResponse,
    PlainTextResponse,
    ServerSentEvent,
    StreamingResponse,
)
from covet.web._types import Message, Receive, Scope, Send
from covet.web.testing import AsyncTestClient, TestClient, _exchange


class Ticker:
    """An endless event stream that records how it ended."""

    def __init__(self) -> None:
        self.sent = 0
        self.stopped = threading.Event()  # set by the app's finally block, on any loop
        self.ending: BaseException | None = None

    async def events(self) -> AsyncIterator[ServerSentEvent]:
        try:
            while True:
                self.sent += 1
                yield ServerSentEvent({"n": self.sent}, id=self.sent, event="tick")
                await asyncio.sleep(0)
        except BaseException as exc:  # the cancellation that stops the stream
            self.ending = exc
            raise
        finally:
            self.stopped.set()


def sse_app(ticker: Ticker) -> Covet:
    app = Covet()

    @app.get("/events")
    async def events() -> EventSourceResponse:
        return EventSourceResponse(ticker.events(), ping_interval=None)

    return app


def read_events(lines: Iterator[str], count: int) -> list[dict[str, str]]:
    """The first ``count`` events of an SSE stream, as field dicts."""
    events: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in lines:
        if not line:
            events.append(current)
            current = {}
            if len(events) == count:
                return events
            continue
        name, _, value = line.partition(": ")
        current[name] = value
    raise AssertionError(f"the stream ended after {len(events)} events")


async def aread_events(lines: AsyncIterator[str], count: int) -> list[dict[str, str]]:
    events: list[dict[str, str]] = []
    current: dict[str, str] = {}
    async for line in lines:
        if not line:
            events.append(current)
            current = {}
            if len(events) == count:
                return events
            continue
        name, _, value = line.partition(": ")
        current[name] = value
    raise AssertionError(f"the stream ended after {len(events)} events")


THREE_TICKS = [{"id": str(n), "event": "tick", "data": f'{{"n":{n}}}'} for n in (1, 2, 3)]


def test_an_endless_event_stream_is_read_and_closed_with_the_sync_client() -> None:
    ticker = Ticker()
    with TestClient(sse_app(ticker)) as client:
        with client.stream("GET", "/events") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert read_events(response.iter_lines(), 3) == THREE_TICKS
        # Leaving the block hung up: the generator was stopped and its finally ran.
        assert ticker.stopped.is_set()
        assert isinstance(ticker.ending, asyncio.CancelledError | GeneratorExit)
        assert client.get("/missing").status_code == 404  # the client is still usable


async def test_an_endless_event_stream_with_the_async_client() -> None:
    ticker = Ticker()
    async with AsyncTestClient(sse_app(ticker)) as client:
        async with client.stream("GET", "/events") as response:
            assert response.status_code == 200
            assert await aread_events(response.aiter_lines(), 3) == THREE_TICKS
        assert ticker.stopped.is_set()


async def test_chunks_arrive_as_the_app_sends_them() -> None:
    gate = asyncio.Event()
    finished = asyncio.Event()
    app = Covet()

    @app.get("/slow")
    async def slow() -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            yield b"first"
            await gate.wait()  # until the test has seen the first chunk
            yield b"second"
            finished.set()

        return StreamingResponse(body())

    async with AsyncTestClient(app) as client, client.stream("GET", "/slow") as response:
        chunks = response.aiter_raw()
        assert await anext(chunks) == b"first"
        assert not finished.is_set()
        gate.set()
        assert [chunk async for chunk in chunks] == [b"second"]
    assert finished.is_set()


def test_a_plain_request_still_reads_everything_and_waits_for_background_tasks() -> None:
    done: list[str] = []
    app = Covet()

    @app.get("/report")
    async def report() -> PlainTextResponse:
        async def audit() -> None:
            await asyncio.sleep(0.01)
            done.append("audited")

        return PlainTextResponse("ok", background=audit)

    @app.get("/lines")
    async def lines() -> StreamingResponse:
        return StreamingResponse(f"line {n}\n" for n in range(3))

    with TestClient(app) as client:
        assert client.get("/report").text == "ok"
        assert done == ["audited"]
        assert client.get("/lines").text == "line 0\nline 1\nline 2\n"


def raw_streamer(log: list[Any]) -> Any:
    """An ASGI app that streams without listening for the disconnect itself."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            if scope["path"] == "/listen":
                await send({"type": "http.response.body", "body": b"hello", "more_body": True})
                log.append(await receive())  # blocks until the client leaves
                return
            while True:
                await send({"type": "http.response.body", "body": b"x" * 1024, "more_body": True})
                log.append("sent")
        except OSError as exc:  # ASGI 2.4: a send after the client left
            log.append(type(exc).__name__)
            raise

    return app


def test_closing_early_makes_receive_report_the_disconnect() -> None:
    log: list[Any] = []
    with TestClient(raw_streamer(log)) as client:
        with client.stream("GET", "/listen") as response:
            assert next(response.iter_bytes()) == b"hello"
            assert log == []
        assert log == [{"type": "http.disconnect"}]


async def test_closing_early_makes_sends_fail_and_bounds_what_is_buffered() -> None:
    log: list[Any] = []
    async with AsyncTestClient(raw_streamer(log)) as client:
        async with client.stream("GET", "/flood") as response:
            chunks = response.aiter_raw()
            await anext(chunks)
            await asyncio.sleep(0.05)
            produced = log.count("sent")
            await asyncio.sleep(0.05)
            # The app waits for the reader, as on a socket, instead of filling memory.
            assert log.count("sent") == produced
            assert produced * 1024 <= 2 * (_exchange._HIGH_WATER + 1024)
        assert log[-1] == "OSError"


async def test_an_app_that_ignores_the_hang_up_is_cancelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_exchange, "CLOSE_GRACE", 0.05)
    outcome: list[str] = []

    async def stubborn(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        try:
            await asyncio.Event().wait()  # never listens, never sends again
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise

    async with AsyncTestClient(stubborn) as client, client.stream("GET", "/") as response:
        assert await anext(response.aiter_raw()) == b"a"
    assert outcome == ["cancelled"]


def test_a_stream_left_open_is_closed_before_the_app_shuts_down() -> None:
    ticker = Ticker()
    order: list[str] = []
    app = sse_app(ticker)
    app.on_shutdown.append(
        lambda: order.append(f"shutdown, stream stopped: {ticker.stopped.is_set()}")
    )
    with TestClient(app) as client:
        response = client.send(client.build_request("GET", "/events"), stream=True)
        assert next(response.iter_lines()).startswith("id: 1")
    assert order == ["shutdown, stream stopped: True"]


async def test_the_async_client_closes_streams_left_open_too() -> None:
    ticker = Ticker()
    async with AsyncTestClient(sse_app(ticker)) as client:
        response = await client.send(client.build_request("GET", "/events"), stream=True)
        assert (await anext(response.aiter_lines())).startswith("id: 1")
    assert ticker.stopped.is_set()


async def exploding(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] == "/early":
        raise LookupError("before the response")
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"part", "more_body": True})
    raise LookupError("in the middle of the body")


def test_an_exception_in_the_middle_of_a_stream_is_raised_while_reading() -> None:
    with TestClient(exploding) as client:
        with client.stream("GET", "/late") as response:
            assert response.status_code == 200
            with pytest.raises(LookupError, match="in the middle"):
                response.read()
        with pytest.raises(LookupError, match="in the middle"):
            client.get("/late")
        with pytest.raises(LookupError, match="before the response"):
            client.get("/early")
    with TestClient(exploding, raise_server_exceptions=False) as client:
        assert client.get("/early").status_code == 500


async def test_the_async_client_raises_them_too() -> None:
    async with AsyncTestClient(exploding) as client:
        async with client.stream("GET", "/late") as response:
            with pytest.raises(LookupError, match="in the middle"):
                await response.aread()
        with pytest.raises(LookupError, match="before the response"):
            await client.get("/early")


def test_an_app_that_never_answers_fails_clearly() -> None:
    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    async def half(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"cut", "more_body": True})

    with TestClient(silent) as client, pytest.raises(RuntimeError, match="without sending"):
        client.get("/")
    with TestClient(half) as client:
        assert client.get("/").content == b"cut"  # the app returned: the body ends there


# -- any sequence of chunks arrives whole and in order ----------------------------------


async def chunked_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Sends the request body's ``|``-separated parts as separate chunks."""
    if scope["type"] != "http":
        return
    message: Message = await receive()
    chunks = message["body"].split(b"|") if message["body"] else []
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for chunk in chunks:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


@pytest.fixture(scope="module")
def chunked_client() -> Iterator[TestClient]:
    with TestClient(chunked_app) as client:
        yield client


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chunks=st.lists(st.binary(max_size=40_000).filter(lambda chunk: b"|" not in chunk), max_size=8)
)
def test_any_chunks_arrive_whole_and_in_order(
    chunked_client: TestClient, chunks: list[bytes]
) -> None:
    body = b"|".join(chunks)
    expected = b"".join(chunks)
    assert chunked_client.post("/", content=body).content == expected
    with chunked_client.stream("POST", "/", content=body) as response:
        assert b"".join(response.iter_raw()) == expected
