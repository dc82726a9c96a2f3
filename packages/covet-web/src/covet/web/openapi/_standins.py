"""Types msgspec will not describe, described part by part.

The app accepts types that msgspec writes no JSON Schema for: a union of several
dataclasses, TypedDicts, untagged Structs or pydantic models (or of one of those and
another type), which the params layer validates member by member; and a class with such
a union in a field (validated by pydantic, or only returned). Before the types go to
``msgspec.json.schema_components``, :meth:`StandIns.prepare` puts a *stand-in* class in
the place of each: msgspec hands a stand-in to the schema hook (:meth:`StandIns.hook`
leaves a placeholder) and describes its parts (a union's members, a class's fields) in
the same call. :meth:`StandIns.finish` and :meth:`StandIns.substitute` then replace the
placeholders:

- a union is an ``anyOf`` of its members' schemas; when a field selects the member (see
  ``find_discriminator``: a ``Literal`` field with a value of its own in each member)
  and every member requires it, a ``oneOf`` with a ``discriminator``, as the app reads it;
- a class is a ``$ref`` to a component made from its fields, named the way msgspec names
  its own (the class name, module-qualified when the name is taken).
"""

from __future__ import annotations

import contextlib
import dataclasses
import operator
import re
import textwrap
import types
from collections.abc import Collection, Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

from .._params._discriminator import find_discriminator
from .._params._fields import NO_DEFAULT, FieldSpec, object_fields
from .._params._typing import is_model, is_pydantic_model, is_subclass, split_annotated

__all__ = ["StandIns"]

REF_PREFIX = "#/components/schemas/"
_PLACEHOLDER = "x-covet-stand-in"
_UNIONS = (Union, types.UnionType)
_NONE: Any = type(None)


class _StandIn:
    """The base of stand-in classes: an opaque type to msgspec, numbered."""

    index: int = -1


@dataclasses.dataclass(slots=True)
class _Union:
    members: tuple[Any, ...]  # as annotated, None left out: find_discriminator reads them
    nullable: bool
    parts: list[int] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class _Model:
    model: type
    fields: tuple[FieldSpec, ...]
    parts: list[int] = dataclasses.field(default_factory=list)
    name: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Part:
    """A type described beside the others: a member of a union, a field of a class."""

    type: Any  # prepared: stand-ins in place
    original: Any
    where: str  # the route, and the field for a class's


class StandIns:
    """The stand-ins of one description, and their parts."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self._entries: list[_Union | _Model] = []
        self._models: dict[Any, type[_StandIn]] = {}
        self._accepted: dict[Any, bool] = {}
        self._schemas: list[Any] = []
        self._described: Mapping[str, Any] = {}
        self._where = ""

    # -- before msgspec -------------------------------------------------------------------

    def prepare(self, tp: Any, where: str) -> Any:
        """``tp`` with a stand-in for each union or class msgspec would refuse."""
        self._where = where
        return self._prepare(tp)

    def hook(self, tp: Any) -> dict[str, Any] | None:
        """The placeholder schema of a stand-in; None for another type."""
        return {_PLACEHOLDER: tp.index} if is_subclass(tp, _StandIn) else None

    def _prepare(self, tp: Any) -> Any:
        base, extras = split_annotated(tp)
        if extras:
            inner = self._prepare(base)
            return tp if inner is base else Annotated[(inner, *extras)]
        origin, args = get_origin(tp), get_args(tp)
        if origin in _UNIONS:
            return self._union(tp, args)
        if origin is None or not args or origin is Literal:
            return self._model(tp) if is_model(tp) and not is_pydantic_model(tp) else tp
        new = tuple(a if a is Ellipsis else self._prepare(a) for a in args)
        if all(map(operator.is_, new, args)):
            return tp
        if isinstance(tp, types.GenericAlias):
            return types.GenericAlias(origin, new)
        copy_with = getattr(tp, "copy_with", None)
        return copy_with(new) if copy_with is not None else tp

    def _union(self, tp: Any, args: tuple[Any, ...]) -> Any:
        members = tuple(a for a in args if a is not _NONE)
        nullable = len(members) < len(args)
        prepared = tuple(self._prepare(m) for m in members)
        if all(map(operator.is_, prepared, members)):
            candidate = tp
        else:
            candidate = Union[(*prepared, *((_NONE,) if nullable else ()))]
        if self._accepts(candidate):
            return candidate
        entry = _Union(members, nullable)
        stand_in = self._stand_in(entry, "Union")
        entry.parts = [self._part(p, m) for p, m in zip(prepared, members, strict=True)]
        return stand_in

    def _model(self, model: Any) -> Any:
        known = self._models.get(model)
        if known is not None:
            return known
        fields = object_fields(model)
        if fields is None or self._accepts(model):
            return model  # described by msgspec (or its error names the problem)
        entry = _Model(model, fields)
        stand_in = self._models[model] = self._stand_in(entry, model.__name__)
        where = self._where
        for field in fields:
            self._where = f"{where}, field {model.__qualname__}.{field.attr}"
            entry.parts.append(self._part(self._prepare(field.type), field.type))
        self._where = where
        return stand_in

    def _accepts(self, tp: Any) -> bool:
        """Whether msgspec takes ``tp`` as it is (its checks are a decoder's)."""
        try:
            return self._accepted[tp]
        except (KeyError, TypeError):
            pass
        try:
            msgspec.json.Decoder(tp)
            accepted = True
        except TypeError:
            accepted = False
        with contextlib.suppress(TypeError):  # an unhashable annotation: not cached
            self._accepted[tp] = accepted
        return accepted

    def _stand_in(self, entry: _Union | _Model, name: str) -> type[_StandIn]:
        self._entries.append(entry)
        return type(name, (_StandIn,), {"index": len(self._entries) - 1})

    def _part(self, tp: Any, original: Any) -> int:
        self.parts.append(Part(tp, original, self._where))
        return len(self.parts) - 1

    # -- after msgspec --------------------------------------------------------------------

    def finish(
        self, part_schemas: Collection[Any], described: Mapping[str, Any]
    ) -> dict[str, dict[str, Any]]:
        """Take the parts' schemas; return the components of the classes stood in for.

        ``described`` (name → schema) is every other component, to name the new ones
        apart from them and to read which fields the members of a union require.
        """
        self._schemas = list(part_schemas)
        self._described = described
        taken = set(described)
        models = [e for e in self._entries if isinstance(e, _Model)]
        for entry in models:
            entry.name = _component_name(entry.model, taken)
            taken.add(entry.name)
        return {entry.name: self._model_schema(entry) for entry in models}

    def substitute(self, schema: Any) -> Any:
        """``schema`` with each placeholder replaced (a new structure)."""
        if isinstance(schema, list):
            return [self.substitute(value) for value in schema]
        if not isinstance(schema, dict):
            return schema
        out = {key: self.substitute(value) for key, value in schema.items()}
        index = out.pop(_PLACEHOLDER, None)
        if isinstance(index, int) and 0 <= index < len(self._entries):
            return {**self._schema_of(self._entries[index]), **out}
        return out

    def _part_schema(self, index: int) -> Any:
        return self.substitute(self._schemas[index])

    def _schema_of(self, entry: _Union | _Model) -> dict[str, Any]:
        if isinstance(entry, _Model):
            return {"$ref": REF_PREFIX + entry.name}
        branches = [self._part_schema(i) for i in entry.parts]
        one_of = self._one_of(entry.members, branches)
        null = [{"type": "null"}] if entry.nullable else []
        if one_of is None:
            return {"anyOf": branches + null}
        return {"anyOf": [one_of, *null]} if null else one_of

    def _one_of(self, members: tuple[Any, ...], branches: list[Any]) -> dict[str, Any] | None:
        """The union as ``oneOf`` with a ``discriminator``, when a required field selects."""
        refs = [b["$ref"] for b in branches if isinstance(b, dict) and set(b) == {"$ref"}]
        if len(refs) != len(branches) or not all(r.startswith(REF_PREFIX) for r in refs):
            return None
        found = find_discriminator(members)
        if found is None or not all(isinstance(value, str) for value in found.names):
            return None
        if any(found.key not in self._required(r.removeprefix(REF_PREFIX)) for r in refs):
            return None
        mapping = {value: refs[index] for (_, value), index in found.choices.items()}
        return {
            "oneOf": [{"$ref": r} for r in refs],
            "discriminator": {"propertyName": found.key, "mapping": mapping},
        }

    def _required(self, name: str) -> Collection[Any]:
        for entry in self._entries:
            if isinstance(entry, _Model) and entry.name == name:
                return [f.wire_name for f in entry.fields if f.required] + _tag(entry.model)[:1]
        component = self._described.get(name)
        required = component.get("required") if isinstance(component, dict) else None
        return required if isinstance(required, list) else ()

    def _model_schema(self, entry: _Model) -> dict[str, Any]:
        schemas = [self._part_schema(i) for i in entry.parts]
        return _model_schema(entry.model, entry.fields, schemas)


def _model_schema(model: Any, fields: tuple[FieldSpec, ...], schemas: list[Any]) -> dict[str, Any]:
    """A class's component, written the way msgspec writes its own."""
    schema: dict[str, Any] = {"title": model.__name__}
    doc = _doc(model)
    if doc:
        schema["description"] = doc
    tag = _tag(model)
    names, values, required = tag[:1], [{"enum": tag[1:]}] if tag else [], tag[:1]
    for field, value in zip(fields, schemas, strict=True):
        if field.required:
            required.append(field.wire_name)
        elif field.default is not NO_DEFAULT:
            with contextlib.suppress(TypeError, ValueError):  # a default JSON cannot show
                value = {**value, "default": msgspec.to_builtins(field.default, str_keys=True)}
        names.append(field.wire_name)
        values.append(value)
    config = getattr(model, "__struct_config__", None)
    if config is not None and config.array_like:
        return {**schema, "type": "array", "prefixItems": values, "minItems": len(required)}
    schema.update(type="object", properties=dict(zip(names, values, strict=True)))
    schema["required"] = required
    if config is not None and config.forbid_unknown_fields:
        schema["additionalProperties"] = False
    return schema


def _tag(model: Any) -> list[Any]:
    """``[tag_field, tag]`` of a tagged Struct, else ``[]``."""
    config = getattr(model, "__struct_config__", None)
    if config is None or config.tag is None:
        return []
    return [config.tag_field, config.tag]


def _doc(model: Any) -> str:
    """The class docstring, without the one dataclasses write (``Name(a: int)``)."""
    doc = textwrap.dedent(model.__doc__ or "").strip("\r\n")
    name: str = model.__name__
    return "" if dataclasses.is_dataclass(model) and doc.startswith(name + "(") else doc


def _component_name(model: type, taken: Collection[str]) -> str:
    """The class name; its module and qualified name when taken; a number if still taken."""
    name = re.sub(r"[^a-zA-Z0-9.\-_]", "_", model.__name__)
    if name in taken:
        name = re.sub(r"[^a-zA-Z0-9.\-_]", "_", f"{model.__module__}.{model.__qualname__}")
    unique, n = name, 2
    while unique in taken:  # two local classes with one qualified name
        unique, n = f"{name}_{n}", n + 1
    return unique
