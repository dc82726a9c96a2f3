"""/openapi.json, Swagger UI at /docs and ReDoc at /redoc, served offline; security at run time."""

from __future__ import annotations

import re
from typing import Annotated, Any

import pytest
from openapi_spec_validator import validate

from covet.web import ConfigurationError, Covet, Depends, Plugin
from covet.web.openapi import APIKey, HTTPBearer, OAuth2, OpenAPIConfig, generate_openapi
from covet.web.testing import TestClient

_ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def small_app(**options: Any) -> Covet:
    app = Covet(title="Pets <&> co", **options)

    @app.get("/pets/{pet_id:int}", tags=["pets"])
    async def get_pet(pet_id: int) -> dict[str, int]:
        """Fetch a pet."""
        return {"id": pet_id}

    return app


def local_assets(page: str) -> list[str]:
    return _ASSET.findall(page)


def test_openapi_json_is_served_and_valid() -> None:
    app = small_app()
    with TestClient(app) as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    validate(document)
    assert document == generate_openapi(app)
    assert document["paths"]["/pets/{pet_id}"]["get"]["summary"] == "Fetch a pet."


def test_the_document_is_computed_once() -> None:
    class Counting(Plugin):
        calls = 0

        def openapi_schema(self, tp: Any) -> dict[str, Any] | None:
            Counting.calls += 1
            return None

    app = small_app(plugins=[Counting()])
    with TestClient(app) as client:
        first = client.get("/openapi.json").content
        calls = Counting.calls
        assert calls > 0
        assert client.get("/openapi.json").content == first
        assert Counting.calls == calls


@pytest.mark.parametrize(
    ("url", "marker", "assets"),
    [
        ("/docs", "SwaggerUIBundle(config)", {"swagger-ui-bundle.js", "swagger-ui.css"}),
        ("/redoc", "<redoc spec-url=", {"redoc.standalone.js"}),
    ],
)
def test_pages_load_everything_from_the_app(url: str, marker: str, assets: set[str]) -> None:
    with TestClient(small_app()) as client:
        page = client.get(url)
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        html = page.text
        assert marker in html
        assert "/openapi.json" in html
        assert "Pets &lt;&amp;&gt; co" in html  # the title is escaped
        # Offline: no URL in the page leaves the app.
        assert "http://" not in html and "https://" not in html and "//cdn" not in html
        urls = local_assets(html)
        assert {u.rsplit("/", 1)[-1] for u in urls} >= assets
        for asset_url in urls:
            assert asset_url.startswith(f"{url}/assets/")
            asset = client.get(asset_url)
            assert asset.status_code == 200, asset_url
            assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
            expected = {
                "js": "text/javascript",
                "css": "text/css",
                "png": "image/png",
            }[asset_url.rsplit(".", 1)[-1]]
            assert asset.headers["content-type"].split(";")[0] == expected
            assert len(asset.content) > 100
        assert client.head(url).status_code == 200


def test_swagger_ui_does_not_call_the_online_validator() -> None:
    with TestClient(small_app()) as client:
        assert '"validatorUrl": null' in client.get("/docs").text


def test_a_cdn_can_serve_the_assets_instead() -> None:
    config = OpenAPIConfig(
        swagger_ui_js_url="https://cdn.example/swagger-ui-bundle.js",
        swagger_ui_css_url="https://cdn.example/swagger-ui.css",
        redoc_js_url="https://cdn.example/redoc.js",
        swagger_ui_parameters={"docExpansion": "none"},
    )
    with TestClient(small_app(openapi=config)) as client:
        docs = client.get("/docs").text
        assert 'src="https://cdn.example/swagger-ui-bundle.js"' in docs
        assert 'href="https://cdn.example/swagger-ui.css"' in docs
        assert '"docExpansion": "none"' in docs
        assert 'src="https://cdn.example/redoc.js"' in client.get("/redoc").text
        local = [u for u in local_assets(docs) if u.startswith("/")]
        assert [u.rsplit("/", 1)[-1] for u in local] == ["favicon-32x32.png"]
        version_dir = local[0].rsplit("/", 1)[0]
        assert client.get(f"{version_dir}/swagger-ui-bundle.js").status_code == 404


def test_urls_can_be_moved_or_turned_off() -> None:
    app = small_app(openapi_url="/api/schema.json", docs_url="/api/docs", redoc_url=None)
    with TestClient(app) as client:
        assert client.get("/api/schema.json").status_code == 200
        assert '"url": "/api/schema.json"' in client.get("/api/docs").text
        assert client.get("/redoc").status_code == 404
        assert client.get("/openapi.json").status_code == 404
    with TestClient(small_app(openapi_url=None)) as client:
        # The pages need the document: without it there are none.
        for url in ("/openapi.json", "/docs", "/redoc"):
            assert client.get(url).status_code == 404


def test_pages_behind_a_path_prefix_point_inside_it() -> None:
    with TestClient(small_app(), root_path="/api") as client:
        page = client.get("/docs")  # the client puts root_path in front, as a proxy would
        assert page.status_code == 200
        assert '"url": "/api/openapi.json"' in page.text
        assert all(u.startswith("/api/docs/assets/") for u in local_assets(page.text))


def test_routes_added_after_a_build_appear_in_the_document() -> None:
    app = small_app()
    with TestClient(app) as client:
        assert "/later" not in client.get("/openapi.json").json()["paths"]

        @app.get("/later")
        async def later() -> str:
            return "late"

        assert "/later" in client.get("/openapi.json").json()["paths"]


bearer = HTTPBearer()
optional = HTTPBearer(scheme_name="optional", auto_error=False)
key = APIKey("key", location="query")
cookie_key = APIKey("sid", location="cookie", scheme_name="cookie")
oauth2 = OAuth2(token_url="/token")


def security_app() -> Covet:
    app = Covet()

    @app.get("/bearer")
    async def with_bearer(token: Annotated[str, Depends(bearer)]) -> str:
        return token

    @app.get("/optional")
    async def with_optional(token: Annotated[str | None, Depends(optional)]) -> str:
        return token or "anonymous"

    @app.get("/key")
    async def with_key(value: Annotated[str, Depends(key)]) -> str:
        return value

    @app.get("/cookie")
    async def with_cookie(value: Annotated[str, Depends(cookie_key)]) -> str:
        return value

    @app.get("/oauth")
    async def with_oauth(token: Annotated[str, Depends(oauth2.require("read"))]) -> str:
        return token

    return app


def test_security_schemes_read_credentials_at_run_time() -> None:
    app = security_app()
    with TestClient(app) as client:
        assert client.get("/bearer", headers={"Authorization": "Bearer abc"}).text == "abc"
        missing = client.get("/bearer")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        assert missing.headers["content-type"] == "application/problem+json"
        assert client.get("/bearer", headers={"Authorization": "Basic abc"}).status_code == 401
        assert client.get("/optional").text == "anonymous"
        assert client.get("/key", params={"key": "k1"}).text == "k1"
        assert client.get("/key").status_code == 401
        assert client.get("/cookie", headers={"Cookie": "sid=s1"}).text == "s1"
        assert client.get("/oauth", headers={"Authorization": "bearer t"}).text == "t"
        document = client.get("/openapi.json").json()
    validate(document)
    assert document["paths"]["/oauth"]["get"]["security"] == [{"oauth2": ["read"]}]
    assert document["paths"]["/optional"]["get"]["security"] == [{"optional": []}]
    assert document["components"]["securitySchemes"]["cookie"] == {
        "type": "apiKey",
        "name": "sid",
        "in": "cookie",
    }


def test_each_page_has_its_own_title() -> None:
    with TestClient(small_app()) as client:
        assert "<title>Pets &lt;&amp;&gt; co - Swagger UI</title>" in client.get("/docs").text
        assert "<title>Pets &lt;&amp;&gt; co - ReDoc</title>" in client.get("/redoc").text


def test_a_route_of_yours_on_a_docs_url_is_a_clear_error() -> None:
    app = small_app()

    @app.get("/docs")
    async def docs() -> str:
        return "mine"

    with pytest.raises(ConfigurationError, match=r"GET /docs is both .* docs_url=None"):
        app.build()
    app.docs_url = None
    with TestClient(app) as client:
        assert client.get("/docs").text == "mine"
        assert client.get("/redoc").status_code == 200


def test_internal_routes_are_not_listed_in_app_routes() -> None:
    app = small_app()
    app.build()
    assert [r.path for r in app.routes] == ["/pets/{pet_id:int}"]
