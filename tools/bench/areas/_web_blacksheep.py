"""BlackSheep, written the way its documentation teaches.

Typed handler parameters (``{int:user_id}`` in the route, ``q: str`` from the query), H4's
body through its ``FromJSON`` binder into a pydantic model (the validating option its docs
recommend; its dataclass binder only coerces), answered with ``json(item, 201)``. H5: a
request-scoped service built by a rodi factory from the request (``register_http_context``
makes the request injectable), behind ``app.use_cors``, a BlackSheep-style middleware that
adds the security headers, and ``GzipMiddleware(min_size=500)``. BlackSheep's core is
compiled with Cython; its app needs the lifespan startup, which the driver runs.
"""

# No ``from __future__ import annotations`` here: rodi resolves a factory's annotations at
# registration and refuses string ones.
import logging

from blacksheep import Application, FromJSON, Request, Response, json, text
from blacksheep.server.compression import GzipMiddleware
from blacksheep.server.di import register_http_context
from blacksheep.server.routing import Router
from pydantic import BaseModel
from rodi import ActivationScope

from . import _web_common as c


class Item(BaseModel):
    name: str
    price: float
    count: int
    active: bool
    tags: list[str]


class Token:
    """The request-scoped dependency: the caller's token, read from ``x-token``."""

    def __init__(self, value: str) -> None:
        self.value = value


def token_factory(context: ActivationScope) -> Token:
    request: Request = context.scoped_services[Request]  # type: ignore[index]
    value = request.get_first_header(b"x-token")
    if value is None:
        raise ValueError("header x-token is required")
    return Token(value.decode("latin-1"))


async def security_headers(request: Request, handler: object) -> Response:
    response: Response = await handler(request)  # type: ignore[operator]
    for name, value in c.SECURITY_HEADERS:
        response.headers.add(name.encode(), value.encode())
    return response


def _application() -> Application:
    app = Application(router=Router())
    # Its constructor sets the "blacksheep.server" logger to INFO, which logs every 4xx
    # (each H6 request, to stderr): a production setting is WARNING.
    logging.getLogger("blacksheep.server").setLevel(logging.WARNING)
    return app


def build_app() -> Application:
    app = _application()

    @app.router.get("/plaintext")
    async def plaintext() -> Response:
        return text("Hello, World!")

    @app.router.get("/json")
    async def json_message() -> Response:
        return json({"message": "Hello, World!"})

    @app.router.get("/users/{int:user_id}")
    async def user(user_id: int, q: str) -> Response:
        return json({"id": user_id, "q": q})

    @app.router.post("/items")
    async def create_item(item: FromJSON[Item]) -> Response:
        return json(item.value, 201)

    return app


def build_middleware_app() -> Application:
    app = _application()
    app.use_cors(allow_origins=c.ORIGIN, allow_headers="x-token", allow_methods="GET POST")
    app.middlewares.append(security_headers)
    app.middlewares.append(GzipMiddleware(min_size=c.GZIP_MIN_SIZE))
    register_http_context(app)
    app.services.add_scoped_by_factory(token_factory)

    @app.router.get("/middleware")
    async def with_token(token: Token) -> Response:
        return json(c.h5_body(token.value))

    return app


def _add_routes(app: Application, i: int) -> None:
    async def static() -> Response:
        return json({"route": i})

    async def dynamic(item_id: int) -> Response:
        return json({"route": i, "id": item_id})

    app.router.add_get(c.static_path(i), static)
    app.router.add_get(c.dynamic_prefix(i) + "/{int:item_id}", dynamic)


def build_big_app() -> Application:
    app = _application()
    for i in range(c.ROUTES // 2):
        _add_routes(app, i)
    return app
