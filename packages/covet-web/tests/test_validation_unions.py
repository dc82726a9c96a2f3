"""Union bodies: a discriminator (a Literal field or a msgspec tag) selects the member whose
errors are reported with full locations; without one, members are tried in turn and one
error says why each failed."""

import dataclasses
from typing import Annotated, Any, Literal, TypedDict

import msgspec
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covet.web import Covet
from covet.web._params import build_plan
from covet.web._request import Request
from covet.web.params import Body, RequestValidationError, Validator
from covet.web.testing import TestClient

from ._synthetic import make_request


def post(body: bytes) -> Request:
    return make_request(method="POST", body=body, headers=[("content-type", "application/json")])


async def errors_of(plan: Any, request: Request) -> list[dict[str, Any]]:
    with pytest.raises(RequestValidationError) as info:
        await plan.run(request)
    return info.value.errors


def no_rex(name: str) -> str:
    if name == "rex":
        raise ValueError("rex is taken")
    return name


Name = Annotated[str, Validator(no_rex)]


@dataclasses.dataclass
class CatD:
    kind: Literal["cat"]
    name: Name
    lives: int = 9


@dataclasses.dataclass
class DogD:
    kind: Literal["dog"]
    name: Name
    tricks: list[str] = dataclasses.field(default_factory=list)


class CatT(TypedDict):
    kind: Literal["cat"]
    name: Name
    lives: int


class DogT(TypedDict):
    kind: Literal["dog"]
    name: Name
    tricks: list[str]


class CatS(msgspec.Struct):
    kind: Literal["cat"]
    name: Name
    lives: int = 9


class DogS(msgspec.Struct):
    kind: Literal["dog"]
    name: Name
    tricks: list[str] = []


class CatP(pydantic.BaseModel):
    kind: Literal["cat"]
    name: Name
    lives: int = 9


class DogP(pydantic.BaseModel):
    kind: Literal["dog"]
    name: Name
    tricks: list[str] = []


def as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump()
    return msgspec.to_builtins(value)  # type: ignore[no-any-return]


PAIRS = [(CatD, DogD), (CatT, DogT), (CatS, DogS), (CatP, DogP)]


@pytest.mark.parametrize(("cat", "dog"), PAIRS)
async def test_literal_discriminator_selects_the_member(cat: Any, dog: Any) -> None:
    async def adopt(pet: cat | dog) -> Any:  # type: ignore[valid-type]
        return pet

    plan = build_plan(adopt)
    value = await plan.run(post(b'{"kind": "dog", "name": "odie", "tricks": ["sit"]}'))
    assert isinstance(value, dict if dog is DogT else dog)
    assert as_dict(value) == {"kind": "dog", "name": "odie", "tricks": ["sit"]}


@pytest.mark.parametrize(("cat", "dog"), PAIRS)
async def test_errors_are_the_selected_members_with_full_locations(cat: Any, dog: Any) -> None:
    async def adopt(pet: cat | dog) -> Any:  # type: ignore[valid-type]
        return pet

    plan = build_plan(adopt)
    errors = await errors_of(plan, post(b'{"kind": "dog", "name": 5, "tricks": [1]}'))
    assert [e["loc"] for e in errors] == [["body", "name"], ["body", "tricks", 0]]
    errors = await errors_of(plan, post(b'{"kind": "cow", "name": "x"}'))
    assert errors == [
        {"loc": ["body", "kind"], "msg": "Expected 'cat' or 'dog', got 'cow'", "type": "enum"}
    ]
    errors = await errors_of(plan, post(b"[1]"))
    assert errors == [
        {"loc": ["body"], "msg": "Expected `object`, got `array`", "type": "type_error"}
    ]


@pytest.mark.parametrize(("cat", "dog"), PAIRS)
async def test_validators_inside_union_members_run(cat: Any, dog: Any) -> None:
    async def adopt(pet: cat | dog) -> Any:  # type: ignore[valid-type]
        return pet

    errors = await errors_of(build_plan(adopt), post(b'{"kind": "cat", "name": "rex", "lives": 3}'))
    assert errors == [{"loc": ["body", "name"], "msg": "rex is taken", "type": "value_error"}]


class TaggedCat(msgspec.Struct, tag="cat", tag_field="kind"):
    lives: int
    name: str


class TaggedDog(msgspec.Struct, tag="dog", tag_field="kind"):
    name: str


async def test_tagged_structs_report_every_error_of_the_selected_member() -> None:
    async def adopt(pet: TaggedCat | TaggedDog) -> Any:
        return pet

    plan = build_plan(adopt)
    assert await plan.run(post(b'{"kind": "dog", "name": "odie"}')) == TaggedDog("odie")
    errors = await errors_of(plan, post(b'{"kind": "cat", "lives": "x"}'))
    assert errors == [
        {"loc": ["body", "lives"], "msg": "Expected `int`, got `str`", "type": "type_error"},
        {"loc": ["body", "name"], "msg": "Field required", "type": "missing"},
    ]
    errors = await errors_of(plan, post(b'{"kind": "cow"}'))
    assert [e["loc"] for e in errors] == [["body", "kind"]]


@dataclasses.dataclass
class Card:
    number: str
    cvc: str


@dataclasses.dataclass
class Transfer:
    iban: str


async def test_without_discriminator_the_first_member_that_validates_wins() -> None:
    async def pay(method: Card | Transfer) -> Any:
        return method

    plan = build_plan(pay)
    assert await plan.run(post(b'{"iban": "DE00"}')) == Transfer("DE00")
    assert await plan.run(post(b'{"number": "4242", "cvc": "123"}')) == Card("4242", "123")


async def test_members_that_know_every_key_are_tried_first() -> None:
    @dataclasses.dataclass
    class Loose:
        note: str = ""

    @dataclasses.dataclass
    class Exact:
        iban: str

    async def pay(method: Loose | Exact) -> Any:
        return method

    assert await build_plan(pay).run(post(b'{"iban": "DE00"}')) == Exact("DE00")


async def test_without_discriminator_one_error_names_each_member() -> None:
    async def pay(method: Card | Transfer) -> Any:
        return method

    errors = await errors_of(build_plan(pay), post(b'{"number": 4242}'))
    assert errors == [
        {
            "loc": ["body"],
            "msg": "Matches none of Card, Transfer: Card (number): Expected `str`, got `int`; "
            "Transfer (iban): Field required",
            "type": "union",
        }
    ]
    errors = await errors_of(build_plan(pay), post(b'"card"'))
    assert errors == [
        {"loc": ["body"], "msg": "Expected `object`, got `str`", "type": "type_error"}
    ]


async def test_an_object_without_the_discriminator_is_tried_member_by_member() -> None:
    async def adopt(pet: CatD | DogD) -> Any:
        return pet

    errors = await errors_of(build_plan(adopt), post(b'{"name": "x"}'))
    assert errors == [
        {
            "loc": ["body"],
            "msg": "Matches none of CatD, DogD: CatD (kind): Field required; "
            "DogD (kind): Field required",
            "type": "union",
        }
    ]


async def test_optional_and_embedded_unions() -> None:
    async def maybe(pet: CatD | DogD | None = None) -> Any:
        return pet

    plan = build_plan(maybe)
    assert await plan.run(post(b"")) is None
    assert await plan.run(post(b"null")) is None
    assert await plan.run(post(b'{"kind": "cat", "name": "tom"}')) == CatD("cat", "tom")

    async def both(pet: CatP | DogP, owner: Annotated[str, Body()]) -> Any:
        return pet, owner

    plan = build_plan(both)
    body = b'{"pet": {"kind": "dog", "name": "odie"}, "owner": "jon"}'
    assert await plan.run(post(body)) == (DogP(kind="dog", name="odie"), "jon")
    errors = await errors_of(plan, post(b'{"pet": {"kind": "cat", "lives": "x"}, "owner": "jon"}'))
    assert [e["loc"] for e in errors] == [["body", "pet", "name"], ["body", "pet", "lives"]]


async def test_unions_of_models_and_lists_of_them() -> None:
    async def adopt(pets: CatD | list[CatD]) -> Any:
        return pets

    plan = build_plan(adopt)
    assert await plan.run(post(b'{"kind": "cat", "name": "a"}')) == CatD("cat", "a")
    assert await plan.run(post(b'[{"kind": "cat", "name": "a"}]')) == [CatD("cat", "a")]

    async def adopt_any(pets: CatD | DogD | list[CatD]) -> Any:
        return pets

    plan = build_plan(adopt_any)
    assert await plan.run(post(b'[{"kind": "cat", "name": "a"}]')) == [CatD("cat", "a")]
    assert await plan.run(post(b'{"kind": "dog", "name": "b"}')) == DogD("dog", "b")
    errors = await errors_of(plan, post(b"5"))
    assert errors == [
        {
            "loc": ["body"],
            "msg": "Matches none of CatD, DogD, list[CatD]: CatD: Expected `object`, got `int`; "
            "DogD: Expected `object`, got `int`; list[CatD]: Expected `array`, got `int`",
            "type": "union",
        }
    ]


def test_a_union_failure_is_one_problem_json_422() -> None:
    app = Covet()

    @app.post("/pets", status_code=201)
    async def adopt(pet: CatD | DogD) -> dict[str, str]:
        return {"kind": pet.kind, "name": pet.name}

    with TestClient(app) as client:
        created = client.post("/pets", json={"kind": "cat", "name": "tom"})
        assert created.status_code == 201
        response = client.post("/pets", json={"kind": "dog", "name": "rex"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"loc": ["body", "name"], "msg": "rex is taken", "type": "value_error"}
    ]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)
pet_like = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.sampled_from(["cat", "dog", "cow"]) | json_values,
        "name": st.sampled_from(["tom", "rex"]) | json_values,
        "lives": json_values,
        "tricks": st.lists(json_values, max_size=2) | json_values,
    },
)


async def _adopt_d(pet: CatD | DogD) -> str:
    return "ok"


async def _adopt_t(pet: CatT | DogT) -> str:
    return "ok"


async def _adopt_s(pet: CatS | DogS) -> str:
    return "ok"


async def _adopt_p(pet: CatP | DogP) -> str:
    return "ok"


async def _pay(method: Card | Transfer | None = None) -> str:
    return "ok"


PLANS = [build_plan(f) for f in (_adopt_d, _adopt_t, _adopt_s, _adopt_p, _pay)]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(value=pet_like | json_values)
async def test_random_bodies_against_unions_only_fail_validation(value: Any) -> None:
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
