"""Hypothesis: random query strings, headers and JSON bodies never escape as anything but
a 422 (RequestValidationError) or a 400 (MalformedBodyError)."""

import datetime
import enum
import uuid
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covet.web._params import build_plan
from covet.web._request import Request
from covet.web.params import Header, MalformedBodyError, Query, RequestValidationError


def make_request(
    *,
    query: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    path_params: dict[str, Any] | None = None,
    method: str = "GET",
) -> Request:
    """A real Request over a synthetic ASGI scope (what the app builds per request)."""
    scope = {
        "type": "http",
        "method": method,
        "path": "/",
        "query_string": query,
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "path_params": path_params or {},
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


class Color(enum.Enum):
    RED = "red"


class Inner(msgspec.Struct):
    when: datetime.date
    ids: list[uuid.UUID] = []


class Model(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(max_length=5)]
    n: Annotated[int, msgspec.Meta(ge=0)]
    ratio: float | None = None
    color: Color = Color.RED
    mode: Literal["a", "b"] = "a"
    inner: Inner | None = None
    scores: dict[str, int] = {}


async def query_handler(
    a: int,
    b: Annotated[float, Query(gt=0)] = 1.0,
    c: list[int] = [],  # noqa: B006
    d: bool = False,
    e: Color | None = None,
    f: uuid.UUID | None = None,
    g: Annotated[str, Query(pattern="^[a-z]*$", max_length=3)] = "",
    h: datetime.datetime | None = None,
    x_num: Annotated[int | None, Header()] = None,
    x_tags: Annotated[list[Literal["p", "q"]], Header()] = [],  # noqa: B006
) -> str:
    return "ok"


async def body_handler(item: Model, extra: int = 0) -> str:
    return "ok"


QUERY_PLAN = build_plan(query_handler)
BODY_PLAN = build_plan(body_handler)

keys = st.sampled_from([*"abcdefgh", "x", ""])
values = st.text(max_size=30) | st.sampled_from(
    ["1", "-1", "0", "1.5", "true", "red", "nan", "inf", ""]
)
pairs = st.lists(st.tuples(keys, values), max_size=12)
latin1 = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=20)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    pairs=pairs,
    raw=st.binary(max_size=40),
    headers=st.lists(
        st.tuples(st.sampled_from(["x-num", "x-tags", "x-other"]), latin1), max_size=5
    ),
)
async def test_random_queries_and_headers_only_fail_validation(
    pairs: list[tuple[str, str]], raw: bytes, headers: list[tuple[str, str]]
) -> None:
    from urllib.parse import urlencode

    for query in (urlencode(pairs).encode(), raw):
        errors: list[dict[str, Any]] = []
        try:
            assert await QUERY_PLAN.run(make_request(query=query, headers=headers)) == "ok"
        except RequestValidationError as exc:
            errors = exc.errors
            assert errors
        for error in errors:
            assert error["loc"][0] in ("query", "header")
            assert isinstance(error["msg"], str) and error["type"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)
model_like = st.fixed_dictionaries(
    {},
    optional={
        "name": json_values,
        "n": json_values,
        "ratio": json_values,
        "color": st.sampled_from(["red", "blue"]) | json_values,
        "mode": json_values,
        "inner": st.fixed_dictionaries({}, optional={"when": json_values, "ids": json_values})
        | json_values,
        "scores": json_values,
    },
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(value=model_like | json_values, garbage=st.binary(max_size=30))
async def test_random_json_bodies_only_fail_validation(value: Any, garbage: bytes) -> None:
    for body in (msgspec.json.encode(value), garbage):
        request = make_request(
            method="POST", body=body, headers=[("content-type", "application/json")]
        )
        errors: list[dict[str, Any]] = []
        try:
            assert await BODY_PLAN.run(request) == "ok"
        except RequestValidationError as exc:
            errors = exc.errors
            assert errors
        except MalformedBodyError:
            continue  # the 400 kind: what a byte soup is expected to give
        assert all(error["loc"][0] == "body" for error in errors)
