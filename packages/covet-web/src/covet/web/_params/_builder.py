"""Flatten a handler and its dependency graph into one :class:`Program` (at start-up).

Every parameter of the handler and of each dependency gets a *slot* (a key in the
request's values dict): the handler's own parameters use their names, so a handler
without dependencies is called with the values dict itself; a dependency's parameters
use ``"<n>.<name>"`` and its result ``"#<n>"``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._analysis import ParamSpec, analyse, callable_kind
from ._body import make_body_step
from ._di import DependencyNode, DependencySolver
from ._errors import ParameterError
from ._markers import Body, Depends
from ._program import Check, EndpointKind, Program
from ._sources import Extractor, make_extractor
from ._typing import split_annotated

__all__ = ["Builder", "compile_plan", "router_type"]


class Builder:
    """Collects extractors, body parameters, validators and dependency nodes."""

    def __init__(
        self,
        path_types: dict[str, Any],
        connection_type: type | None,
        overrides: Mapping[Callable[..., Any], Callable[..., Any]],
    ) -> None:
        self.path_types = path_types
        self.connection_type = connection_type
        self.overrides = overrides
        self.extractors: list[tuple[str, Extractor, list[str | int]]] = []
        self.body_slots: list[tuple[str, ParamSpec]] = []
        self.validated: list[tuple[str, ParamSpec]] = []
        self.nodes: list[DependencyNode] = []
        self.cache: dict[Any, DependencyNode] = {}
        self.specs: list[ParamSpec] = []
        self.count = 0

    def add_callable(
        self, call: Callable[..., Any], prefix: str, chain: tuple[Any, ...]
    ) -> tuple[tuple[tuple[str, str], ...], tuple[DependencyNode, ...]]:
        """Add ``call``'s parameters; return its ``(keyword, slot)`` pairs and its deps."""
        args: list[tuple[str, str]] = []
        children: list[DependencyNode] = []
        for spec in analyse(call, path_names=self.path_types, connection_type=self.connection_type):
            if spec.source == "dependency":
                assert spec.depends is not None
                node = self.add_dependency(spec.depends, spec.annotation, chain)
                args.append((spec.name, node.slot))
                children.append(node)
                continue
            slot = prefix + spec.name
            args.append((spec.name, slot))
            self.specs.append(spec)
            if spec.source in ("body", "form", "file"):
                self.body_slots.append((slot, spec))
            else:
                loc: list[str | int] = (
                    ["request"] if spec.source == "connection" else [spec.source, spec.wire_name]
                )
                self.extractors.append((slot, make_extractor(spec, self.path_types), loc))
            if spec.validators:
                self.validated.append((slot, spec))
        return tuple(args), tuple(children)

    def add_dependency(
        self, depends: Depends, annotation: Any, chain: tuple[Any, ...]
    ) -> DependencyNode:
        """Add (or reuse, when cached) the node of one ``Depends``."""
        original = depends.dependency or split_annotated(annotation)[0]
        if depends.use_cache and original in self.cache:
            return self.cache[original]
        if original in chain:
            names = " -> ".join(getattr(c, "__qualname__", repr(c)) for c in (*chain, original))
            raise ParameterError(f"dependency cycle: {names}")
        call = self.overrides.get(original, original)
        self.count += 1
        n = self.count
        args, children = self.add_callable(call, f"{n}.", (*chain, original))
        kind = callable_kind(call)
        node = DependencyNode(
            call=call,
            original=original,
            kind=kind,
            thread=depends.thread and kind in ("sync", "gen"),
            slot=f"#{n}",
            args=args,
            children=children,
            level=max((c.level + 1 for c in children), default=0),
        )
        self.nodes.append(node)
        if depends.use_cache:
            self.cache[original] = node
        return node


def router_type(value: Any) -> Any:
    """The Python type a route's path converter produces (``str`` when unknown)."""
    if isinstance(value, type):
        return value
    return getattr(value, "python_type", str)


def compile_plan(
    endpoint: Callable[..., Any],
    *,
    path_types: dict[str, Any],
    dependencies: Sequence[Depends],
    connection_type: type | None,
    overrides: Mapping[Callable[..., Any], Callable[..., Any]],
    thread: bool,
) -> tuple[Program, Builder]:
    """Build the program of ``endpoint`` (with ``overrides`` substituted)."""
    builder = Builder(path_types, connection_type, overrides)
    # Each declared dependency (app, routers outer-first, route: already in that order)
    # is a stage of its own, run after the previous one; the handler's own deps go last.
    bounds = [0]
    for dep in dependencies:
        if not isinstance(dep, Depends) or dep.dependency is None:
            raise ParameterError(f"route and app dependencies must be Depends(fn), got {dep!r}")
        builder.add_dependency(dep, Any, ())
        bounds.append(len(builder.nodes))
    kind = callable_kind(endpoint)
    if kind in ("gen", "agen"):
        raise ParameterError(
            f"{endpoint!r}: a handler cannot be a generator; return a StreamingResponse"
        )
    args, _ = builder.add_callable(endpoint, "", ())
    body_step = make_body_step(builder.body_slots)
    checks: list[Check] = []
    single = is_single_body(builder.body_slots)
    for slot, spec in builder.validated:
        loc: list[str | int]
        if spec.source == "body" and single:
            loc = ["body"]
        elif spec.source == "connection":
            loc = ["request"]
        else:
            loc = [spec.source, spec.wire_name]
        checks.append((slot, loc, spec.validators, spec.default))
    endpoint_kind: EndpointKind = "async" if kind == "async" else ("thread" if thread else "sync")
    program = Program(
        endpoint,
        endpoint_kind,
        None if not builder.nodes else args,
        tuple(builder.extractors),
        body_step,
        tuple(checks),
        DependencySolver(
            [builder.nodes[a:b] for a, b in itertools.pairwise(bounds)]
            + [builder.nodes[bounds[-1] :]]
        )
        if builder.nodes
        else None,
    )
    return program, builder


def is_single_body(body_slots: Sequence[tuple[str, ParamSpec]]) -> bool:
    """True when one JSON parameter receives the whole body (not an embedded object)."""
    if len(body_slots) != 1:
        return False
    spec = body_slots[0][1]
    return spec.source == "body" and not (isinstance(spec.marker, Body) and spec.marker.embed)
