"""The routes serving ``/openapi.json``, Swagger UI (``/docs``) and ReDoc (``/redoc``).

The pages work offline: their JavaScript and CSS come from the installed
``openapi-ui-bundles`` package and are served by the app under ``<page>/assets/<version>/``
(so they can be cached as immutable). ``OpenAPIConfig`` can point them at a CDN instead.
"""

from __future__ import annotations

import html
import importlib.metadata
import json
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from openapi_ui_bundles import redoc as redoc_bundle
from openapi_ui_bundles import swagger_ui as swagger_bundle

from .._request import Request
from .._responses import HTMLResponse, Response
from .._routing import HTTPRoute
from ..errors import ConfigurationError
from ._config import OpenAPIConfig
from ._generator import app_document, with_servers

__all__ = ["docs_routes", "redoc_html", "swagger_ui_html"]

_VERSION = importlib.metadata.version("openapi-ui-bundles")
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
_SWAGGER_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
_REDOC_ASSETS = ("redoc.standalone.js",)
_CACHED_ROOTS = 16  # root paths come from the server's configuration: a handful at most

Endpoint = Callable[..., Coroutine[Any, Any, Response]]


def _script_json(value: Any) -> str:
    # JSON inside <script>: "</" would end the script element early.
    return json.dumps(value).replace("</", "<\\/")


def swagger_ui_html(
    *,
    title: str,
    openapi_url: str,
    js_url: str,
    css_url: str,
    favicon_url: str | None = None,
    parameters: dict[str, Any] | None = None,
) -> str:
    """The Swagger UI page for the document at ``openapi_url``."""
    config: dict[str, Any] = {
        "url": openapi_url,
        "dom_id": "#swagger-ui",
        "deepLinking": True,
        "layout": "BaseLayout",
        "validatorUrl": None,  # the default calls validator.swagger.io: not offline
        **(parameters or {}),
    }
    icon = (
        f'<link rel="icon" type="image/png" href="{html.escape(favicon_url)}">'
        if favicon_url
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{html.escape(css_url)}">
{icon}
</head>
<body>
<div id="swagger-ui"></div>
<script src="{html.escape(js_url)}"></script>
<script>
const config = {_script_json(config)};
config.presets = [SwaggerUIBundle.presets.apis];
window.ui = SwaggerUIBundle(config);
</script>
</body>
</html>
"""


def redoc_html(*, title: str, openapi_url: str, js_url: str) -> str:
    """The ReDoc page for the document at ``openapi_url``."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<redoc spec-url="{html.escape(openapi_url)}"></redoc>
<script src="{html.escape(js_url)}"></script>
</body>
</html>
"""


def _asset_route(directory: Path, prefix: str, name: str) -> HTTPRoute:
    path = directory / name
    media_type = _MEDIA_TYPES[path.suffix]
    loaded: list[bytes] = []

    async def asset() -> Response:
        if not loaded:  # read on first use: most apps never open their docs
            loaded.append(path.read_bytes())
        return Response(loaded[0], media_type=media_type, headers=_IMMUTABLE)

    return HTTPRoute(f"{prefix}/{name}", asset, methods=["GET"], include_in_schema=False)


def _page_route(path: str, name: str, render: Callable[[str], str]) -> HTTPRoute:
    """A page route; ``render(root_path)`` makes the HTML (cached per root path)."""
    cache: dict[str, bytes] = {}

    async def page(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        body = cache.get(root)
        if body is None:
            body = render(root).encode()
            if len(cache) < _CACHED_ROOTS:
                cache[root] = body
        return HTMLResponse(body)

    return HTTPRoute(path, page, methods=["GET"], name=name, include_in_schema=False)


def _document_route(app: Any, path: str) -> HTTPRoute:
    """``/openapi.json``: computed once per build of the app (a rebuild makes a new
    route), serialized once per root path (its ``servers`` differ)."""
    document: list[dict[str, Any]] = []
    cache: dict[str, bytes] = {}

    async def openapi_document(request: Request) -> Response:
        root = request.scope.get("root_path", "")
        body = cache.get(root)
        if body is None:
            if not document:
                document.append(app_document(app))
            body = app.encoder.json(with_servers(document[0], app, root))  # any int size
            if len(cache) < _CACHED_ROOTS:
                cache[root] = body
        return Response(body, media_type="application/json")

    return HTTPRoute(
        path, openapi_document, methods=["GET"], name="covet_openapi", include_in_schema=False
    )


def _check_free(routes: Sequence[Any], urls: dict[str, str | None]) -> None:
    taken = {r.path for r in routes if isinstance(r, HTTPRoute) and "GET" in r.methods}
    for setting, url in urls.items():
        if url is not None and url in taken:
            raise ConfigurationError(
                f"GET {url} is both one of your routes and the app's {setting}; pass "
                f"{setting}=None (or another URL) to Covet() to serve your own"
            )


def docs_routes(app: Any, routes: Sequence[Any] = ()) -> list[HTTPRoute]:
    """The internal routes for the app's ``openapi_url``, ``docs_url`` and ``redoc_url``.

    ``routes`` are the app's own routes, checked for a clash with those URLs.
    """
    openapi_url: str | None = app.openapi_url
    if not openapi_url:
        return []  # the pages need the document
    _check_free(
        routes,
        {"openapi_url": openapi_url, "docs_url": app.docs_url, "redoc_url": app.redoc_url},
    )
    config = getattr(app, "openapi_config", None)
    if not isinstance(config, OpenAPIConfig):
        config = OpenAPIConfig()
    out = [_document_route(app, openapi_url)]
    if app.docs_url:
        swagger_base = f"{app.docs_url}/assets/{_VERSION}"
        directory = Path(swagger_bundle.static_path)
        wanted = [
            n
            for n, url in zip(
                _SWAGGER_ASSETS,
                (config.swagger_ui_js_url, config.swagger_ui_css_url, None),
                strict=True,
            )
            if url is None
        ]
        out += [_asset_route(directory, swagger_base, n) for n in wanted]
        swagger_title = f"{app.title} - Swagger UI"
        params = dict(config.swagger_ui_parameters)
        js, css = config.swagger_ui_js_url, config.swagger_ui_css_url
        out.append(
            _page_route(
                app.docs_url,
                "covet_swagger_ui",
                lambda root: swagger_ui_html(
                    title=swagger_title,
                    openapi_url=root + openapi_url,
                    js_url=js or f"{root}{swagger_base}/swagger-ui-bundle.js",
                    css_url=css or f"{root}{swagger_base}/swagger-ui.css",
                    favicon_url=f"{root}{swagger_base}/favicon-32x32.png",
                    parameters=params,
                ),
            )
        )
    if app.redoc_url:
        redoc_base = f"{app.redoc_url}/assets/{_VERSION}"
        if config.redoc_js_url is None:
            out += [
                _asset_route(Path(redoc_bundle.static_path), redoc_base, n) for n in _REDOC_ASSETS
            ]
        redoc_title = f"{app.title} - ReDoc"
        redoc_js = config.redoc_js_url
        out.append(
            _page_route(
                app.redoc_url,
                "covet_redoc",
                lambda root: redoc_html(
                    title=redoc_title,
                    openapi_url=root + openapi_url,
                    js_url=redoc_js or f"{root}{redoc_base}/redoc.standalone.js",
                ),
            )
        )
    return out
