"""JSON bodies: the four model styles, nested errors with their loc, every failing field
in one 422, embedded bodies, malformed JSON (400), wrong content type (415), validators."""

import dataclasses
import enum
from typing import Annotated, Any, Literal, NotRequired, TypedDict

import msgspec
import pydantic
import pytest

from covet.web._params import build_plan
from covet.web._request import Request
from covet.web.params import (
    Body,
    MalformedBodyError,
    Query,
    RequestValidationError,
    UnsupportedMediaTypeError,
    Validator,
)

from ._synthetic import make_request


def post(body: bytes, content_type: str | None = "application/json") -> Request:
    headers = [("content-type", content_type)] if content_type is not None else []
    return make_request(method="POST", body=body, headers=headers)


async def errors_of(plan: Any, request: Request) -> list[dict[str, Any]]:
    with pytest.raises(RequestValidationError) as info:
        await plan.run(request)
    return info.value.errors


class Kind(enum.Enum):
    TOOL = "tool"
    TOY = "toy"


class TagStruct(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1)]


class ItemStruct(msgspec.Struct):
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]
    qty: int
    kind: Kind = Kind.TOOL
    tags: list[TagStruct] = []


@dataclasses.dataclass
class TagDC:
    name: Annotated[str, msgspec.Meta(min_length=1)]


@dataclasses.dataclass
class ItemDC:
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]
    qty: int
    kind: Kind = Kind.TOOL
    tags: list[TagDC] = dataclasses.field(default_factory=list)


class TagTD(TypedDict):
    name: Annotated[str, msgspec.Meta(min_length=1)]


class ItemTD(TypedDict):
    name: str
    price: Annotated[float, msgspec.Meta(gt=0)]
    qty: int
    kind: NotRequired[Kind]
    tags: NotRequired[list[TagTD]]


class TagPD(pydantic.BaseModel):
    name: str = pydantic.Field(min_length=1)


class ItemPD(pydantic.BaseModel):
    name: str
    price: float = pydantic.Field(gt=0)
    qty: int
    kind: Kind = Kind.TOOL
    tags: list[TagPD] = []


GOOD = b'{"name": "saw", "price": 9.5, "qty": 2, "kind": "toy", "tags": [{"name": "a"}]}'
BAD = b'{"name": 3, "price": -1, "kind": "food", "tags": [{"name": "ok"}, {"name": ""}]}'


def as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    return msgspec.to_builtins(value)  # type: ignore[no-any-return]


@pytest.mark.parametrize("model", [ItemStruct, ItemDC, ItemTD, ItemPD])
async def test_four_body_styles_decode(model: Any) -> None:
    async def create(item: model) -> Any:  # type: ignore[valid-type]
        return item

    plan = build_plan(create)
    value = await plan.run(post(GOOD))
    assert as_dict(value) == {
        "name": "saw",
        "price": 9.5,
        "qty": 2,
        "kind": "toy",
        "tags": [{"name": "a"}],
    }
    assert plan.body is not None and plan.body.type is model
    assert plan.body.media_type == "application/json"


@pytest.mark.parametrize("model", [ItemStruct, ItemDC, ItemTD])
async def test_every_failing_field_with_nested_loc(model: Any) -> None:
    async def create(item: model) -> Any:  # type: ignore[valid-type]
        return item

    errors = await errors_of(build_plan(create), post(BAD))
    by_loc = {tuple(e["loc"]): e["type"] for e in errors}
    assert by_loc == {
        ("body", "name"): "type_error",
        ("body", "price"): "constraint",
        ("body", "qty"): "missing",
        ("body", "kind"): "enum",
        ("body", "tags", 1, "name"): "constraint",
    }


async def test_pydantic_errors_keep_their_types_under_body() -> None:
    async def create(item: ItemPD) -> Any:
        return item

    errors = await errors_of(build_plan(create), post(BAD))
    locs = {tuple(e["loc"]) for e in errors}
    assert {("body", "name"), ("body", "price"), ("body", "qty"), ("body", "kind")} <= locs
    assert ("body", "tags", 1, "name") in locs
    assert all(e["msg"] for e in errors)


async def test_query_and_body_errors_reported_together() -> None:
    async def create(item: ItemStruct, limit: Annotated[int, Query(le=5)] = 1) -> Any:
        return item

    request = make_request(
        method="POST", query=b"limit=9", body=b'{"name": "x", "price": 1}', headers=[]
    )
    errors = await errors_of(build_plan(create), request)
    assert [e["loc"] for e in errors] == [["query", "limit"], ["body", "qty"]]


@pytest.mark.parametrize("model", [ItemStruct, ItemPD])
@pytest.mark.parametrize("body", [b"{bad", b'{"name": "x",', b"\xff\xfe", b'{"a": 1} trailing'])
async def test_malformed_json_is_its_own_error(model: Any, body: bytes) -> None:
    async def create(item: model) -> Any:  # type: ignore[valid-type]
        return item

    with pytest.raises(MalformedBodyError) as info:
        await build_plan(create).run(post(body))
    assert info.value.status == 400


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
async def test_wrong_content_type_is_415(content_type: str) -> None:
    async def create(item: ItemStruct) -> Any:
        return item

    with pytest.raises(UnsupportedMediaTypeError) as info:
        await build_plan(create).run(post(GOOD, content_type))
    assert info.value.status == 415


@pytest.mark.parametrize(
    "content_type", [None, "application/json; charset=utf-8", "application/vnd.api+json"]
)
async def test_json_content_types_accepted(content_type: str | None) -> None:
    async def create(item: ItemStruct) -> Any:
        return item

    assert (await build_plan(create).run(post(GOOD, content_type))).name == "saw"


async def test_declared_charset_is_honoured() -> None:
    async def create(item: TagStruct) -> str:
        return item.name

    body = '{"name": "caf\u00e9"}'.encode("latin-1")
    plan = build_plan(create)
    assert await plan.run(post(body, "application/json; charset=latin-1")) == "caf\u00e9"


async def test_missing_and_optional_body() -> None:
    async def required(item: ItemStruct) -> Any:
        return item

    async def optional(item: ItemStruct | None = None) -> Any:
        return item

    errors = await errors_of(build_plan(required), post(b""))
    assert errors == [{"loc": ["body"], "msg": "Field required", "type": "missing"}]
    assert await build_plan(optional).run(post(b"")) is None
    assert (await build_plan(optional).run(post(GOOD))).qty == 2


async def test_wrong_top_level_json_type() -> None:
    async def create(item: ItemStruct) -> Any:
        return item

    errors = await errors_of(build_plan(create), post(b"[1, 2]"))
    assert errors == [
        {"loc": ["body"], "msg": "Expected `object`, got `array`", "type": "type_error"}
    ]


async def test_list_and_dict_bodies() -> None:
    async def many(items: list[TagStruct]) -> int:
        return len(items)

    async def mapping(scores: dict[str, int]) -> int:
        return sum(scores.values())

    assert await build_plan(many).run(post(b'[{"name": "a"}, {"name": "b"}]')) == 2
    errors = await errors_of(build_plan(many), post(b'[{"name": "a"}, {}, {"name": ""}]'))
    assert [e["loc"] for e in errors] == [["body", 1, "name"], ["body", 2, "name"]]
    assert await build_plan(mapping).run(post(b'{"a": 1, "b": 2}')) == 3
    errors = await errors_of(build_plan(mapping), post(b'{"a": 1, "b": "x"}'))
    assert errors[0]["loc"] == ["body", "b"]


async def test_embedded_bodies() -> None:
    async def update(
        item: ItemStruct, importance: Annotated[int, Body(ge=1)], note: Annotated[str, Body()] = ""
    ) -> Any:
        return item.name, importance, note

    plan = build_plan(update)
    body = b'{"item": {"name": "a", "price": 1, "qty": 1}, "importance": 3}'
    assert await plan.run(post(body)) == ("a", 3, "")
    errors = await errors_of(plan, post(b'{"item": {"name": "a", "price": 0}, "importance": 0}'))
    assert [e["loc"] for e in errors] == [
        ["body", "item", "price"],
        ["body", "item", "qty"],
        ["body", "importance"],
    ]
    assert plan.body is not None and plan.body.type is None
    assert [f.name for f in plan.body.fields] == ["item", "importance", "note"]
    errors = await errors_of(plan, post(b"[]"))
    assert errors[0]["loc"] == ["body"]


async def test_single_scalar_body_and_embed_flag() -> None:
    async def bare(n: Annotated[int, Body()]) -> int:
        return n

    async def embedded(n: Annotated[int, Body(embed=True)]) -> int:
        return n

    assert await build_plan(bare).run(post(b"5")) == 5
    assert await build_plan(embedded).run(post(b'{"n": 6}')) == 6


async def test_literal_optional_and_defaults_in_models() -> None:
    class Query_(msgspec.Struct):
        order: Literal["asc", "desc"] = "asc"
        after: int | None = None

    async def search(q: Query_) -> Any:
        return q

    plan = build_plan(search)
    assert await plan.run(post(b"{}")) == Query_()
    errors = await errors_of(plan, post(b'{"order": "up", "after": "x"}'))
    assert [(e["loc"], e["type"]) for e in errors] == [
        (["body", "order"], "enum"),
        (["body", "after"], "type_error"),
    ]


async def test_post_init_and_forbid_unknown_fields() -> None:
    class Range(msgspec.Struct, forbid_unknown_fields=True):
        low: int
        high: int

        def __post_init__(self) -> None:
            if self.low > self.high:
                raise ValueError("low must not exceed high")

    async def create(r: Range) -> Any:
        return r

    plan = build_plan(create)
    errors = await errors_of(plan, post(b'{"low": 5, "high": 1}'))
    assert errors == [{"loc": ["body"], "msg": "low must not exceed high", "type": "value_error"}]
    errors = await errors_of(plan, post(b'{"low": 1, "high": 2, "extra": 0}'))
    assert errors == [
        {
            "loc": ["body", "extra"],
            "msg": "Object contains unknown field `extra`",
            "type": "unknown_field",
        }
    ]


async def test_renamed_struct_fields_use_wire_names() -> None:
    class User(msgspec.Struct, rename="camel"):
        first_name: str
        age: int

    async def create(u: User) -> Any:
        return u

    errors = await errors_of(build_plan(create), post(b'{"age": "x"}'))
    assert [e["loc"] for e in errors] == [["body", "firstName"], ["body", "age"]]


async def test_validators_on_body_parameters() -> None:
    taken = {"saw"}

    async def unique(item: ItemStruct) -> ItemStruct:
        if item.name in taken:
            raise ValueError(f"{item.name!r} exists")
        return item

    async def create(item: Annotated[ItemStruct, Validator(unique)]) -> str:
        return item.name

    plan = build_plan(create)
    errors = await errors_of(plan, post(GOOD))
    assert errors == [{"loc": ["body"], "msg": "'saw' exists", "type": "value_error"}]
    assert await plan.run(post(GOOD.replace(b"saw", b"axe"))) == "axe"


async def test_pydantic_validators_run() -> None:
    class Signup(pydantic.BaseModel):
        password: str

        @pydantic.field_validator("password")
        @classmethod
        def strong(cls, value: str) -> str:
            if len(value) < 8:
                raise ValueError("too short")
            return value

    async def create(s: Signup) -> str:
        return s.password

    errors = await errors_of(build_plan(create), post(b'{"password": "x"}'))
    assert errors[0]["loc"] == ["body", "password"] and "too short" in errors[0]["msg"]


class _Named(msgspec.Struct):
    name: str


@pytest.mark.parametrize("body", [b'{"name": "\xe9"}', b'\xff\xfe{"name": 1}'])
def test_invalid_utf8_json_body_is_a_400_problem_not_a_500(body: bytes) -> None:
    from covet.web import Covet
    from covet.web.testing import TestClient

    app = Covet()

    @app.post("/one")
    async def one(item: _Named) -> dict[str, str]:
        return {"name": item.name}

    @app.post("/two")
    async def two(item: _Named, other: _Named) -> dict[str, str]:
        return {"name": item.name + other.name}

    with TestClient(app) as client:
        for path in ("/one", "/two"):
            response = client.post(path, content=body, headers={"content-type": "application/json"})
            assert response.status_code == 400, (path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
