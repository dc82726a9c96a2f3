"""Route definitions: what a decorator records. Plain data; compiled by the app at start-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._form_limits import FormLimits
from .._types import ASGIApp
from ..errors import ConfigurationError

__all__ = ["HTTP_METHODS", "HTTPRoute", "Mount", "WebSocketRoute", "join_paths"]

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})


def join_paths(prefix: str, path: str) -> str:
    """``prefix + path`` with exactly one slash between them (``"/api" + "/"`` is ``/api/``)."""
    if not prefix:
        return path
    if not prefix.startswith("/") or prefix.endswith("/"):
        raise ConfigurationError(
            f"prefix {prefix!r} must start with '/' and not end with '/' (e.g. '/api')"
        )
    return prefix + path


class HTTPRoute:
    """An HTTP route: a path, the methods it answers, the handler and its options.

    After the app has started, ``plan`` holds the handler plan (parameters, body and
    return type) that OpenAPI generation reads.
    """

    __slots__ = (
        "dependencies",
        "deprecated",
        "description",
        "endpoint",
        "form_limits",
        "include_in_schema",
        "max_body_size",
        "methods",
        "msgpack",
        "name",
        "path",
        "plan",
        "responses",
        "status_code",
        "summary",
        "tags",
    )

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Sequence[str],
        name: str | None = None,
        status_code: int | None = None,
        tags: Sequence[str] = (),
        summary: str | None = None,
        description: str | None = None,
        deprecated: bool = False,
        dependencies: Sequence[Any] = (),
        include_in_schema: bool = True,
        responses: Mapping[int, Any] | None = None,
        max_body_size: int | None = None,
        msgpack: bool | None = None,
        form_limits: FormLimits | None = None,
    ) -> None:
        if not callable(endpoint):
            raise ConfigurationError(f"route {path!r}: the handler {endpoint!r} is not callable")
        normalized = tuple(dict.fromkeys(method.upper() for method in methods))
        unknown = [method for method in normalized if method not in HTTP_METHODS]
        if not normalized or unknown:
            raise ConfigurationError(
                f"route {path!r}: unknown HTTP method(s) {unknown or list(methods)}; "
                f"use {', '.join(sorted(HTTP_METHODS))}"
            )
        if status_code is not None and not 100 <= status_code <= 599:
            raise ConfigurationError(f"route {path!r}: status_code {status_code} is not 100-599")
        self.path = path
        self.endpoint = endpoint
        self.methods: tuple[str, ...] = normalized
        self.name = name if name is not None else getattr(endpoint, "__name__", None)
        self.status_code = status_code
        self.tags: tuple[str, ...] = tuple(tags)
        self.summary = summary
        self.description = description
        self.deprecated = deprecated
        self.dependencies: tuple[Any, ...] = tuple(dependencies)
        self.include_in_schema = include_in_schema
        self.responses: dict[int, Any] = dict(responses or {})
        self.max_body_size = max_body_size
        self.msgpack = msgpack
        self.form_limits = form_limits
        self.plan: Any = None

    def with_prefix(
        self, prefix: str, tags: Sequence[str], dependencies: Sequence[Any]
    ) -> HTTPRoute:
        """A copy under ``prefix``, with outer tags and dependencies added first."""
        return HTTPRoute(
            join_paths(prefix, self.path),
            self.endpoint,
            methods=self.methods,
            name=self.name,
            status_code=self.status_code,
            tags=tuple(dict.fromkeys((*tags, *self.tags))),
            summary=self.summary,
            description=self.description,
            deprecated=self.deprecated,
            dependencies=(*dependencies, *self.dependencies),
            include_in_schema=self.include_in_schema,
            responses=self.responses,
            max_body_size=self.max_body_size,
            msgpack=self.msgpack,
            form_limits=self.form_limits,
        )

    def __repr__(self) -> str:
        return f"HTTPRoute({self.path!r}, methods={list(self.methods)}, name={self.name!r})"


class WebSocketRoute:
    """A WebSocket route; the session itself is handled by ``covet.web.websockets``."""

    __slots__ = ("dependencies", "endpoint", "name", "path", "plan")

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        dependencies: Sequence[Any] = (),
    ) -> None:
        if not callable(endpoint):
            raise ConfigurationError(f"route {path!r}: the handler {endpoint!r} is not callable")
        self.path = path
        self.endpoint = endpoint
        self.name = name if name is not None else getattr(endpoint, "__name__", None)
        self.dependencies: tuple[Any, ...] = tuple(dependencies)
        self.plan: Any = None

    def with_prefix(
        self, prefix: str, tags: Sequence[str], dependencies: Sequence[Any]
    ) -> WebSocketRoute:
        """A copy under ``prefix`` with the outer dependencies added first."""
        return WebSocketRoute(
            join_paths(prefix, self.path),
            self.endpoint,
            name=self.name,
            dependencies=(*dependencies, *self.dependencies),
        )

    def __repr__(self) -> str:
        return f"WebSocketRoute({self.path!r}, name={self.name!r})"


class Mount:
    """Any ASGI app served under a path prefix (``/static``, a sub-application)."""

    __slots__ = ("app", "name", "path")

    def __init__(self, path: str, app: ASGIApp, *, name: str | None = None) -> None:
        if not path.startswith("/") or (path.endswith("/") and path != "/"):
            raise ConfigurationError(
                f"mount path {path!r} must start with '/' and not end with '/' (e.g. '/static')"
            )
        self.path = "" if path == "/" else path
        self.app = app
        self.name = name

    def with_prefix(self, prefix: str, tags: Sequence[str], dependencies: Sequence[Any]) -> Mount:
        """A copy under ``prefix``."""
        path = join_paths(prefix, self.path) if self.path else (prefix or "/")
        return Mount(path, self.app, name=self.name)

    def __repr__(self) -> str:
        return f"Mount({self.path or '/'!r}, name={self.name!r})"
