"""Starlette, written the way its users write it.

Starlette has no validation and no dependency injection: H3's ``id`` is typed by the
``{id:int}`` path convertor and ``q`` is checked by hand; H4's body is decoded and validated
by msgspec into a Struct (``msgspec.json.decode(body, type=Item)``) and encoded back by
msgspec; H5's "dependency" is ``request.headers["x-token"]`` read in the handler, behind
Starlette's CORSMiddleware and GZipMiddleware and the shared pure-ASGI security-headers
middleware (Starlette has none). JSON responses are ``JSONResponse`` (stdlib json).
"""

from __future__ import annotations

import msgspec
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from . import _web_common as c


class Item(msgspec.Struct):
    name: str
    price: float
    count: int
    active: bool
    tags: list[str]


async def plaintext(request: Request) -> Response:
    return PlainTextResponse("Hello, World!")


async def json_message(request: Request) -> Response:
    return JSONResponse({"message": "Hello, World!"})


async def user(request: Request) -> Response:
    q = request.query_params.get("q")
    if q is None:
        return JSONResponse({"detail": "query parameter q is required"}, status_code=422)
    return JSONResponse({"id": request.path_params["id"], "q": q})


async def create_item(request: Request) -> Response:
    try:
        item = msgspec.json.decode(await request.body(), type=Item)
    except msgspec.DecodeError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    return Response(msgspec.json.encode(item), status_code=201, media_type="application/json")


async def with_token(request: Request) -> Response:
    token = request.headers.get("x-token")
    if token is None:
        return JSONResponse({"detail": "header x-token is required"}, status_code=422)
    return JSONResponse(c.h5_body(token))


def build_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/plaintext", plaintext),
            Route("/json", json_message),
            Route("/users/{id:int}", user),
            Route("/items", create_item, methods=["POST"]),
        ]
    )


def build_middleware_app() -> Starlette:
    return Starlette(
        routes=[Route("/middleware", with_token)],
        # Listed outermost first: CORS, then security headers, then gzip.
        middleware=[
            Middleware(CORSMiddleware, allow_origins=[c.ORIGIN], allow_headers=["x-token"]),
            Middleware(c.SecurityHeadersMiddleware),
            Middleware(GZipMiddleware, minimum_size=c.GZIP_MIN_SIZE),
        ],
    )


def build_big_app() -> Starlette:
    routes = []
    for i in range(c.ROUTES // 2):

        async def static(request: Request, i: int = i) -> Response:
            return JSONResponse({"route": i})

        async def dynamic(request: Request, i: int = i) -> Response:
            return JSONResponse({"route": i, "id": request.path_params["id"]})

        routes.append(Route(c.static_path(i), static))
        routes.append(Route(c.dynamic_prefix(i) + "/{id:int}", dynamic))
    return Starlette(routes=routes)
