"""Which member of a union of models a JSON object is: its discriminator, found at start-up.

A discriminator is a key whose value names the member: a msgspec ``tag_field`` (``tag``),
or a field that every member declares as a ``Literal`` (``kind: Literal["cat"]``), with
values that no two members share. ``find_discriminator(members)`` returns None when there
is none; a union is then matched member by member (as is an object without the key).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from typing import Any, Literal, get_args, get_origin

import msgspec

from ._fields import object_fields
from ._typing import is_model, is_subclass, split_annotated

__all__ = ["Discriminator", "find_discriminator", "tag_key"]


@dataclasses.dataclass(frozen=True, slots=True)
class Discriminator:
    """The key that selects a member, and which member each of its values selects."""

    key: str
    choices: dict[tuple[type, Any], int]
    """``(type(value), value)`` → index of the member (``True`` is not ``1``)."""
    names: tuple[Any, ...]
    """Every accepted value, in declaration order (for the error message)."""

    def select(self, value: Any) -> int | None:
        """The index of the member ``value`` names, or None."""
        try:
            return self.choices.get(tag_key(value))
        except TypeError:  # an unhashable JSON value (list, object)
            return None

    def expected(self) -> str:
        """``'cat' or 'dog'``: the accepted values, for messages."""
        shown = [repr(v) for v in self.names]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def tag_key(value: Any) -> tuple[type, Any]:
    """The key of ``value`` in :attr:`Discriminator.choices`."""
    return (type(value), value)


def find_discriminator(members: Sequence[Any]) -> Discriminator | None:
    """The discriminator of a union of models, or None (also when a member is not a model)."""
    tables: list[dict[str, tuple[Any, ...]]] = []
    for member in members:
        base = split_annotated(member)[0]
        if not is_model(base):
            return None
        tables.append(_literal_fields(base))
    for key in tables[0] if tables else ():
        if not all(key in table for table in tables):
            continue
        choices: dict[tuple[type, Any], int] = {}
        names: list[Any] = []
        for index, table in enumerate(tables):
            for value in table[key]:
                if tag_key(value) in choices:
                    break
                choices[tag_key(value)] = index
                names.append(value)
            else:
                continue
            break  # two members share a value: not this key
        else:
            return Discriminator(key, choices, tuple(names))
    return None


def _literal_fields(model: Any) -> dict[str, tuple[Any, ...]]:
    """Wire name → the JSON values a field accepts, for the fields that are Literals."""
    out: dict[str, tuple[Any, ...]] = {}
    if is_subclass(model, msgspec.Struct):
        config = model.__struct_config__
        if config.tag is not None:
            out[config.tag_field] = (config.tag,)
    for field in object_fields(model) or ():
        values = _literal_values(field.type)
        if values and isinstance(field.wire_name, str):
            out.setdefault(field.wire_name, values)
    return out


def _literal_values(tp: Any) -> tuple[Any, ...] | None:
    base = split_annotated(tp)[0]
    if get_origin(base) is not Literal:
        return None
    values = tuple(v.value if isinstance(v, enum.Enum) else v for v in get_args(base))
    if not all(type(v) in (str, int) for v in values):
        return None
    return values
