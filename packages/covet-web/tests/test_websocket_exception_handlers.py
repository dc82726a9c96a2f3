"""The app's exception handlers on WebSocket routes: in process and under a real uvicorn."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from covet.web import Covet, JSONResponse, Request, Response, problem_response
from covet.web._exception_handlers import ExceptionHandlers, handler_serves
from covet.web._types import ASGIApp, Receive, Scope, Send
from covet.web.errors import ConfigurationError, HTTPError, RequestValidationError
from covet.web.params import Depends, Query
from covet.web.testing import AsyncTestClient, TestClient, WebSocketRejected
from covet.web.testing._websocket import connect_async, websocket_scope
from covet.web.websockets import (
    CloseCode,
    WebSocket,
    WebSocketDisconnect,
    WebSocketMessageError,
)

from ._servers import closed_code, serve


class QuotaExceeded(Exception):
    """A domain error the app maps to its own close code."""

    def __init__(self, used: int) -> None:
        super().__init__(f"{used} messages used")
        self.used = used


class PaymentRequired(Exception):
    """A domain error answered alike over HTTP and WebSocket."""


def token(token: Annotated[str | None, Query()] = None) -> str:
    if token != "s3cret":
        raise HTTPError(401, "a valid token is required")
    return token


def build_app(calls: list[str] | None = None) -> Covet:
    """An app whose handlers cover every kind of WebSocket exception handler."""
    seen = calls if calls is not None else []
    app = Covet()

    @app.exception_handler(QuotaExceeded)
    async def quota_over_websocket(websocket: WebSocket, exc: QuotaExceeded) -> None:
        seen.append(f"quota {exc.used}")
        await websocket.send_json({"error": "quota", "used": exc.used})
        await websocket.close(4029, "quota exceeded")

    @app.exception_handler(PaymentRequired)
    def pay_first(connection: Request | WebSocket, exc: PaymentRequired) -> Response:
        seen.append(f"payment over {type(connection).__name__}")
        return problem_response(402, "pay first", plan="pro")

    @app.exception_handler(401)
    async def unauthorized(websocket: WebSocket, exc: HTTPError) -> None:
        # Browsers cannot read a refused handshake's status: accept, then close with
        # an application code they can see.
        await websocket.accept()
        await websocket.close(4401, exc.detail or "")

    @app.exception_handler(LookupError)
    def lookup_over_http(request: Request, exc: LookupError) -> Response:
        return JSONResponse({"missing": str(exc)}, status_code=404)

    @app.exception_handler(WebSocketMessageError)
    async def bad_message(websocket: WebSocket, exc: WebSocketMessageError) -> None:
        seen.append(f"bad message {exc.close_code}")
        await websocket.close(4003, f"bad message: {exc.reason}")

    @app.websocket("/quota")
    async def quota(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        raise QuotaExceeded(100)

    @app.websocket("/pay")
    async def pay(websocket: WebSocket, stage: Annotated[str, Query()]) -> None:
        if stage == "handshake":
            raise PaymentRequired
        await websocket.accept()
        await websocket.receive_text()
        raise PaymentRequired

    @app.get("/pay")
    async def pay_over_http() -> str:
        raise PaymentRequired

    @app.websocket("/private")
    async def private(websocket: WebSocket, user: Annotated[str, Depends(token)]) -> None:
        await websocket.accept()
        await websocket.send_text(f"hello {user}")

    @app.websocket("/lookup")
    async def lookup(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        raise KeyError("the secret key")

    @app.get("/lookup")
    async def lookup_over_http_route() -> str:
        raise KeyError("sku-1")

    @app.websocket("/numbers")
    async def numbers(websocket: WebSocket) -> None:
        await websocket.accept()
        async for value in websocket.iter_json(int):
            await websocket.send_json(value * 2)

    @app.websocket("/room/{room_id:int}")
    async def room(
        websocket: WebSocket, room_id: int, nick: Annotated[str, Query(min_length=2)]
    ) -> None:
        await websocket.accept()
        await websocket.send_json({"room": room_id, "nick": nick})

    return app


def ended(ws: Any) -> tuple[int | None, str]:
    """The code and reason the app closed the test session with."""
    with pytest.raises(WebSocketDisconnect):
        ws.receive_text()
    return ws.close_code, ws.close_reason


# -- which handler serves what ----------------------------------------------------------


def on_request(request: Request, exc: Exception) -> Response:
    return Response(b"")


def on_either(connection: Request | WebSocket, exc: Exception) -> None:
    return None


async def on_websocket(websocket: WebSocket, exc: Exception) -> None:
    return None


def on_optional_websocket(websocket: WebSocket | None, exc: Exception) -> None:
    return None


def unresolvable(annotation: str) -> Callable[..., None]:
    """A handler annotated with names its module cannot resolve (imported under
    ``TYPE_CHECKING``, say)."""
    namespace: dict[str, Any] = {}
    exec(f"def handler(connection: {annotation!r}, exc): pass", namespace)
    handler: Callable[..., None] = namespace["handler"]
    return handler


class CallableHandler:
    def __call__(self, websocket: WebSocket, exc: Exception) -> None:
        return None


@pytest.mark.parametrize(
    ("handler", "serves"),
    [
        (on_request, (True, False)),
        (lambda request, exc: Response(b""), (True, False)),  # unannotated: HTTP only
        (on_either, (True, True)),
        (on_websocket, (False, True)),
        (on_optional_websocket, (False, True)),
        (unresolvable("WebSocket"), (False, True)),
        (unresolvable("websockets.WebSocket"), (False, True)),
        (unresolvable("Request | WebSocket"), (True, True)),
        (unresolvable("Request"), (True, False)),
        (CallableHandler(), (False, True)),
        (print, (True, False)),  # no signature to read
    ],
)
def test_the_first_parameters_annotation_says_what_a_handler_serves(
    handler: Any, serves: tuple[bool, bool]
) -> None:
    assert handler_serves(handler) == serves


def test_one_key_can_have_an_http_and_a_websocket_handler() -> None:
    handlers = ExceptionHandlers()
    handlers.add(ValueError, on_request)
    handlers.add(ValueError, on_websocket)
    assert handlers.lookup(ValueError()) is on_request
    assert handlers.lookup_websocket(ValueError()) is on_websocket
    handlers.add(ValueError, on_either)  # both at once
    assert handlers.lookup(ValueError()) is on_either
    assert handlers.lookup_websocket(ValueError()) is on_either


def test_websocket_lookup_follows_the_http_rules() -> None:
    handlers = ExceptionHandlers()
    handlers.add(Exception, on_websocket)
    handlers.add(500, on_either)
    # An HTTPError or a bad message is not an "unhandled exception".
    assert handlers.lookup_websocket(HTTPError(404)) is None
    assert handlers.lookup_websocket(WebSocketMessageError(1003, "bad")) is None
    assert handlers.lookup_websocket(KeyError("x")) is on_websocket
    handlers.add(422, on_websocket)
    assert handlers.lookup_websocket(RequestValidationError([])) is on_websocket
    assert handlers.lookup(RequestValidationError([])) is None  # a WebSocket-only handler
    handlers.add(WebSocketMessageError, on_either)
    assert handlers.lookup_websocket(WebSocketMessageError(1009, "big")) is on_either


@pytest.mark.parametrize("key", [True, 200, "ValueError", ValueError()])
def test_a_bad_key_is_a_configuration_error(key: Any) -> None:
    with pytest.raises(ConfigurationError, match="exception"):
        ExceptionHandlers().add(key, on_websocket)


def test_a_handler_must_be_callable() -> None:
    with pytest.raises(ConfigurationError, match="must be callable"):
        ExceptionHandlers().add(ValueError, "not a function")  # type: ignore[arg-type]


# -- in process, through the test client ------------------------------------------------


def test_a_handler_chooses_the_close_code_after_accept() -> None:
    calls: list[str] = []
    with TestClient(build_app(calls)) as client, client.websocket_connect("/quota") as ws:
        ws.send_text("one more")
        assert ws.receive_json() == {"error": "quota", "used": 100}
        assert ended(ws) == (4029, "quota exceeded")
    assert calls == ["quota 100"]


def test_a_status_handler_sees_errors_raised_by_dependencies() -> None:
    with TestClient(build_app()) as client:
        with client.websocket_connect("/private") as ws:
            assert ended(ws) == (4401, "a valid token is required")
        with client.websocket_connect("/private?token=s3cret") as ws:
            assert ws.receive_text() == "hello s3cret"


def test_a_response_before_accept_is_the_handshakes_answer() -> None:
    calls: list[str] = []
    with TestClient(build_app(calls)) as client:
        with (
            pytest.raises(WebSocketRejected) as refused,
            client.websocket_connect("/pay?stage=handshake"),
        ):
            pass
        assert refused.value.status_code == 402
        assert ("content-type", "application/problem+json") in refused.value.headers
        assert refused.value.json() == {
            "type": "about:blank",
            "title": "Payment Required",
            "status": 402,
            "detail": "pay first",
            "plan": "pro",
        }
        # The same handler answers the HTTP route.
        response = client.get("/pay")
        assert (response.status_code, response.json()["plan"]) == (402, "pro")
    assert calls == ["payment over WebSocket", "payment over Request"]


def test_a_response_after_accept_closes_with_1008_or_1011() -> None:
    app = build_app()

    @app.exception_handler(ArithmeticError)
    def arithmetic(connection: Request | WebSocket, exc: ArithmeticError) -> Response:
        return problem_response(503, "try later")

    @app.websocket("/divide")
    async def divide(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        raise ZeroDivisionError

    with TestClient(app) as client:
        with client.websocket_connect("/pay?stage=later") as ws:
            ws.send_text("go")
            assert ended(ws) == (CloseCode.POLICY_VIOLATION, "Payment Required")
        with client.websocket_connect("/divide") as ws:
            ws.send_text("go")
            assert ended(ws) == (CloseCode.INTERNAL_ERROR, "Service Unavailable")


async def test_without_the_http_response_extension_a_response_is_a_close() -> None:
    session = connect_async(
        build_app(),
        websocket_scope("/pay", query_string=b"stage=handshake", http_response_extension=False),
    )
    with pytest.raises(WebSocketRejected) as refused:
        async with session:
            pass
    assert refused.value.status_code == 403  # what the server answers to a close
    assert (session.close_code, session.close_reason) == (1008, "Payment Required")


def test_handlers_for_requests_only_leave_websockets_to_the_built_in_ending(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with TestClient(build_app()) as client:
        assert client.get("/lookup").json() == {"missing": "'sku-1'"}
        with (
            caplog.at_level(logging.ERROR, logger="covet.web.websockets"),
            client.websocket_connect("/lookup") as ws,
        ):
            ws.send_text("go")
            assert ended(ws) == (1011, "Internal error")
    [record] = caplog.records
    assert record.exc_info is not None and "the secret key" in str(record.exc_info[1])


def test_a_handler_for_bad_messages() -> None:
    calls: list[str] = []
    with TestClient(build_app(calls)) as client, client.websocket_connect("/numbers") as ws:
        ws.send_text("21")
        assert ws.receive_json() == 42
        ws.send_text('"twenty"')
        assert ended(ws) == (4003, "bad message: invalid message: Expected `int`, got `str`")
    assert calls == ["bad message 1003"]


def test_a_disconnect_never_reaches_a_handler() -> None:
    calls: list[str] = []
    app = Covet()

    @app.exception_handler(Exception)
    async def anything(websocket: WebSocket, exc: Exception) -> None:
        calls.append(type(exc).__name__)

    @app.websocket("/listen")
    async def listen(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()  # raises WebSocketDisconnect when the client leaves

    with TestClient(app) as client, client.websocket_connect("/listen") as ws:
        ws.close(1001)
    assert calls == []


def test_a_handler_that_leaves_the_connection_open_gets_the_built_in_ending(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Covet()

    @app.exception_handler(500)
    async def tell_the_client(websocket: WebSocket, exc: Exception) -> None:
        await websocket.send_json({"error": "sorry"})

    @app.websocket("/fragile")
    async def fragile(websocket: WebSocket) -> None:
        await websocket.accept()
        raise RuntimeError("bug")

    with (
        caplog.at_level(logging.ERROR, logger="covet.web.websockets"),
        TestClient(app) as client,
        client.websocket_connect("/fragile") as ws,
    ):
        assert ws.receive_json() == {"error": "sorry"}
        assert ended(ws) == (1011, "Internal error")
    assert caplog.records == []  # the handler took charge of the error


@pytest.mark.parametrize("stage", ["before", "after"])
def test_a_broken_handler_is_logged_and_ends_as_a_server_error(
    caplog: pytest.LogCaptureFixture, stage: str
) -> None:
    app = Covet()

    @app.exception_handler(ValueError)
    async def broken(websocket: WebSocket, exc: ValueError) -> Any:
        if stage == "before":
            raise LookupError("the handler has a bug")
        return "not a response"

    @app.websocket("/ws")
    async def handler(websocket: WebSocket) -> None:
        if stage == "after":
            await websocket.accept()
        raise ValueError("original")

    with caplog.at_level(logging.ERROR, logger="covet.web.websockets"), TestClient(app) as client:
        if stage == "before":
            with pytest.raises(WebSocketRejected) as refused, client.websocket_connect("/ws"):
                pass
            assert refused.value.status_code == 500
        else:
            with client.websocket_connect("/ws") as ws:
                assert ended(ws) == (1011, "Internal error")
    [record] = caplog.records
    assert "exception handler for ValueError" in record.getMessage()
    expected = LookupError if stage == "before" else TypeError
    assert record.exc_info is not None and isinstance(record.exc_info[1], expected)


def test_a_handler_that_meets_a_departed_client_is_quiet(caplog: pytest.LogCaptureFixture) -> None:
    app = Covet()
    calls: list[str] = []

    @app.exception_handler(ValueError)
    async def too_late(websocket: WebSocket, exc: ValueError) -> None:
        calls.append("handler")
        await websocket.send_text("anyone there?")  # the client has gone

    @app.websocket("/ws")
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect:
            raise ValueError("cleanup failed") from None

    with (
        caplog.at_level(logging.DEBUG, logger="covet.web.websockets"),
        TestClient(app) as client,
        client.websocket_connect("/ws") as ws,
    ):
        ws.close()
    assert calls == ["handler"]
    assert caplog.records == []


# -- validation errors ------------------------------------------------------------------


def test_invalid_query_parameters_refuse_the_handshake_with_a_422() -> None:
    with TestClient(build_app()) as client:
        with (
            pytest.raises(WebSocketRejected) as refused,
            client.websocket_connect("/room/3?nick=a"),
        ):
            pass
        assert refused.value.status_code == 422
        assert [e["loc"] for e in refused.value.json()["errors"]] == [["query", "nick"]]
        with client.websocket_connect("/room/3?nick=ada") as ws:
            assert ws.receive_json() == {"room": 3, "nick": "ada"}


async def test_without_the_extension_invalid_parameters_close_1008_naming_the_fields() -> None:
    session = connect_async(build_app(), websocket_scope("/room/3", http_response_extension=False))
    with pytest.raises(WebSocketRejected):
        async with session:
            pass
    assert (session.close_code, session.close_reason) == (1008, "query.nick: Field required")


async def test_a_validation_error_after_accept_closes_1008_with_the_fields() -> None:
    app = Covet()

    @app.websocket("/form")
    async def form(websocket: WebSocket) -> None:
        await websocket.accept()
        message = await websocket.receive_json()
        errors = [
            {"loc": ["message", name], "msg": "Field required", "type": "missing"}
            for name in ("name", "email")
            if name not in message
        ]
        if errors:
            raise RequestValidationError(errors)

    async with AsyncTestClient(app) as client, client.websocket_connect("/form") as ws:
        await ws.send_json({"age": 3})
        with pytest.raises(WebSocketDisconnect) as closed:
            await ws.receive_text()
    assert (closed.value.code, closed.value.reason) == (
        1008,
        "message.name: Field required; message.email: Field required",
    )


# -- mounted apps -----------------------------------------------------------------------


def test_a_mounted_app_uses_its_own_handlers() -> None:
    inner = Covet()

    @inner.exception_handler(KeyError)
    async def inner_handler(websocket: WebSocket, exc: KeyError) -> None:
        await websocket.close(4404, "inner handler")

    @inner.websocket("/ws")
    async def inner_ws(websocket: WebSocket) -> None:
        await websocket.accept()
        raise KeyError("x")

    outer = Covet()
    outer.mount("/inner", inner)

    with TestClient(outer) as client, client.websocket_connect("/inner/ws") as ws:
        assert ended(ws) == (4404, "inner handler")


def test_a_route_uses_the_handlers_of_its_own_app_whoever_set_the_scopes_app() -> None:
    # The handlers are the owning app's, fixed when the route is compiled: not whatever
    # scope["app"] says by the time the error happens (another app may have had the scope).
    other = Covet()

    @other.exception_handler(KeyError)
    async def other_handler(websocket: WebSocket, exc: KeyError) -> None:
        await websocket.close(4002, "the other app's handler")

    app = Covet()

    @app.exception_handler(KeyError)
    async def own_handler(websocket: WebSocket, exc: KeyError) -> None:
        await websocket.close(4001, "the route's own handler")

    def handed_over(websocket: WebSocket) -> None:
        websocket.scope["app"] = other

    @app.websocket("/ws", dependencies=[Depends(handed_over)])
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        raise KeyError("x")

    with TestClient(app) as client, client.websocket_connect("/ws") as session:
        assert ended(session) == (4001, "the route's own handler")


# -- a path no WebSocket route serves ------------------------------------------------------


def not_found_app(handlers: dict[Any, Any]) -> Covet:
    app = Covet(exception_handlers=handlers)

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    return app


async def close_4404(websocket: WebSocket, exc: HTTPError) -> None:
    await websocket.accept()
    await websocket.close(4404, f"{exc.detail} at {websocket.url.path}")


async def on_http_error(websocket: WebSocket, exc: HTTPError) -> None:
    await websocket.accept()
    await websocket.close(4000 + exc.status, "by class")


def test_a_websocket_404_handler_answers_a_path_with_no_route() -> None:
    app = not_found_app({404: close_4404})
    with TestClient(app) as client:
        with client.websocket_connect("/nowhere") as ws:
            assert ended(ws) == (4404, "no WebSocket route here at /nowhere")
        http = client.get("/nowhere")  # HTTP keeps its built-in 404
        assert (http.status_code, http.json()["detail"]) == (404, "no route matches this path")


def test_a_websocket_handler_for_http_errors_answers_a_path_with_no_route() -> None:
    app = not_found_app({HTTPError: on_http_error})
    with TestClient(app) as client, client.websocket_connect("/nowhere") as ws:
        assert ended(ws) == (4404, "by class")


def test_a_404_handler_may_answer_the_handshake_with_a_response() -> None:
    def moved(connection: Request | WebSocket, exc: HTTPError) -> Response:
        return JSONResponse({"moved": "/ws"}, status_code=404)

    with TestClient(not_found_app({404: moved})) as client:
        with pytest.raises(WebSocketRejected) as refused, client.websocket_connect("/old"):
            pass
        assert (refused.value.status_code, refused.value.json()) == (404, {"moved": "/ws"})
        assert client.get("/old").json() == {"moved": "/ws"}


def test_without_a_websocket_404_handler_a_path_with_no_route_is_a_404_problem() -> None:
    def http_only(request: Request, exc: HTTPError) -> Response:
        return JSONResponse({"http": True}, status_code=404)

    with TestClient(not_found_app({404: http_only})) as client:
        with pytest.raises(WebSocketRejected) as refused, client.websocket_connect("/nowhere"):
            pass
        assert refused.value.status_code == 404
        assert refused.value.json()["detail"] == "no WebSocket route here"
        assert client.get("/nowhere").json() == {"http": True}


def test_a_mounted_app_answers_its_own_missing_websocket_paths() -> None:
    inner = not_found_app({404: close_4404})
    outer = Covet()
    outer.mount("/inner", inner)
    with TestClient(outer) as client:
        with client.websocket_connect("/inner/nowhere") as ws:
            assert ended(ws) == (4404, "no WebSocket route here at /inner/nowhere")
        with pytest.raises(WebSocketRejected) as refused, client.websocket_connect("/outer"):
            pass
        assert refused.value.status_code == 404


# -- under a real uvicorn ---------------------------------------------------------------


def without_http_response_extension(app: ASGIApp) -> ASGIApp:
    """``app`` as a server without ``websocket.http.response`` would run it."""

    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope = {**scope, "extensions": {}}
        await app(scope, receive, send)

    return call


@pytest.fixture
async def server_url() -> AsyncIterator[str]:
    async with serve(build_app(), scheme="ws") as url:
        yield url


async def test_under_uvicorn_handlers_close_refuse_and_answer(server_url: str) -> None:
    async with connect(f"{server_url}/quota") as client:
        await client.send("one more")
        assert orjson.loads(await client.recv()) == {"error": "quota", "used": 100}
        assert await closed_code(client) == (4029, "quota exceeded")

    async with connect(f"{server_url}/private") as client:
        assert await closed_code(client) == (4401, "a valid token is required")

    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"{server_url}/pay?stage=handshake"):
            pass
    response = refused.value.response
    assert response.status_code == 402
    assert response.headers["Content-Type"] == "application/problem+json"
    assert orjson.loads(response.body or b"")["plan"] == "pro"

    async with connect(f"{server_url}/pay?stage=later") as client:
        await client.send("go")
        assert await closed_code(client) == (1008, "Payment Required")

    async with connect(f"{server_url}/lookup") as client:
        await client.send("go")
        assert await closed_code(client) == (1011, "Internal error")  # no details leak


async def test_under_uvicorn_invalid_parameters_are_a_422_or_a_403() -> None:
    async with serve(build_app(), scheme="ws") as url:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"{url}/room/3?nick=a"):
                pass
        assert refused.value.response.status_code == 422
        body = orjson.loads(refused.value.response.body or b"")
        assert body["errors"][0]["loc"] == ["query", "nick"]

    async with serve(without_http_response_extension(build_app()), scheme="ws") as url:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"{url}/room/3?nick=a"):
                pass
        assert refused.value.response.status_code == 403
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"{url}/pay?stage=handshake"):
                pass
        assert refused.value.response.status_code == 403
