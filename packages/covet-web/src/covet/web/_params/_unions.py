"""Union bodies that msgspec cannot decode alone: ``Cat | Dog`` of dataclasses, TypedDicts,
untagged Structs or pydantic models (or a mix).

With a discriminator (a msgspec tag or a ``Literal`` field, see ``_discriminator``), its
value selects the member and the errors are that member's, with their full ``loc``. An
object without the key, or a union without a discriminator, is tried member by member:
members that know every key of the object first, then the others, in declaration order;
the first that validates wins. When none does, one error names each member and the first
reason it failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args, get_origin

import msgspec

from ._codecs import Codec, Loc, untyped_json
from ._discriminator import find_discriminator
from ._errors import ErrorDetail
from ._fields import object_fields
from ._sources import INVALID
from ._typing import is_subclass, split_annotated
from ._validation import expected_object

__all__ = ["UnionCodec", "type_name"]


def type_name(tp: Any) -> str:
    """A short name for a member in messages: ``Cat``, ``list[Cat]``."""
    tp = split_annotated(tp)[0]
    origin, args = get_origin(tp), get_args(tp)
    if origin is not None and args and origin is not Literal:
        name = getattr(origin, "__name__", None) or repr(origin).replace("typing.", "")
        return f"{name}[{', '.join(type_name(a) for a in args)}]"
    if isinstance(tp, type):
        return tp.__name__
    return repr(tp).replace("typing.", "")


class UnionCodec:
    """Selects the member of a union by its discriminator, or tries each in turn."""

    __slots__ = ("codecs", "discriminator", "keys", "names", "nullable")

    def __init__(self, members: Sequence[Any], codecs: Sequence[Codec], *, nullable: bool) -> None:
        self.codecs = tuple(codecs)
        self.nullable = nullable
        self.discriminator = find_discriminator(members)
        self.names = tuple(type_name(m) for m in members)
        # The wire keys of each member that is an object, to try best fits first.
        self.keys = tuple(_wire_keys(m) for m in members)

    def read(self, body: bytes, loc: Loc, errors: list[ErrorDetail]) -> Any:
        return self.convert(untyped_json(body), loc, errors)

    def convert(self, data: Any, loc: Loc, errors: list[ErrorDetail]) -> Any:
        if data is None and self.nullable:
            return None
        disc = self.discriminator
        if disc is not None:
            if not isinstance(data, dict):
                errors.append(expected_object(data, loc))
                return INVALID
            if disc.key in data:
                index = disc.select(data[disc.key])
                if index is None:
                    got = data[disc.key]
                    msg = f"Expected {disc.expected()}, got {got!r}"
                    errors.append({"loc": [*loc, disc.key], "msg": msg, "type": "enum"})
                    return INVALID
                return self.codecs[index].convert(data, loc, errors)
        return self._first_match(data, loc, errors)

    def _first_match(self, data: Any, loc: Loc, errors: list[ErrorDetail]) -> Any:
        tried: list[tuple[int, list[ErrorDetail]]] = []
        for index in self._order(data):
            found: list[ErrorDetail] = []
            value = self.codecs[index].convert(data, loc, found)
            if not found and value is not INVALID:
                return value
            tried.append((index, found))
        errors.append(self._summary(tried, loc))
        return INVALID

    def _order(self, data: Any) -> list[int]:
        indexes = range(len(self.codecs))
        if not isinstance(data, dict):
            return list(indexes)
        given = data.keys()
        fits = [i for i, keys in enumerate(self.keys) if keys is not None and given <= keys]
        return fits + [i for i in indexes if i not in fits]

    def _summary(self, tried: list[tuple[int, list[ErrorDetail]]], loc: Loc) -> ErrorDetail:
        # In declaration order, whatever order they were tried in.
        firsts = sorted(((i, found[0]) for i, found in tried if found), key=lambda p: p[0])
        if firsts and all(
            e["loc"] == list(loc) and e["msg"] == firsts[0][1]["msg"] for _, e in firsts
        ):
            return {"loc": list(loc), "msg": firsts[0][1]["msg"], "type": firsts[0][1]["type"]}
        reasons = [f"{self.names[i]}{_where(e['loc'][len(loc) :])}: {e['msg']}" for i, e in firsts]
        msg = f"Matches none of {', '.join(self.names)}: " + "; ".join(reasons)
        return {"loc": list(loc), "msg": msg, "type": "union"}


def _where(rel: Loc) -> str:
    """`` (items[2].name)``: a path relative to the union, for messages."""
    if not rel:
        return ""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rel).lstrip(".")
    return f" ({text})"


def _wire_keys(member: Any) -> frozenset[str] | None:
    model = split_annotated(member)[0]
    fields = object_fields(model)
    if fields is None:
        return None
    keys = {f.wire_name for f in fields if isinstance(f.wire_name, str)}
    if is_subclass(model, msgspec.Struct) and model.__struct_config__.tag is not None:
        keys.add(model.__struct_config__.tag_field)
    return frozenset(keys)
