"""covet-web, written the way its README teaches.

Typed handlers (``{id:int}`` path parameter, ``q: str`` from the query), a msgspec Struct for
H4's body and response (``status_code=201``; the ``covet-pydantic`` variant the same
with a pydantic model at ``/items/pydantic``), and for H5 ``Depends`` on a function taking
``Annotated[str, Header()]``, behind ``Covet(middleware=[...])``: covet's ``CompressionMiddleware`` (gzip/brotli,
minimum size 500) and the bench's own pure-ASGI CORS and security-headers middleware
(covet-security, which will ship those, does not exist yet).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from pydantic import BaseModel

from covet.web import Covet, Middleware
from covet.web.middleware import CompressionMiddleware
from covet.web.params import Depends, Header

from . import _web_common as c


class Item(msgspec.Struct):
    name: str
    price: float
    count: int
    active: bool
    tags: list[str]


class ItemModel(BaseModel):
    """H4's item as a pydantic model: the ``covet-pydantic`` variant."""

    name: str
    price: float
    count: int
    active: bool
    tags: list[str]


def build_app() -> Covet:
    app = Covet()

    @app.get("/plaintext")
    async def plaintext() -> str:
        return "Hello, World!"

    @app.get("/json")
    async def json_message() -> dict[str, str]:
        return {"message": "Hello, World!"}

    @app.get("/users/{id:int}")
    async def user(id: int, q: str) -> dict[str, Any]:
        return {"id": id, "q": q}

    @app.post("/items", status_code=201)
    async def create_item(item: Item) -> Item:
        return item

    @app.post("/items/pydantic", status_code=201)
    async def create_item_pydantic(item: ItemModel) -> ItemModel:
        return item

    return app


async def get_token(x_token: Annotated[str, Header()]) -> str:
    return x_token


def build_middleware_app() -> Covet:
    # The first listed is the outermost: CORS, security headers, compression.
    app = Covet(
        middleware=[
            Middleware(c.CORSMiddleware, allow_origins=[c.ORIGIN]),
            Middleware(c.SecurityHeadersMiddleware),
            Middleware(CompressionMiddleware, minimum_size=c.GZIP_MIN_SIZE),
        ]
    )

    @app.get("/middleware")
    async def with_token(token: Annotated[str, Depends(get_token)]) -> dict[str, str]:
        return c.h5_body(token)

    return app


def _add_routes(app: Covet, i: int) -> None:
    async def static() -> dict[str, int]:
        return {"route": i}

    async def dynamic(id: int) -> dict[str, int]:
        return {"route": i, "id": id}

    static.__name__ = f"static_{i}"
    dynamic.__name__ = f"dynamic_{i}"
    app.get(c.static_path(i))(static)
    app.get(c.dynamic_prefix(i) + "/{id:int}")(dynamic)


def build_big_app() -> Covet:
    app = Covet()
    for i in range(c.ROUTES // 2):
        _add_routes(app, i)
    return app
