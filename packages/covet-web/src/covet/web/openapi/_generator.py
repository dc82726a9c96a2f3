"""The OpenAPI 3.1 document of an app, from its routes and their handler plans."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from .._routing import HTTPRoute
from ..errors import ConfigurationError
from ._config import OpenAPIConfig
from ._mounts import merge_mounted
from ._operation import PROBLEM_SCHEMAS, build_operation, openapi_path, security_requirements
from ._schema import SchemaRegistry
from ._security import SecurityScheme

__all__ = ["OPENAPI_VERSION", "app_document", "generate_openapi", "with_servers"]

OPENAPI_VERSION = "3.1.0"


def _config(app: Any) -> OpenAPIConfig:
    config = getattr(app, "openapi_config", None)
    return config if isinstance(config, OpenAPIConfig) else OpenAPIConfig()


def _documented_routes(app: Any) -> list[HTTPRoute]:
    routes = [r for r in app.routes if isinstance(r, HTTPRoute) and r.include_in_schema]
    if any(r.plan is None for r in routes):
        app.build()  # plans are made when the app compiles its routes
        routes = [r for r in app.routes if isinstance(r, HTTPRoute) and r.include_in_schema]
    return routes


def _operation_ids(routes: list[HTTPRoute]) -> dict[tuple[int, str], str]:
    """A unique operationId per (route, method).

    A route's ``operation_id=`` is used as given (two routes giving the same one is a
    ConfigurationError); the others take the route name, made unique when shared and
    never taking an explicit id.
    """

    def base(route: HTTPRoute) -> str:
        name = route.name or getattr(route.endpoint, "__name__", None) or "operation"
        return re.sub(r"[^A-Za-z0-9_.\-]+", "_", name)

    ids: dict[tuple[int, str], str] = {}
    taken: set[str] = set()
    for index, route in enumerate(routes):
        explicit = route.operation_id
        if explicit is None:
            continue
        if explicit in taken:
            raise ConfigurationError(
                f"two routes have operation_id={explicit!r}; operationIds must be unique"
            )
        taken.add(explicit)
        for method in route.methods:
            ids[index, method] = explicit
    uses = Counter(base(r) for r in routes if r.operation_id is None for _ in r.methods)
    for index, route in enumerate(routes):
        if route.operation_id is not None:
            continue
        for method in route.methods:
            candidate = base(route)
            if uses[candidate] > 1:
                candidate = f"{candidate}_{method.lower()}"
            unique, n = candidate, 2
            while unique in taken:
                unique, n = f"{candidate}_{n}", n + 1
            taken.add(unique)
            ids[index, method] = unique
    return ids


def _register_scheme(schemes: dict[str, SecurityScheme], scheme: SecurityScheme) -> None:
    known = schemes.get(scheme.scheme_name)
    if known is not None and known.openapi() != scheme.openapi():
        raise ConfigurationError(
            f"two different security schemes are named {scheme.scheme_name!r}; "
            "give one of them another scheme_name="
        )
    schemes.setdefault(scheme.scheme_name, scheme)


def generate_openapi(app: Any, *, root_path: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app`` (a ``Covet``), as a JSON-ready dict.

    The app is compiled first if it has not served a request yet. Computed anew on each
    call; the app's ``/openapi.json`` route computes it once and serves the cached bytes.
    ``root_path`` is the prefix the app is served under (ASGI's ``root_path``): unless
    ``OpenAPIConfig(servers=...)`` lists the servers, it becomes the document's server.
    Operations of mounted Covet apps are included under their mount path.
    """
    return with_servers(app_document(app), app, root_path)


def with_servers(document: dict[str, Any], app: Any, root_path: str) -> dict[str, Any]:
    """``document`` with the ``servers`` of ``app`` served under ``root_path``."""
    servers = [dict(s) for s in _config(app).servers]
    if not servers and root_path.rstrip("/"):
        servers = [{"url": root_path.rstrip("/")}]
    if not servers:
        return document
    head = {k: v for k, v in document.items() if k in ("openapi", "info")}
    return {**head, "servers": servers, **document}


def app_document(app: Any, _seen: frozenset[int] = frozenset()) -> dict[str, Any]:
    """The document of ``app`` and the Covet apps mounted in it, without ``servers``."""
    seen = _seen | {id(app)}
    document = _own_document(app)

    def sub_document(sub: Any) -> dict[str, Any] | None:
        return None if id(sub) in seen else app_document(sub, seen)

    merge_mounted(document, app, sub_document)
    return document


def _own_document(app: Any) -> dict[str, Any]:
    config = _config(app)
    routes = _documented_routes(app)
    registry = SchemaRegistry(app.plugins.openapi_schema)
    for name, schema in PROBLEM_SCHEMAS.items():
        registry.add_component(name, schema)
    schemes: dict[str, SecurityScheme] = {}
    for scheme in (*config.security_schemes, *config.security):
        _register_scheme(schemes, scheme)
    ids = _operation_ids(routes)
    paths: dict[str, dict[str, Any]] = {}
    used_tags: list[str] = []
    for index, route in enumerate(routes):
        msgpack = route.msgpack if route.msgpack is not None else bool(app.msgpack)
        for scheme in security_requirements(route.plan):
            _register_scheme(schemes, scheme)
        for tag in route.tags:
            if tag not in used_tags:
                used_tags.append(tag)
        item = paths.setdefault(openapi_path(route.path), {})
        for method in route.methods:
            item[method.lower()] = build_operation(
                route,
                method,
                ids[index, method],
                registry,
                converters=app.converters,
                msgpack=msgpack,
            )
    registry.resolve()

    info: dict[str, Any] = {"title": app.title, "version": app.version}
    if app.description:
        info["description"] = app.description
    info.update(config.info)
    document: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": info}
    document["paths"] = registry.fill(paths)
    components: dict[str, Any] = {"schemas": dict(sorted(registry.components.items()))}
    if schemes:
        components["securitySchemes"] = {n: s.openapi() for n, s in schemes.items()}
    document["components"] = components
    if config.security:
        document["security"] = [s.requirement() for s in config.security]
    declared = [dict(tag) for tag in config.tags]
    names = {tag.get("name") for tag in declared}
    tags = declared + [{"name": t} for t in used_tags if t not in names]
    if tags:
        document["tags"] = tags
    if config.external_docs:
        document["externalDocs"] = dict(config.external_docs)
    return document
