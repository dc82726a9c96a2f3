"""``Validator``s declared inside a body type: on model fields, list items, dict values.

    @dataclass
    class Line:
        sku: Annotated[str, Validator(known_sku)]

    async def create(order: Order) -> ...:  # Order.lines: list[Line]

msgspec and pydantic build the value; ``nested_check(tp)`` then walks it and runs each
validator where it was declared, inner values first, replacing a value with what its
validators return. A failure is reported at its full ``loc`` (``["body", "lines", 2,
"sku"]``) and makes the whole value invalid (so outer validators do not run). The walk is
compiled at start-up and only visits the parts of the type that hold validators:
``nested_check`` returns None for a type without any, which then costs nothing.
Defaults (a field left out) are trusted, as for parameters.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, Literal, Union, get_args, get_origin

import msgspec

from ._discriminator import Discriminator, find_discriminator
from ._errors import ErrorDetail, ParameterError
from ._fields import NO_DEFAULT, iter_types, object_fields
from ._markers import Validator
from ._typing import is_model, is_subclass, sequence_item, split_annotated
from ._visitors import visitor
from ._walk import FAILED, Node, Store, walk_async

__all__ = [
    "FAILED",
    "NestedCheck",
    "SyncCheck",
    "nested_check",
    "nested_check_sync",
    "validators_in",
]

NestedCheck = Callable[[Any, list[str | int], list[ErrorDetail]], Awaitable[Any]]
"""``await check(value, loc, errors)``: the value (maybe normalised) or :data:`FAILED`."""
SyncCheck = Callable[[Any, list[str | int], list[ErrorDetail]], Any]

_UNIONS = (Union, types.UnionType)
_MAPPINGS = (dict, Mapping, MutableMapping, typing.Mapping, typing.MutableMapping)


def validators_in(tp: Any) -> list[Validator]:
    """Every ``Validator`` declared anywhere inside ``tp`` (start-up only)."""
    return [
        extra
        for node in iter_types(tp)
        for extra in split_annotated(node)[1]
        if isinstance(extra, Validator)
    ]


def nested_check(tp: Any) -> NestedCheck | None:
    """The walk that runs the validators inside ``tp``; None when it holds none."""
    found = validators_in(tp)
    if not found:
        return None
    node = _Compiler().compile(tp)
    assert node is not None
    if node.is_async:
        _compile_sync_parts(node, set())

        async def check_async(value: Any, loc: list[str | int], errors: list[ErrorDetail]) -> Any:
            return await walk_async(node, value, loc, errors)

        return check_async

    visit = visitor(node)

    async def check(value: Any, loc: list[str | int], errors: list[ErrorDetail]) -> Any:
        return visit(value, loc, errors)

    return check


def _compile_sync_parts(node: Node, seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    if not node.is_async:
        visitor(node)
        return
    children = [f[3] for f in node.fields] + [m[1] for m in node.members]
    for child in [node.inner, *children]:
        if child is not None:
            _compile_sync_parts(child, seen)


def nested_check_sync(tp: Any) -> SyncCheck | None:
    """As :func:`nested_check`, called without awaiting; async validators are refused."""
    found = validators_in(tp)
    if not found:
        return None
    if any(v.is_async for v in found):
        raise ParameterError(
            "an async Validator cannot run inside the type of a path, query, header or "
            "cookie value; put it on the parameter: Annotated[list[T], Query(), Validator(fn)]"
        )
    node = _Compiler().compile(tp)
    assert node is not None
    return visitor(node)


class _Compiler:
    def __init__(self) -> None:
        self.models: dict[Any, Node] = {}  # one node per model: recursive types loop back

    def compile(self, tp: Any) -> Node | None:
        if not validators_in(tp):
            return None
        base, extras = split_annotated(tp)
        node = self._structure(base)
        if node is not None:
            node.is_async = node.is_async or any(v.is_async for v in validators_in(base))
        own = tuple(e for e in extras if isinstance(e, Validator))
        if own:
            is_async = any(v.is_async for v in validators_in(tp))
            node = Node("validate", is_async=is_async, inner=node, validators=own)
        return node

    def _structure(self, base: Any) -> Node | None:
        origin = get_origin(base)
        if origin in _UNIONS:
            members = [m for m in get_args(base) if m is not type(None)]
            disc = find_discriminator(members)
            nodes = [(i, self.compile(m)) for i, m in enumerate(members)]
            kept = tuple((_matcher(members[i], i, disc), n) for i, n in nodes if n is not None)
            return Node("union", members=kept) if kept else None
        if is_model(base):
            return self._model(base)
        item = sequence_item(base)
        if item is not None:
            return _container("items", self.compile(item))
        if origin is tuple:
            nodes = [(i, self.compile(a)) for i, a in enumerate(get_args(base))]
            fields = tuple((i, i, NO_DEFAULT, n) for i, n in nodes if n is not None)
            return Node("tuple", fields=fields) if fields else None
        if origin in _MAPPINGS and len(get_args(base)) == 2:
            return _container("values", self.compile(get_args(base)[1]))
        return None

    def _model(self, model: Any) -> Node:
        if model in self.models:
            return self.models[model]
        node = self.models[model] = Node("model", store=_store(model))
        fields = []
        for f in object_fields(model) or ():
            child = self.compile(f.type)
            if child is not None:
                fields.append((f.attr, f.wire_name, f.default, child))
        node.fields = tuple(fields)
        return node


def _container(kind: Literal["items", "values"], inner: Node | None) -> Node | None:
    return None if inner is None else Node(kind, inner=inner)


def _store(model: Any) -> Store:
    if is_subclass(model, msgspec.Struct):
        return "replace" if model.__struct_config__.frozen else "attr"
    if typing.is_typeddict(model):
        return "item"
    return "force"


def _matcher(member: Any, index: int, disc: Discriminator | None) -> Callable[[Any], bool]:
    """Does a built value belong to this member of a union? (a class: ``isinstance``)."""
    base = split_annotated(member)[0]
    origin = get_origin(base)
    if origin is Literal:
        allowed = get_args(base)
        return lambda value: value in allowed
    if typing.is_typeddict(base):  # a plain dict at run time: its tag, or else its keys
        if disc is not None:
            key = disc.key
            return lambda value: isinstance(value, dict) and disc.select(value.get(key)) == index
        fields = object_fields(base) or ()
        keys = frozenset(f.wire_name for f in fields)
        required = frozenset(f.wire_name for f in fields if f.required)
        return lambda value: isinstance(value, dict) and required <= value.keys() <= keys
    cls = origin if origin is not None else base
    if isinstance(cls, type):
        return lambda value: isinstance(value, cls)
    return lambda value: False
