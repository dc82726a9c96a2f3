"""Validators and constraints declared inside body types: they run for nested values
(models in models, list items, dict values, optionals), in all four model styles, and fail
with their full loc in one 422."""

import asyncio
import dataclasses
from typing import Annotated, Any, NotRequired, TypedDict

import annotated_types as at
import attrs
import msgspec
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covet.web import Covet
from covet.web._params import ParameterError, build_plan
from covet.web._request import Request
from covet.web.params import (
    Body,
    Form,
    Query,
    RequestValidationError,
    Validator,
)
from covet.web.testing import TestClient

from ._synthetic import make_request

CALLS: list[str] = []


def post(body: bytes, content_type: str = "application/json", query: bytes = b"") -> Request:
    headers = [("content-type", content_type)]
    return make_request(method="POST", body=body, headers=headers, query=query)


async def errors_of(plan: Any, request: Request) -> list[dict[str, Any]]:
    with pytest.raises(RequestValidationError) as info:
        await plan.run(request)
    return info.value.errors


def sku(value: str) -> str:
    """Normalises, and rejects one reserved value."""
    CALLS.append(value)
    if value.strip().lower() == "void":
        raise ValueError("unknown sku")
    return value.strip().upper()


async def in_stock(value: str) -> str:
    await asyncio.sleep(0)  # a lookup, say
    if value == "GONE":
        raise ValueError(f"{value} is out of stock")
    return value


Sku = Annotated[str, Validator(sku), Validator(in_stock)]


class LineS(msgspec.Struct):
    sku: Sku
    qty: int = 1


class OrderS(msgspec.Struct):
    lines: list[LineS]
    gift: LineS | None = None
    by_store: dict[str, LineS] = {}


@dataclasses.dataclass
class LineD:
    sku: Sku
    qty: int = 1


@dataclasses.dataclass
class OrderD:
    lines: list[LineD]
    gift: LineD | None = None
    by_store: dict[str, LineD] = dataclasses.field(default_factory=dict)


class LineT(TypedDict):
    sku: Sku
    qty: NotRequired[int]


class OrderT(TypedDict):
    lines: list[LineT]
    gift: NotRequired[LineT | None]
    by_store: NotRequired[dict[str, LineT]]


class LineP(pydantic.BaseModel):
    sku: Sku
    qty: int = 1


class OrderP(pydantic.BaseModel):
    lines: list[LineP]
    gift: LineP | None = None
    by_store: dict[str, LineP] = {}


def skus(order: Any) -> list[Any]:
    data = order.model_dump() if isinstance(order, pydantic.BaseModel) else order
    data = msgspec.to_builtins(data)
    return [
        [line["sku"] for line in data["lines"]],
        (data.get("gift") or {}).get("sku"),
        {k: v["sku"] for k, v in data.get("by_store", {}).items()},
    ]


ORDERS = [OrderS, OrderD, OrderT, OrderP]
GOOD = b'{"lines": [{"sku": " ab "}, {"sku": "cd"}], "gift": {"sku": "ef"}, "by_store": {"x": {"sku": "gh"}}}'
BAD = (
    b'{"lines": [{"sku": "ab"}, {"sku": "cd"}, {"sku": "void"}], '
    b'"gift": {"sku": "gone"}, "by_store": {"paris": {"sku": "VOID "}}}'
)


@pytest.mark.parametrize("order", ORDERS)
async def test_nested_validators_run_and_normalise(order: Any) -> None:
    async def create(o: order) -> Any:  # type: ignore[valid-type]
        return o

    value = await build_plan(create).run(post(GOOD))
    assert skus(value) == [["AB", "CD"], "EF", {"x": "GH"}]


@pytest.mark.parametrize("order", ORDERS)
async def test_nested_failures_have_full_locations(order: Any) -> None:
    async def create(o: order) -> Any:  # type: ignore[valid-type]
        return o

    errors = await errors_of(build_plan(create), post(BAD))
    assert errors == [
        {"loc": ["body", "lines", 2, "sku"], "msg": "unknown sku", "type": "value_error"},
        {"loc": ["body", "gift", "sku"], "msg": "GONE is out of stock", "type": "value_error"},
        {"loc": ["body", "by_store", "paris", "sku"], "msg": "unknown sku", "type": "value_error"},
    ]


@pytest.mark.parametrize("order", ORDERS)
async def test_optional_nested_model_may_be_null_or_left_out(order: Any) -> None:
    async def create(o: order) -> Any:  # type: ignore[valid-type]
        return o

    plan = build_plan(create)
    assert skus(await plan.run(post(b'{"lines": [], "gift": null}'))) == [[], None, {}]
    assert skus(await plan.run(post(b'{"lines": []}'))) == [[], None, {}]


async def test_validators_run_only_once_the_body_decodes() -> None:
    async def create(o: OrderS) -> Any:
        return o

    CALLS.clear()
    errors = await errors_of(build_plan(create), post(b'{"lines": [{"sku": "void"}, {"sku": 3}]}'))
    assert errors == [
        {
            "loc": ["body", "lines", 1, "sku"],
            "msg": "Expected `str`, got `int`",
            "type": "type_error",
        }
    ]
    assert CALLS == []


async def test_inner_failure_stops_outer_validators() -> None:
    seen: list[Any] = []

    def whole_order(order: OrderD) -> OrderD:
        seen.append(order)
        return order

    def lines_not_empty(lines: list[LineD]) -> list[LineD]:
        seen.append(lines)
        if not lines:
            raise ValueError("an order needs a line")
        return lines

    @dataclasses.dataclass
    class Checked:
        lines: Annotated[list[LineD], Validator(lines_not_empty)]

    async def create(o: Annotated[Checked, Validator(whole_order)]) -> Any:
        return o

    plan = build_plan(create)
    errors = await errors_of(plan, post(b'{"lines": [{"sku": "void"}]}'))
    assert [e["loc"] for e in errors] == [["body", "lines", 0, "sku"]]
    assert seen == []
    errors = await errors_of(plan, post(b'{"lines": []}'))
    assert errors == [
        {"loc": ["body", "lines"], "msg": "an order needs a line", "type": "value_error"}
    ]
    assert (await plan.run(post(b'{"lines": [{"sku": "a"}]}'))).lines == [LineD("A")]
    assert len(seen) == 3  # lines twice, then the whole order once


async def test_defaults_are_trusted() -> None:
    @dataclasses.dataclass
    class Pick:
        sku: Sku = "void"
        tags: list[Sku] = dataclasses.field(default_factory=list)

    async def create(p: Pick) -> Any:
        return p

    plan = build_plan(create)
    assert await plan.run(post(b"{}")) == Pick()
    errors = await errors_of(plan, post(b'{"sku": "void"}'))
    assert errors[0]["loc"] == ["body", "sku"]


async def test_frozen_models_tuples_and_sets_are_rebuilt_with_normalised_values() -> None:
    class FrozenS(msgspec.Struct, frozen=True):
        sku: Sku

    @dataclasses.dataclass(frozen=True)
    class FrozenD:
        one: FrozenS
        pair: tuple[Sku, Sku]
        many: tuple[Sku, ...]
        unique: frozenset[Sku]

    async def create(f: FrozenD) -> Any:
        return f

    body = b'{"one": {"sku": "a"}, "pair": ["b", "c"], "many": ["d"], "unique": ["e", "f"]}'
    value = await build_plan(create).run(post(body))
    assert value == FrozenD(FrozenS("A"), ("B", "C"), ("D",), frozenset({"E", "F"}))


@attrs.frozen
class LineA:
    sku: Sku
    qty: int = 1


async def test_attrs_classes() -> None:
    async def create(lines: list[LineA]) -> Any:
        return lines

    plan = build_plan(create)
    assert await plan.run(post(b'[{"sku": "a", "qty": 2}]')) == [LineA("A", 2)]
    errors = await errors_of(plan, post(b'[{"sku": "a"}, {"sku": "void"}]'))
    assert errors == [{"loc": ["body", 1, "sku"], "msg": "unknown sku", "type": "value_error"}]


@dataclasses.dataclass
class Category:
    name: Sku
    children: list["Category"] = dataclasses.field(default_factory=list)


async def test_recursive_models() -> None:
    async def create(c: Category) -> Any:
        return c

    plan = build_plan(create)
    body = b'{"name": "a", "children": [{"name": "b", "children": [{"name": "void"}]}]}'
    errors = await errors_of(plan, post(body))
    assert errors[0]["loc"] == ["body", "children", 0, "children", 0, "name"]
    value = await plan.run(post(body.replace(b"void", b"z")))
    assert value.children[0].children[0].name == "Z"


async def test_pydantic_aliases_name_the_location() -> None:
    class Line(pydantic.BaseModel):
        sku: Annotated[Sku, pydantic.Field(alias="SKU")]

    async def create(lines: list[Line]) -> Any:
        return lines

    errors = await errors_of(build_plan(create), post(b'[{"SKU": "a"}, {"SKU": "void"}]'))
    assert errors == [{"loc": ["body", 1, "SKU"], "msg": "unknown sku", "type": "value_error"}]


async def test_embedded_parameters_and_form_models() -> None:
    async def embedded(line: LineS, note: Annotated[list[Sku], Body()]) -> Any:
        return line.sku, note

    plan = build_plan(embedded)
    assert await plan.run(post(b'{"line": {"sku": "a"}, "note": ["b"]}')) == ("A", ["B"])
    errors = await errors_of(plan, post(b'{"line": {"sku": "void"}, "note": ["b", "gone"]}'))
    assert [e["loc"] for e in errors] == [["body", "line", "sku"], ["body", "note", 1]]

    async def form(line: Annotated[LineD, Form()]) -> Any:
        return line

    plan = build_plan(form)
    form_type = "application/x-www-form-urlencoded"
    assert await plan.run(post(b"sku=a&qty=2", form_type)) == LineD("A", 2)
    errors = await errors_of(plan, post(b"sku=void", form_type))
    assert errors == [{"loc": ["form", "sku"], "msg": "unknown sku", "type": "value_error"}]


async def test_validators_inside_query_lists() -> None:
    async def search(skus: Annotated[list[Annotated[str, Validator(sku)]], Query()]) -> Any:
        return skus

    plan = build_plan(search)
    assert await plan.run(make_request(query=b"skus=a&skus=b")) == ["A", "B"]
    errors = await errors_of(plan, make_request(query=b"skus=a&skus=void"))
    assert errors == [{"loc": ["query", "skus", 1], "msg": "unknown sku", "type": "value_error"}]

    async def lookup(skus: Annotated[list[Sku], Query()]) -> Any:
        return skus

    with pytest.raises(ParameterError, match="async Validator"):
        build_plan(lookup)


# -- pydantic models inside other types ----------------------------------------------------


class Tag(pydantic.BaseModel):
    name: str = pydantic.Field(min_length=1)


@dataclasses.dataclass
class Labelled:
    title: str
    tags: list[Tag]


async def test_pydantic_models_inside_other_types_validate_with_full_locations() -> None:
    async def in_dict(tags: dict[str, Tag]) -> Any:
        return tags

    async def in_dataclass(item: Labelled) -> Any:
        return item

    assert await build_plan(in_dict).run(post(b'{"a": {"name": "x"}}')) == {"a": Tag(name="x")}
    errors = await errors_of(build_plan(in_dict), post(b'{"a": {"name": ""}}'))
    assert [e["loc"] for e in errors] == [["body", "a", "name"]]
    item = await build_plan(in_dataclass).run(post(b'{"title": "t", "tags": [{"name": "x"}]}'))
    assert item == Labelled("t", [Tag(name="x")])
    errors = await errors_of(build_plan(in_dataclass), post(b'{"title": 1, "tags": [{}]}'))
    assert [(e["loc"], e["type"]) for e in errors] == [
        (["body", "title"], "string_type"),
        (["body", "tags", 0, "name"], "missing"),
    ]


async def test_pydantic_form_models() -> None:
    class Signup(pydantic.BaseModel):
        name: str
        tags: list[str] = []
        age: int = pydantic.Field(ge=18)

    async def signup(s: Annotated[Signup, Form()]) -> Any:
        return s

    plan = build_plan(signup)
    form_type = "application/x-www-form-urlencoded"
    value = await plan.run(post(b"name=a&tags=x&tags=y&age=20", form_type))
    assert value == Signup(name="a", tags=["x", "y"], age=20)
    errors = await errors_of(plan, post(b"name=a&age=3", form_type))
    assert [e["loc"] for e in errors] == [["form", "age"]]


def test_pydantic_models_and_structs_do_not_mix() -> None:
    @dataclasses.dataclass
    class Mixed:
        tag: Tag
        line: LineS

    async def create(m: Mixed) -> Any:
        return m

    with pytest.raises(ParameterError, match="mixes pydantic models with msgspec Structs"):
        build_plan(create)


# -- constraints written for pydantic --------------------------------------------------------


async def test_annotated_types_constraints_are_enforced_on_parameters() -> None:
    async def create(
        scores: Annotated[list[Annotated[int, at.Ge(0)]], Body()],
        page: Annotated[int, at.Ge(1), at.Le(9)] = 1,
        tags: Annotated[list[Annotated[str, at.MaxLen(3)]], Query()] = [],  # noqa: B006
    ) -> Any:
        return scores, page, tags

    plan = build_plan(create)
    assert await plan.run(post(b"[0, 1]", query=b"page=2&tags=ab")) == (
        [0, 1],
        2,
        ["ab"],
    )
    errors = await errors_of(plan, post(b"[1, -1]", query=b"page=0&tags=abcd"))
    assert errors == [
        {"loc": ["query", "page"], "msg": "Expected `int` >= 1", "type": "constraint"},
        {
            "loc": ["query", "tags", 0],
            "msg": "Expected `str` of length <= 3",
            "type": "constraint",
        },
        {"loc": ["body", 1], "msg": "Expected `int` >= 0", "type": "constraint"},
    ]


def test_constraints_msgspec_would_ignore_are_refused_at_start_up() -> None:
    @dataclasses.dataclass
    class Price:
        amount: Annotated[int, at.Gt(0)]

    async def create(p: Price) -> Any:
        return p

    with pytest.raises(ParameterError, match=r"Gt\(gt=0\).*msgspec.Meta"):
        build_plan(create)

    async def odd(n: Annotated[int, at.Predicate(lambda n: n % 2 == 1)]) -> Any:
        return n

    with pytest.raises(ParameterError, match="Validator"):
        build_plan(odd)


async def test_marker_constraints_apply_to_pydantic_bodies() -> None:
    async def create(tags: Annotated[list[Tag], Body(max_length=2)]) -> Any:
        return tags

    plan = build_plan(create)
    assert await plan.run(post(b'[{"name": "a"}]')) == [Tag(name="a")]
    errors = await errors_of(plan, post(b'[{"name": "a"}, {"name": "b"}, {"name": "c"}]'))
    assert [(e["loc"], e["type"]) for e in errors] == [(["body"], "too_long")]


def test_msgspec_constraints_pydantic_would_ignore_are_refused_at_start_up() -> None:
    class Price(pydantic.BaseModel):
        amount: Annotated[int, msgspec.Meta(gt=0)]

    async def create(p: Price) -> Any:
        return p

    with pytest.raises(ParameterError, match=r"Meta\(gt=0\).*pydantic.Field"):
        build_plan(create)


# -- through the app -------------------------------------------------------------------------


def test_a_nested_failure_is_one_problem_json_422() -> None:
    app = Covet()

    @app.post("/orders")
    async def create(order: OrderD) -> dict[str, Any]:
        return {"skus": [line.sku for line in order.lines]}

    with TestClient(app) as client:
        assert client.post("/orders", json={"lines": [{"sku": "a"}]}).json() == {"skus": ["A"]}
        response = client.post("/orders", json={"lines": [{"sku": "a"}, {"sku": "void"}]})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"loc": ["body", "lines", 1, "sku"], "msg": "unknown sku", "type": "value_error"}
    ]


@dataclasses.dataclass
class Folder:
    name: str
    children: list["Folder"] = dataclasses.field(default_factory=list)


@pytest.mark.parametrize("model", [Folder, Category, LineS])
def test_a_body_nested_too_deeply_is_a_400(model: Any) -> None:
    app = Covet()

    @app.post("/tree")
    async def create(tree: model) -> str:  # type: ignore[valid-type]
        return "ok"

    @app.post("/embedded")
    async def embedded(tree: model, note: Annotated[str, Body()]) -> str:  # type: ignore[valid-type]
        return "ok"

    depth = 5000
    deep = b'{"name": "a", "sku": "a", "children": [' * depth + b"{}" + b"]}" * depth
    with TestClient(app) as client:
        for path, body in (("/tree", deep), ("/embedded", b'{"tree": ' + deep + b"}")):
            response = client.post(path, content=body, headers={"content-type": "application/json"})
            assert response.status_code == 400, response.text
            assert response.json()["detail"] == "the JSON body is nested too deeply"


# -- random bodies ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)
line_like = st.fixed_dictionaries(
    {}, optional={"sku": st.sampled_from(["a", "void", "gone"]) | json_values, "qty": json_values}
)
order_like = st.fixed_dictionaries(
    {},
    optional={
        "lines": st.lists(line_like | json_values, max_size=4) | json_values,
        "gift": line_like | json_values,
        "by_store": st.dictionaries(st.text(max_size=4), line_like | json_values, max_size=3)
        | json_values,
    },
)


async def _create_s(o: OrderS) -> str:
    return "ok"


async def _create_d(o: OrderD) -> str:
    return "ok"


async def _create_t(o: OrderT) -> str:
    return "ok"


async def _create_p(o: OrderP) -> str:
    return "ok"


PLANS = [build_plan(f) for f in (_create_s, _create_d, _create_t, _create_p)]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(value=order_like | json_values)
async def test_random_bodies_against_nested_models_only_fail_validation(value: Any) -> None:
    body = msgspec.json.encode(value)
    for plan in PLANS:
        errors: list[dict[str, Any]] = []
        try:
            assert await plan.run(post(body)) == "ok"
        except RequestValidationError as exc:
            errors = exc.errors
            assert errors
        for error in errors:
            assert error["loc"][0] == "body"
            assert isinstance(error["msg"], str) and error["msg"]
