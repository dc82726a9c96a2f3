"""The tree a nested check is compiled into, and its async walk (see ``_nested``).

A :class:`Node` tree mirrors the parts of a type that hold validators. Parts without an
async validator run as plain closures (``_visitors``); ``walk_async`` goes down the
branches that hold one, with awaits, and hands every other part to its closure. It visits
inner parts first, runs the validators, writes changed values back and returns the value
or :data:`FAILED`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any, Final, Literal

import msgspec

from ._errors import ErrorDetail
from ._markers import Validator

__all__ = ["FAILED", "Node", "Visit", "error", "walk_async"]

FAILED: Final[Any] = type("_Failed", (), {"__repr__": lambda self: "FAILED"})()
"""What a walk returns when a validator rejected a value (the errors are appended)."""

Visit = Callable[[Any, list[str | int], list[ErrorDetail]], Any]
"""``visit(value, loc, errors)``: the value (maybe replaced) or :data:`FAILED`."""

Kind = Literal["validate", "model", "items", "tuple", "values", "union"]
Store = Literal["attr", "force", "item", "replace"]
Field = tuple[Any, str | int, Any, "Node"]
"""(key, wire name, default, node): a model's attribute (or TypedDict key), a tuple's index."""


@dataclasses.dataclass(slots=True, eq=False)
class Node:
    """One part of a type to visit: its validators, or how to reach its inner parts."""

    kind: Kind
    is_async: bool = False
    """An async validator runs here or below: walk this part with awaits."""
    inner: Node | None = None
    validators: tuple[Validator, ...] = ()
    fields: tuple[Field, ...] = ()
    store: Store = "item"
    """How a changed part is written back: ``setattr`` (a Struct), ``object.__setattr__``
    (``force``: dataclasses, attrs, pydantic; frozen or not), ``value[key] =`` (TypedDicts,
    lists, dicts), a new Struct (``replace``: frozen)."""
    members: tuple[tuple[Callable[[Any], bool], Node], ...] = ()
    """union: (does a value belong to this member, its node)."""
    visit: Visit | None = None
    """The compiled closure of a part without async validators."""


def _children(node: Node, value: Any) -> Iterator[tuple[Any, str | int, Any, Node]]:
    """(key, loc part, current value, node) of each part of ``value`` to visit."""
    kind = node.kind
    if kind == "model":
        by_item = node.store == "item"
        for key, wire, default, child in node.fields:
            if by_item and key not in value:
                continue  # a NotRequired key left out
            old = value[key] if by_item else getattr(value, key)
            if old is not default:  # defaults are trusted
                yield key, wire, old, child
    elif kind == "items":
        assert node.inner is not None
        for index, old in enumerate(value):
            yield index, index, old, node.inner
    elif kind == "tuple":
        for key, wire, _, child in node.fields:
            yield key, wire, value[key], child
    else:  # values
        assert node.inner is not None
        for key, old in list(value.items()):
            yield key, key if isinstance(key, str | int) else str(key), old, node.inner


def _apply(node: Node, value: Any, changes: dict[Any, Any]) -> Any:
    """``value`` with the changed parts written back (a new object if it is immutable)."""
    if node.store == "replace":
        return msgspec.structs.replace(value, **changes)
    if node.store == "attr":
        for key, new in changes.items():
            setattr(value, key, new)
        return value
    if node.store == "force":
        for key, new in changes.items():
            object.__setattr__(value, key, new)  # frozen dataclasses, pydantic models
        return value
    if isinstance(value, list | dict):  # TypedDicts too
        for key, new in changes.items():
            value[key] = new
        return value
    items = list(value)  # a tuple, set or frozenset: rebuilt
    for key, new in changes.items():
        items[key] = new
    return type(value)(items)


def error(loc: list[str | int], exc: BaseException) -> ErrorDetail:
    """The error of a validator that rejected the value at ``loc``."""
    return {"loc": list(loc), "msg": str(exc) or type(exc).__name__, "type": "value_error"}


def _pick(node: Node, value: Any) -> Node | None:
    for matches, child in node.members:
        if matches(value):
            return child
    return None


async def walk_async(
    node: Node, value: Any, loc: list[str | int], errors: list[ErrorDetail]
) -> Any:
    """Run ``node`` on ``value``; the parts without async validators run their closures."""
    if not node.is_async:
        assert node.visit is not None
        return node.visit(value, loc, errors)
    if node.kind == "validate":
        if node.inner is not None:
            value = await walk_async(node.inner, value, loc, errors)
            if value is FAILED:
                return FAILED
        for validator in node.validators:
            try:
                value = validator.fn(value)
                if validator.is_async:
                    value = await value
            except (ValueError, TypeError, AssertionError) as exc:
                errors.append(error(loc, exc))
                return FAILED
        return value
    if value is None:
        return None
    if node.kind == "union":
        child = _pick(node, value)
        return value if child is None else await walk_async(child, value, loc, errors)
    changes: dict[Any, Any] = {}
    failed = False
    for key, part, old, child in _children(node, value):
        loc.append(part)
        new = await walk_async(child, old, loc, errors)
        loc.pop()
        if new is FAILED:
            failed = True
        elif new is not old:
            changes[key] = new
    if failed:
        return FAILED
    return _apply(node, value, changes) if changes else value
