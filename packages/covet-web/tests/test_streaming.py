"""StreamingResponse and EventSourceResponse: chunks, SSE framing, disconnects."""

from __future__ import annotations

import asyncio
import contextvars
import re
import threading
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from covet.web._streaming import EventSourceResponse, ServerSentEvent, StreamingResponse
from covet.web._types import Receive, Scope, Send

from ._servers import serve
from ._web_asgi import body_of, client, headers_of, http_scope, run_asgi


async def test_async_iterator_chunks_are_sent_in_order_without_length() -> None:
    async def numbers() -> AsyncIterator[str]:
        for n in range(3):
            yield f"{n},"

    sent = await run_asgi(StreamingResponse(numbers(), media_type="text/plain"), http_scope())
    assert body_of(sent) == b"0,1,2,"
    headers = headers_of(sent)
    assert "content-length" not in headers
    assert headers["content-type"] == "text/plain; charset=utf-8"
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert all(m["more_body"] for m in bodies[:-1]) and not bodies[-1]["more_body"]


async def test_sync_generator_runs_in_a_worker_thread() -> None:
    threads: list[int] = []

    def lines() -> Iterator[bytes]:
        for n in range(3):
            threads.append(threading.get_ident())
            yield b"line %d\n" % n

    sent = await run_asgi(StreamingResponse(lines()), http_scope())
    assert body_of(sent) == b"line 0\nline 1\nline 2\n"
    assert threading.get_ident() not in threads


async def test_sync_iterator_in_place_when_asked_and_sequences_always() -> None:
    threads: list[int] = []

    def lines() -> Iterator[bytes]:
        threads.append(threading.get_ident())
        yield b"x"

    await run_asgi(StreamingResponse(lines(), iterate_in_thread=False), http_scope())
    assert threads == [threading.get_ident()]
    sent = await run_asgi(StreamingResponse(["a", b"b", bytearray(b"c")]), http_scope())
    assert body_of(sent) == b"abc"


async def test_a_chunk_of_the_wrong_type_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="must yield bytes or str, got int"):
        await run_asgi(StreamingResponse([1]), http_scope())
    with pytest.raises(TypeError, match="use Response for a body known up front"):
        StreamingResponse(b"whole body")


async def test_head_sends_headers_only_and_closes_the_generator() -> None:
    closed = False

    async def body() -> AsyncIterator[bytes]:
        nonlocal closed
        try:
            yield b"never sent"
        finally:
            closed = True

    generator = body()
    await generator.asend(None)  # started, so closing it runs the finally
    sent = await run_asgi(StreamingResponse(generator), http_scope(method="HEAD"))
    assert body_of(sent) == b""
    assert closed


async def test_background_runs_after_the_body() -> None:
    events: list[str] = []

    async def body() -> AsyncIterator[bytes]:
        events.append("body")
        yield b"x"

    async def background() -> None:
        events.append("background")

    await run_asgi(StreamingResponse(body(), background=background), http_scope())
    assert events == ["body", "background"]


async def test_context_variables_are_visible_inside_the_stream() -> None:
    user: contextvars.ContextVar[str] = contextvars.ContextVar("user")
    user.set("ada")

    async def body() -> AsyncIterator[str]:
        yield user.get()

    assert body_of(await run_asgi(StreamingResponse(body()), http_scope())) == b"ada"


async def test_client_disconnect_stops_an_endless_stream() -> None:
    finished = False

    async def forever() -> AsyncIterator[bytes]:
        nonlocal finished
        try:
            while True:
                yield b"tick"
                await asyncio.sleep(0)
        finally:
            finished = True

    background_ran = False

    async def background() -> None:
        nonlocal background_ran
        background_ran = True

    response = StreamingResponse(forever(), background=background)
    sent = await run_asgi(
        response,
        http_scope(),
        disconnect_when=lambda sent: sum(m["type"] == "http.response.body" for m in sent) >= 3,
    )
    assert finished
    assert body_of(sent).startswith(b"ticktick")
    assert background_ran  # cleanup still happens after a disconnect


async def test_errors_in_the_iterator_propagate() -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"a"
        raise LookupError("boom")

    with pytest.raises(LookupError, match="boom"):
        await run_asgi(StreamingResponse(broken()), http_scope())


async def test_streaming_through_httpx() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await StreamingResponse(iter(["a", "b"]), media_type="text/csv")(scope, receive, send)

    async with client(app) as http:
        response = await http.get("/")
    assert response.text == "ab"
    assert response.headers["content-type"] == "text/csv; charset=utf-8"


# Server-Sent Events ------------------------------------------------------------------


def test_event_with_every_field() -> None:
    event = ServerSentEvent("hello", event="greeting", id=7, retry=3000)
    assert event.encode() == b"id: 7\nevent: greeting\nretry: 3000\ndata: hello\n\n"


def test_multi_line_data_becomes_one_data_line_each() -> None:
    assert ServerSentEvent("a\nb\r\nc\rd").encode() == b"data: a\ndata: b\ndata: c\ndata: d\n\n"
    assert ServerSentEvent("").encode() == b"data: \n\n"
    # A leading space survives: the parser strips only the one after the colon.
    assert ServerSentEvent(" x").encode() == b"data:  x\n\n"


def test_non_string_data_is_json_and_bytes_are_text() -> None:
    assert ServerSentEvent({"price": 42, "ok": True}).encode() == (
        b'data: {"price":42,"ok":true}\n\n'
    )
    assert ServerSentEvent(b"raw").encode() == b"data: raw\n\n"


def test_comments_are_ignored_lines() -> None:
    assert ServerSentEvent(comment="keep\nalive").encode() == b": keep\n: alive\n\n"


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (ServerSentEvent("x", id="a\nb"), "id cannot hold NUL or line breaks"),
        (ServerSentEvent("x", id="a\0b"), "id cannot hold NUL or line breaks"),
        (ServerSentEvent("x", event="a\rb"), "name cannot hold line breaks"),
        (ServerSentEvent("x", retry=-1), "retry must be a non-negative int"),
    ],
)
def test_fields_that_would_break_the_framing_are_refused(
    event: ServerSentEvent, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        event.encode()


def _parse_sse(stream: str) -> list[dict[str, str]]:
    """A parser following the WHATWG event-stream rules, for round trips."""
    events: list[dict[str, str]] = []
    data: list[str] = []
    fields: dict[str, str] = {}
    for line in stream.split("\n"):
        if line == "":
            if data:
                events.append({**fields, "data": "\n".join(data)})
            data, fields = [], {}
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            else:
                fields[name] = value
    return events


@given(data=st.text(), event=st.text().filter(lambda s: not re.search("[\r\n]", s)))
def test_any_text_round_trips_through_the_framing(data: str, event: str) -> None:
    parsed = _parse_sse(ServerSentEvent(data, event=event).encode().decode())
    # A client sees CR and CRLF as line ends: the data comes back with LF only.
    assert parsed == [{"event": event, "data": re.sub("\r\n|\r", "\n", data)}]


async def test_event_source_response_frames_items_and_sets_headers() -> None:
    async def events() -> AsyncIterator[object]:
        yield ServerSentEvent("first\nsecond", event="multi", id="1")
        yield "plain"
        yield {"n": 1}

    response = EventSourceResponse(events(), ping_interval=None)
    sent = await run_asgi(response, http_scope())
    headers = headers_of(sent)
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert headers["x-accel-buffering"] == "no"
    assert _parse_sse(body_of(sent).decode()) == [
        {"event": "multi", "id": "1", "data": "first\nsecond"},
        {"data": "plain"},
        {"data": '{"n":1}'},
    ]


async def test_pings_are_sent_while_the_stream_is_idle() -> None:
    pinged = asyncio.Event()

    async def events() -> AsyncIterator[str]:
        yield "before"
        await pinged.wait()  # idle until a keep-alive went out
        yield "after"

    response = EventSourceResponse(events(), ping_interval=0.001)

    async def send_spy(scope: Scope, receive: Receive, send: Send) -> None:
        async def spying_send(message: dict[str, object]) -> None:
            if message.get("body") == b": ping\n\n":
                pinged.set()
            await send(message)

        await response(scope, receive, spying_send)

    body = body_of(await run_asgi(send_spy, http_scope())).decode()
    assert body.startswith("data: before\n\n")
    assert ": ping\n\n" in body
    assert body.endswith("data: after\n\n")
    assert [e["data"] for e in _parse_sse(body)] == ["before", "after"]


def test_ping_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="ping_interval must be > 0"):
        EventSourceResponse(iter(()), ping_interval=0)


async def test_sse_under_uvicorn_stops_when_the_client_leaves() -> None:
    stopped = asyncio.Event()

    async def ticks() -> AsyncIterator[ServerSentEvent]:
        n = 0
        try:
            while True:
                n += 1
                yield ServerSentEvent(n, id=n)
                await asyncio.sleep(0.001)
        finally:
            stopped.set()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await EventSourceResponse(ticks(), ping_interval=1.0)(scope, receive, send)

    async with serve(app) as base_url, httpx.AsyncClient() as http:
        async with http.stream("GET", f"{base_url}/events") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            received = ""
            async for text in response.aiter_text():
                received += text
                if received.count("\n\n") >= 3:
                    break
        assert _parse_sse(received)[:3] == [
            {"id": "1", "data": "1"},
            {"id": "2", "data": "2"},
            {"id": "3", "data": "3"},
        ]
        await asyncio.wait_for(stopped.wait(), timeout=10)
