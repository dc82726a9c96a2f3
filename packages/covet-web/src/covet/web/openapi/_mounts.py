"""Covet apps mounted with ``app.mount()``: their operations in the parent's document.

Each mounted Covet app that serves a document (its ``openapi_url`` is set) contributes
its own document, made the way it serves it, under the mount's prefix. Merging keeps the
parent right about what is served: an operation a parent route or a longer mount
answers first is left out, and names that must be unique in one document are made so.

- A component schema or security scheme with the same name and the same content is
  shared; a different one is renamed ``<mount>.<Name>`` (``v2.Item``), then
  ``<mount>.<Name>_2``..., and the mounted operations' references follow it.
- An operationId already taken becomes ``<mount>_<id>``, then ``<mount>_<id>_2``...
- The mounted app's app-wide ``security`` moves onto its operations; its tags join the
  document's (a tag the parent does not describe takes the mounted app's description).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .._routing import HTTPRoute, Mount, Router
from ._config import OpenAPIConfig
from ._operation import openapi_path
from ._schema import REF_PREFIX

__all__ = ["documented_mounts", "merge_mounted"]

_TEMPLATE = re.compile(r"\{[^{}]*\}")


def _serves_a_document(app: Any) -> bool:
    """A Covet app (a Router with OpenAPI settings) whose ``openapi_url`` is set."""
    return (
        isinstance(app, Router)
        and isinstance(getattr(app, "openapi_config", None), OpenAPIConfig)
        and bool(getattr(app, "openapi_url", None))
    )


def documented_mounts(app: Any) -> list[Mount]:
    """The mounts of ``app`` that serve a Covet app with its document turned on, except
    those of routers left out of the schema."""
    return [
        r
        for r in app.routes
        if isinstance(r, Mount) and r.include_in_schema and _serves_a_document(r.app)
    ]


def _slug(mount: Mount) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]+", "_", mount.path.strip("/")) or "root"


def _shape(path: str) -> str:
    """``/items/{id}`` and ``/items/{item_id}`` match the same requests."""
    return _TEMPLATE.sub("{}", path)


def _fresh(base: str, taken: Callable[[str], bool]) -> str:
    name, n = base, 2
    while taken(name):
        name, n = f"{base}_{n}", n + 1
    return name


def _merge_named(
    ours: dict[str, Any], theirs: Mapping[str, Any], slug: str, refs: bool
) -> dict[str, str]:
    """Add ``theirs`` to ``ours``; returns the renames (old name → new name) it needed.

    With ``refs``, the entries point at each other: one renamed changes the content of
    those that reference it, so renames are found until none is added.
    """
    renames: dict[str, str] = {}

    def content(name: str) -> Any:
        return _renamed(theirs[name], renames) if refs else theirs[name]

    def taken(name: str) -> bool:
        return name in ours or name in theirs or name in renames.values()

    changed = True
    while changed:
        changed = False
        for name in sorted(theirs):
            if name not in renames and name in ours and ours[name] != content(name):
                renames[name] = _fresh(f"{slug}.{name}", taken)
                changed = True
    for name in sorted(theirs):
        ours.setdefault(renames.get(name, name), content(name))
    return renames


def _renamed(node: Any, schemas: Mapping[str, str]) -> Any:
    """``node`` with its references to the ``schemas`` renamed (old → new name)."""
    if not schemas:
        return node
    if isinstance(node, list):
        return [_renamed(v, schemas) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX):
            name = value.removeprefix(REF_PREFIX)
            out[key] = REF_PREFIX + schemas.get(name, name)
        elif key == "mapping" and isinstance(value, dict):  # a discriminator's
            out[key] = {tag: _renamed({"$ref": ref}, schemas)["$ref"] for tag, ref in value.items()}
        else:
            out[key] = _renamed(value, schemas)
    return out


def _requirements(security: Any, schemes: Mapping[str, str]) -> Any:
    """Security Requirement Objects with the ``schemes`` renamed."""
    if not schemes or not isinstance(security, list):
        return security
    return [
        {schemes.get(n, n): s for n, s in r.items()} if isinstance(r, dict) else r for r in security
    ]


def _operations(paths: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in paths.items():
        for method, operation in item.items():
            yield path, method, operation


def _merge_tags(document: dict[str, Any], tags: list[dict[str, Any]]) -> None:
    known: list[dict[str, Any]] = document.setdefault("tags", [])
    index = {tag.get("name"): i for i, tag in enumerate(known)}
    for tag in tags:
        at = index.get(tag.get("name"))
        if at is None:
            index[tag.get("name")] = len(known)
            known.append(tag)
        elif set(known[at]) == {"name"}:
            known[at] = tag  # the mounted app describes a tag the parent only uses
    if not known:
        del document["tags"]


def _served(app: Any) -> tuple[set[tuple[str, str]], list[str]]:
    """What the parent answers before a mount: its routes' (shape, method), and the
    prefixes of all its mounts (the longest matching one serves a request)."""
    routes: set[tuple[str, str]] = set()
    prefixes: list[str] = []
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            routes.update((_shape(openapi_path(route.path)), m.lower()) for m in route.methods)
        elif isinstance(route, Mount):
            prefixes.append(route.path)
    return routes, prefixes


def merge_mounted(
    document: dict[str, Any], app: Any, sub_document: Callable[[Any], dict[str, Any] | None]
) -> None:
    """Add the operations of ``app``'s documented mounts to its ``document``, in place.

    ``sub_document(sub_app)`` makes a mounted app's document (``None`` to skip it).
    """
    routes, prefixes = _served(app)
    paths: dict[str, dict[str, Any]] = document["paths"]
    ids = {op.get("operationId") for _, _, op in _operations(paths)}
    components: dict[str, Any] = document.setdefault("components", {})
    for mount in documented_mounts(app):
        sub = sub_document(mount.app)
        if sub is None:
            continue
        slug = _slug(mount)
        longer = [p for p in prefixes if len(p) > len(mount.path)]
        sub_components = sub.get("components", {})
        schemas = _merge_named(
            components.setdefault("schemas", {}), sub_components.get("schemas", {}), slug, True
        )
        schemes = _merge_named(
            components.setdefault("securitySchemes", {}),
            sub_components.get("securitySchemes", {}),
            slug,
            False,
        )
        app_wide = sub.get("security")
        for path, method, operation in _operations(sub.get("paths", {})):
            full = mount.path + path
            if (_shape(full), method) in routes or any(
                full == p or full.startswith(p + "/") for p in longer
            ):
                continue  # a parent route or a longer mount answers these requests
            operation = _renamed(operation, schemas)
            if "security" in operation or app_wide is not None:
                operation["security"] = _requirements(operation.get("security", app_wide), schemes)
            if "operationId" in operation:
                base = operation["operationId"]
                unique = base if base not in ids else _fresh(f"{slug}_{base}", ids.__contains__)
                ids.add(unique)
                operation["operationId"] = unique
            paths.setdefault(full, {})[method] = operation
        _merge_tags(document, list(sub.get("tags", [])))
    if not components.get("securitySchemes"):
        components.pop("securitySchemes", None)
