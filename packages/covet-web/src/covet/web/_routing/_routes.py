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
        "operation_id",
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
        operation_id: str | None = None,
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
        if operation_id is not None:
            _check_operation_id(path, operation_id, normalized)
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
        self.operation_id = operation_id
        self.plan: Any = None

    def with_prefix(
        self,
        prefix: str,
        tags: Sequence[str],
        dependencies: Sequence[Any],
        *,
        include_in_schema: bool = True,
    ) -> HTTPRoute:
        """A copy under ``prefix``, with outer tags and dependencies added first.

        ``include_in_schema=False`` (a router hidden from OpenAPI) hides the copy too.
        """
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
            include_in_schema=self.include_in_schema and include_in_schema,
            responses=self.responses,
            max_body_size=self.max_body_size,
            msgpack=self.msgpack,
            form_limits=self.form_limits,
            operation_id=self.operation_id,
        )

    def __repr__(self) -> str:
        return f"HTTPRoute({self.path!r}, methods={list(self.methods)}, name={self.name!r})"


def _check_operation_id(path: str, operation_id: str, methods: tuple[str, ...]) -> None:
    if not isinstance(operation_id, str) or not operation_id:
        raise ConfigurationError(
            f"route {path!r}: operation_id must be a non-empty string, not {operation_id!r}"
        )
    if len(methods) > 1:
        raise ConfigurationError(
            f"route {path!r}: operation_id={operation_id!r} names one operation, but the route "
            f"answers {', '.join(methods)}; register one route per method to name each"
        )


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
        self,
        prefix: str,
        tags: Sequence[str],
        dependencies: Sequence[Any],
        *,
        include_in_schema: bool = True,
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
    """Any ASGI app served under a path prefix (``/static``, a sub-application).

    ``include_in_schema`` is False when a router hidden from OpenAPI includes the mount:
    a mounted Covet app's operations are then not for the parent's document.
    """

    __slots__ = ("app", "include_in_schema", "name", "path")

    def __init__(
        self, path: str, app: ASGIApp, *, name: str | None = None, include_in_schema: bool = True
    ) -> None:
        if not path.startswith("/") or (path.endswith("/") and path != "/"):
            raise ConfigurationError(
                f"mount path {path!r} must start with '/' and not end with '/' (e.g. '/static')"
            )
        self.path = "" if path == "/" else path
        self.app = app
        self.name = name
        self.include_in_schema = include_in_schema

    def with_prefix(
        self,
        prefix: str,
        tags: Sequence[str],
        dependencies: Sequence[Any],
        *,
        include_in_schema: bool = True,
    ) -> Mount:
        """A copy under ``prefix`` (hidden from OpenAPI if it or the router is)."""
        path = join_paths(prefix, self.path) if self.path else (prefix or "/")
        return Mount(
            path,
            self.app,
            name=self.name,
            include_in_schema=self.include_in_schema and include_in_schema,
        )

    def __repr__(self) -> str:
        return f"Mount({self.path or '/'!r}, name={self.name!r})"
