"""Start-up and shutdown hooks: the decorators, their order, and what a failing hook does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from covet.web import Covet
from covet.web.testing import LifespanFailed, TestClient


async def drive_lifespan(app: Covet) -> list[dict[str, Any]]:
    """Start and stop ``app`` through the ASGI lifespan protocol, as a server does."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        outbox.append(dict(message))

    await inbox.put({"type": "lifespan.startup"})
    await inbox.put({"type": "lifespan.shutdown"})
    await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, send)
    return outbox


def test_decorators_register_hooks_in_order_and_return_the_function() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Covet) -> AsyncIterator[None]:
        events.append("lifespan enter")
        yield
        events.append("lifespan exit")

    app = Covet(
        lifespan=lifespan,
        on_startup=[lambda: events.append("start 1")],
        on_shutdown=[lambda: events.append("stop 1")],
    )

    @app.on_startup
    async def open_pool() -> None:
        events.append("start 2")

    @app.on_startup
    def warm_cache() -> None:
        events.append("start 3")

    @app.on_shutdown
    async def close_pool() -> None:
        events.append("stop 2")

    @app.on_shutdown
    def flush() -> None:
        events.append("stop 3")

    assert open_pool.__name__ == "open_pool"
    assert callable(warm_cache)
    assert list(app.on_startup)[1:] == [open_pool, warm_cache]

    with TestClient(app):
        assert events == ["lifespan enter", "start 1", "start 2", "start 3"]
        events.clear()
    # Shutdown hooks run in reverse registration order, then the lifespan exits.
    assert events == ["stop 3", "stop 2", "stop 1", "lifespan exit"]


def test_a_hook_registered_by_a_startup_hook_runs_at_shutdown() -> None:
    events: list[str] = []
    app = Covet()

    @app.on_startup
    def connect() -> None:
        events.append("connect")
        app.on_shutdown.append(lambda: events.append("disconnect"))

    with TestClient(app):
        assert events == ["connect"]
    assert events == ["connect", "disconnect"]


def test_hooks_must_be_callable() -> None:
    app = Covet()
    with pytest.raises(TypeError, match="must be a function, not str"):
        app.on_startup("not a function")  # type: ignore[arg-type]


def test_failing_startup_hook_stops_startup_with_its_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Covet) -> AsyncIterator[None]:
        events.append("lifespan enter")
        try:
            yield
        finally:
            events.append("lifespan exit")

    app = Covet(lifespan=lifespan)

    @app.on_startup
    async def migrate() -> None:
        raise RuntimeError("schema is newer than the code")

    @app.on_startup
    def never_reached() -> None:
        events.append("second hook")

    @app.on_shutdown
    def not_started() -> None:
        events.append("shutdown hook")

    outbox = asyncio.run(drive_lifespan(app))
    assert outbox == [
        {
            "type": "lifespan.startup.failed",
            "message": "start-up hook test_failing_startup_hook_stops_startup_with_its_name."
            "<locals>.migrate failed: RuntimeError: schema is newer than the code",
        }
    ]
    # Later hooks do not run; the lifespan context is left; nothing started, so no shutdown.
    assert events == ["lifespan enter", "lifespan exit"]
    record = next(r for r in caplog.records if r.message == "application start-up failed")
    assert record.exc_info is not None

    with (
        pytest.raises(LifespanFailed, match="migrate failed: RuntimeError: schema is newer"),
        TestClient(app),
    ):
        pass


def test_failing_shutdown_hook_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Covet) -> AsyncIterator[None]:
        yield
        events.append("lifespan exit")  # no try/finally: runs only on a clean exit

    app = Covet(lifespan=lifespan)

    @app.on_shutdown
    def close_db() -> None:
        events.append("close db")

    @app.on_shutdown
    async def flush_metrics() -> None:
        raise ConnectionError("metrics backend is down")

    @app.on_shutdown
    def stop_consumer() -> None:
        events.append("stop consumer")

    with caplog.at_level(logging.ERROR, logger="covet.web"):
        outbox = asyncio.run(drive_lifespan(app))
    assert outbox == [
        {"type": "lifespan.startup.complete"},
        {
            "type": "lifespan.shutdown.failed",
            "message": "shutdown hook test_failing_shutdown_hook_is_logged_and_the_others_still"
            "_run.<locals>.flush_metrics failed: ConnectionError: metrics backend is down",
        },
    ]
    assert events == ["stop consumer", "close db", "lifespan exit"]
    hook_record = next(r for r in caplog.records if r.message.startswith("shutdown hook"))
    assert "flush_metrics failed" in hook_record.message
    assert hook_record.exc_info is not None
    assert isinstance(hook_record.exc_info[1], ConnectionError)


def test_every_failing_shutdown_hook_is_reported() -> None:
    def first() -> None:
        raise ValueError("one")

    def second() -> None:
        raise ValueError("two")

    outbox = asyncio.run(drive_lifespan(Covet(on_shutdown=[first, second])))
    message = outbox[1]["message"]
    assert outbox[1]["type"] == "lifespan.shutdown.failed"
    # Reverse order: the second hook ran (and failed) first.
    assert message.index("second failed: ValueError: two") < message.index(
        "first failed: ValueError: one"
    )


def test_mounted_app_hooks_run_inside_the_parents() -> None:
    events: list[str] = []
    parent, child = Covet(), Covet()
    parent.mount("/child", child)
    parent.on_startup(lambda: events.append("parent up"))
    parent.on_shutdown(lambda: events.append("parent down"))
    child.on_startup(lambda: events.append("child up"))
    child.on_shutdown(lambda: events.append("child down"))

    with TestClient(parent):
        assert events == ["parent up", "child up"]
    assert events == ["parent up", "child up", "child down", "parent down"]
