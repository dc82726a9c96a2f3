"""The application: lifespan, state, exception handlers, 500s, plugins, middleware,
dependency overrides and the ASGI lifespan protocol."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Annotated, Any

import msgspec
import pytest

from covet.web import (
    ConfigurationError,
    Covet,
    HTTPError,
    JSONResponse,
    Middleware,
    PlainTextResponse,
    Plugin,
    Request,
    Response,
)
from covet.web.params import Depends
from covet.web.testing import AsyncTestClient, LifespanFailed, TestClient


def test_lifespan_context_manager_and_hooks() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Covet) -> AsyncIterator[dict[str, Any]]:
        events.append("enter")
        yield {"pool": "the pool"}
        events.append("exit")

    async def started() -> None:
        events.append("startup hook")

    app = Covet(
        lifespan=lifespan,
        on_startup=[started],
        on_shutdown=[lambda: events.append("shutdown hook")],
    )

    @app.get("/pool")
    async def pool(request: Request) -> dict[str, Any]:
        return {"app": request.app.state.pool, "request": request.state.pool}

    with TestClient(app) as client:
        assert events == ["enter", "startup hook"]
        assert client.get("/pool").json() == {"app": "the pool", "request": "the pool"}
    assert events == ["enter", "startup hook", "shutdown hook", "exit"]
    assert app.state.pool == "the pool"


def test_lifespan_failure_is_reported() -> None:
    @asynccontextmanager
    async def lifespan(app: Covet) -> AsyncIterator[None]:
        raise RuntimeError("database unreachable")
        yield  # type: ignore[unreachable]

    with (
        pytest.raises(LifespanFailed, match="RuntimeError: database unreachable"),
        TestClient(Covet(lifespan=lifespan)),
    ):
        pass


def test_lifespan_must_yield_mapping() -> None:
    @asynccontextmanager
    async def lifespan(app: Covet) -> AsyncIterator[Any]:
        yield 42

    with (
        pytest.raises(LifespanFailed, match="yield a mapping"),
        TestClient(Covet(lifespan=lifespan)),
    ):
        pass


def outbox_append(outbox: list[dict[str, Any]]) -> Any:
    async def send(message: Any) -> None:
        outbox.append(dict(message))

    return send


async def test_asgi_lifespan_protocol_messages() -> None:
    def failing() -> None:
        raise ValueError("bad config")

    for app, expected in [
        (Covet(), {"type": "lifespan.startup.complete"}),
        (
            Covet(on_startup=[failing]),
            {
                "type": "lifespan.startup.failed",
                "message": "start-up hook test_asgi_lifespan_protocol_messages.<locals>.failing"
                " failed: ValueError: bad config",
            },
        ),
    ]:
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        outbox: list[dict[str, Any]] = []
        await inbox.put({"type": "lifespan.startup"})
        await inbox.put({"type": "lifespan.shutdown"})
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        await app(scope, inbox.get, outbox_append(outbox))
        assert outbox[0] == expected
        if expected["type"] == "lifespan.startup.complete":
            assert outbox[1] == {"type": "lifespan.shutdown.complete"}


def test_shutdown_failure_is_reported() -> None:
    def failing() -> None:
        raise ValueError("flush failed")

    client = TestClient(Covet(on_shutdown=[failing]))
    client.__enter__()
    with pytest.raises(LifespanFailed, match="failing failed: ValueError: flush failed"):
        client.__exit__()


def test_http_error_becomes_problem() -> None:
    app = Covet()

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPError(
            418,
            "short and stout",
            type="https://example.com/teapot",
            instance="/teapot",
            headers={"retry-after": "5"},
            spout="left",
        )

    with TestClient(app) as client:
        response = client.get("/teapot")
    assert response.status_code == 418
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert response.json() == {
        "type": "https://example.com/teapot",
        "title": "I'm a Teapot",
        "status": 418,
        "detail": "short and stout",
        "instance": "/teapot",
        "spout": "left",
    }


def test_unhandled_exception_is_500_with_request_id(caplog: pytest.LogCaptureFixture) -> None:
    app = Covet()

    @app.get("/boom")
    async def boom() -> None:
        raise KeyError("secret-internal-detail")

    with TestClient(app) as client, caplog.at_level(logging.ERROR, logger="covet.web"):
        response = client.get("/boom")
        echoed = client.get("/boom", headers={"x-request-id": "req-123"})
        unsafe = client.get("/boom", headers={"x-request-id": "bad id\r\n"})
    assert response.status_code == 500
    problem = response.json()
    assert problem["status"] == 500
    assert "secret-internal-detail" not in response.text
    assert "Traceback" not in response.text
    request_id = problem["request_id"]
    assert response.headers["x-request-id"] == request_id
    assert request_id in problem["detail"]
    assert echoed.json()["request_id"] == "req-123"
    assert unsafe.json()["request_id"] != "bad id"
    record = caplog.records[0]
    assert request_id in record.getMessage()
    assert record.exc_info is not None and record.exc_info[0] is KeyError


def test_debug_500_includes_traceback(caplog: pytest.LogCaptureFixture) -> None:
    app = Covet(debug=True)

    @app.get("/boom")
    async def boom() -> None:
        raise KeyError("visible")

    with TestClient(app) as client, caplog.at_level(logging.CRITICAL):
        problem = client.get("/boom").json()
    assert problem["detail"] == "KeyError: 'visible'"
    assert any("raise KeyError" in line for line in problem["traceback"])


def test_exception_handlers_by_type_and_status() -> None:
    class OutOfStock(Exception):
        pass

    class Backordered(OutOfStock):
        pass

    app = Covet(
        exception_handlers={
            OutOfStock: lambda request, exc: JSONResponse(
                {"stock": 0, "path": request.url.path}, 409
            )
        }
    )

    @app.exception_handler(404)
    async def not_found(request: Request, exc: HTTPError) -> Response:
        return PlainTextResponse(f"nothing at {request.url.path}", status_code=404)

    @app.exception_handler(500)
    def server_error(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"sorry: {type(exc).__name__}", status_code=500)

    @app.get("/stock")
    async def stock() -> None:
        raise Backordered

    @app.get("/missing")
    async def missing() -> None:
        raise HTTPError(404)

    @app.get("/crash")
    async def crash() -> None:
        raise ZeroDivisionError

    with TestClient(app) as client:
        assert client.get("/stock").status_code == 409
        assert client.get("/stock").json() == {"stock": 0, "path": "/stock"}
        assert client.get("/missing").text == "nothing at /missing"
        assert client.get("/no-route").text == "nothing at /no-route"
        assert client.get("/crash").text == "sorry: ZeroDivisionError"


def test_exception_handler_for_exception_leaves_http_errors_alone() -> None:
    app = Covet()

    @app.exception_handler(Exception)
    def unhandled(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("custom 500", status_code=500)

    @app.exception_handler(HTTPError)
    def http_errors(request: Request, exc: HTTPError) -> Response:
        return PlainTextResponse(f"http {exc.status}", status_code=exc.status)

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError

    with TestClient(app) as client:
        assert client.get("/crash").text == "custom 500"
        assert client.get("/missing").text == "http 404"


def test_broken_exception_handler_falls_back_to_500(caplog: pytest.LogCaptureFixture) -> None:
    app = Covet()

    @app.exception_handler(ValueError)
    def handler(request: Request, exc: Exception) -> Any:
        return {"not": "a response"}

    @app.get("/")
    async def index() -> None:
        raise ValueError

    with TestClient(app) as client, caplog.at_level(logging.CRITICAL):
        response = client.get("/")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"


def test_bad_exception_handler_key() -> None:
    with pytest.raises(ConfigurationError, match="exception class or a status code"):
        Covet().add_exception_handler("oops", lambda r, e: Response())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="400-599"):
        Covet().add_exception_handler(302, lambda r, e: Response())


def test_status_code_from_decorator_and_none_is_204() -> None:
    app = Covet()

    @app.post("/items", status_code=201)
    async def create() -> dict[str, int]:
        return {"id": 1}

    @app.post("/accepted", status_code=202)
    async def accepted() -> None:
        return None

    @app.delete("/items/1")
    async def delete() -> None:
        return None

    with TestClient(app) as client:
        assert client.post("/items").status_code == 201
        response = client.post("/accepted")
        assert (response.status_code, response.content) == (202, b"")
        response = client.delete("/items/1")
        assert (response.status_code, response.content) == (204, b"")
        assert "content-length" not in response.headers


def test_sync_handlers_run_in_the_loop() -> None:
    app = Covet()

    @app.get("/sync")
    def sync_handler() -> dict[str, bool]:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return {"in_loop": False}
        return {"in_loop": True}

    with TestClient(app) as client:
        assert client.get("/sync").json() == {"in_loop": True}


def test_max_body_size() -> None:
    app = Covet(max_body_size=10)

    @app.post("/echo")
    async def echo(request: Request) -> bytes:
        return await request.body()

    @app.post("/big", max_body_size=100)
    async def big(request: Request) -> bytes:
        return await request.body()

    with TestClient(app) as client:
        assert client.post("/echo", content=b"0123456789").content == b"0123456789"
        response = client.post("/echo", content=b"01234567890")
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert "10 bytes" in response.json()["detail"]
        assert client.post("/big", content=b"x" * 100).status_code == 200


def test_plugins_init_and_encode() -> None:
    class Money:
        def __init__(self, cents: int) -> None:
            self.cents = cents

    class MoneyPlugin(Plugin):
        def on_app_init(self, app: Covet) -> None:
            app.state.money = True

            @app.get("/plugin")
            async def plugin_route() -> dict[str, Any]:
                return {"price": Money(250)}

        def encode(self, obj: Any) -> Any:
            if isinstance(obj, Money):
                return f"{obj.cents / 100:.2f}"
            return NotImplemented

    class Duck:  # not a Plugin subclass: hooks are duck-typed
        def encode(self, obj: Any) -> Any:
            return NotImplemented

    app = Covet(plugins=[Duck(), MoneyPlugin()])

    @app.get("/response")
    async def response() -> JSONResponse:
        return JSONResponse({"price": Money(5), "rate": Decimal("1.10")})

    assert app.state.money is True
    assert app.plugins.openapi_schema(int) is None
    assert app.plugins.cli_commands() == []
    with TestClient(app) as client:
        assert client.get("/plugin").json() == {"price": "2.50"}
        assert client.get("/response").json() == {"price": "0.05", "rate": "1.10"}


def test_unencodable_return_value_is_500(caplog: pytest.LogCaptureFixture) -> None:
    app = Covet()

    @app.get("/")
    async def index() -> Any:
        return {"value": object()}

    with TestClient(app) as client, caplog.at_level(logging.CRITICAL):
        assert client.get("/").status_code == 500


def real_user() -> str:
    return "real"


def test_dependency_overrides() -> None:
    app = Covet()

    @app.get("/who")
    async def who(user: Annotated[str, Depends(real_user)]) -> str:
        return user

    with TestClient(app) as client:
        assert client.get("/who").text == "real"
        app.dependency_overrides[real_user] = lambda: "fake"
        assert client.get("/who").text == "fake"
        app.dependency_overrides.clear()
        assert client.get("/who").text == "real"


def test_middleware_wraps_in_order_and_errors_stay_problems(
    caplog: pytest.LogCaptureFixture,
) -> None:
    order: list[str] = []

    class Tag:
        def __init__(self, app: Any, name: str) -> None:
            self.app, self.name = app, name

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                order.append(self.name)
                if scope["path"] == "/fail-in-middleware" and self.name == "inner":
                    raise RuntimeError("middleware bug")
            await self.app(scope, receive, send)

    def factory(app: Any) -> Any:
        return Tag(app, "factory")

    app = Covet(middleware=[Middleware(Tag, name="outer"), factory])
    app.add_middleware(Tag, name="inner")

    @app.get("/")
    async def index() -> str:
        return "ok"

    with TestClient(app) as client, caplog.at_level(logging.CRITICAL):
        assert client.get("/").text == "ok"
        assert order == ["outer", "factory", "inner"]
        response = client.get("/fail-in-middleware")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "request_id" in response.json()
    assert repr(Middleware(Tag, name="x")) == "Middleware(Tag, name='x')"


class Point(msgspec.Struct):
    x: int
    y: int


def test_msgpack_negotiation() -> None:
    app = Covet(msgpack=True)

    @app.get("/point")
    async def point() -> Point:
        return Point(1, 2)

    @app.get("/json-only", msgpack=False)
    async def json_only() -> dict[str, int]:
        return {"x": 1}

    with TestClient(app) as client:
        response = client.get("/point")
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"x": 1, "y": 2}
        assert response.headers["vary"] == "Accept"
        response = client.get("/point", headers={"accept": "application/msgpack"})
        assert response.headers["content-type"] == "application/msgpack"
        assert msgspec.msgpack.decode(response.content) == {"x": 1, "y": 2}
        response = client.get(
            "/point", headers={"accept": "application/json, application/msgpack;q=0.5"}
        )
        assert response.headers["content-type"] == "application/json"
        response = client.get("/json-only", headers={"accept": "application/msgpack"})
        assert response.headers["content-type"] == "application/json"


EVENTS: list[str] = []


async def resource() -> AsyncIterator[str]:
    EVENTS.append("open")
    try:
        yield "res"
    finally:
        EVENTS.append("close")


def test_generator_dependency_teardown_after_response() -> None:
    events = EVENTS
    events.clear()
    app = Covet()

    @app.get("/")
    async def index(res: Annotated[str, Depends(resource)]) -> str:
        events.append("handler")
        return res

    @app.get("/fail")
    async def fail(res: Annotated[str, Depends(resource)]) -> str:
        raise HTTPError(409, "conflict")

    with TestClient(app) as client:
        assert client.get("/").text == "res"
        assert events == ["open", "handler", "close"]
        events.clear()
        assert client.get("/fail").status_code == 409
        assert events == ["open", "close"]


def test_background_task_runs_after_response() -> None:
    done: list[str] = []

    async def task() -> None:
        done.append("ran")

    app = Covet()

    @app.get("/")
    async def index() -> Response:
        return PlainTextResponse("queued", background=task)

    with TestClient(app) as client:
        assert client.get("/").text == "queued"
    assert done == ["ran"]


async def test_async_client_runs_lifespan() -> None:
    events: list[str] = []
    app = Covet(
        on_startup=[lambda: events.append("up")], on_shutdown=[lambda: events.append("down")]
    )

    @app.get("/")
    async def index() -> str:
        return "hi"

    async with AsyncTestClient(app) as client:
        assert events == ["up"]
        assert (await client.get("/")).text == "hi"
    assert events == ["up", "down"]


async def test_unknown_scope_type_is_refused() -> None:
    app = Covet()
    app.build()

    async def receive() -> Any:
        return {}

    async def send(message: Any) -> None:
        pass

    with pytest.raises(ConfigurationError, match="cannot serve ASGI scope type 'bogus'"):
        await app({"type": "bogus"}, receive, send)


def test_bad_options() -> None:
    with pytest.raises(ConfigurationError, match="max_body_size"):
        Covet(max_body_size=-1)
    assert repr(Covet(title="Shop")) == "<Covet 'Shop'>"
