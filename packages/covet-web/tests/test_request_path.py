"""The request path: what a request no route serves gets (under every trailing-slash mode,
with a mount and with a 404 handler), how a handler's return value becomes the body, and
what a typed JSON body reads of the Content-Type header."""

from __future__ import annotations

import itertools
import re
from typing import Any

import msgspec
import pytest

from covet.web import Covet, HTTPError, PlainTextResponse, Request, Response
from covet.web.testing import TestClient

from ._synthetic import make_request
from ._web_asgi import body_of, http_scope, run_asgi, start_of

# -- misses: a model of the routing rules, checked on random paths -----------------------

_STATIC = {"/a", "/a/b", "/p"}  # "/p" answers POST only; "/s/" is there when slash=True
_METHODS = {"/p": "POST"}
Config = tuple[str, bool, bool, bool]  # trailing_slash, slash, mount, handler


def _serves_get(path: str, mode: str, slash: bool) -> bool:
    if path in _STATIC:
        return path not in _METHODS
    # trailing_slash="ignore" registers "/s/" as "/s" (and strips the slash of requests).
    if slash and path == ("/s" if mode == "ignore" else "/s/"):
        return True
    return re.fullmatch(r"/n/[0-9]+", path) is not None


def _expected(path: str, mode: str, slash: bool, mount: bool, handler: bool) -> tuple[int, str]:
    """(status, what answered) by the documented rules, in the documented order."""
    if _serves_get(path, mode, slash):
        return 200, "route"
    if mount and (path == "/m" or path.startswith("/m/")):
        return 200, "mounted"
    if path in _METHODS:
        return 405, "problem"
    if mode != "strict" and path != "/":
        # A slash is added only when some route ends with one.
        adds_slash = slash and mode != "ignore"
        other = path[:-1] if path.endswith("/") else path + "/" if adds_slash else ""
        if other and (other in _STATIC or _serves_get(other, mode, slash)):
            if mode == "redirect":
                return 307, "redirect"
            return _expected(other, mode, slash, mount, handler)
    return 404, "handler" if handler else "problem"


async def _mounted(scope: Any, receive: Any, send: Any) -> None:
    await PlainTextResponse("mounted")(scope, receive, send)


def _app(mode: str, slash: bool, mount: bool, handler: bool) -> Covet:
    app = Covet(trailing_slash=mode)  # type: ignore[arg-type]

    @app.get("/a")
    @app.get("/a/b")
    async def page() -> str:
        return "route"

    if slash:
        app.get("/s/")(page)

    @app.get("/n/{id:int}")
    async def numbered(id: int) -> str:
        return "route"

    @app.post("/p")
    async def post_only() -> str:
        return "route"

    if mount:
        app.mount("/m", _mounted)
    if handler:

        @app.exception_handler(404)
        async def not_found(request: Request, exc: HTTPError) -> Response:
            return PlainTextResponse("handler", status_code=404)

    return app


_CONFIGS: list[Config] = [
    (mode, slash, mount, handler)
    for mode in ("redirect", "ignore", "strict")
    for slash in (False, True)
    for mount in (False, True)
    for handler in (False, True)
]


_SEGMENTS = ["a", "b", "s", "n", "1", "x", "p", "m", ""]
_PATHS = ["/" + "/".join(p) for n in range(4) for p in itertools.product(_SEGMENTS, repeat=n)]


@pytest.mark.parametrize("config", _CONFIGS)
async def test_misses_follow_the_routing_rules(config: Config) -> None:
    # Every path of up to three segments: what each gets is what the rules say.
    app = _app(*config)
    for path in _PATHS:
        status, answer = _expected(path, *config)
        sent = await run_asgi(app, http_scope(path))
        assert start_of(sent)["status"] == status, path
        body = body_of(sent)
        if answer == "problem":
            assert dict(start_of(sent)["headers"])[b"content-type"] == b"application/problem+json"
            assert msgspec.json.decode(body)["status"] == status
        elif answer != "redirect":
            assert body.decode() == answer, path


async def test_a_path_that_is_not_absolute_matches_no_route() -> None:
    app = _app("redirect", slash=False, mount=False, handler=False)
    for path in ("a/b", "xa", "xn/1"):  # a broken server's paths: never read as "/a", "/n/1"
        assert start_of(await run_asgi(app, http_scope(path)))["status"] == 404, path
    assert start_of(await run_asgi(app, http_scope("/n/1")))["status"] == 200


def test_a_miss_on_an_app_with_many_routes() -> None:
    app = Covet()
    for i in range(100):
        app.get(f"/api/v1/static{i}", name=f"s{i}")(_text(f"static {i}"))
        app.get(f"/api/v1/items{i}/{{id:int}}", name=f"d{i}")(_text(f"items {i}"))
    with TestClient(app) as client:
        assert client.get("/api/v1/static99").text == "static 99"
        assert client.get("/api/v1/items99/7").text == "items 99"
        for path in ("/api/v1/nothing/42", "/api/v1/items99/x", "/api/v2/static1", "/api"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.json()["detail"] == "no route matches this path"


def _text(text: str) -> Any:
    async def endpoint() -> str:
        return text

    return endpoint


# -- return values ------------------------------------------------------------------------


class Item(msgspec.Struct):
    name: str
    count: int


class SpecialItem(Item):
    note: str = ""


def test_a_declared_struct_and_what_else_the_handler_returns() -> None:
    app = Covet()

    @app.post("/items", status_code=201)
    async def create(item: Item) -> Item:
        return item

    @app.get("/other/{kind}")
    async def other(kind: str) -> Item:
        # Annotated as Item, but a handler may return a subclass, a dict or None.
        values: dict[str, Any] = {
            "sub": SpecialItem("b", 2, note="n"),
            "dict": {"name": "c", "count": 3},
            "none": None,
        }
        return values[kind]  # type: ignore[no-any-return]

    with TestClient(app) as client:
        response = client.post("/items", json={"name": "a", "count": 1})
        assert response.status_code == 201
        assert response.content == b'{"name":"a","count":1}'
        assert response.headers["content-type"] == "application/json"
        assert response.headers["content-length"] == str(len(response.content))
        assert client.get("/other/sub").json() == {"name": "b", "count": 2, "note": "n"}
        assert client.get("/other/dict").json() == {"name": "c", "count": 3}
        assert client.get("/other/none").status_code == 204


def test_integers_beyond_64_bits_are_written_exactly() -> None:
    app = Covet()

    @app.get("/big")
    async def big() -> dict[str, Any]:
        return {"n": 2**70, "negative": -(2**65), "list": [2**64]}

    with TestClient(app) as client:
        response = client.get("/big")
    assert response.status_code == 200
    assert response.content == (
        b'{"n":1180591620717411303424,"negative":-36893488147419103232,'
        b'"list":[18446744073709551616]}'
    )


# -- the JSON body and its Content-Type ------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], None),
        ([("Content-Type", "application/json")], "application/json"),
        ([("Content-Type", "text/plain"), ("Content-Type", "text/html")], "text/plain"),
        ([("X-Content-Type", "a/b")], None),
    ],
)
def test_request_content_type(headers: list[tuple[str, str]], expected: str | None) -> None:
    request = make_request(headers=headers)
    assert request.content_type == expected
    assert request.content_type == request.headers.get("content-type")


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/json", b'{"name":"caf\xc3\xa9","count":1}', 201),
        ("application/json; charset=latin-1", b'{"name":"caf\xe9","count":1}', 201),
        ("Application/JSON", b'{"name":"caf\xc3\xa9","count":1}', 201),
        ("application/problem+json", b'{"name":"caf\xc3\xa9","count":1}', 201),
        ("text/plain", b'{"name":"caf\xc3\xa9","count":1}', 415),
        ("application/json", b'{"name":"caf\xc3\xa9","count":"1"}', 422),
        ("application/json", b'{"name":', 400),
    ],
)
def test_typed_json_body_content_types(content_type: str, body: bytes, status: int) -> None:
    app = Covet()

    @app.post("/items", status_code=201)
    async def create(item: Item) -> Item:
        return item

    with TestClient(app) as client:
        response = client.post("/items", content=body, headers={"content-type": content_type})
    assert response.status_code == status, response.text
    if status == 201:
        assert response.json() == {"name": "caf\u00e9", "count": 1}
    else:
        assert response.headers["content-type"] == "application/problem+json"
