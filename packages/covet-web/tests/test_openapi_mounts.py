"""Mounted Covet apps in the parent's OpenAPI document: prefixes, names and what is served."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest
from openapi_spec_validator import validate

from covet.web import Covet, Depends, Router
from covet.web.openapi import APIKey, HTTPBearer, OpenAPIConfig, generate_openapi
from covet.web.staticfiles import StaticFiles
from covet.web.testing import TestClient

REF = "#/components/schemas/"


class Shared(msgspec.Struct):
    """The same type in both apps: one component."""

    id: int


Item = msgspec.defstruct("Item", [("name", str)], module="shop.v1")
ItemV2 = msgspec.defstruct("Item", [("title", str), ("sku", str)], module="shop.v2")
Order = msgspec.defstruct("Order", [("item", Item)], module="shop.v1")
OrderV2 = msgspec.defstruct("Order", [("item", ItemV2)], module="shop.v2")


def returning(tp: Any, value: Any = None) -> Any:
    """A handler annotated to return ``tp``; it answers ``value``."""

    async def handler() -> Any:
        return value

    handler.__annotations__["return"] = tp
    return handler


v2_auth = APIKey("X-Key", scheme_name="auth")  # the parent's "auth" is another scheme


def v2_app() -> Covet:
    app = Covet(
        title="Shop v2",
        openapi=OpenAPIConfig(
            tags=[{"name": "orders", "description": "Orders, v2 style."}],
            security=[HTTPBearer(scheme_name="v2token")],
        ),
    )
    app.add_route("/items", returning(list[ItemV2], []), ["GET"], name="list_items")
    app.add_route("/orders", returning(OrderV2, None), ["GET"], name="get_order", tags=["orders"])
    app.add_route("/shared", returning(Shared, Shared(1)), ["GET"], name="shared")

    @app.get("/keyed")
    async def keyed(key: Annotated[str, Depends(v2_auth)]) -> str:
        return key

    reports = Router(prefix="/reports", tags=["reports"])

    @reports.get("/daily")
    async def daily() -> dict[str, int]:
        return {"daily": 1}

    app.include_router(reports)
    return app


def shop_app() -> Covet:
    app = Covet(
        title="Shop",
        openapi=OpenAPIConfig(
            tags=[{"name": "items"}], security_schemes=[HTTPBearer(scheme_name="auth")]
        ),
    )
    app.add_route("/items", returning(list[Item], []), ["GET"], name="list_items", tags=["items"])
    app.add_route("/orders", returning(Order, None), ["GET"], name="get_order", tags=["orders"])
    app.add_route("/shared", returning(Shared, Shared(2)), ["GET"], name="shared")
    app.mount("/v2", v2_app())
    return app


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    document = generate_openapi(shop_app())
    validate(document)
    return document


def op(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = doc["paths"][path][method]
    return operation


def response_schema(doc: dict[str, Any], path: str) -> Any:
    return op(doc, "get", path)["responses"]["200"]["content"]["application/json"]["schema"]


def test_mounted_operations_appear_under_the_mount_path(doc: dict[str, Any]) -> None:
    assert list(doc["paths"]) == [
        "/items",
        "/orders",
        "/shared",
        "/v2/items",
        "/v2/orders",
        "/v2/shared",
        "/v2/keyed",
        "/v2/reports/daily",  # an included router of the mounted app
    ]
    assert op(doc, "get", "/v2/reports/daily")["tags"] == ["reports"]
    assert doc["info"]["title"] == "Shop"  # the parent's document, not the mounted app's


def test_same_types_are_shared_and_different_ones_renamed(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert response_schema(doc, "/shared") == response_schema(doc, "/v2/shared")
    assert response_schema(doc, "/shared") == {"$ref": REF + "Shared"}
    # Item differs: the mounted one is renamed, and its references follow ...
    assert response_schema(doc, "/items")["items"] == {"$ref": REF + "Item"}
    assert response_schema(doc, "/v2/items")["items"] == {"$ref": REF + "v2.Item"}
    assert set(schemas["Item"]["properties"]) == {"name"}
    assert set(schemas["v2.Item"]["properties"]) == {"title", "sku"}
    # ... so Order, which differs only through Item, is renamed too.
    assert schemas["Order"]["properties"]["item"] == {"$ref": REF + "Item"}
    assert response_schema(doc, "/v2/orders") == {"$ref": REF + "v2.Order"}
    assert schemas["v2.Order"]["properties"]["item"] == {"$ref": REF + "v2.Item"}
    assert schemas["ProblemDetails"]["title"] == "ProblemDetails"  # shared, not duplicated
    assert not any(name.startswith("v2.Problem") for name in schemas)


def test_operation_ids_stay_unique(doc: dict[str, Any]) -> None:
    ids = [o["operationId"] for item in doc["paths"].values() for o in item.values()]
    assert len(ids) == len(set(ids))
    assert op(doc, "get", "/items")["operationId"] == "list_items"
    assert op(doc, "get", "/v2/items")["operationId"] == "v2_list_items"
    assert op(doc, "get", "/v2/keyed")["operationId"] == "keyed"  # not taken: kept


def test_security_and_tags_of_the_mounted_app_are_kept(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["auth"] == {"type": "http", "scheme": "bearer"}  # the parent's
    assert schemes["v2.auth"] == {"type": "apiKey", "name": "X-Key", "in": "header"}
    assert schemes["v2token"] == {"type": "http", "scheme": "bearer"}
    # The mounted app's own requirement, renamed with its scheme:
    assert op(doc, "get", "/v2/keyed")["security"] == [{"v2.auth": []}]
    # Its app-wide requirement moves onto its other operations, not onto the parent's.
    assert op(doc, "get", "/v2/items")["security"] == [{"v2token": []}]
    assert "security" not in op(doc, "get", "/items")
    assert "security" not in doc
    assert doc["tags"] == [
        {"name": "items"},
        {"name": "orders", "description": "Orders, v2 style."},  # described by the mount
        {"name": "reports"},
    ]


def test_the_served_document_matches_what_each_path_answers() -> None:
    app = shop_app()
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
        validate(document)
        assert document == generate_openapi(app)
        assert client.get("/v2/shared").json() == {"id": 1}  # served by the mounted app
        assert client.get("/shared").json() == {"id": 2}
        assert client.get("/v2/reports/daily").json() == {"daily": 1}
        # The mounted app still serves its own document, relative to its mount.
        own = client.get("/v2/openapi.json").json()
        validate(own)
        assert own["servers"] == [{"url": "/v2"}]
        assert "/items" in own["paths"] and "/v2/items" not in own["paths"]


def test_foreign_apps_and_apps_without_a_document_stay_out(tmp_path: Any) -> None:
    (tmp_path / "a.txt").write_text("a")
    hidden = Covet(openapi_url=None)

    @hidden.get("/secret")
    async def secret() -> str:
        return "s"

    async def raw_asgi(scope: Any, receive: Any, send: Any) -> None:
        raise NotImplementedError

    app = Covet()
    app.mount("/static", StaticFiles(directory=tmp_path))
    app.mount("/raw", raw_asgi)
    app.mount("/hidden", hidden)
    document = generate_openapi(app)
    validate(document)
    assert document["paths"] == {}
    with TestClient(app) as client:
        assert client.get("/hidden/secret").text == "s"  # served, just not documented


def test_parent_routes_and_longer_mounts_hide_what_they_answer() -> None:
    outer, inner = Covet(), Covet()
    outer.add_route("/ping", returning(str, "outer"), ["GET"], name="outer_ping")
    outer.add_route("/admin/ping", returning(str, "outer-admin"), ["GET"], name="outer_admin")
    outer.add_route("/shadowed", returning(str, "outer"), ["GET", "POST"], name="mine")
    outer.add_route("/hidden", returning(str, "outer"), ["GET"], name="outer_hidden")
    inner.add_route("/ping", returning(str, "inner"), ["GET"], name="inner_ping")
    app = Covet()
    app.add_route("/api/shadowed", returning(str, "parent"), ["GET"], name="parent", tags=["x"])
    app.add_route("/api/hidden", returning(str, "parent"), ["GET"], include_in_schema=False)
    app.mount("/api", outer)
    app.mount("/api/admin", inner)
    document = generate_openapi(app)
    validate(document)
    paths = document["paths"]
    assert paths["/api/ping"]["get"]["operationId"] == "outer_ping"
    assert paths["/api/admin/ping"]["get"]["operationId"] == "inner_ping"  # not outer_admin
    assert list(paths["/api/shadowed"]) == ["get", "post"]
    assert paths["/api/shadowed"]["get"]["operationId"] == "parent"
    assert paths["/api/shadowed"]["post"]["operationId"] == "mine_post"
    assert "/api/hidden" not in paths  # answered by the parent's undocumented route
    with TestClient(app) as client:
        assert client.get("/api/admin/ping").text == "inner"
        assert client.get("/api/shadowed").text == "parent"
        assert client.post("/api/shadowed").text == "outer"
        assert client.get("/api/hidden").text == "parent"


def test_mounts_in_routers_and_nested_mounts_get_every_prefix() -> None:
    leaf = Covet()
    leaf.add_route("/deep", returning(str, "deep"), ["GET"], name="deep")
    middle = Covet()
    middle.mount("/leaf", leaf)
    router = Router(prefix="/api")
    router.mount("/middle", middle)
    app = Covet()
    app.include_router(router)
    document = generate_openapi(app)
    validate(document)
    assert list(document["paths"]) == ["/api/middle/leaf/deep"]
    with TestClient(app) as client:
        assert client.get("/api/middle/leaf/deep").text == "deep"


def test_an_app_mounted_in_itself_is_documented_once() -> None:
    app = Covet()
    app.add_route("/x", returning(str, "x"), ["GET"], name="x")
    app.mount("/again", app)
    document = generate_openapi(app)
    validate(document)
    assert list(document["paths"]) == ["/x"]


def test_renamed_names_never_take_an_existing_one() -> None:
    # The parent already has a component called "v2.Item": the next free name is used.
    taken = msgspec.defstruct("v2.Item", [("other", bool)], module="shop.v1")
    sub = Covet()
    sub.add_route("/items", returning(ItemV2), ["GET"], name="items")
    app = Covet()
    app.add_route("/one", returning(Item), ["GET"], name="one")
    app.add_route("/two", returning(taken), ["GET"], name="two")
    app.mount("/v2", sub)
    document = generate_openapi(app)
    validate(document)
    schemas = document["components"]["schemas"]
    assert set(schemas["v2.Item"]["properties"]) == {"other"}
    assert set(schemas["v2.Item_2"]["properties"]) == {"title", "sku"}
    assert response_schema(document, "/v2/items") == {"$ref": REF + "v2.Item_2"}
