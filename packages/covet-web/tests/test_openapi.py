"""The OpenAPI 3.1 document: what a representative app's routes and type hints become."""

from __future__ import annotations

import dataclasses
import enum
from typing import Annotated, Any, Literal, TypedDict

import msgspec
import pydantic
import pytest
from openapi_spec_validator import validate

from covet.web import (
    Body,
    ConfigurationError,
    Cookie,
    Covet,
    Depends,
    File,
    Form,
    Header,
    HTMLResponse,
    Path,
    Plugin,
    Query,
    Router,
    UploadFile,
    operation,
)
from covet.web.openapi import APIKey, HTTPBearer, OAuth2, OpenAPIConfig, generate_openapi

REF = "#/components/schemas/"


class Color(enum.Enum):
    red = "red"
    green = "green"


class Priority(enum.IntEnum):
    low = 1
    high = 2


class Tag(msgspec.Struct):
    name: str


class Item(msgspec.Struct):
    """An item for sale."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    price: Annotated[float, msgspec.Meta(gt=0)]
    tags: list[Tag] = []
    color: Color | None = None


@dataclasses.dataclass
class Address:
    street: str
    city: str


@dataclasses.dataclass
class Customer:
    name: str
    address: Address
    nickname: str | None = None


class Rating(TypedDict):
    stars: Literal[1, 2, 3, 4, 5]
    comment: str


class Author(pydantic.BaseModel):
    name: str


class Review(pydantic.BaseModel):
    title: str = pydantic.Field(min_length=3)
    author: Author
    score: float | None = None


class Money:
    """A type only a plugin knows how to describe."""


class MoneyPlugin(Plugin):
    def __init__(self) -> None:
        self.calls = 0

    def openapi_schema(self, tp: Any) -> dict[str, Any] | None:
        self.calls += 1
        if tp is Money:
            return {"type": "string", "pattern": r"^\d+\.\d\d [A-Z]{3}$"}
        return None


bearer = HTTPBearer(bearer_format="JWT")
api_key = APIKey("X-API-Key", scheme_name="apiKey")
oauth2 = OAuth2(token_url="/token", scopes={"items:write": "change items"})


def shop_app(plugin: Plugin | None = None) -> Covet:
    app = Covet(
        title="Shop",
        version="2.1.0",
        description="Things for sale.",
        plugins=[plugin or MoneyPlugin()],
        openapi=OpenAPIConfig(
            tags=[{"name": "items", "description": "What we sell."}],
            servers=[{"url": "https://shop.example.com"}],
            security_schemes=[api_key],
            info={"contact": {"name": "Shop team"}},
        ),
    )

    @app.get("/items/{item_id:int}", tags=["items"], responses={404: "No such item"})
    async def get_item(
        item_id: int,
        q: Annotated[str | None, Query(min_length=2, max_length=20, examples=["lamp"])] = None,
        limit: Annotated[int, Query(ge=1, le=100, description="Page size")] = 10,
        color: Color | None = None,
        order: Literal["asc", "desc"] = "asc",
        ids: Annotated[list[int], Query()] = [],  # noqa: B006 - a query default, never mutated
        request_id: Annotated[str | None, Header(alias="X-Request-Id")] = None,
        session: Annotated[str | None, Cookie()] = None,
        legacy: Annotated[str | None, Query(deprecated=True)] = None,
        hidden: Annotated[str | None, Query(include_in_schema=False)] = None,
    ) -> Item:
        """Fetch one item.

        Looks the item up by its id.
        """
        raise NotImplementedError

    @app.post("/items", tags=["items"], status_code=201, summary="Create an item")
    async def create_item(
        item: Item, token: Annotated[str, Depends(oauth2.require("items:write"))]
    ) -> Item:
        """The description: the decorator gives the summary.\f

        Args:
            item: after the form feed, for the code's readers only.
        """
        return item

    @app.post("/customers")
    async def create_customer(customer: Customer) -> list[Customer]:
        return [customer]

    @app.post("/ratings", deprecated=True)
    async def rate(rating: Rating) -> Rating | None:
        return None

    @app.put("/reviews/{slug}")
    async def put_review(slug: Annotated[str, Path(pattern="^[a-z-]+$")], review: Review) -> str:
        return review.title

    @app.post("/uploads")
    async def upload(
        file: Annotated[UploadFile, File(description="The main file")],
        extra: Annotated[list[UploadFile], File()],
        caption: Annotated[str, Form(max_length=80)],
    ) -> None:
        return None

    @app.post("/login")
    async def login(form: Annotated[Address, Form()]) -> HTMLResponse:
        return HTMLResponse("ok")

    @app.post("/embedded")
    async def embedded(
        tag: Annotated[Tag, Body()], note: Annotated[str, Body(examples=["hi"])] = ""
    ) -> dict[str, int]:
        return {}

    @app.get("/price")
    async def price(amount: Annotated[Money, Depends(lambda: Money())]) -> Money:
        return amount

    @app.get("/me", responses={401: {"description": "Who are you?"}})
    async def me(token: Annotated[str, Depends(bearer)]) -> dict[str, str]:
        return {"token": token}

    @app.get("/internal", include_in_schema=False)
    async def internal() -> None:
        return None

    @app.route("/both", methods=["GET", "POST"])
    async def both() -> None:
        return None

    @app.resource("/carts/{cart_id:int}")
    class Cart:
        async def get(self, cart_id: int) -> dict[str, int]:
            """Read a cart."""
            return {"id": cart_id}

        @operation(status_code=204)
        async def delete(self, cart_id: int) -> None:
            return None

    admin = Router(prefix="/admin", tags=["admin"], dependencies=[Depends(bearer)])

    @admin.get("/stats")
    async def stats() -> dict[str, int]:
        return {}

    app.include_router(admin)
    return app


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return generate_openapi(shop_app())


def op(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = doc["paths"][path][method]
    return operation


def params(doc: dict[str, Any], method: str, path: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in op(doc, method, path).get("parameters", [])}


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["info"] == {
        "title": "Shop",
        "version": "2.1.0",
        "description": "Things for sale.",
        "contact": {"name": "Shop team"},
    }
    assert doc["servers"] == [{"url": "https://shop.example.com"}]


def test_paths_use_openapi_templates_and_skip_hidden_routes(doc: dict[str, Any]) -> None:
    assert "/items/{item_id}" in doc["paths"]
    assert "/carts/{cart_id}" in doc["paths"]
    assert "/internal" not in doc["paths"]
    assert not any(p in doc["paths"] for p in ("/openapi.json", "/docs", "/redoc"))


def test_parameters_with_locations_schemas_and_constraints(doc: dict[str, Any]) -> None:
    p = params(doc, "get", "/items/{item_id}")
    assert p["item_id"] == {
        "name": "item_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    }
    assert p["q"] == {
        "name": "q",
        "in": "query",
        "required": False,
        "schema": {
            "type": ["string", "null"],
            "minLength": 2,
            "maxLength": 20,
            "default": None,
            "examples": ["lamp"],
        },
        "example": "lamp",
    }
    assert p["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}
    assert p["limit"]["description"] == "Page size"
    assert p["color"]["schema"] == {
        "anyOf": [{"$ref": REF + "Color"}, {"type": "null"}],
        "default": None,
    }
    assert p["order"]["schema"] == {"enum": ["asc", "desc"], "type": "string", "default": "asc"}
    assert p["ids"]["schema"] == {"type": "array", "items": {"type": "integer"}, "default": []}
    assert p["X-Request-Id"]["in"] == "header"
    assert p["session"]["in"] == "cookie"
    assert p["legacy"]["deprecated"] is True
    assert "hidden" not in p
    slug = params(doc, "put", "/reviews/{slug}")["slug"]
    assert slug["schema"] == {"type": "string", "pattern": "^[a-z-]+$"}


def test_enums_and_nested_models_become_components(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert schemas["Color"] == {"title": "Color", "enum": ["green", "red"], "type": "string"}
    assert schemas["Item"]["description"] == "An item for sale."
    assert schemas["Item"]["properties"]["tags"]["items"] == {"$ref": REF + "Tag"}
    assert schemas["Item"]["properties"]["name"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 50,
    }
    assert schemas["Item"]["properties"]["price"] == {"type": "number", "exclusiveMinimum": 0}
    assert schemas["Item"]["required"] == ["name", "price"]
    assert schemas["Customer"]["properties"]["address"] == {"$ref": REF + "Address"}
    # Nullable fields the 3.1 way (no "nullable": true), as generators expect.
    assert schemas["Customer"]["properties"]["nickname"] == {
        "type": ["string", "null"],
        "default": None,
    }
    assert schemas["Rating"]["properties"]["stars"] == {"enum": [1, 2, 3, 4, 5], "type": "integer"}
    # pydantic models describe themselves; their nested models are components too.
    assert schemas["Review"]["properties"]["author"] == {"$ref": REF + "Author"}
    assert schemas["Review"]["properties"]["title"]["minLength"] == 3
    assert schemas["Review"]["properties"]["score"]["type"] == ["number", "null"]
    assert schemas["Author"]["required"] == ["name"]
    assert "nullable" not in str(doc)


def test_request_bodies_in_every_style(doc: dict[str, Any]) -> None:
    def body(method: str, path: str) -> dict[str, Any]:
        request_body: dict[str, Any] = op(doc, method, path)["requestBody"]
        return request_body

    assert body("post", "/items") == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": REF + "Item"}}},
    }
    assert body("post", "/customers")["content"]["application/json"]["schema"] == {
        "$ref": REF + "Customer"
    }
    assert body("post", "/ratings")["content"]["application/json"]["schema"] == {
        "$ref": REF + "Rating"
    }
    assert body("put", "/reviews/{slug}")["content"]["application/json"]["schema"] == {
        "$ref": REF + "Review"
    }
    assert body("post", "/uploads") == {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The main file",
                        },
                        "extra": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "caption": {"type": "string", "maxLength": 80},
                    },
                    "required": ["file", "extra", "caption"],
                }
            }
        },
    }
    assert body("post", "/login")["content"] == {
        "application/x-www-form-urlencoded": {"schema": {"$ref": REF + "Address"}}
    }
    embedded = body("post", "/embedded")["content"]["application/json"]["schema"]
    assert embedded == {
        "type": "object",
        "properties": {
            "tag": {"$ref": REF + "Tag"},
            "note": {"type": "string", "default": "", "examples": ["hi"]},
        },
        "required": ["tag"],
    }


def test_responses_follow_return_annotations_and_status_codes(doc: dict[str, Any]) -> None:
    problem = {"$ref": REF + "ValidationProblem"}
    get_item = op(doc, "get", "/items/{item_id}")["responses"]
    assert get_item == {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": {"$ref": REF + "Item"}}},
        },
        "404": {
            "description": "No such item",
            "content": {"application/problem+json": {"schema": {"$ref": REF + "ProblemDetails"}}},
        },
        "422": {
            "description": "Validation failed",
            "content": {"application/problem+json": {"schema": problem}},
        },
    }
    assert list(op(doc, "post", "/items")["responses"]) == ["201", "422"]
    assert op(doc, "post", "/customers")["responses"]["200"]["content"]["application/json"] == {
        "schema": {"type": "array", "items": {"$ref": REF + "Customer"}}
    }
    assert op(doc, "post", "/ratings")["responses"]["200"]["content"]["application/json"] == {
        "schema": {"anyOf": [{"$ref": REF + "Rating"}, {"type": "null"}]}
    }
    assert op(doc, "post", "/uploads")["responses"]["204"] == {"description": "No Content"}
    assert op(doc, "put", "/reviews/{slug}")["responses"]["200"]["content"] == {
        "text/plain": {"schema": {"type": "string"}}
    }
    assert op(doc, "post", "/login")["responses"]["200"]["content"] == {
        "text/html": {"schema": {"type": "string"}}
    }
    assert op(doc, "delete", "/carts/{cart_id}")["responses"]["204"] == {
        "description": "No Content"
    }
    # No parameters, no body: nothing can fail validation.
    assert list(op(doc, "get", "/both")["responses"]) == ["204"]
    validation = doc["components"]["schemas"]["ValidationProblem"]
    assert validation["allOf"][0] == {"$ref": REF + "ProblemDetails"}
    assert validation["allOf"][1]["properties"]["errors"]["items"] == {
        "$ref": REF + "ValidationIssue"
    }


def test_summaries_descriptions_tags_and_deprecation(doc: dict[str, Any]) -> None:
    get_item = op(doc, "get", "/items/{item_id}")
    assert get_item["summary"] == "Fetch one item."
    assert get_item["description"] == "Looks the item up by its id."
    assert get_item["tags"] == ["items"]
    create = op(doc, "post", "/items")
    assert create["summary"] == "Create an item"
    assert create["description"] == "The description: the decorator gives the summary."
    assert op(doc, "post", "/customers")["summary"] == "Create Customer"  # from the name
    assert op(doc, "get", "/carts/{cart_id}")["summary"] == "Read a cart."
    assert op(doc, "post", "/ratings")["deprecated"] is True
    assert "deprecated" not in create
    assert op(doc, "get", "/admin/stats")["tags"] == ["admin"]
    assert doc["tags"] == [
        {"name": "items", "description": "What we sell."},
        {"name": "admin"},
    ]


def test_operation_ids_are_unique_and_come_from_route_names(doc: dict[str, Any]) -> None:
    ids = [o["operationId"] for item in doc["paths"].values() for o in item.values()]
    assert len(ids) == len(set(ids))
    assert op(doc, "get", "/items/{item_id}")["operationId"] == "get_item"
    assert op(doc, "get", "/both")["operationId"] == "both_get"
    assert op(doc, "post", "/both")["operationId"] == "both_post"
    assert op(doc, "get", "/carts/{cart_id}")["operationId"] == "Cart_get"
    assert op(doc, "delete", "/carts/{cart_id}")["operationId"] == "Cart_delete"


def test_security_schemes_from_dependencies_and_config(doc: dict[str, Any]) -> None:
    assert doc["components"]["securitySchemes"] == {
        "apiKey": {"type": "apiKey", "name": "X-API-Key", "in": "header"},
        "oauth2": {
            "type": "oauth2",
            "flows": {
                "password": {"tokenUrl": "/token", "scopes": {"items:write": "change items"}}
            },
        },
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    }
    assert op(doc, "get", "/me")["security"] == [{"bearer": []}]
    assert op(doc, "get", "/admin/stats")["security"] == [{"bearer": []}]  # router-wide
    assert op(doc, "post", "/items")["security"] == [{"oauth2": ["items:write"]}]
    assert "security" not in op(doc, "get", "/items/{item_id}")
    assert "security" not in doc  # nothing required app-wide
    assert op(doc, "get", "/me")["responses"]["401"] == {
        "description": "Who are you?",
        "content": {"application/problem+json": {"schema": {"$ref": REF + "ProblemDetails"}}},
    }


def test_plugins_describe_foreign_types(doc: dict[str, Any]) -> None:
    assert op(doc, "get", "/price")["responses"]["200"]["content"]["application/json"] == {
        "schema": {"type": "string", "pattern": r"^\d+\.\d\d [A-Z]{3}$"}
    }


def test_app_wide_security_requirement() -> None:
    app = Covet(openapi=OpenAPIConfig(security=[api_key]))

    @app.get("/ping")
    async def ping() -> str:
        return "pong"

    doc = generate_openapi(app)
    validate(doc)
    assert doc["security"] == [{"apiKey": []}]
    assert doc["components"]["securitySchemes"]["apiKey"]["in"] == "header"


def test_same_named_types_from_different_modules_get_distinct_components() -> None:
    first = msgspec.defstruct("Thing", [("a", int)], module="shop.one")
    second = msgspec.defstruct("Thing", [("b", str)], module="shop.two")
    app = Covet()
    app.add_route("/one", _returning(first), ["GET"], name="one")
    app.add_route("/two", _returning(second), ["GET"], name="two")
    doc = generate_openapi(app)
    validate(doc)
    assert {"shop.one.Thing", "shop.two.Thing"} <= set(doc["components"]["schemas"])
    schema = op(doc, "get", "/two")["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": REF + "shop.two.Thing"}


def _returning(tp: Any) -> Any:
    async def handler() -> Any:
        return None

    handler.__annotations__["return"] = tp
    return handler


def test_path_parameters_the_handler_ignores_are_still_described() -> None:
    app = Covet()

    @app.get("/files/{name}/{version:int}")
    async def file() -> None:
        return None

    doc = generate_openapi(app)
    validate(doc)
    assert params(doc, "get", "/files/{name}/{version}") == {
        "name": {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
        "version": {
            "name": "version",
            "in": "path",
            "required": True,
            "schema": {"type": "integer"},
        },
    }


def test_conflicting_security_scheme_names_are_a_clear_error() -> None:
    app = Covet(openapi=OpenAPIConfig(security_schemes=[HTTPBearer(scheme_name="auth")]))

    @app.get("/x")
    async def x(key: Annotated[str, Depends(APIKey("k", scheme_name="auth"))]) -> str:
        return key

    with pytest.raises(ConfigurationError, match=r"two different security schemes.*'auth'"):
        generate_openapi(app)


def test_a_pydantic_model_and_a_struct_with_one_name_are_a_clear_error() -> None:
    struct_author = msgspec.defstruct("Author", [("id", int)])
    app = Covet()

    @app.post("/a")
    async def a(author: Author) -> None:
        return None

    app.add_route("/b", _returning(struct_author), ["GET"], name="b")
    with pytest.raises(ConfigurationError, match="both named 'Author'"):
        generate_openapi(app)


def test_oauth2_needs_one_way_to_describe_its_flows() -> None:
    with pytest.raises(ValueError, match="exactly one of token_url"):
        OAuth2()
    with pytest.raises(ValueError, match="header, query or cookie"):
        APIKey("k", location="body")  # type: ignore[arg-type]
