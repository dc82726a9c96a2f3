"""Covet: the application. Configuration, route registration and the ASGI entry point.

Registering routes only records them. On the first ASGI call (the lifespan start-up, with
a server) the app compiles itself: routers are flattened, each handler's signature
becomes a plan, the route tables and the middleware stack are built. Requests then run
only precompiled code.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from ._background import request_background_tasks, with_background_tasks
from ._datastructures import State
from ._dispatch import Dispatcher, TrailingSlash
from ._encoding import Encoder, reset_current_encoder, set_current_encoder
from ._endpoint import compile_http_route, compile_websocket_route, head_handler
from ._exception_handlers import ExceptionHandler, ExceptionHandlers
from ._form_limits import FormLimits, with_form_limits
from ._lifespan import Hook, HookList, Lifespan, run_lifespan_protocol, startup_sequence
from ._plugins import PluginHooks
from ._routing import (
    Converter,
    ConverterRegistry,
    HTTPRoute,
    Matcher,
    Mount,
    PathTemplate,
    Router,
    WebSocketRoute,
    parse_template,
)
from ._routing._router import AnyRoute
from ._stack import Middleware, MiddlewareSpec, build_stack
from ._types import ASGIApp, Receive, Scope, Send
from .errors import ConfigurationError, URLBuildError
from .openapi import OpenAPIConfig
from .openapi._pages import docs_routes

__all__ = ["Covet"]

E = TypeVar("E", bound=Callable[..., Any])
_TRAILING = ("redirect", "strict", "ignore")


def _annotations(endpoint: Callable[..., Any]) -> Callable[[str], Any]:
    """``name -> type`` for the endpoint's parameters (``Annotated`` and ``| None`` removed)."""
    try:
        hints = typing.get_type_hints(endpoint, include_extras=True)
    except Exception:
        hints = {}  # unresolvable hints: the plan reports them with a clear error

    def annotation_for(name: str) -> Any:
        tp = hints.get(name)
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and type(None) in typing.get_args(tp):
            tp = args[0]
        return tp

    return annotation_for


class Covet(Router):
    """An ASGI application.

    >>> app = Covet(title="Shop")
    >>> @app.get("/items/{id:int}")
    ... async def get_item(id: int) -> Item: ...

    ``max_body_size`` (bytes, ``None`` for no limit) caps request bodies read whole (JSON,
    url-encoded forms, raw bodies; 413 beyond); multipart uploads have their own limits,
    ``form_limits`` (see :class:`FormLimits`: 100 MiB in all by default).
    ``trailing_slash``: ``"redirect"`` answers ``/items/`` with a 307 to ``/items`` (and the
    reverse) when only the other form exists; ``"ignore"`` serves both; ``"strict"`` 404s.
    ``lifespan`` is an async context manager factory taking the app; what it yields (a
    mapping or ``None``) is put in ``app.state``. ``on_startup``/``on_shutdown`` hooks
    (also ``@app.on_startup``) run after the lifespan has entered, in order, and before it
    exits, in reverse order. ``msgpack=True`` answers MessagePack to
    clients whose Accept prefers it. ``exception_handlers`` maps exception classes or
    status codes to handlers (see :meth:`add_exception_handler`). The OpenAPI document is
    served at ``openapi_url``, Swagger UI at ``docs_url`` and ReDoc at ``redoc_url``
    (``None`` turns one off); ``openapi`` holds the document's other settings.
    """

    def __init__(
        self,
        *,
        debug: bool = False,
        title: str = "Covet",
        version: str = "0.1.0",
        description: str | None = None,
        max_body_size: int | None = 1024 * 1024,
        form_limits: FormLimits | None = None,
        trailing_slash: TrailingSlash = "redirect",
        lifespan: Lifespan | None = None,
        on_startup: Sequence[Hook] = (),
        on_shutdown: Sequence[Hook] = (),
        dependencies: Sequence[Any] = (),
        middleware: Sequence[MiddlewareSpec] = (),
        plugins: Sequence[object] = (),
        exception_handlers: Mapping[type[BaseException] | int, ExceptionHandler] | None = None,
        msgpack: bool = False,
        openapi_url: str | None = "/openapi.json",
        docs_url: str | None = "/docs",
        redoc_url: str | None = "/redoc",
        openapi: OpenAPIConfig | None = None,
    ) -> None:
        super().__init__(dependencies=dependencies)
        if trailing_slash not in _TRAILING:
            raise ConfigurationError(
                f"trailing_slash must be one of {', '.join(_TRAILING)}, not {trailing_slash!r}"
            )
        if max_body_size is not None and max_body_size < 0:
            raise ConfigurationError("max_body_size must be a number of bytes or None")
        self.debug = debug
        self.title = title
        self.version = version
        self.description = description
        self.max_body_size = max_body_size
        self.form_limits = form_limits if form_limits is not None else FormLimits()
        """Limits of form and multipart bodies (``request.form()``), unless a route sets its own."""
        self.trailing_slash: TrailingSlash = trailing_slash
        self.msgpack = msgpack
        self.openapi_url = openapi_url
        self.docs_url = docs_url
        self.redoc_url = redoc_url
        self.openapi_config = openapi if openapi is not None else OpenAPIConfig()
        self.state = State()
        self.on_startup = HookList(on_startup)
        """Start-up hooks, run in order; ``@app.on_startup`` adds one."""
        self.on_shutdown = HookList(on_shutdown)
        """Shutdown hooks, run in reverse order; ``@app.on_shutdown`` adds one."""
        self.user_middleware: list[MiddlewareSpec] = list(middleware)
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        """Replacement dependencies, ``{original: replacement}`` (for tests)."""
        self.converters = ConverterRegistry()
        self.exception_handlers = ExceptionHandlers(debug=debug)
        if exception_handlers:
            self.exception_handlers.update(exception_handlers)
        self._lifespan = lifespan
        self._dispatcher: Dispatcher | None = None
        self._routes: list[AnyRoute] | None = None
        self._url_templates: dict[str, list[PathTemplate]] = {}
        self._mount_paths: dict[str, Mount] = {}
        self._asgi: ASGIApp = self._build_and_call
        self.plugins = PluginHooks(plugins)
        self.encoder = Encoder(self.plugins.encoders)
        self.plugins.init_app(self)

    # -- configuration -----------------------------------------------------------------

    def _routes_changed(self) -> None:
        # Compiled tables are stale: rebuild on the next call.
        if hasattr(self, "_asgi"):
            self._asgi = self._build_and_call
            self._dispatcher = None

    def register_converter(
        self,
        name: str,
        pattern: str,
        to_python: Callable[[str], Any] = str,
        to_url: Callable[[Any], str] = str,
        *,
        python_type: type[Any] = str,
    ) -> None:
        """Add a path converter usable as ``{param:name}``.

        ``pattern`` matches one path segment; ``to_python`` turns the matched text into
        the value (raising ``ValueError`` makes the path not match); ``to_url`` is the
        inverse for ``url_for``.
        """
        self.converters.register(
            Converter(name, pattern, to_python, to_url, python_type=python_type)
        )
        self._routes_changed()

    def add_exception_handler(
        self, key: type[BaseException] | int, handler: ExceptionHandler
    ) -> None:
        """Answer exceptions of class ``key`` (or ``HTTPError`` with status ``key``) with
        ``handler`` (sync or async).

        The annotation of the handler's first parameter says what it serves:
        ``handler(request: Request, exc) -> Response`` (or no annotation) HTTP requests;
        ``handler(websocket: WebSocket, exc)`` WebSocket connections, which it closes or
        refuses itself, or answers with a ``Response`` (the handshake's answer before
        ``accept()``, a close with 1008, 1011 for a 5xx, after it);
        ``handler(connection: Request | WebSocket, exc) -> Response`` both.
        """
        self.exception_handlers.add(key, handler)
        self._routes_changed()

    def exception_handler(self, key: type[BaseException] | int) -> Callable[[E], E]:
        """Decorator form of :meth:`add_exception_handler`."""

        def decorate(handler: E) -> E:
            self.add_exception_handler(key, handler)
            return handler

        return decorate

    def add_middleware(self, cls: Callable[..., ASGIApp], /, *args: Any, **kwargs: Any) -> None:
        """Add a middleware inside the ones already added (``cls(app, *args, **kwargs)``)."""
        self.user_middleware.append(Middleware(cls, *args, **kwargs))
        self._routes_changed()

    # -- compilation -------------------------------------------------------------------

    def _path_for_table(self, path: str) -> str:
        if self.trailing_slash == "ignore" and path != "/" and path.endswith("/"):
            return path.rstrip("/") or "/"
        return path

    def build(self) -> None:
        """Compile routes, plans and the middleware stack now (done on the first call)."""
        routes = list(self.iter_routes())
        http, websocket = Matcher(), Matcher()
        mounts: list[Mount] = []
        names: dict[str, list[PathTemplate]] = {}
        mount_names: dict[str, Mount] = {}
        # The OpenAPI document and docs pages are served but not listed in ``app.routes``.
        for route in (*routes, *docs_routes(self, routes)):
            if isinstance(route, Mount):
                mounts.append(route)
                if route.name:
                    mount_names[route.name] = route
                continue
            template = parse_template(
                self._path_for_table(route.path), self.converters, _annotations(route.endpoint)
            )
            if isinstance(route, HTTPRoute):
                handler = self._wrap(route, compile_http_route(route, template, self))
                for method in route.methods:
                    http.add(template, method, handler)
            else:
                handler = self._wrap(route, compile_websocket_route(route, template, self))
                websocket.add(template, "WEBSOCKET", handler)
            if route.name:
                known = names.setdefault(route.name, [])
                if all(t.path != template.path for t in known):
                    known.append(template)
        for leaf in http.leaves():
            if "GET" in leaf.handlers and "HEAD" not in leaf.handlers:
                leaf.handlers["HEAD"] = head_handler(leaf.handlers["GET"])
        dispatcher = Dispatcher(
            self, http, websocket, mounts, self.exception_handlers, self.trailing_slash
        )
        core: ASGIApp = dispatcher
        if self.plugins.encoders:
            core = self._with_encoder(core)
        self._routes = routes
        self._url_templates = names
        self._mount_paths = mount_names
        self._dispatcher = dispatcher
        self._asgi = build_stack(core, self.user_middleware, self.exception_handlers.handle)

    def _wrap(self, route: HTTPRoute | WebSocketRoute, handler: ASGIApp) -> ASGIApp:
        """Add what only some routes need, so that the others pay nothing for it."""
        dependencies = route.plan.dependencies
        # BackgroundTasks parameters are a dependency; an override may add one too.
        if request_background_tasks in dependencies or (dependencies and self.dependency_overrides):
            handler = with_background_tasks(handler)
        if isinstance(route, HTTPRoute) and route.form_limits is not None:
            handler = with_form_limits(handler, route.form_limits)
        return handler

    def _with_encoder(self, app: ASGIApp) -> ASGIApp:
        encoder = self.encoder

        async def call(scope: Scope, receive: Receive, send: Send) -> None:
            token = set_current_encoder(encoder)
            try:
                await app(scope, receive, send)
            finally:
                reset_current_encoder(token)

        return call

    async def _build_and_call(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            self.build()
        except Exception as exc:
            if scope["type"] != "lifespan":
                raise
            # A broken route must stop the server from starting, with the reason.
            await receive()
            await send(
                {"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"}
            )
            return
        await self._asgi(scope, receive, send)

    @property
    def routes(self) -> list[AnyRoute]:
        """Every route, routers flattened (with their handler plans once the app has started)."""
        if self._routes is None:
            return list(self.iter_routes())
        return list(self._routes)

    # -- ASGI ----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)

    async def handle_other_scope(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the ``lifespan`` scope (and refuse unknown ones)."""
        if scope["type"] == "lifespan":
            await run_lifespan_protocol(self.lifespan_context, scope, receive, send)
            return
        raise ConfigurationError(f"covet-web cannot serve ASGI scope type {scope['type']!r}")

    def lifespan_context(
        self, state: dict[str, Any] | None = None
    ) -> AbstractAsyncContextManager[None]:
        """Start the app (lifespan, start-up hooks, mounted Covet apps); stop it on exit.

        ``state`` is the server's lifespan state (what each ``request.state`` starts from).
        """
        sub_apps = [
            route.app
            for route in self.iter_routes()
            if isinstance(route, Mount) and isinstance(route.app, Covet)
        ]
        return startup_sequence(
            self, self._lifespan, self.on_startup, self.on_shutdown, sub_apps, state
        )

    # -- URLs ----------------------------------------------------------------------------

    def url_for(self, name: str, /, **path_params: Any) -> str:
        """The path of route ``name`` with ``path_params`` filled in.

        ``"mount:route"`` reaches a route of a Covet app mounted with ``name="mount"``; a
        mount's own name takes ``path=`` (the path inside the mount).
        """
        if self._dispatcher is None:
            self.build()
        templates = self._url_templates.get(name)
        if templates is not None:
            if len(templates) > 1:
                paths = ", ".join(t.path for t in templates)
                raise URLBuildError(
                    f"route name {name!r} is used by several paths ({paths}); "
                    "give the routes distinct name= values"
                )
            return templates[0].format(path_params)
        mount_name, sep, inner = name.partition(":")
        mount = self._mount_paths.get(mount_name)
        if mount is not None:
            if sep:
                sub_url_for = getattr(mount.app, "url_for", None)
                if sub_url_for is None:
                    raise URLBuildError(f"mounted app {mount_name!r} has no url_for()")
                return mount.path + str(sub_url_for(inner, **path_params))
            extra = set(path_params) - {"path"}
            if extra:
                raise URLBuildError(f"mount {name!r} takes only path=, not {sorted(extra)}")
            inner_path = str(path_params.get("path", ""))
            return mount.path + "/" + inner_path.lstrip("/")
        known = ", ".join(sorted(self._url_templates)) or "none"
        raise URLBuildError(f"no route named {name!r}; known names: {known}")

    # -- serving -------------------------------------------------------------------------

    def run(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        reload: bool = False,
        workers: int = 1,
        **uvicorn_options: Any,
    ) -> None:
        """Serve the app with uvicorn (``pip install 'covet-web[server]'``).

        For ``reload`` or several ``workers`` uvicorn imports the app by name; run this
        from the module that defines the app as a global (``python app.py``).
        """
        from ._server import run

        run(self, host=host, port=port, reload=reload, workers=workers, **uvicorn_options)

    def __repr__(self) -> str:
        return f"<Covet {self.title!r}>"
