"""ServerTimingMiddleware: the app metric and metrics recorded during the request."""

from __future__ import annotations

import re

import pytest

from covet.web._types import Receive, Scope, Send
from covet.web.middleware import ServerTimingMiddleware, add_server_timing, server_timing

from ._web_asgi import client, echo_app


async def test_app_duration_is_reported() -> None:
    async with client(ServerTimingMiddleware(echo_app)) as http:
        response = await http.get("/")
    assert re.fullmatch(r"app;dur=\d+\.\d{3}", response.headers["server-timing"])


async def test_metrics_recorded_by_the_app_come_first() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        add_server_timing("db", 4.25, 'two "quoted" queries')
        with server_timing("render"):
            pass
        add_server_timing("cache-hit")
        await echo_app(scope, receive, send)

    async with client(ServerTimingMiddleware(app, metric_name="total")) as http:
        response = await http.get("/")
    entries = response.headers["server-timing"].split(", ")
    assert entries[0] == 'db;dur=4.250;desc="two \\"quoted\\" queries"'
    assert re.fullmatch(r"render;dur=\d+\.\d{3}", entries[1])
    assert entries[2] == "cache-hit"
    assert re.fullmatch(r"total;dur=\d+\.\d{3}", entries[3])


def test_outside_the_middleware_recording_is_a_no_op() -> None:
    add_server_timing("db", 1.0)


def test_metric_names_must_be_tokens() -> None:
    with pytest.raises(ValueError, match="invalid Server-Timing metric name"):
        add_server_timing("has space", 1.0)
    with pytest.raises(ValueError, match="invalid Server-Timing metric name"):
        ServerTimingMiddleware(echo_app, metric_name="a;b")
