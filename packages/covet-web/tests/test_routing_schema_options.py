"""Route options read by the OpenAPI document: a router hidden as a whole, ``operation_id``.

A router hidden from the schema still serves its routes; hiding reaches the routers it
includes, and one router included twice can be shown in one place and hidden in another.
``operation_id`` travels with the route through prefixes and includes.
"""

from __future__ import annotations

from typing import Any

import pytest

from covet.web import ConfigurationError, Covet, HTTPRoute, Mount, Router, operation
from covet.web.testing import TestClient


def documented_paths(client: TestClient) -> list[str]:
    return list(client.get("/openapi.json").json()["paths"])


def health_router(**options: Any) -> Router:
    router = Router(**options)

    @router.get("/health")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    return router


def test_a_router_hidden_from_the_schema_is_still_served() -> None:
    internal = health_router(prefix="/internal", include_in_schema=False)
    nested = health_router(prefix="/nested")
    internal.include_router(nested)  # hidden too: it is part of the hidden router
    app = Covet()
    app.include_router(internal)

    @app.get("/public")
    async def public() -> str:
        return "public"

    with TestClient(app) as client:
        assert client.get("/internal/health").json() == {"ok": True}
        assert client.get("/internal/nested/health").json() == {"ok": True}
        assert documented_paths(client) == ["/public"]
    shown = {r.path: r.include_in_schema for r in app.routes if isinstance(r, HTTPRoute)}
    assert shown == {"/internal/health": False, "/internal/nested/health": False, "/public": True}


def test_include_router_can_hide_one_inclusion_of_a_router() -> None:
    router = health_router()
    app = Covet()
    app.include_router(router, prefix="/v1", include_in_schema=False)
    app.include_router(router, prefix="/v2")
    with TestClient(app) as client:
        assert client.get("/v1/health").status_code == 200
        assert client.get("/v2/health").status_code == 200
        assert documented_paths(client) == ["/v2/health"]


def test_a_hidden_inclusion_hides_the_routers_included_below_it() -> None:
    leaf = health_router(prefix="/leaf")
    middle = Router(prefix="/middle")
    middle.include_router(leaf)
    app = Covet()
    app.include_router(middle, include_in_schema=False)
    with TestClient(app) as client:
        assert client.get("/middle/leaf/health").status_code == 200
        assert documented_paths(client) == []


def test_a_route_hidden_by_itself_stays_hidden_in_a_shown_router() -> None:
    router = Router(prefix="/r")

    @router.get("/secret", include_in_schema=False)
    async def secret() -> str:
        return "s"

    @router.resource("/items", include_in_schema=False)
    class Items:
        async def get(self) -> list[int]:
            return [1]

    app = Covet()
    app.include_router(router)
    with TestClient(app) as client:
        assert client.get("/r/secret").text == "s"
        assert client.get("/r/items").json() == [1]
        assert documented_paths(client) == []


def test_a_mount_in_a_hidden_router_is_marked_hidden() -> None:
    hidden = Router(prefix="/admin", include_in_schema=False)
    hidden.mount("/tools", Covet())
    shown = Router()
    shown.mount("/public", Covet())
    app = Covet()
    app.include_router(hidden)
    app.include_router(shown)
    mounts = {r.path: r.include_in_schema for r in app.routes if isinstance(r, Mount)}
    assert mounts == {"/admin/tools": False, "/public": True}


def test_operation_id_travels_with_the_route() -> None:
    router = Router(prefix="/items")

    @router.get("/{id:int}", operation_id="getItem")
    async def read_item(id: int) -> dict[str, int]:
        return {"id": id}

    @router.resource("/{id:int}/stock")
    class Stock:
        @operation(operation_id="getStock")
        async def get(self, id: int) -> int:
            return id * 2

        async def put(self, id: int) -> None:
            return None

    app = Covet()
    app.include_router(router, prefix="/v1")

    @app.post("/items")
    async def create_item() -> None:
        return None

    ids = {(r.path, r.methods): r.operation_id for r in app.routes if isinstance(r, HTTPRoute)}
    assert ids == {
        ("/v1/items/{id:int}", ("GET",)): "getItem",
        ("/v1/items/{id:int}/stock", ("GET",)): "getStock",
        ("/v1/items/{id:int}/stock", ("PUT",)): None,
        ("/items", ("POST",)): None,
    }
    with TestClient(app) as client:
        assert client.get("/v1/items/3").json() == {"id": 3}
        assert client.get("/v1/items/3/stock").json() == 6


@pytest.mark.parametrize(
    ("methods", "operation_id", "message"),
    [
        (["GET"], "", "operation_id must be a non-empty string"),
        (["GET"], 7, "operation_id must be a non-empty string"),
        (["GET", "POST"], "both", "names one operation, but the route answers GET, POST"),
    ],
)
def test_a_bad_operation_id_is_a_configuration_error(
    methods: list[str], operation_id: Any, message: str
) -> None:
    app = Covet()

    async def handler() -> None:
        return None

    with pytest.raises(ConfigurationError, match=message):
        app.add_route("/x", handler, methods, operation_id=operation_id)
