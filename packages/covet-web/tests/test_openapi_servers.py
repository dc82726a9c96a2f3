"""The document's ``servers``: the root path the app is served under, or the configured list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from covet.web import Covet
from covet.web.openapi import OpenAPIConfig, generate_openapi
from covet.web.testing import TestClient

from ._servers import serve_in_thread


def pets_app(**options: Any) -> Covet:
    app = Covet(title="Pets", **options)

    @app.get("/pets/{pet_id:int}")
    async def get_pet(pet_id: int) -> dict[str, int]:
        return {"id": pet_id}

    return app


def test_no_root_path_no_servers() -> None:
    document = generate_openapi(pets_app())
    assert "servers" not in document
    assert "servers" not in generate_openapi(pets_app(), root_path="/")


@pytest.mark.parametrize("root_path", ["/api", "/api/", "/a/b"])
def test_the_root_path_is_the_server(root_path: str) -> None:
    document = generate_openapi(pets_app(), root_path=root_path)
    validate(document)
    assert document["servers"] == [{"url": root_path.rstrip("/")}]
    assert list(document)[:3] == ["openapi", "info", "servers"]


def test_configured_servers_win_over_the_root_path() -> None:
    servers = [{"url": "https://pets.example.com/v1", "description": "production"}]
    app = pets_app(openapi=OpenAPIConfig(servers=servers))
    assert generate_openapi(app, root_path="/api")["servers"] == servers
    with TestClient(app, root_path="/api") as client:
        assert client.get("/openapi.json").json()["servers"] == servers


def test_served_document_and_pages_follow_the_request_root_path() -> None:
    app = pets_app()
    with TestClient(app, root_path="/api") as client:
        document = client.get("/openapi.json").json()
        validate(document)
        assert document["servers"] == [{"url": "/api"}]
        assert '"url": "/api/openapi.json"' in client.get("/docs").text
        assert 'spec-url="/api/openapi.json"' in client.get("/redoc").text
    with TestClient(app) as client:  # the same app, reached without a prefix
        assert "servers" not in client.get("/openapi.json").json()


def test_try_it_out_urls_reach_the_operation() -> None:
    # Behind a prefix (here a parent app's mount), server URL + path is where the
    # operation answers: what Swagger UI's "Try it out" requests.
    parent = Covet()
    parent.mount("/api", pets_app())
    with TestClient(parent) as client:
        document = client.get("/api/openapi.json").json()
        (server,) = document["servers"]
        (path,) = document["paths"]
        url = server["url"] + path.replace("{pet_id}", "7")
        assert url == "/api/pets/7"
        assert client.get(url).json() == {"id": 7}


@pytest.fixture(scope="module")
def behind_proxy() -> Iterator[str]:
    """uvicorn with ``root_path="/api"`` (``--root-path /api``): a proxy strips ``/api``."""
    with serve_in_thread(pets_app(), root_path="/api") as url:
        yield url


def test_a_real_server_root_path_reaches_the_document_and_pages(behind_proxy: str) -> None:
    with httpx.Client(base_url=behind_proxy) as client:
        document = client.get("/openapi.json").json()
        validate(document)
        assert document["servers"] == [{"url": "/api"}]
        assert '"url": "/api/openapi.json"' in client.get("/docs").text
        assert client.get("/pets/3").json() == {"id": 3}
