"""From msgspec's first error to a list of every failing field.

msgspec stops at the first invalid value and names it with a path (``$.items[0].price``).
That is the fast path's only cost: nothing here runs unless validation failed. Then
``collect_errors`` walks the decoded value field by field, so a 422 lists *every* bad
field, each with its full ``loc``.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

import msgspec

from ._discriminator import find_discriminator
from ._errors import ErrorDetail
from ._fields import object_fields
from ._typing import sequence_item, split_annotated, split_optional

__all__ = ["collect_errors", "error_from_msgspec", "error_type", "expected_object", "missing_error"]

_PATH_TOKEN = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]")
_FIELD_NAME = re.compile(r"`([^`]*)`")
_MSG_MISSING = "Field required"
_UNIONS = (Union, types.UnionType)
_JSON_NAMES: dict[type, str] = {
    list: "array",
    str: "str",
    int: "int",
    float: "float",
    bool: "bool",
    type(None): "null",
}


def missing_error(loc: list[str | int]) -> ErrorDetail:
    """The error for a required value that is absent."""
    return {"loc": loc, "msg": _MSG_MISSING, "type": "missing"}


def expected_object(data: Any, loc: list[str | int]) -> ErrorDetail:
    """The error for decoded JSON that is not an object where one is needed."""
    got = _JSON_NAMES.get(type(data), type(data).__name__)
    return {"loc": list(loc), "msg": f"Expected `object`, got `{got}`", "type": "type_error"}


def error_type(msg: str) -> str:
    """Classify a msgspec message into one of the documented error types."""
    if msg.startswith("Expected `"):
        if ", got `" in msg:
            return "type_error"
        return "constraint"
    if msg.startswith("Invalid enum value"):
        return "enum"
    if msg.startswith("Object missing required field"):
        return "missing"
    if msg.startswith("Object contains unknown field"):
        return "unknown_field"
    return "value_error"


def error_from_msgspec(exc: msgspec.ValidationError, loc: list[str | int]) -> ErrorDetail:
    """Map one msgspec validation error under ``loc`` (its ``$`` path is appended)."""
    text = str(exc)
    full = list(loc)
    cut = text.rfind(" - at `$")
    if cut >= 0:
        path = text[cut + 8 : -1]
        text = text[:cut]
        for m in _PATH_TOKEN.finditer(path):
            name, index = m.group(1), m.group(2)
            if name is not None:
                full.append(name)
            elif index is not None:
                full.append(int(index))
            else:
                full.append("*")  # a mapping key msgspec does not name
    kind = error_type(text)
    if kind in ("missing", "unknown_field"):
        named = _FIELD_NAME.search(text)
        if named is not None:
            full.append(named.group(1))
        if kind == "missing":
            text = _MSG_MISSING
    return {"loc": full, "msg": text, "type": kind}


def collect_errors(
    value: Any, tp: Any, loc: list[str | int], *, strict: bool = True
) -> list[ErrorDetail]:
    """Every error of converting ``value`` (decoded JSON or form data) into ``tp``.

    Recurses into object fields, sequences and mappings so that each failing leaf is
    reported (through the member a tag selects in a union of tagged Structs); where it
    cannot recurse (``__post_init__``, untagged unions...) it reports msgspec's own error
    at that level.
    """
    try:
        msgspec.convert(value, tp, strict=strict)
    except msgspec.ValidationError as exc:
        first = exc
    except TypeError as exc:  # a field type msgspec cannot convert to on its own
        return [{"loc": list(loc), "msg": str(exc), "type": "value_error"}]
    else:
        return []
    errors = _collect_children(value, tp, loc, strict)
    return errors or [error_from_msgspec(first, loc)]


def _collect_children(value: Any, tp: Any, loc: list[str | int], strict: bool) -> list[ErrorDetail]:
    inner, _ = split_annotated(tp)
    inner, optional = split_optional(inner)
    if value is None and optional:
        return []
    inner, _ = split_annotated(inner)
    errors: list[ErrorDetail] = []
    fields = object_fields(inner)
    if fields is not None:
        if not isinstance(value, Mapping):
            return []
        for f in fields:
            if f.wire_name in value:
                errors += collect_errors(
                    value[f.wire_name], f.type, [*loc, f.wire_name], strict=strict
                )
            elif f.required:
                errors.append(missing_error([*loc, f.wire_name]))
        return errors
    item = sequence_item(inner)
    if item is not None:
        if isinstance(value, list | tuple):
            for i, v in enumerate(value):
                errors += collect_errors(v, item, [*loc, i], strict=strict)
        return errors
    origin = get_origin(inner)
    if origin in _UNIONS and isinstance(value, Mapping):
        # Tagged Structs: the tag names the member, whose every failing field is reported.
        members = get_args(inner)
        disc = find_discriminator(members)
        index = disc.select(value[disc.key]) if disc is not None and disc.key in value else None
        if index is not None:
            return collect_errors(value, members[index], loc, strict=strict)
        return errors
    if origin in (dict, Mapping) and isinstance(value, Mapping):
        args = get_args(inner)
        if len(args) == 2:
            for k, v in value.items():
                errors += collect_errors(v, args[1], [*loc, str(k)], strict=strict)
    return errors
