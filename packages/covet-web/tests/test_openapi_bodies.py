"""Every body and parameter type the params layer accepts has a valid description.

One app with a route per body style; for JSON bodies, the document's schema accepts the
body the app accepts and refuses the body the app refuses. Constraints written with
``annotated_types`` appear in the schemas, as they are enforced.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal, TypedDict

import attrs
import msgspec
import pydantic
import pytest
from annotated_types import Ge, Gt, Le, MaxLen, MinLen
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from covet.web import Body, Cookie, Covet, File, Form, Header, Query, UploadFile
from covet.web.openapi import generate_openapi
from covet.web.testing import TestClient

REF = "#/components/schemas/"


@dataclasses.dataclass
class Address:
    city: str


@dataclasses.dataclass
class Customer:
    name: str
    address: Address


class Point(TypedDict):
    x: int
    y: int


class Item(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1)]
    price: float


class Order(pydantic.BaseModel):
    item: str
    quantity: int = pydantic.Field(ge=1)


@attrs.define
class Parcel:
    weight: int


class Card(msgspec.Struct, tag="card"):
    last4: str


class Cash(msgspec.Struct, tag="cash"):
    amount: int


@dataclasses.dataclass
class Cat:
    kind: Literal["cat"]
    lives: int


class Dog(pydantic.BaseModel):
    kind: Literal["dog"]
    good: bool


@dataclasses.dataclass
class Login:
    username: str
    age: int


# path → (body type, a body the app accepts, a body it refuses)
JSON_BODIES: dict[str, tuple[Any, Any, Any]] = {
    "/dataclass": (Customer, {"name": "a", "address": {"city": "b"}}, {"name": "a"}),
    "/typeddict": (Point, {"x": 1, "y": 2}, {"x": 1, "y": "2"}),
    "/struct": (Item, {"name": "pen", "price": 1.5}, {"name": "", "price": 1.5}),
    "/pydantic": (Order, {"item": "pen", "quantity": 2}, {"item": "pen", "quantity": 0}),
    "/attrs": (Parcel, {"weight": 3}, {"weight": "heavy"}),
    "/list-of-dataclasses": (list[Customer], [], [{"name": "a"}]),
    "/dict-of-structs": (dict[str, Item], {"a": {"name": "x", "price": 1}}, {"a": {}}),
    "/list-of-pydantic": (list[Order], [{"item": "x", "quantity": 1}], [{"item": "x"} | {}]),
    "/dict-of-lists": (dict[str, list[Point]], {"a": [{"x": 1, "y": 1}]}, {"a": [{}]}),
    "/optional": (Customer | None, None, {"name": 1}),
    "/optional-pydantic": (Order | None, None, {"item": 1}),
    "/tagged": (Card | Cash, {"type": "cash", "amount": 5}, {"type": "coin"}),
    "/tagged-optional": (Card | Cash | None, None, {"type": "card"}),
    "/untagged": (Cat | Dog, {"kind": "dog", "good": True}, {"kind": "cow"}),
    "/untagged-optional": (Cat | Dog | None, None, {"kind": "cat"}),
    "/list-of-unions": (list[Cat | Dog], [{"kind": "cat", "lives": 9}], [{"kind": "dog"}]),
    "/union-with-scalar": (Dog | int, 5, "5"),
    "/capped": (Annotated[list[Order], Body(max_length=1)], [], [{"item": "x"}] * 2),
    "/items-in-range": (list[Annotated[int, Ge(0), Le(9)]], [0, 9], [10]),
}


def body_app() -> Covet:
    app = Covet()
    for path, (tp, _, _) in JSON_BODIES.items():

        async def handler(body: Any) -> str:
            return "ok"

        handler.__annotations__["body"] = Annotated[tp, Body()]
        app.add_route(path, handler, ["POST"], name=path.strip("/"))

    @app.post("/embedded")
    async def embedded(
        customer: Customer, count: Annotated[int, Body(), Ge(1)], pet: Cat | Dog
    ) -> str:
        return "ok"

    @app.post("/form-model")
    async def form_model(data: Annotated[Login, Form()]) -> str:
        return "ok"

    @app.post("/form-pydantic")
    async def form_pydantic(data: Annotated[Order, Form()]) -> str:
        return "ok"

    @app.post("/form-fields")
    async def form_fields(
        name: Annotated[str, Form(), MinLen(2)], age: Annotated[int, Form(), Gt(0)] = 1
    ) -> str:
        return "ok"

    @app.post("/upload")
    async def upload(
        photo: UploadFile, caption: Annotated[str, Form()] = "", extra: UploadFile | None = None
    ) -> str:
        return "ok"

    @app.post("/uploads")
    async def uploads(files: Annotated[list[UploadFile], File(max_size=100)]) -> str:
        return "ok"

    @app.post("/raw-file")
    async def raw_file(data: Annotated[bytes, File()]) -> str:
        return "ok"

    return app


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    with TestClient(body_app()) as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_the_document_of_every_body_style_is_valid(doc: dict[str, Any]) -> None:
    validate(doc)
    assert len(doc["paths"]) == len(JSON_BODIES) + 7


def _request_schema(doc: dict[str, Any], path: str, media: str = "application/json") -> Any:
    return doc["paths"][path]["post"]["requestBody"]["content"][media]["schema"]


@pytest.mark.parametrize("path", list(JSON_BODIES))
def test_json_body_schemas_accept_what_the_app_accepts(doc: dict[str, Any], path: str) -> None:
    _, good, bad = JSON_BODIES[path]
    schema = Draft202012Validator({**_request_schema(doc, path), "components": doc["components"]})
    assert schema.is_valid(good)
    assert not schema.is_valid(bad)
    json = {"content-type": "application/json"}
    with TestClient(body_app()) as client:
        assert client.post(path, content=msgspec.json.encode(good), headers=json).text == "ok"
        refused = client.post(path, content=msgspec.json.encode(bad), headers=json)
        assert refused.status_code == 422


def test_forms_and_uploads(doc: dict[str, Any]) -> None:
    form = "application/x-www-form-urlencoded"
    assert _request_schema(doc, "/form-model", form) == {"$ref": REF + "Login"}
    assert _request_schema(doc, "/form-pydantic", form) == {"$ref": REF + "Order"}
    assert _request_schema(doc, "/form-fields", form) == {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 2},
            "age": {"type": "integer", "exclusiveMinimum": 0, "default": 1},
        },
        "required": ["name"],
    }
    binary = {"type": "string", "format": "binary"}
    upload = _request_schema(doc, "/upload", "multipart/form-data")
    assert upload["properties"]["photo"] == binary
    assert upload["properties"]["extra"] == {"anyOf": [binary, {"type": "null"}]}
    assert upload["required"] == ["photo"]
    uploads = _request_schema(doc, "/uploads", "multipart/form-data")
    assert uploads["properties"]["files"] == {"type": "array", "items": binary}
    assert _request_schema(doc, "/raw-file", "multipart/form-data")["properties"]["data"] == binary


def test_embedded_body_fields(doc: dict[str, Any]) -> None:
    properties = _request_schema(doc, "/embedded")["properties"]
    assert properties["customer"] == {"$ref": REF + "Customer"}
    assert properties["count"] == {"type": "integer", "minimum": 1}
    assert properties["pet"]["discriminator"] == {
        "propertyName": "kind",
        "mapping": {"cat": REF + "Cat", "dog": REF + "Dog"},
    }


# -- annotated_types constraints on parameters ------------------------------------------


def constrained_app() -> Covet:
    app = Covet()

    @app.get("/shops/{shop_id}")
    async def shop(
        shop_id: Annotated[int, Ge(1)],
        q: Annotated[str, Query(), MinLen(2), MaxLen(5)] = "ab",
        tags: Annotated[list[Annotated[str, MaxLen(3)]], Query()] = [],  # noqa: B006
        limit: Annotated[Annotated[int, Le(10)] | None, Query()] = None,
        ratio: Annotated[float, pydantic.Field(gt=0, le=1)] = 0.5,
        version: Annotated[int, Header(), Ge(2)] = 2,
        session: Annotated[Annotated[str, MinLen(8)] | None, Cookie()] = None,
    ) -> str:
        return "ok"

    return app


def test_annotated_types_constraints_appear_in_parameter_schemas() -> None:
    app = constrained_app()
    doc = generate_openapi(app)
    validate(doc)
    schemas = {
        p["name"]: p["schema"] for p in doc["paths"]["/shops/{shop_id}"]["get"]["parameters"]
    }
    assert schemas == {
        "shop_id": {"type": "integer", "minimum": 1},
        "q": {"type": "string", "minLength": 2, "maxLength": 5, "default": "ab"},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}, "default": []},
        "limit": {"type": ["integer", "null"], "maximum": 10, "default": None},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.5},
        "Version": {"type": "integer", "minimum": 2, "default": 2},
        "session": {"type": ["string", "null"], "minLength": 8, "default": None},
    }
    with TestClient(app) as client:  # each constraint the document shows is enforced
        assert client.get("/shops/1").status_code == 200
        refused = client.get(
            "/shops/0",
            params={"q": "a", "tags": "abcd", "limit": "11", "ratio": "0"},
            headers={"version": "1", "cookie": "session=short"},
        )
        locations = {tuple(e["loc"][:2]) for e in refused.json()["errors"]}
        assert locations == {
            ("path", "shop_id"),
            ("query", "q"),
            ("query", "tags"),
            ("query", "limit"),
            ("query", "ratio"),
            ("header", "version"),
            ("cookie", "session"),
        }
