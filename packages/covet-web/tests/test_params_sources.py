"""Handler parameters from path, query, headers and cookies: conversion, lists, defaults,
constraints, aliases, and the start-up errors for signatures that cannot work."""

import datetime
import enum
import re
import uuid
from typing import Annotated, Any, Literal

import msgspec
import pytest

from covet.web._params import ParameterError, build_plan
from covet.web._request import Request
from covet.web.params import Cookie, Depends, Header, Path, Query, RequestValidationError, Validator

from ._synthetic import make_request


async def errors_of(plan: Any, request: Request) -> list[dict[str, Any]]:
    with pytest.raises(RequestValidationError) as info:
        await plan.run(request)
    assert info.value.status == 422
    return info.value.errors


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


async def test_path_and_query_by_name_and_type() -> None:
    async def show(id: int, q: str) -> dict[str, Any]:
        return {"id": id, "q": q}

    plan = build_plan(show, path_params={"id": int})
    assert await plan.run(make_request(query=b"q=hi", path_params={"id": 7})) == {
        "id": 7,
        "q": "hi",
    }


async def test_path_param_converted_to_annotation_when_router_gives_str() -> None:
    async def show(id: int) -> int:
        return id

    plan = build_plan(show, path_params={"id": str})
    assert await plan.run(make_request(path_params={"id": "12"})) == 12
    errors = await errors_of(plan, make_request(path_params={"id": "x"}))
    assert errors == [
        {"loc": ["path", "id"], "msg": "Expected `int`, got `str`", "type": "type_error"}
    ]


async def test_path_marker_with_constraints() -> None:
    async def show(item_id: Annotated[int, Path(alias="id", ge=1)]) -> int:
        return item_id

    plan = build_plan(show, path_params={"id": int})
    assert await plan.run(make_request(path_params={"id": 3})) == 3
    errors = await errors_of(plan, make_request(path_params={"id": 0}))
    assert errors[0]["loc"] == ["path", "id"] and errors[0]["type"] == "constraint"


@pytest.mark.parametrize(
    ("annotation", "raw", "expected"),
    [
        (int, "42", 42),
        (int, "-3", -3),
        (float, "2.5", 2.5),
        (bool, "true", True),
        (bool, "0", False),
        (
            uuid.UUID,
            "12345678-1234-5678-1234-567812345678",
            uuid.UUID(int=0x12345678123456781234567812345678),
        ),
        (datetime.date, "2024-02-29", datetime.date(2024, 2, 29)),
        (Color, "blue", Color.BLUE),
        (Literal["a", "b"], "b", "b"),
        (int | None, "5", 5),
        (str, "caf\u00e9", "caf\u00e9"),
    ],
)
async def test_query_scalar_types(annotation: Any, raw: str, expected: Any) -> None:
    async def handler(v: annotation) -> Any:  # type: ignore[valid-type]
        return v

    plan = build_plan(handler)
    from urllib.parse import quote

    assert await plan.run(make_request(query=f"v={quote(raw)}".encode())) == expected


@pytest.mark.parametrize(
    ("annotation", "raw", "kind"),
    [
        (int, "4.5", "type_error"),
        (int, "1_000", "type_error"),
        (int, " 1", "type_error"),
        (int, "", "type_error"),
        (bool, "yes", "type_error"),
        (Color, "green", "enum"),
        (Literal["a", "b"], "c", "enum"),
        (uuid.UUID, "nope", "value_error"),
        (datetime.date, "2024-13-01", "value_error"),
    ],
)
async def test_query_scalar_errors(annotation: Any, raw: str, kind: str) -> None:
    async def handler(v: annotation) -> Any:  # type: ignore[valid-type]
        return v

    errors = await errors_of(build_plan(handler), make_request(query=f"v={raw}".encode()))
    assert len(errors) == 1
    assert errors[0]["loc"] == ["query", "v"]
    assert errors[0]["type"] == kind
    assert errors[0]["msg"]


async def test_query_defaults_and_missing() -> None:
    async def handler(q: str, limit: int = 10, tag: str | None = None) -> Any:
        return q, limit, tag

    plan = build_plan(handler)
    assert await plan.run(make_request(query=b"q=x")) == ("x", 10, None)
    errors = await errors_of(plan, make_request())
    assert errors == [{"loc": ["query", "q"], "msg": "Field required", "type": "missing"}]


async def test_query_constraints_on_marker_and_meta() -> None:
    async def handler(
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        name: Annotated[str, Query(min_length=2, max_length=4, pattern="^[a-z]+$")] = "ab",
        page: Annotated[int, msgspec.Meta(gt=0, multiple_of=2)] = 2,
    ) -> Any:
        return limit, name, page

    plan = build_plan(handler)
    assert await plan.run(make_request(query=b"limit=100&name=abc&page=4")) == (100, "abc", 4)
    errors = await errors_of(plan, make_request(query=b"limit=0&name=ABCDE&page=3"))
    assert [e["loc"] for e in errors] == [["query", "limit"], ["query", "name"], ["query", "page"]]
    assert {e["type"] for e in errors} == {"constraint"}
    assert errors[0]["msg"] == "Expected `int` >= 1"


async def test_bad_constraints_fail_at_start_up() -> None:
    async def handler(name: Annotated[str, Query(ge=1)]) -> None: ...

    with pytest.raises(ParameterError, match="do not fit"):
        build_plan(handler)


async def test_query_lists_from_repeated_keys() -> None:
    async def handler(
        tag: list[str] = [],  # noqa: B006 - defaults are never mutated
        n: Annotated[list[int], Query(ge=0, max_length=3)] = [],  # noqa: B006
    ) -> Any:
        return tag, n

    plan = build_plan(handler)
    assert await plan.run(make_request(query=b"tag=a&tag=b&n=1&n=2")) == (["a", "b"], [1, 2])
    assert await plan.run(make_request()) == ([], [])
    errors = await errors_of(plan, make_request(query=b"n=1&n=-1&n=x"))
    assert [e["loc"] for e in errors] == [["query", "n", 1]]
    errors = await errors_of(plan, make_request(query=b"n=1&n=2&n=3&n=4"))
    assert errors[0]["loc"] == ["query", "n"] and errors[0]["type"] == "constraint"


async def test_query_alias() -> None:
    async def handler(page_size: Annotated[int, Query(alias="page-size")] = 5) -> int:
        return page_size

    plan = build_plan(handler)
    assert await plan.run(make_request(query=b"page-size=9")) == 9
    assert plan.parameters[0].name == "page-size"


async def test_headers_names_aliases_and_lists() -> None:
    async def handler(
        user_agent: Annotated[str, Header()],
        x_count: Annotated[int, Header()] = 0,
        token: Annotated[str | None, Header(alias="X-API-Token")] = None,
        x_tag: Annotated[list[str], Header()] = [],  # noqa: B006
        raw_name: Annotated[str | None, Header(convert_underscores=False)] = None,
    ) -> Any:
        return user_agent, x_count, token, x_tag, raw_name

    plan = build_plan(handler)
    request = make_request(
        headers=[
            ("User-Agent", "curl/8"),
            ("X-Count", "3"),
            ("x-api-token", "s3cret"),
            ("X-Tag", "a"),
            ("X-Tag", "b"),
            ("raw_name", "r"),
        ]
    )
    assert await plan.run(request) == ("curl/8", 3, "s3cret", ["a", "b"], "r")
    names = [p.name for p in plan.parameters]
    assert names == ["User-Agent", "X-Count", "X-API-Token", "X-Tag", "raw_name"]
    errors = await errors_of(plan, make_request(headers=[("x-count", "many")]))
    assert [e["loc"] for e in errors] == [["header", "user-agent"], ["header", "x-count"]]


async def test_cookies() -> None:
    async def handler(session: Annotated[str, Cookie()], n: Annotated[int, Cookie()] = 1) -> Any:
        return session, n

    plan = build_plan(handler)
    assert await plan.run(make_request(headers=[("cookie", "session=abc; n=4")])) == ("abc", 4)
    errors = await errors_of(plan, make_request(headers=[("cookie", "n=x")]))
    assert [e["loc"] for e in errors] == [["cookie", "session"], ["cookie", "n"]]


async def test_all_failing_fields_in_one_error() -> None:
    async def handler(
        a: int, b: Annotated[int, Header()], c: Annotated[int, Cookie()], d: int = 1
    ) -> None: ...

    errors = await errors_of(
        build_plan(handler), make_request(query=b"d=x", headers=[("cookie", "c=y")])
    )
    assert [e["loc"] for e in errors] == [
        ["query", "a"],
        ["header", "b"],
        ["cookie", "c"],
        ["query", "d"],
    ]


async def test_marker_as_default_value() -> None:
    async def handler(
        limit: int = Query(5, ge=1), agent: str = Header("none", alias="User-Agent")
    ) -> Any:
        return limit, agent

    plan = build_plan(handler)
    assert await plan.run(make_request()) == (5, "none")
    assert await plan.run(make_request(query=b"limit=2", headers=[("user-agent", "x")])) == (2, "x")


async def test_request_injected_by_annotation() -> None:
    async def handler(request: Request, q: str = "") -> Any:
        return request.method, q

    assert await build_plan(handler).run(make_request(query=b"q=1")) == ("GET", "1")


async def test_sync_handler_called_inline_and_in_thread() -> None:
    import threading

    def handler(q: int) -> str:
        return threading.current_thread().name

    main = threading.current_thread().name
    assert await build_plan(handler).run(make_request(query=b"q=1")) == main
    assert await build_plan(handler, thread=True).run(make_request(query=b"q=1")) != main


async def test_validators_sync_and_async() -> None:
    def lower(value: str) -> str:
        return value.lower()

    def not_admin(value: str) -> str:
        if value == "admin":
            raise ValueError("reserved name")
        return value

    async def even(value: int) -> int:
        if value % 2:
            raise ValueError("must be even")
        return value

    async def handler(
        name: Annotated[str, Query(), Validator(lower), Validator(not_admin)],
        n: Annotated[int, Validator(even)] = 0,
    ) -> Any:
        return name, n

    plan = build_plan(handler)
    assert await plan.run(make_request(query=b"name=Bob&n=2")) == ("bob", 2)
    errors = await errors_of(plan, make_request(query=b"name=ADMIN&n=3"))
    assert errors == [
        {"loc": ["query", "name"], "msg": "reserved name", "type": "value_error"},
        {"loc": ["query", "n"], "msg": "must be even", "type": "value_error"},
    ]


@pytest.mark.parametrize(
    "handler_source",
    [
        "async def h(x: object) -> None: ...",
        "async def h(x: Annotated[int, Query(), Header()], /) -> None: ...",
        "async def h(c: Annotated[list[str], Cookie()]) -> None: ...",
        "async def h(x: 'Undefined') -> None: ...",
        "async def h(*, x: Annotated[int, Query(), Depends(lambda: 1)]) -> None: ...",
    ],
)
async def test_unplannable_signatures_fail_at_start_up(handler_source: str) -> None:
    namespace: dict[str, Any] = {
        "Annotated": Annotated,
        "Query": Query,
        "Header": Header,
        "Cookie": Cookie,
        "Depends": Depends,
    }
    exec(handler_source, namespace)
    with pytest.raises(ParameterError):
        build_plan(namespace["h"])


def test_bad_pattern_fails_when_the_marker_is_made() -> None:
    with pytest.raises(re.error):
        Query(pattern="(")


async def test_plan_metadata_for_openapi() -> None:
    async def handler(
        id: int,
        q: Annotated[str | None, Query(description="search", examples=["x"], max_length=9)] = None,
        agent: Annotated[str, Header(alias="User-Agent", deprecated=True)] = "",
    ) -> dict[str, int]:
        return {}

    plan = build_plan(handler, path_params={"id": int})
    by_name = {p.name: p for p in plan.parameters}
    assert by_name["id"].location == "path" and by_name["id"].required
    q = by_name["q"]
    assert (q.location, q.required, q.default, q.description, q.examples) == (
        "query",
        False,
        None,
        "search",
        ["x"],
    )
    assert q.constraints == {"max_length": 9}
    assert by_name["User-Agent"].deprecated
    assert plan.return_type == dict[str, int]
    assert plan.body is None and not plan.is_trivial

    async def bare() -> None: ...

    trivial = build_plan(bare)
    assert trivial.is_trivial and trivial.is_async and trivial.return_type is type(None)
