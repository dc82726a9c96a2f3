"""FastAPI, written the way its documentation teaches.

Typed path and query parameters, a pydantic model for H4's body and response
(``-> Item``, ``status_code=201``), ``Depends`` on a function taking ``Header()`` for H5,
behind Starlette's CORSMiddleware and GZipMiddleware (what FastAPI re-exports) and the
shared pure-ASGI security-headers middleware. Default JSON responses.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from . import _web_common as c


class Item(BaseModel):
    name: str
    price: float
    count: int
    active: bool
    tags: list[str]


def build_app() -> FastAPI:
    app = FastAPI()

    @app.get("/plaintext", response_class=PlainTextResponse)
    async def plaintext() -> str:
        return "Hello, World!"

    @app.get("/json")
    async def json_message() -> dict[str, str]:
        return {"message": "Hello, World!"}

    @app.get("/users/{id}")
    async def user(id: int, q: str) -> dict[str, Any]:
        return {"id": id, "q": q}

    @app.post("/items", status_code=201)
    async def create_item(item: Item) -> Item:
        return item

    return app


async def get_token(x_token: Annotated[str, Header()]) -> str:
    return x_token


def build_middleware_app() -> FastAPI:
    app = FastAPI()

    @app.get("/middleware")
    async def with_token(token: Annotated[str, Depends(get_token)]) -> dict[str, str]:
        return c.h5_body(token)

    # add_middleware wraps: the last added is outermost (CORS, security headers, gzip).
    app.add_middleware(GZipMiddleware, minimum_size=c.GZIP_MIN_SIZE)
    app.add_middleware(c.SecurityHeadersMiddleware)
    app.add_middleware(CORSMiddleware, allow_origins=[c.ORIGIN], allow_headers=["x-token"])
    return app


def _add_routes(app: FastAPI, i: int) -> None:
    async def static() -> dict[str, int]:
        return {"route": i}

    async def dynamic(id: int) -> dict[str, int]:
        return {"route": i, "id": id}

    static.__name__ = f"static_{i}"
    dynamic.__name__ = f"dynamic_{i}"
    app.get(c.static_path(i))(static)
    app.get(c.dynamic_prefix(i) + "/{id}")(dynamic)


def build_big_app() -> FastAPI:
    app = FastAPI()
    for i in range(c.ROUTES // 2):
        _add_routes(app, i)
    return app
