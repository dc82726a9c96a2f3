"""The OpenAPI document honours ``operation_id=``, routers hidden with their mounts, and
parameter defaults of any integer size."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from covet.web import ConfigurationError, Covet, Router
from covet.web.openapi import generate_openapi
from covet.web.testing import TestClient


def document(app: Covet) -> dict:  # type: ignore[type-arg]
    with TestClient(app) as client:
        response = client.get("/openapi.json")
        assert response.status_code == 200
        doc = response.json()
    validate(doc)
    return doc  # type: ignore[no-any-return]


def test_an_explicit_operation_id_is_used_and_generated_ids_avoid_it() -> None:
    app = Covet()

    @app.get("/items/{item_id:int}", operation_id="getItem")
    async def read(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/other")
    async def getItem() -> str:
        return "x"

    paths = document(app)["paths"]
    assert paths["/items/{item_id}"]["get"]["operationId"] == "getItem"
    assert paths["/other"]["get"]["operationId"] == "getItem_2"


def test_two_routes_with_one_operation_id_are_refused() -> None:
    app = Covet()

    @app.get("/a", operation_id="same")
    async def a() -> str:
        return "a"

    @app.get("/b", operation_id="same")
    async def b() -> str:
        return "b"

    with pytest.raises(ConfigurationError, match="operation_id='same'"):
        generate_openapi(app)


def test_a_covet_app_mounted_in_a_hidden_router_is_left_out() -> None:
    sub = Covet()

    @sub.get("/secret")
    async def secret() -> str:
        return "s"

    hidden = Router(prefix="/admin", include_in_schema=False)
    hidden.mount("/tools", sub)
    shown = Router(prefix="/v2")
    shown.mount("/tools", sub)
    app = Covet()
    app.include_router(hidden)
    app.include_router(shown)

    paths = document(app)["paths"]
    assert "/v2/tools/secret" in paths
    assert not any(path.startswith("/admin") for path in paths)
    with TestClient(app) as client:  # hidden, still served
        assert client.get("/admin/tools/secret").text == "s"


def test_a_parameter_default_beyond_64_bits_is_documented() -> None:
    app = Covet()

    @app.get("/n")
    async def n(limit: int = 2**70) -> dict[str, int]:
        return {"limit": limit}

    parameters = document(app)["paths"]["/n"]["get"]["parameters"]
    assert parameters[0]["schema"]["default"] == 2**70
