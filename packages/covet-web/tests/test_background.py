"""Background tasks: the injected ``BackgroundTasks`` parameter and ``background=``.

Tasks run after the response has been sent, in order; a failing task is logged with its
traceback and the others still run; a handler that fails drops its tasks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import pytest

from covet.web import (
    BackgroundTasks,
    Covet,
    FileResponse,
    HTTPError,
    JSONResponse,
    PlainTextResponse,
    Request,
    StreamingResponse,
    WebSocket,
)
from covet.web.params import Depends
from covet.web.templating import Templates
from covet.web.testing import TestClient

from ._web_asgi import body_of, http_scope, run_asgi, start_of


async def test_tasks_run_after_the_response_is_sent_in_order() -> None:
    sent: list[dict[str, Any]] = []
    seen_by_tasks: list[tuple[str, int, bool]] = []

    def record(label: str) -> None:
        # What had the client received when the task ran?
        finished = any(m["type"] == "http.response.body" and not m.get("more_body") for m in sent)
        seen_by_tasks.append((label, len(sent), finished))

    async def send_email(to: str, *, subject: str) -> None:
        record(f"email {to} {subject}")

    app = Covet()

    @app.post("/signup")
    async def signup(email: str, tasks: BackgroundTasks) -> dict[str, str]:
        tasks.add_task(send_email, email, subject="welcome")
        tasks.add_task(record, "sync task")
        return {"signed_up": email}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    app.build()
    scope = http_scope("/signup", method="POST", query_string=b"email=ada@example.com")
    await app(scope, receive, send)
    assert sent[0]["status"] == 200
    assert body_of(sent) == b'{"signed_up":"ada@example.com"}'
    assert seen_by_tasks == [("email ada@example.com welcome", 2, True), ("sync task", 2, True)]


DONE: list[str] = []


async def audit(tasks: BackgroundTasks) -> BackgroundTasks:
    tasks.add_task(DONE.append, "audit")
    return tasks


def current_user() -> str:
    return "ada"


def test_handler_and_dependencies_share_one_collection() -> None:
    done = DONE
    done.clear()
    app = Covet()

    @app.get("/")
    async def index(
        tasks: BackgroundTasks, audited: Annotated[BackgroundTasks, Depends(audit)]
    ) -> str:
        assert audited is tasks
        tasks.add_task(done.append, "handler")
        return "ok"

    with TestClient(app) as client:
        assert client.get("/").text == "ok"
        assert done == ["audit", "handler"]
        done.clear()
        # A fresh collection per request.
        assert client.get("/").text == "ok"
        assert done == ["audit", "handler"]


def test_failing_task_is_logged_and_the_others_run(caplog: pytest.LogCaptureFixture) -> None:
    done: list[str] = []

    def broken(order_id: int) -> None:
        raise RuntimeError(f"mail server down for order {order_id}")

    app = Covet()

    @app.post("/orders/{order_id:int}")
    async def order(order_id: int, tasks: BackgroundTasks) -> dict[str, int]:
        tasks.add_task(done.append, "first")
        tasks.add_task(broken, order_id)
        tasks.add_task(done.append, "third")
        return {"order": order_id}

    with TestClient(app) as client, caplog.at_level(logging.ERROR, logger="covet.web"):
        response = client.post("/orders/7")
    assert (response.status_code, response.json()) == (200, {"order": 7})
    assert done == ["first", "third"]
    [record] = [r for r in caplog.records if r.message.startswith("background task")]
    assert "broken failed" in record.message
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "mail server down for order 7"


def test_a_failing_handler_drops_its_tasks() -> None:
    done: list[str] = []
    app = Covet()

    @app.post("/pay")
    async def pay(tasks: BackgroundTasks) -> str:
        tasks.add_task(done.append, "receipt sent")
        raise HTTPError(402, "card declined")

    with TestClient(app) as client:
        response = client.post("/pay")
    assert response.status_code == 402
    assert response.headers["content-type"] == "application/problem+json"
    assert done == []


def test_sync_tasks_run_on_the_loop_unless_asked_for_a_thread() -> None:
    threads: dict[str, int] = {}
    app = Covet()

    def where(label: str) -> None:
        threads[label] = threading.get_ident()

    @app.get("/")
    async def index(tasks: BackgroundTasks) -> str:
        threads["handler"] = threading.get_ident()
        tasks.add_task(where, "direct")
        tasks.add_task_in_thread(where, "thread")
        return "ok"

    with TestClient(app) as client:
        client.get("/")
    assert threads["direct"] == threads["handler"]
    assert threads["thread"] != threads["handler"]


def test_add_task_checks_its_arguments() -> None:
    tasks = BackgroundTasks()

    async def notify() -> None: ...

    with pytest.raises(TypeError, match="needs a function, not int"):
        tasks.add_task(42)
    with pytest.raises(TypeError, match="notify is async: add it with add_task"):
        tasks.add_task_in_thread(notify)
    tasks.add_task(notify)
    assert len(tasks) == 1
    assert "notify" in repr(tasks)


def test_tasks_added_by_a_task_run_too_and_a_collection_runs_once() -> None:
    done: list[str] = []
    tasks = BackgroundTasks()

    def first() -> None:
        done.append("first")
        tasks.add_task(done.append, "added by first")

    tasks.add_task(first)
    app = Covet()

    @app.get("/")
    async def index(injected: BackgroundTasks) -> PlainTextResponse:
        injected.add_task(done.append, "injected")
        # The injected collection as the response's background: it still runs once.
        return PlainTextResponse("ok", background=injected)

    @app.get("/manual")
    async def manual() -> PlainTextResponse:
        return PlainTextResponse("ok", background=tasks)

    with TestClient(app) as client:
        client.get("/")
        assert done == ["injected"]
        client.get("/manual")
        assert done == ["injected", "first", "added by first"]
        client.get("/manual")  # consumed: nothing left to run
        assert done == ["injected", "first", "added by first"]


def test_background_callable_failure_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def explode() -> None:
        raise ValueError("boom")

    app = Covet()

    @app.get("/")
    async def index() -> JSONResponse:
        return JSONResponse({"ok": True}, background=explode)

    with TestClient(app) as client, caplog.at_level(logging.ERROR, logger="covet.web"):
        response = client.get("/")
    assert response.json() == {"ok": True}
    [record] = [r for r in caplog.records if r.message.startswith("background task")]
    assert "explode failed" in record.message
    assert record.exc_info is not None


@pytest.mark.parametrize("kind", ["json", "stream", "file", "file-tasks", "template"])
def test_every_response_logs_a_failing_background_the_same_way(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "report.txt").write_text("the report")
    (tmp_path / "page.html").write_text("<p>{{ title }}</p>")
    templates = Templates(tmp_path)
    ran: list[str] = []

    async def explode() -> None:
        raise ValueError("boom")

    def after() -> None:
        ran.append("after")

    tasks = BackgroundTasks()
    tasks.add_task(explode)
    tasks.add_task(after)  # a failing task does not stop the next one
    background: Any = tasks if kind == "file-tasks" else explode

    async def one_chunk() -> AsyncIterator[str]:
        yield "streamed"

    app = Covet()

    @app.get("/")
    async def index(request: Request) -> Any:
        if kind == "json":
            return JSONResponse("sent", background=background)
        if kind == "stream":
            return StreamingResponse(one_chunk(), background=background)
        if kind == "template":
            return await templates.render(
                request, "page.html", {"title": "sent"}, background=background
            )
        return FileResponse(tmp_path / "report.txt", background=background)

    with TestClient(app) as client, caplog.at_level(logging.ERROR, logger="covet.web"):
        response = client.get("/")
    assert response.status_code == 200
    assert response.content in (b'"sent"', b"streamed", b"<p>sent</p>", b"the report")
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.message.startswith("background task ")
    assert record.message.endswith(".explode failed")
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)
    assert ran == (["after"] if kind == "file-tasks" else [])


async def test_streaming_response_runs_tasks_after_the_last_chunk() -> None:
    app = Covet()
    order: list[str] = []

    async def chunks() -> AsyncIterator[str]:
        for part in ("a", "b"):
            order.append(f"chunk {part}")
            yield part

    @app.get("/stream")
    async def stream(tasks: BackgroundTasks) -> StreamingResponse:
        tasks.add_task(order.append, "injected task")
        return StreamingResponse(chunks(), background=lambda: _append(order, "response task"))

    app.build()
    messages = await run_asgi(app, http_scope("/stream"))
    assert start_of(messages)["status"] == 200
    assert body_of(messages) == b"ab"
    assert order == ["chunk a", "chunk b", "response task", "injected task"]


async def _append(order: list[str], item: str) -> None:
    order.append(item)


def test_websocket_handler_tasks_run_after_it_returns() -> None:
    done: list[str] = []
    app = Covet()

    @app.websocket("/ws")
    async def chat(websocket: WebSocket, tasks: BackgroundTasks) -> None:
        await websocket.accept()
        tasks.add_task(done.append, "session archived")
        await websocket.send_text("hi")
        await websocket.close()

    with TestClient(app) as client, client.websocket_connect("/ws") as ws:
        assert ws.receive_text() == "hi"
    assert done == ["session archived"]


def test_dependency_override_may_take_background_tasks() -> None:
    done: list[str] = []

    def fake_user(tasks: BackgroundTasks) -> str:
        tasks.add_task(done.append, "fake user used")
        return "test-user"

    app = Covet()

    @app.get("/me")
    async def me(user: Annotated[str, Depends(current_user)]) -> str:
        return user

    app.dependency_overrides[current_user] = fake_user
    with TestClient(app) as client:
        assert client.get("/me").text == "test-user"
    assert done == ["fake user used"]
