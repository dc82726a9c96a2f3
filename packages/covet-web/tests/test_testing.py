"""The test clients and the pytest plugin."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from covet.web import Covet, PlainTextResponse, Request, Response
from covet.web.testing import AsyncTestClient, TestClient
from covet.web.websockets import WebSocket

pytest_plugins = ["pytester"]


def cookie_app() -> Covet:
    app = Covet()

    @app.get("/login")
    async def login() -> Response:
        response = PlainTextResponse("in")
        response.set_cookie("session", "s1")
        return response

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, Any]:
        return {
            "session": request.cookies.get("session"),
            "host": request.url.hostname,
            "root_path": request.scope["root_path"],
            "path": request.scope["path"],
            "agent": request.headers.get("user-agent"),
        }

    return app


def test_cookies_persist_and_defaults() -> None:
    with TestClient(cookie_app()) as client:
        assert client.base_url == "http://testserver"
        client.get("/login")
        assert client.get("/whoami").json() == {
            "session": "s1",
            "host": "testserver",
            "root_path": "",
            "path": "/whoami",
            "agent": "covet-testclient",
        }


async def test_async_client_cookies_and_root_path() -> None:
    async with AsyncTestClient(cookie_app(), root_path="/api") as client:
        await client.get("/login")
        body = (await client.get("/whoami")).json()
    assert body["session"] == "s1"
    assert (body["root_path"], body["path"]) == ("/api", "/api/whoami")


def test_one_event_loop_for_lifespan_and_requests() -> None:
    @asynccontextmanager
    async def lifespan(app: Covet) -> AsyncIterator[dict[str, Any]]:
        yield {"loop": asyncio.get_running_loop(), "lock": asyncio.Lock()}

    app = Covet(lifespan=lifespan)

    @app.get("/")
    async def index(request: Request) -> dict[str, bool]:
        async with request.state.lock:  # a lock bound to the lifespan's loop still works
            return {"same_loop": asyncio.get_running_loop() is request.state.loop}

    with TestClient(app) as client:
        assert client.get("/").json() == {"same_loop": True}
        assert client.get("/").json() == {"same_loop": True}


def test_client_without_context_manager_skips_lifespan() -> None:
    started: list[bool] = []
    app = Covet(on_startup=[lambda: started.append(True)])

    @app.get("/")
    async def index() -> str:
        return "ok"

    client = TestClient(app)
    assert client.get("/").text == "ok"
    assert started == []
    client.close()
    client.close()  # closing twice is harmless


async def raw_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        raise RuntimeError("no lifespan here")  # servers treat this as "unsupported"
    if scope["path"] == "/raise":
        raise ValueError("escaped")
    if scope["path"] == "/silent":
        return
    if scope["path"] == "/twice":
        await PlainTextResponse("a")(scope, receive, send)
        await PlainTextResponse("b")(scope, receive, send)
        return
    await PlainTextResponse("raw ok")(scope, receive, send)


def test_any_asgi_app_and_server_exceptions() -> None:
    with TestClient(raw_app) as client:
        assert client.get("/").text == "raw ok"
        with pytest.raises(ValueError, match="escaped"):
            client.get("/raise")
        with pytest.raises(RuntimeError, match="without sending a response"):
            client.get("/silent")
        with pytest.raises(RuntimeError, match="start twice"):
            client.get("/twice")
    with TestClient(raw_app, raise_server_exceptions=False) as client:
        response = client.get("/raise")
        assert response.status_code == 500


def test_starlette_app_works_too() -> None:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def hello(request: Any) -> JSONResponse:
        return JSONResponse({"hello": request.query_params["name"]})

    with TestClient(Starlette(routes=[Route("/hello", hello)])) as client:
        assert client.get("/hello", params={"name": "ada"}).json() == {"hello": "ada"}


def test_request_body_and_headers_reach_the_app() -> None:
    app = Covet()

    @app.put("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        return {"body": (await request.body()).decode(), "type": request.headers["content-type"]}

    with TestClient(app, headers={"x-default": "1"}) as client:
        response = client.put("/echo", json={"a": 1})
    assert response.json() == {"body": '{"a":1}', "type": "application/json"}


def test_using_the_client_inside_the_app_is_refused() -> None:
    app = Covet()
    holder: dict[str, TestClient] = {}

    @app.get("/reenter")
    def reenter() -> str:
        holder["client"].get("/")
        return "unreachable"

    with TestClient(app, raise_server_exceptions=True) as client:
        holder["client"] = client
        response = client.get("/reenter")
    assert response.status_code == 500


def test_websocket_connect_hook() -> None:
    app = Covet()

    @app.websocket("/ws/{room}")
    async def chat(websocket: WebSocket, room: str) -> None:
        await websocket.accept()
        text = await websocket.receive_text()
        await websocket.send_text(f"{room}: {text} ({websocket.cookies.get('session')})")

    with (
        TestClient(app, cookies={"session": "s"}) as client,
        client.websocket_connect("/ws/lobby") as ws,
    ):
        ws.send_text("hi")
        assert ws.receive_text() == "lobby: hi (s)"


async def test_async_websocket_connect_hook() -> None:
    app = Covet()

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(await websocket.receive_json())

    async with AsyncTestClient(app) as client, client.websocket_connect("/ws?x=1") as ws:
        await ws.send_json({"a": 1})
        assert await ws.receive_json() == {"a": 1}


def test_unknown_websocket_path_is_refused() -> None:
    from covet.web.testing._websocket import WebSocketRejected

    with (
        TestClient(Covet()) as client,
        pytest.raises(WebSocketRejected) as info,
        client.websocket_connect("/nope"),
    ):
        pass
    assert info.value.status_code == 404
    assert info.value.json()["status"] == 404


INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n"


def test_pytest_plugin_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makeconftest(
        """
        import pytest
        from covet.web import Covet, Request

        @pytest.fixture
        def app():
            app = Covet(on_startup=[lambda: app.state.__setattr__("ready", True)])

            @app.get("/ready")
            async def ready(request: Request) -> dict:
                return {"ready": request.app.state.ready}

            return app
        """
    )
    pytester.makepyfile(
        """
        def test_client(client):
            assert client.get("/ready").json() == {"ready": True}
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_pytest_plugin_without_app_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        def test_client(client):
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*define one in your conftest.py*"])


ASYNC_CONFTEST = """
import asyncio

import pytest
from covet.web import Covet, Request


@pytest.fixture
def app():
    app = Covet(on_startup=[lambda: app.state.__setattr__("ready", True)])

    @app.get("/ready")
    async def ready(request: Request) -> dict:
        return {"ready": request.app.state.ready, "loop": id(asyncio.get_running_loop())}

    return app
"""


@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_pytest_plugin_async_client_fixture(pytester: pytest.Pytester, mode: str) -> None:
    pytester.makeini(INI + f"asyncio_mode = {mode}\n")
    pytester.makeconftest(ASYNC_CONFTEST)
    pytester.makepyfile(
        """
        import asyncio

        import pytest
        from covet.web.testing import AsyncTestClient


        @pytest.mark.asyncio
        async def test_async_client(async_client, app):
            assert isinstance(async_client, AsyncTestClient) and async_client.app is app
            body = (await async_client.get("/ready")).json()
            # The lifespan ran, and the app runs on the test's own event loop.
            assert body == {"ready": True, "loop": id(asyncio.get_running_loop())}


        @pytest.mark.asyncio
        async def test_streaming_through_the_fixture(async_client):
            async with async_client.stream("GET", "/ready") as response:
                assert b"ready" in await response.aread()
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_pytest_plugin_async_client_without_pytest_asyncio(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.replace("asyncio_default_fixture_loop_scope = function\n", ""))
    pytester.makeconftest(ASYNC_CONFTEST)
    # pytest-asyncio is installed here: hide it, as in a project that does not use it.
    pytester.makepyfile(pytest_asyncio="raise ImportError('pretend it is not installed')")
    pytester.makepyfile(
        test_it="""
        def test_async_client(async_client):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:asyncio", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*`async_client` fixture runs on pytest-asyncio*"])
