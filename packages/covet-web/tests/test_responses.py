"""Response classes, return-value serialization and content negotiation."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import pathlib
import uuid
from decimal import Decimal
from typing import Any

import msgspec
import pydantic
import pytest

from covet.web import (
    Covet,
    HTMLResponse,
    JSONResponse,
    MsgPackResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from covet.web._negotiation import negotiate, parse_accept, wants_msgpack
from covet.web.testing import TestClient


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Item:
    name: str
    price: Decimal
    tags: set[str]


class Point(msgspec.Struct):
    x: int
    when: datetime.date


class User(pydantic.BaseModel):
    id: uuid.UUID
    color: Color


async def collect(response: Response) -> tuple[dict[str, Any], bytes]:
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        messages.append(dict(message))

    await response({"type": "http"}, receive, send)
    start, body = messages
    return start, body["body"]


async def test_response_basics() -> None:
    response = Response("héllo", status_code=201, headers={"X-Test": "1"}, media_type="text/plain")
    start, body = await collect(response)
    assert start["status"] == 201
    assert body == "héllo".encode()
    assert start["headers"] == [
        (b"x-test", b"1"),
        (b"content-length", b"6"),
        (b"content-type", b"text/plain; charset=utf-8"),
    ]
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert repr(response) == "<Response 201>"


async def test_response_content_types() -> None:
    assert (await collect(Response(b"\x00")))[1] == b"\x00"
    assert (await collect(Response()))[1] == b""
    assert Response(None, 204).raw_headers == []
    assert Response(b"x", headers={"content-length": "1"}).headers.getlist("content-length") == [
        "1"
    ]
    with pytest.raises(TypeError, match="must be bytes or str"):
        Response(123)
    assert HTMLResponse("<p>").headers["content-type"] == "text/html; charset=utf-8"
    assert PlainTextResponse("x").headers["content-type"] == "text/plain; charset=utf-8"
    assert (
        Response("x", media_type="text/csv; charset=latin-1").headers["content-type"]
        == "text/csv; charset=latin-1"
    )


def test_json_response_encodes_common_types() -> None:
    response = JSONResponse(
        {
            "item": Item("pen", Decimal("1.50"), {"a"}),
            "point": Point(1, datetime.date(2024, 1, 2)),
            "user": User(id=uuid.UUID(int=1), color=Color.RED),
            "at": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
            "wait": datetime.timedelta(minutes=1),
            "path": pathlib.PurePosixPath("/tmp/x"),
            "frozen": frozenset([1]),
        }
    )
    assert msgspec.json.decode(response.body) == {
        "item": {"name": "pen", "price": "1.50", "tags": ["a"]},
        "point": {"x": 1, "when": "2024-01-02"},
        "user": {"id": "00000000-0000-0000-0000-000000000001", "color": "red"},
        "at": "2024-01-02T03:04:05+00:00",
        "wait": "PT60S",
        "path": "/tmp/x",
        "frozen": [1],
    }
    assert JSONResponse({1: "a"}).body == b'{"1":"a"}'
    assert JSONResponse(Point(2, datetime.date(2020, 5, 6))).body == b'{"x":2,"when":"2020-05-06"}'
    with pytest.raises(TypeError, match="not JSON serializable"):
        JSONResponse({"x": object()})


def test_msgpack_response() -> None:
    response = MsgPackResponse(
        {"user": User(id=uuid.UUID(int=2), color=Color.RED), "n": Decimal("2")}
    )
    assert response.headers["content-type"] == "application/msgpack"
    assert msgspec.msgpack.decode(response.body) == {
        "user": {"id": "00000000-0000-0000-0000-000000000002", "color": "red"},
        "n": "2",
    }


def test_redirect_response() -> None:
    response = RedirectResponse("/a b?x=é")
    assert response.status_code == 307
    assert response.headers["location"] == "/a%20b?x=%C3%A9"
    assert RedirectResponse("https://example.com/", status_code=301).status_code == 301


def test_cookies() -> None:
    response = Response()
    response.set_cookie(
        "session",
        "abc",
        max_age=60,
        expires=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="strict",
        partitioned=True,
    )
    response.delete_cookie("old")
    first, second = response.headers.getlist("set-cookie")
    assert first.startswith("session=abc;")
    for part in (
        "Max-Age=60",
        "Domain=example.com",
        "Secure",
        "HttpOnly",
        "SameSite=strict",
        "Partitioned",
        "Path=/",
        "expires=Tue, 01 Jan 2030 00:00:00 GMT",
    ):
        assert part in first
    assert second.startswith('old="";') and "Max-Age=0" in second
    with pytest.raises(ValueError, match="samesite"):
        response.set_cookie("x", samesite="sometimes")  # type: ignore[arg-type]


def make_app() -> Covet:
    app = Covet()

    @app.get("/dict")
    async def as_dict() -> dict[str, int]:
        return {"a": 1}

    @app.get("/list")
    async def as_list() -> list[int]:
        return [1, 2]

    @app.get("/dataclass")
    async def as_dataclass() -> Item:
        return Item("pen", Decimal("2"), set())

    @app.get("/struct")
    async def as_struct() -> Point:
        return Point(3, datetime.date(2024, 1, 1))

    @app.get("/pydantic")
    async def as_pydantic() -> User:
        return User(id=uuid.UUID(int=3), color=Color.RED)

    @app.get("/text")
    async def as_text() -> str:
        return "héllo"

    @app.get("/json-string")
    async def as_json_string() -> dict[str, str] | list[str]:
        return "not text"  # type: ignore[return-value]

    @app.get("/bytes")
    async def as_bytes() -> bytes:
        return b"\x00\x01"

    @app.get("/none")
    async def as_none() -> None:
        return None

    @app.get("/response")
    async def as_response() -> Response:
        return HTMLResponse("<b>hi</b>", status_code=202, headers={"x-a": "b"})

    @app.get("/int")
    async def as_int() -> int:
        return 5

    @app.get("/big")
    async def big() -> str:
        return "x" * 5000

    return app


@pytest.mark.parametrize(
    ("path", "status", "content_type", "content"),
    [
        ("/dict", 200, "application/json", b'{"a":1}'),
        ("/list", 200, "application/json", b"[1,2]"),
        ("/dataclass", 200, "application/json", b'{"name":"pen","price":"2","tags":[]}'),
        ("/struct", 200, "application/json", b'{"x":3,"when":"2024-01-01"}'),
        (
            "/pydantic",
            200,
            "application/json",
            b'{"id":"00000000-0000-0000-0000-000000000003","color":"red"}',
        ),
        ("/text", 200, "text/plain; charset=utf-8", "héllo".encode()),
        ("/json-string", 200, "application/json", b'"not text"'),
        ("/bytes", 200, "application/octet-stream", b"\x00\x01"),
        ("/none", 204, None, b""),
        ("/response", 202, "text/html; charset=utf-8", b"<b>hi</b>"),
        ("/int", 200, "application/json", b"5"),
    ],
)
def test_return_values(path: str, status: int, content_type: str | None, content: bytes) -> None:
    with TestClient(make_app()) as client:
        response = client.get(path)
    assert response.status_code == status
    assert response.headers.get("content-type") == content_type
    assert response.content == content
    if status != 204:
        assert response.headers["content-length"] == str(len(content))


def test_long_body_content_length() -> None:
    with TestClient(make_app()) as client:
        assert client.get("/big").headers["content-length"] == "5000"


@pytest.mark.parametrize(
    ("accept", "offers", "expected"),
    [
        (None, ["application/json", "application/msgpack"], "application/json"),
        ("application/msgpack", ["application/json", "application/msgpack"], "application/msgpack"),
        ("*/*", ["application/json", "application/msgpack"], "application/json"),
        (
            "application/*;q=0.5, application/msgpack",
            ["application/json", "application/msgpack"],
            "application/msgpack",
        ),
        ("text/html", ["application/json"], None),
        ("application/json;q=0, */*", ["application/json", "text/plain"], "text/plain"),
        ("application/json;q=abc, text/plain", ["application/json", "text/plain"], "text/plain"),
        ("garbage, ;;, /", ["application/json"], None),
        ("application/json;q=2", ["application/json"], None),
    ],
)
def test_negotiate(accept: str | None, offers: list[str], expected: str | None) -> None:
    assert negotiate(accept, offers) == expected


def test_negotiation_helpers() -> None:
    assert negotiate("*/*", []) is None
    assert parse_accept("text/*;q=0.5, text/html")[0] == ("text/html", 1.0, 2)
    assert wants_msgpack("application/x-msgpack")
    assert not wants_msgpack("application/json")
    assert not wants_msgpack("application/json, application/msgpack;q=0.1")


@dataclasses.dataclass
class _DefaultedUser:
    name: str
    age: int = 0


@dataclasses.dataclass
class _Team:
    members: list[_DefaultedUser]


def test_dataclass_defaults_omitted_by_the_client_are_in_the_response() -> None:
    app = Covet()

    @app.post("/users")
    async def echo_user(user: _DefaultedUser) -> _DefaultedUser:
        return user

    @app.post("/teams")
    async def echo_team(team: _Team) -> _Team:
        return team

    with TestClient(app) as client:
        assert client.post("/users", json={"name": "Ada"}).json() == {"name": "Ada", "age": 0}
        assert client.post("/teams", json={"members": [{"name": "Ada"}]}).json() == {
            "members": [{"name": "Ada", "age": 0}]
        }
