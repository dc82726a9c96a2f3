"""A nested check's node tree compiled into plain closures, for the sync validators.

``visitor(node)`` returns ``visit(value, loc, errors)`` for a node without async validators
(and records it as ``node.visit``, which the async walk calls for such parts): one small
closure per node, each doing only what its kind needs, so a list of a thousand items costs
a thousand calls of the item's closure and no dispatch.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import msgspec

from ._errors import ErrorDetail
from ._walk import FAILED, Node, Visit, error

__all__ = ["visitor"]

_WRITERS: dict[str, Callable[[Any, Any, Any], None]] = {
    "attr": setattr,
    "force": object.__setattr__,  # frozen dataclasses, pydantic models
    "item": operator.setitem,
}


def visitor(node: Node, memo: dict[int, Visit] | None = None) -> Visit:
    """The closure that runs ``node`` (which must hold no async validator)."""
    assert not node.is_async
    memo = {} if memo is None else memo
    if id(node) in memo:  # a recursive model: its closure, being built
        return memo[id(node)]
    kind = node.kind
    visit: Visit
    if kind == "validate":
        inner = None if node.inner is None else visitor(node.inner, memo)
        visit = _validate(inner, tuple(v.fn for v in node.validators))
    elif kind == "model":
        fields: list[tuple[Any, str | int, Any, Visit]] = []
        visit = memo[id(node)] = _model(node.store, fields)
        fields.extend((k, w, d, visitor(child, memo)) for k, w, d, child in node.fields)
    elif kind == "items":
        assert node.inner is not None
        visit = _items(visitor(node.inner, memo))
    elif kind == "tuple":
        visit = _tuple([(k, visitor(child, memo)) for k, _, _, child in node.fields])
    elif kind == "values":
        assert node.inner is not None
        visit = _values(visitor(node.inner, memo))
    else:
        visit = _union([(matches, visitor(child, memo)) for matches, child in node.members])
    node.visit = visit
    return visit


def _validate(inner: Visit | None, fns: tuple[Callable[[Any], Any], ...]) -> Visit:
    def visit(value: Any, loc: list[str | int], errors: list[ErrorDetail]) -> Any:
        if inner is not None:
            value = inner(value, loc, errors)
            if value is FAILED:
                return FAILED
        for fn in fns:
            try:
                value = fn(value)
            except (ValueError, TypeError, AssertionError) as exc:
                errors.append(error(loc, exc))
                return FAILED
        return value

    return visit


def _model(store: str, fields: list[tuple[Any, str | int, Any, Visit]]) -> Visit:
    write = _WRITERS.get(store)  # None: a frozen Struct, replaced
    by_item = store == "item"

    def visit(value: Any, loc: list[str | int], errors: list[ErrorDetail]) -> Any:
        if value is None:
            return None  # an Optional left empty
        failed = False
        changes: dict[str, Any] | None = None
        for key, wire, default, child in fields:
            if by_item:
                if key not in value:
                    continue  # a NotRequired key left out
                old = value[key]
            else:
                old = getattr(value, key)
            if old is default:
                continue  # defaults are trusted
            loc.append(wire)
            new = child(old, loc, errors)
            loc.pop()
            if new is not old:
                if new is FAILED:
                    failed = True
                elif write is not None:
                    write(value, key, new)
                else:
                    changes = {} if changes is None else changes
                    changes[key] = new
        if failed:
            return FAILED
        return value if changes is None else msgspec.structs.replace(value, **changes)

    return visit


def _items(child: Visit) -> Visit:
    def visit(value: Any, loc: list[str | int], errors: list[ErrorDetail]) -> Any:
        if value is None:
            return None
        failed = False
        out: list[Any] | None = value if isinstance(value, list) else None
        rebuilt = False
        for index, old in enumerate(value):
            loc.append(index)
            new = child(old, loc, errors)
            loc.pop()
            if new is not old:
                if new is FAILED:
                    failed = True
                    continue
                if out is None:
                    out = list(value)  # a tuple, set or frozenset: rebuilt
                rebuilt = rebuilt or out is not value
                out[index] = new
        if failed:
            return FAILED
        return type(value)(out) if rebuilt else value

    return visit


def _tuple(children: list[tuple[Any, Visit]]) -> Visit:
    def visit(value: Any, loc: list[str | int], errors: list[ErrorDetail]) -> Any:
        if value is None:
            return None
        failed = False
        out: list[Any] | None = None
        for index, child in children:
            old = value[index]
            loc.append(index)
            new = child(old, loc, errors)
            loc.pop()
            if new is not old:
                if new is FAILED:
                    failed = True
                    continue
                out = list(value) if out is None else out
                out[index] = new
        if failed:
            return FAILED
        return value if out is None else type(value)(out)

    return visit


def _values(child: Visit) -> Visit:
    def visit(value: Any, loc: list[str | int], errors: list[ErrorDetail]) -> Any:
        if value is None:
            return None
        failed = False
        for key, old in list(value.items()):
            loc.append(key if isinstance(key, str | int) else str(key))
            new = child(old, loc, errors)
            loc.pop()
            if new is not old:
                if new is FAILED:
                    failed = True
                else:
                    value[key] = new
        return FAILED if failed else value

    return visit


def _union(members: list[tuple[Callable[[Any], bool], Visit]]) -> Visit:
    def visit(value: Any, loc: list[str | int], errors: list[ErrorDetail]) -> Any:
        for matches, child in members:
            if matches(value):
                return child(value, loc, errors)
        return value

    return visit
