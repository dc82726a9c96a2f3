"""Litestar, written the way its documentation teaches.

Typed handlers (``{user_id:int}`` path parameter, ``q: str`` query), a msgspec Struct for
H4's body (``data: Item``) and response (a ``@post`` answers 201 by default), H5's
dependency through ``Provide`` on a function taking the header as a
``Parameter(header=...)``, with Litestar's ``CORSConfig`` and ``CompressionConfig`` (gzip,
minimum size 500) and the shared pure-ASGI security-headers middleware (Litestar accepts
ASGI middleware factories; it has no security-headers middleware of its own).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Litestar, MediaType, get, post
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.params import Parameter

from . import _web_common as c


class Item(msgspec.Struct):
    name: str
    price: float
    count: int
    active: bool
    tags: list[str]


@get("/plaintext", media_type=MediaType.TEXT)
async def plaintext() -> str:
    return "Hello, World!"


@get("/json")
async def json_message() -> dict[str, str]:
    return {"message": "Hello, World!"}


@get("/users/{user_id:int}")
async def user(user_id: int, q: str) -> dict[str, Any]:
    return {"id": user_id, "q": q}


@post("/items")
async def create_item(data: Item) -> Item:
    return data


async def get_token(x_token: Annotated[str, Parameter(header="x-token")]) -> str:
    return x_token


@get("/middleware", dependencies={"token": Provide(get_token)})
async def with_token(token: str) -> dict[str, str]:
    return c.h5_body(token)


def build_app() -> Litestar:
    return Litestar(route_handlers=[plaintext, json_message, user, create_item])


def build_middleware_app() -> Litestar:
    return Litestar(
        route_handlers=[with_token],
        cors_config=CORSConfig(allow_origins=[c.ORIGIN], allow_headers=["x-token"]),
        compression_config=CompressionConfig(backend="gzip", minimum_size=c.GZIP_MIN_SIZE),
        middleware=[c.SecurityHeadersMiddleware],
    )


def _handlers(i: int) -> list[Any]:
    async def static() -> dict[str, int]:
        return {"route": i}

    async def dynamic(item_id: int) -> dict[str, int]:
        return {"route": i, "id": item_id}

    static.__name__ = f"static_{i}"
    dynamic.__name__ = f"dynamic_{i}"
    return [
        get(c.static_path(i), name=f"static_{i}")(static),
        get(c.dynamic_prefix(i) + "/{item_id:int}", name=f"dynamic_{i}")(dynamic),
    ]


def build_big_app() -> Litestar:
    handlers = [h for i in range(c.ROUTES // 2) for h in _handlers(i)]
    return Litestar(route_handlers=handlers)
