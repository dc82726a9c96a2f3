"""The fields of the model classes a body decodes into, and a walk over a type's parts.

``object_fields(tp)`` answers, for a Struct, dataclass, attrs class, TypedDict or pydantic
model, which keys appear on the wire, with which types and defaults; ``iter_types`` visits
every annotation reachable from a type. Both run at start-up (and on the error path).
"""

from __future__ import annotations

import collections.abc
import dataclasses
import sys
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, get_args, get_origin

import msgspec

from ._typing import (
    is_model,
    is_pydantic_model,
    is_subclass,
    sequence_item,
    split_annotated,
)

__all__ = ["NO_DEFAULT", "FieldSpec", "iter_types", "object_fields"]

_UNIONS = (typing.Union, types.UnionType)


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()
"""``FieldSpec.default`` of a field that is required or has a default factory."""


@dataclasses.dataclass(frozen=True, slots=True)
class FieldSpec:
    """A field of an object-like type, as it appears on the wire."""

    wire_name: str | int
    """The key in the JSON object (the position for an ``array_like`` Struct)."""
    type: Any
    required: bool
    attr: str = ""
    """The Python name: the attribute (or the TypedDict key) that holds the value."""
    default: Any = NO_DEFAULT
    """A plain default (shared by every instance), else ``NO_DEFAULT``."""


_FIELDS_CACHE: dict[Any, tuple[FieldSpec, ...] | None] = {}


def object_fields(tp: Any) -> tuple[FieldSpec, ...] | None:
    """The wire fields of a Struct, dataclass, attrs class, TypedDict or pydantic model.

    None for other types. Only used at start-up and on the error path (lazy cache).
    """
    try:
        return _FIELDS_CACHE[tp]
    except KeyError:
        pass
    except TypeError:  # unhashable annotation
        return _object_fields(tp)
    out = _FIELDS_CACHE[tp] = _object_fields(tp)
    return out


def _object_fields(tp: Any) -> tuple[FieldSpec, ...] | None:
    if not isinstance(tp, type):
        return None
    try:
        if typing.is_typeddict(tp):
            hints = typing.get_type_hints(tp, include_extras=True)
            required = getattr(tp, "__required_keys__", frozenset(hints))
            return tuple(
                FieldSpec(name, _strip_required(t), name in required, name)
                for name, t in hints.items()
            )
        if is_subclass(tp, msgspec.Struct):
            return _struct_fields(tp)
        if is_pydantic_model(tp):
            return _pydantic_fields(tp)
        if dataclasses.is_dataclass(tp):
            hints = typing.get_type_hints(tp, include_extras=True)
            return tuple(
                FieldSpec(
                    f.name,
                    hints.get(f.name, Any),
                    f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                    f.name,
                    NO_DEFAULT if f.default is dataclasses.MISSING else f.default,
                )
                for f in dataclasses.fields(tp)
                if f.init
            )
        if hasattr(tp, "__attrs_attrs__"):
            return _attrs_fields(tp)
    except (NameError, TypeError):  # unresolvable forward references: keep msgspec's error
        return None
    return None


def _struct_fields(tp: Any) -> tuple[FieldSpec, ...]:
    array_like = tp.__struct_config__.array_like
    return tuple(
        FieldSpec(
            i if array_like else f.encode_name,
            f.type,
            f.required,
            f.name,
            NO_DEFAULT if f.default is msgspec.NODEFAULT else f.default,
        )
        for i, f in enumerate(msgspec.structs.fields(tp))
    )


def _attrs_fields(tp: Any) -> tuple[FieldSpec, ...]:
    attr = sys.modules["attr"]  # loaded: tp is an attrs class
    hints = typing.get_type_hints(tp, include_extras=True)
    out: list[FieldSpec] = []
    for a in tp.__attrs_attrs__:
        if not a.init:
            continue
        absent = a.default is attr.NOTHING
        factory = isinstance(a.default, attr.Factory)
        default = NO_DEFAULT if absent or factory else a.default
        out.append(FieldSpec(a.name, hints.get(a.name, Any), absent, a.name, default))
    return tuple(out)


def _pydantic_fields(tp: Any) -> tuple[FieldSpec, ...]:
    from pydantic_core import PydanticUndefined  # pydantic is imported: tp is its model

    out: list[FieldSpec] = []
    for name, info in tp.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        annotation = info.annotation
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
        default = info.default
        if default is PydanticUndefined or info.default_factory is not None:
            default = NO_DEFAULT
        out.append(FieldSpec(alias or name, annotation, info.is_required(), name, default))
    return tuple(out)


def _strip_required(tp: Any) -> Any:
    # get_type_hints(include_extras=True) keeps TypedDict's Required/NotRequired wrappers.
    while get_origin(tp) in (typing.Required, typing.NotRequired):
        tp = get_args(tp)[0]
    return tp


_MAPPINGS = (dict, Mapping, typing.Mapping, collections.abc.MutableMapping)


def iter_types(tp: Any, *, into: Callable[[Any], bool] | None = None) -> Iterator[Any]:
    """Every annotation reachable from ``tp`` (itself included, ``Annotated`` kept).

    Descends into union members, sequence items, mapping keys and values, and the fields
    of models (each model once, so recursive types end); ``into(model)`` False skips a
    model's fields.
    """
    seen: set[int] = set()
    stack = [tp]
    while stack:
        node = stack.pop()
        yield node
        base, _ = split_annotated(node)
        if isinstance(base, typing.NewType):
            stack.append(base.__supertype__)
            continue
        origin = get_origin(base)
        if origin in _UNIONS or origin is tuple or origin in _MAPPINGS:
            stack.extend(a for a in get_args(base) if a is not Ellipsis)
            continue
        item = sequence_item(base)
        if item is not None:
            stack.append(item)
            continue
        if id(base) in seen or not is_model(base) or (into is not None and not into(base)):
            continue
        seen.add(id(base))
        stack.extend(f.type for f in object_fields(base) or ())
