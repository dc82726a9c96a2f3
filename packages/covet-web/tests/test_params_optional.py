"""Constraints on optional parameters: ``annotated_types`` or ``msgspec.Meta`` written on
``T | None`` (constraining ``T``) in every source, and ``Annotated[T, ...] | None`` with or
without a marker. A value that breaks the constraint is a 422 that names where it is;
an absent value (or JSON null) gives the default."""

import dataclasses
import string
import uuid
from typing import Annotated, Any, Optional

import msgspec
import pytest
from annotated_types import Ge, Le, MaxLen, MinLen
from hypothesis import given, settings
from hypothesis import strategies as st

from covet.web import Covet
from covet.web.params import Body, Cookie, Form, Header, Path, Query, Validator
from covet.web.testing import LifespanFailed, TestClient

app = Covet()


@app.get("/query")
async def query(
    n: Annotated[int | None, Query(), Le(10)] = None,
    s: Annotated[str | None, Query(), MinLen(8)] = None,
    m: Annotated[int | None, Query(), msgspec.Meta(le=10)] = None,
    x: Annotated[int | float | None, Query(), Le(10)] = None,
) -> dict[str, Any]:
    return {"n": n, "s": s, "m": m, "x": x}


@app.get("/path/{n}")
async def path(n: Annotated[int | None, Path(), Le(10)]) -> Any:
    return n


@app.get("/header")
async def header(x_limit: Annotated[int | None, Header(), Le(10)] = None) -> Any:
    return x_limit


@app.get("/cookie")
async def cookie(token: Annotated[str | None, Cookie(), MinLen(8)] = None) -> dict[str, Any]:
    return {"token": token}


@app.post("/body")
async def body(
    n: Annotated[int | None, Body(), Le(10)] = None,
    s: Annotated[str | None, Body(), MinLen(8)] = None,
) -> dict[str, Any]:
    return {"n": n, "s": s}


@app.post("/form")
async def form(
    n: Annotated[int | None, Form(), Le(10)] = None,
    s: Annotated[str | None, Form(), MinLen(8)] = None,
) -> dict[str, Any]:
    return {"n": n, "s": s}


def version_4(value: uuid.UUID) -> uuid.UUID:
    if value.version != 4:
        raise ValueError("expected a version 4 UUID")
    return value


@app.get("/bare")
async def bare(
    limit: Annotated[int, Le(10)] | None = None,
    ids: Annotated[list[int], MaxLen(3)] | None = None,
    ref: Optional[Annotated[uuid.UUID, Validator(version_4)]] = None,  # noqa: UP045
    start: Annotated[Optional[Annotated[int, Ge(0)]], Query()] = None,  # noqa: UP045
    size: Annotated[Annotated[int, msgspec.Meta(le=5)] | None, Query(ge=1)] = None,
    tags: Annotated[Annotated[list[int], MaxLen(2)] | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    return {"limit": limit, "ids": ids, "ref": ref, "start": start, "size": size, "tags": tags}


@dataclasses.dataclass
class Note:
    text: str


def not_blank(note: Note) -> Note:
    if not note.text.strip():
        raise ValueError("blank note")
    return note


@app.post("/note")
async def note(note: Annotated[Note, Validator(not_blank)] | None = None) -> Any:
    return note


def problem(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


def constraint(loc: list[str | int], msg: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": "constraint"}


LE_10 = "Expected `int` <= 10"
LEN_8 = "Expected `str` of length >= 8"


@pytest.fixture(scope="module")
def client() -> Any:
    with TestClient(app) as client:
        yield client


def test_query(client: TestClient) -> None:
    none = {"n": None, "s": None, "m": None, "x": None}
    assert client.get("/query").json() == none
    ok = client.get("/query", params={"n": 10, "s": "12345678", "m": -3, "x": "9.5"})
    assert ok.json() == {"n": 10, "s": "12345678", "m": -3, "x": 9.5}
    bad = client.get("/query", params={"n": 11, "s": "short", "m": 11, "x": "10.5"})
    assert problem(bad) == [
        constraint(["query", "n"], LE_10),
        constraint(["query", "s"], LEN_8),
        constraint(["query", "m"], LE_10),
        constraint(["query", "x"], "Expected `float` <= 10.0"),
    ]


def test_path(client: TestClient) -> None:
    assert client.get("/path/10").json() == 10
    assert problem(client.get("/path/11")) == [constraint(["path", "n"], LE_10)]


def test_header(client: TestClient) -> None:
    assert client.get("/header").status_code == 204
    assert client.get("/header", headers={"x-limit": "-5"}).json() == -5
    bad = client.get("/header", headers={"x-limit": "11"})
    assert problem(bad) == [constraint(["header", "x-limit"], LE_10)]


def test_cookie(client: TestClient) -> None:
    assert client.get("/cookie").json() == {"token": None}
    ok = client.get("/cookie", headers={"cookie": "token=abcdefgh"})
    assert ok.json() == {"token": "abcdefgh"}
    bad = client.get("/cookie", headers={"cookie": "token=abc"})
    assert problem(bad) == [constraint(["cookie", "token"], LEN_8)]


def test_body_fields(client: TestClient) -> None:
    assert client.post("/body", json={}).json() == {"n": None, "s": None}
    assert client.post("/body", json={"n": None, "s": None}).json() == {"n": None, "s": None}
    assert client.post("/body", json={"n": 10, "s": "12345678"}).json() == {
        "n": 10,
        "s": "12345678",
    }
    bad = client.post("/body", json={"n": 11, "s": "short"})
    assert problem(bad) == [constraint(["body", "n"], LE_10), constraint(["body", "s"], LEN_8)]


def test_form_fields(client: TestClient) -> None:
    empty = client.post("/form", headers={"content-type": "application/x-www-form-urlencoded"})
    assert empty.json() == {"n": None, "s": None}
    assert client.post("/form", data={"n": "10", "s": "12345678"}).json() == {
        "n": 10,
        "s": "12345678",
    }
    bad = client.post("/form", data={"n": "11", "s": "short"})
    assert problem(bad) == [constraint(["form", "n"], LE_10), constraint(["form", "s"], LEN_8)]


def test_annotated_member_of_an_optional_without_marker_is_a_query_parameter(
    client: TestClient,
) -> None:
    assert client.get("/bare").json() == dict.fromkeys(
        ["limit", "ids", "ref", "start", "size", "tags"]
    )
    ref = uuid.UUID("12345678-1234-4234-8234-123456789abc")  # version 4
    params: dict[str, Any] = {
        "limit": 10,
        "ids": [1, 2, 3],
        "ref": str(ref),
        "start": 0,
        "size": 5,
        "tags": [0, 7],
    }
    assert client.get("/bare", params=params).json() == {**params, "ref": str(ref)}


def test_constraints_inside_the_optional_are_enforced(client: TestClient) -> None:
    params: dict[str, Any] = {
        "limit": 11,
        "ids": [1, 2, 3, 4],
        "ref": str(uuid.UUID(int=1)),
        "start": -1,
        "size": 6,
        "tags": [1, -1],
    }
    assert problem(client.get("/bare", params=params)) == [
        constraint(["query", "limit"], LE_10),
        constraint(["query", "ids"], "Expected `array` of length <= 3"),
        {"loc": ["query", "ref"], "msg": "expected a version 4 UUID", "type": "value_error"},
        constraint(["query", "start"], "Expected `int` >= 0"),
        constraint(["query", "size"], "Expected `int` <= 5"),
        constraint(["query", "tags", 1], "Expected `int` >= 0"),
    ]
    too_small = client.get("/bare", params={"size": 0, "tags": [1, 2, 3]})
    assert problem(too_small) == [
        constraint(["query", "size"], "Expected `int` >= 1"),
        constraint(["query", "tags"], "Expected `array` of length <= 2"),
    ]


def test_annotated_model_in_an_optional_is_the_body(client: TestClient) -> None:
    assert client.post("/note", json={"text": "hi"}).json() == {"text": "hi"}
    assert client.post("/note", json=None).status_code == 204
    blank = client.post("/note", json={"text": " "})
    assert problem(blank) == [{"loc": ["body"], "msg": "blank note", "type": "value_error"}]


def test_openapi_shows_the_constraint_on_the_optional_type(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p["schema"] for p in spec["paths"]["/query"]["get"]["parameters"]}
    assert params["n"] == {"type": ["integer", "null"], "maximum": 10, "default": None}
    assert params["s"] == {"type": ["string", "null"], "minLength": 8, "default": None}
    bare = {p["name"]: p for p in spec["paths"]["/bare"]["get"]["parameters"]}
    assert bare["limit"]["in"] == "query"
    assert bare["limit"]["schema"] == params["n"]
    assert bare["ids"]["schema"]["maxItems"] == 3
    assert bare["start"]["schema"]["minimum"] == 0


def test_a_constraint_no_member_can_take_fails_at_start_up() -> None:
    bad = Covet()

    @bad.get("/")
    async def handler(n: Annotated[int | None, Query(), MinLen(2)] = None) -> None:
        pass

    with pytest.raises(LifespanFailed, match=r"ParameterError: .*'n'.*min_length"), TestClient(bad):
        pass


INTS = st.one_of(st.integers(-(10**20), 10**20), st.integers(-3, 13))
TEXT = st.text(string.ascii_letters + string.digits + "-_.", max_size=16)


@settings(max_examples=80, deadline=None)
@given(n=INTS, text=TEXT)
def test_values_around_the_bounds_never_fail_the_server(
    client: TestClient, n: int, text: str
) -> None:
    fits = n <= 10
    for response in (
        client.get("/query", params={"n": n}),
        client.get("/bare", params={"limit": n}),
        client.get("/header", headers={"x-limit": str(n)}),
        client.post("/form", data={"n": str(n)}),
        client.post("/body", json={"n": n}),
    ):
        assert response.status_code == (200 if fits else 422), response.text
    for response in (
        client.get("/query", params={"s": text}),
        client.get("/cookie", headers={"cookie": f"token={text}"}),
    ):
        assert response.status_code == (200 if len(text) >= 8 else 422), response.text
    raw = client.get("/bare", params={"start": text})
    assert raw.status_code in (200, 422), raw.text
    if raw.status_code == 200:  # a number >= 0, or "null" (msgspec's lax conversion)
        start = raw.json()["start"]
        assert start is None if text.lower() == "null" else start == int(text) >= 0
