"""Questions about type annotations, answered once at start-up.

Which source a parameter defaults to depends on its type: simple scalars (and lists of
them) come from the query string, structured types (dataclass, TypedDict, msgspec
Struct, pydantic model, dicts and lists of those) from the JSON body.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import sys
import types
import typing
import uuid
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

__all__ = [
    "is_model",
    "is_pydantic_model",
    "is_scalar",
    "is_structured",
    "is_subclass",
    "sequence_item",
    "split_annotated",
    "split_optional",
]

_SCALARS: tuple[type, ...] = (
    str,
    int,
    float,
    bool,
    bytes,
    decimal.Decimal,
    uuid.UUID,
    datetime.datetime,
    datetime.date,
    datetime.time,
    datetime.timedelta,
)
_SEQUENCES = (list, set, frozenset, tuple, Sequence, typing.Sequence)
_UNIONS = (Union, types.UnionType)


def split_annotated(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    """``Annotated[T, a, b]`` → ``(T, (a, b))``; anything else → ``(tp, ())``."""
    if get_origin(tp) is Annotated:
        args = get_args(tp)
        return args[0], tuple(args[1:])
    return tp, ()


def split_optional(tp: Any) -> tuple[Any, bool]:
    """``T | None`` → ``(T, True)``; a union of several non-None types is kept whole."""
    if get_origin(tp) in _UNIONS:
        args = get_args(tp)
        rest = [a for a in args if a is not type(None)]
        if len(rest) < len(args):
            inner = rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007
            return inner, True
    return tp, False


def sequence_item(tp: Any) -> Any | None:
    """The item type of ``list[T]``, ``set[T]``, ``tuple[T, ...]``...; None otherwise."""
    origin = get_origin(tp)
    if origin is None or origin not in _SEQUENCES:
        return None
    args = get_args(tp)
    if origin is tuple:
        return args[0] if len(args) == 2 and args[1] is Ellipsis else None
    return args[0] if args else Any


def is_subclass(tp: Any, base: Any) -> bool:
    """``issubclass`` that answers False (not TypeError) for TypedDicts and non-classes."""
    try:
        return isinstance(tp, type) and issubclass(tp, base)
    except TypeError:
        return False


def is_pydantic_model(tp: Any) -> bool:
    """True for a pydantic v2 model class; never imports pydantic itself."""
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and is_subclass(tp, pydantic.BaseModel)


def is_model(tp: Any) -> bool:
    """True for the object-like types a body decodes into."""
    return isinstance(tp, type) and (
        typing.is_typeddict(tp)
        or is_subclass(tp, msgspec.Struct)
        or dataclasses.is_dataclass(tp)
        or hasattr(tp, "__attrs_attrs__")
        or is_pydantic_model(tp)
    )


def is_scalar(tp: Any) -> bool:
    """True for types a single string converts into (``int``, ``UUID``, enums, Literal...)."""
    tp = _unwrap(tp)
    if tp is Any:
        return True
    origin = get_origin(tp)
    if origin is Literal:
        return True
    if origin in _UNIONS:
        return all(is_scalar(a) for a in get_args(tp))
    if isinstance(tp, typing.NewType):
        return is_scalar(tp.__supertype__)
    return is_subclass(tp, _SCALARS) or is_subclass(tp, enum.Enum)


def is_structured(tp: Any) -> bool:
    """True for types that belong in a JSON body: models, mappings, lists of those."""
    tp = _unwrap(tp)
    if is_model(tp):
        return True
    origin = get_origin(tp) or tp
    if is_subclass(origin, Mapping | dict):
        return True
    if get_origin(tp) in _UNIONS:
        return any(is_structured(a) for a in get_args(tp))
    item = sequence_item(tp)
    return item is not None and is_structured(item)


def _unwrap(tp: Any) -> Any:
    """``tp`` without ``Annotated`` and ``| None``, either way round (``Annotated[T, ...] | None``)."""
    base = split_optional(split_annotated(tp)[0])[0]
    return split_annotated(base)[0]
