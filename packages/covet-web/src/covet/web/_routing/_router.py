"""Router: a group of routes with a shared prefix, tags and dependencies.

``Covet`` is a Router too, so the decorators read the same on an app and on a router::

    users = Router(prefix="/users", tags=["users"])

    @users.get("/{id}")
    async def get_user(id: int) -> User: ...

    app.include_router(users, prefix="/v1")     # GET /v1/users/{id}

Routers are flattened when the app starts: routes added to an included router before the
first request are served.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, TypedDict, TypeVar

from .._form_limits import FormLimits
from .._types import ASGIApp
from ..errors import ConfigurationError
from ._resources import resource_routes
from ._routes import HTTPRoute, Mount, WebSocketRoute

__all__ = ["RouteOptions", "Router"]

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type[Any])
AnyRoute = HTTPRoute | WebSocketRoute | Mount


class RouteOptions(TypedDict, total=False):
    """Options of an HTTP route decorator.

    ``name`` (for ``url_for``; defaults to the function name), ``status_code`` (of a
    successful response), ``tags``/``summary``/``description``/``deprecated``/
    ``include_in_schema``/``responses``/``operation_id`` (OpenAPI; the operationId
    defaults to the route name), ``dependencies`` (run before the handler),
    ``max_body_size`` (overrides the app's limit), ``form_limits`` (overrides the app's
    upload limits) and ``msgpack`` (answer MessagePack to clients that ask for it).
    """

    name: str
    status_code: int
    tags: Sequence[str]
    summary: str
    description: str
    deprecated: bool
    dependencies: Sequence[Any]
    include_in_schema: bool
    responses: Mapping[int, Any]
    max_body_size: int
    msgpack: bool
    form_limits: FormLimits
    operation_id: str


class Router:
    """Routes under a common ``prefix``, ``tags`` and ``dependencies``.

    ``include_in_schema=False`` leaves every route of the router (and of the routers it
    includes) out of the OpenAPI document; they are served all the same.
    """

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: Sequence[str] = (),
        dependencies: Sequence[Any] = (),
        include_in_schema: bool = True,
    ) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ConfigurationError(
                f"router prefix {prefix!r} must start with '/' and not end with '/'"
            )
        self.prefix = prefix
        self.tags: tuple[str, ...] = tuple(tags)
        self.dependencies: tuple[Any, ...] = tuple(dependencies)
        self.include_in_schema = include_in_schema
        self._entries: list[AnyRoute] = []
        self._includes: list[_Include] = []

    def _routes_changed(self) -> None:
        """Hook for the app: forget compiled routes."""

    # -- registration ----------------------------------------------------------------

    def add_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        methods: Sequence[str] = ("GET",),
        **options: typing.Unpack[RouteOptions],
    ) -> HTTPRoute:
        """Register ``endpoint`` for ``methods`` on ``path``."""
        route = HTTPRoute(path, endpoint, methods=methods, **options)
        self._entries.append(route)
        self._routes_changed()
        return route

    def route(
        self, path: str, methods: Sequence[str] = ("GET",), **options: typing.Unpack[RouteOptions]
    ) -> Callable[[F], F]:
        """Decorator: register the function for ``methods`` on ``path``."""

        def decorate(endpoint: F) -> F:
            self.add_route(path, endpoint, methods, **options)
            return endpoint

        return decorate

    def get(self, path: str, **options: typing.Unpack[RouteOptions]) -> Callable[[F], F]:
        """Decorator: a ``GET`` route (``HEAD`` is answered too)."""
        return self.route(path, ["GET"], **options)

    def post(self, path: str, **options: typing.Unpack[RouteOptions]) -> Callable[[F], F]:
        """Decorator: a ``POST`` route."""
        return self.route(path, ["POST"], **options)

    def put(self, path: str, **options: typing.Unpack[RouteOptions]) -> Callable[[F], F]:
        """Decorator: a ``PUT`` route."""
        return self.route(path, ["PUT"], **options)

    def patch(self, path: str, **options: typing.Unpack[RouteOptions]) -> Callable[[F], F]:
        """Decorator: a ``PATCH`` route."""
        return self.route(path, ["PATCH"], **options)

    def delete(self, path: str, **options: typing.Unpack[RouteOptions]) -> Callable[[F], F]:
        """Decorator: a ``DELETE`` route."""
        return self.route(path, ["DELETE"], **options)

    def head(self, path: str, **options: typing.Unpack[RouteOptions]) -> Callable[[F], F]:
        """Decorator: a ``HEAD`` route."""
        return self.route(path, ["HEAD"], **options)

    def options(self, path: str, **options: typing.Unpack[RouteOptions]) -> Callable[[F], F]:
        """Decorator: an ``OPTIONS`` route."""
        return self.route(path, ["OPTIONS"], **options)

    def add_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        dependencies: Sequence[Any] = (),
    ) -> WebSocketRoute:
        """Register a WebSocket handler on ``path``."""
        route = WebSocketRoute(path, endpoint, name=name, dependencies=dependencies)
        self._entries.append(route)
        self._routes_changed()
        return route

    def websocket(
        self, path: str, *, name: str | None = None, dependencies: Sequence[Any] = ()
    ) -> Callable[[F], F]:
        """Decorator: a WebSocket route."""

        def decorate(endpoint: F) -> F:
            self.add_websocket_route(path, endpoint, name=name, dependencies=dependencies)
            return endpoint

        return decorate

    def resource(
        self,
        path: str,
        *,
        name: str | None = None,
        tags: Sequence[str] = (),
        dependencies: Sequence[Any] = (),
        include_in_schema: bool = True,
    ) -> Callable[[C], C]:
        """Class decorator: a resource whose ``get``/``post``/... methods are handlers.

        The route name defaults to the class name; see ``covet.web.operation`` for
        per-method options.
        """

        def decorate(cls: C) -> C:
            for route in resource_routes(
                path,
                cls,
                name=name,
                tags=tags,
                dependencies=dependencies,
                include_in_schema=include_in_schema,
            ):
                self._entries.append(route)
            self._routes_changed()
            return cls

        return decorate

    def mount(self, path: str, app: ASGIApp, *, name: str | None = None) -> Mount:
        """Serve any ASGI ``app`` under ``path`` (it sees ``root_path`` set to the prefix)."""
        mount = Mount(path, app, name=name)
        self._entries.append(mount)
        self._routes_changed()
        return mount

    def include_router(
        self,
        router: Router,
        *,
        prefix: str = "",
        tags: Sequence[str] = (),
        dependencies: Sequence[Any] = (),
        include_in_schema: bool = True,
    ) -> None:
        """Add ``router``'s routes under ``prefix`` with extra ``tags`` and ``dependencies``.

        ``include_in_schema=False`` leaves them out of the OpenAPI document.
        """
        if router is self or self in router._descendants():
            raise ConfigurationError("a router cannot include itself")
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ConfigurationError(
                f"include prefix {prefix!r} must start with '/' and not end with '/'"
            )
        self._includes.append(
            _Include(router, prefix, tuple(tags), tuple(dependencies), include_in_schema)
        )
        self._routes_changed()

    def _descendants(self) -> Iterator[Router]:
        for include in self._includes:
            yield include.router
            yield from include.router._descendants()

    # -- flattening --------------------------------------------------------------------

    def iter_routes(self) -> Iterator[AnyRoute]:
        """Every route of this router and its included routers, with prefixes applied."""
        shown = self.include_in_schema
        for entry in self._entries:
            yield entry.with_prefix(
                self.prefix, self.tags, self.dependencies, include_in_schema=shown
            )
        for include in self._includes:
            for entry in include.router.iter_routes():
                yield entry.with_prefix(
                    include.prefix,
                    include.tags,
                    include.dependencies,
                    include_in_schema=include.include_in_schema,
                ).with_prefix(self.prefix, self.tags, self.dependencies, include_in_schema=shown)


class _Include(NamedTuple):
    """A router included in another, with what the inclusion adds."""

    router: Router
    prefix: str
    tags: tuple[str, ...]
    dependencies: tuple[Any, ...]
    include_in_schema: bool
