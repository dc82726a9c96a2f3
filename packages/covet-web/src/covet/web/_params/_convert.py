"""Precompiled converters from request strings (path, query, header, cookie, form) to types.

Built once per parameter at start-up. Every converter has msgspec's semantics
(``strict=False``: ``"42"`` → ``42``, ``"true"`` → ``True``); the common cases (plain
``str``, ``int``, ``bool``) take a pure-Python shortcut that only ever *accepts* what msgspec
accepts, and anything else, including every error, goes through msgspec so that messages
are uniform.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Final, Optional, get_origin

import msgspec

from ._constraints import for_msgspec
from ._errors import ErrorDetail, ParameterError
from ._nested import SyncCheck, nested_check_sync
from ._typing import sequence_item, split_annotated, split_optional

__all__ = ["Converter", "constrained_type", "is_sequence", "item_type", "string_converter"]

Converter = Callable[[Any], Any]
"""Convert a raw value; raise ``msgspec.ValidationError`` (path relative to the value)."""

_ITEM_CONSTRAINTS: Final = frozenset({"gt", "ge", "lt", "le", "multiple_of", "pattern"})
_BOOLS: Final = {"true": True, "false": False, "1": True, "0": False}
_INT_BOUNDS: Final = ("gt", "ge", "lt", "le", "multiple_of")


def constrained_type(tp: Any, constraints: Mapping[str, Any]) -> Any:
    """``tp`` with a marker's constraints attached as ``msgspec.Meta``.

    On a sequence, bounds and ``pattern`` apply to each item and lengths to the sequence;
    on ``T | None`` they apply to ``T``.
    """
    if not constraints:
        return tp
    base, extras = split_annotated(tp)
    inner, optional = split_optional(base)
    inner, inner_extras = split_annotated(inner)  # Annotated[list[int], MaxLen(3)] | None
    item = sequence_item(inner)
    if item is not None:
        item_c = {k: v for k, v in constraints.items() if k in _ITEM_CONSTRAINTS}
        outer_c = {k: v for k, v in constraints.items() if k not in _ITEM_CONSTRAINTS}
        origin = get_origin(inner)
        new_item = _attach(item, item_c)
        rebuilt = _rebuild(origin, new_item)
        inner = _attach(rebuilt, outer_c)
    else:
        inner = _attach(inner, dict(constraints))
    if inner_extras:
        inner = Annotated[(inner, *inner_extras)]
    if optional:
        inner = Optional[inner]  # noqa: UP045 - a runtime-built type
    if extras:
        inner = Annotated[(inner, *extras)]
    return inner


def _rebuild(origin: Any, item: Any) -> Any:
    if origin is tuple:
        return types.GenericAlias(tuple, (item, ...))
    if origin in (list, set, frozenset):
        return types.GenericAlias(origin, (item,))
    return types.GenericAlias(list, (item,))


def _attach(tp: Any, constraints: dict[str, Any]) -> Any:
    if not constraints:
        return tp
    try:
        meta = msgspec.Meta(**constraints)
        constrained = Annotated[tp, meta]
        msgspec.inspect.type_info(constrained)  # reject "ge on a str" at start-up
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"constraints {constraints} do not fit type {tp!r}: {exc}") from exc
    return constrained


def string_converter(tp: Any) -> Converter | None:
    """A converter from request strings to ``tp`` (already constrained); None = identity.

    Pydantic-style constraints (``Annotated[int, Ge(1)]``) are enforced as ``msgspec.Meta``;
    validators inside the type (``list[Annotated[str, Validator(fn)]]``) run on the result.
    """
    tp = for_msgspec(tp)
    check = nested_check_sync(tp)
    convert = _plain_converter(tp)
    return convert if check is None else _with_validators(convert, check)


def _with_validators(convert: Converter | None, check: SyncCheck) -> Converter:
    def checked(raw: Any) -> Any:
        value = raw if convert is None else convert(raw)
        errors: list[ErrorDetail] = []
        value = check(value, [], errors)
        if errors:  # reported like msgspec's own errors: the message and its path
            first = errors[0]
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
            raise msgspec.ValidationError(
                f"{first['msg']} - at `${path}`" if path else first["msg"]
            )
        return value

    return checked


def _plain_converter(tp: Any) -> Converter | None:
    base, extras = split_annotated(tp)
    if base is str and not any(isinstance(e, msgspec.Meta) for e in extras):
        return None
    if base is Any:
        return None
    generic = _generic(tp)
    if base is int and not extras:
        return _int_converter(generic, {})
    if base is int and len(extras) == 1 and isinstance(extras[0], msgspec.Meta):
        meta = extras[0]
        bounds = {k: getattr(meta, k) for k in _INT_BOUNDS if getattr(meta, k) is not None}
        return _int_converter(generic, bounds)
    if base is bool and not extras:
        return _bool_converter(generic)
    return generic


def _generic(tp: Any) -> Converter:
    # A one-field Struct caches msgspec's type analysis; converting a bare Annotated or
    # generic alias would redo it on every call (~2x slower).
    holder: Any = msgspec.defstruct("_Value", [("v", tp)])
    try:
        msgspec.inspect.type_info(holder)
    except TypeError as exc:
        raise ParameterError(f"type {tp!r} is not supported for request values: {exc}") from exc
    convert = msgspec.convert

    def generic(raw: Any) -> Any:
        try:
            return convert({"v": raw}, holder, strict=False).v
        except msgspec.ValidationError as exc:
            text = str(exc).replace(" - at `$.v`", "").replace("`$.v", "`$")
            raise msgspec.ValidationError(text) from None

    return generic


def _int_converter(fallback: Converter, bounds: dict[str, Any]) -> Converter:
    gt, ge, lt, le, mult = (bounds.get(k) for k in _INT_BOUNDS)

    def convert_int(raw: Any) -> Any:
        # Only plain ASCII digits (and a leading minus) take the shortcut: int() also
        # accepts " 1", "1_0" and non-ASCII digits, which msgspec rejects.
        if (
            type(raw) is str
            and 0 < len(raw) < 19
            and raw.isascii()
            and (raw.isdigit() or (raw[0] == "-" and raw[1:].isdigit()))
        ):
            value = int(raw)
            if (
                (gt is None or value > gt)
                and (ge is None or value >= ge)
                and (lt is None or value < lt)
                and (le is None or value <= le)
                and (mult is None or value % mult == 0)
            ):
                return value
        return fallback(raw)

    return convert_int


def _bool_converter(fallback: Converter) -> Converter:
    table = _BOOLS

    def convert_bool(raw: Any) -> Any:
        value = table.get(raw) if type(raw) is str else None
        return fallback(raw) if value is None else value

    return convert_bool


def item_type(tp: Any) -> Any:
    """The item type of a (possibly optional, annotated) sequence annotation, or None."""
    base, _ = split_annotated(tp)
    base, _ = split_optional(base)
    base, _ = split_annotated(base)
    return sequence_item(base)


def is_sequence(tp: Any) -> bool:
    """True when a query/header/form parameter collects repeated keys."""
    return item_type(tp) is not None
