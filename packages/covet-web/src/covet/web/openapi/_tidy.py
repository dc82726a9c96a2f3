"""JSON Schemas put in the shape OpenAPI 3.1 tools read best.

msgspec and pydantic write correct JSON Schema; client generators and Swagger UI read
some spellings better than others:

- an ``enum`` gets the ``type`` of its values (generators use it to pick the base type);
- ``T | None`` becomes ``{"type": [T, "null"]}`` when ``T`` is a plain typed schema (an
  ``$ref``, an enum or a composition keeps the ``anyOf`` with a null branch);
- a union of bare types (``int | str``) becomes one ``type`` list;
- a union with a ``discriminator`` (tagged msgspec Structs, pydantic's
  ``Field(discriminator=...)``) is a ``oneOf``: the tag makes its branches exclusive;
- a union of models that all have a required ``Literal`` field with distinct values
  (``kind: Literal["cat"]``, ``kind: Literal["dog"]``) gets that field as its
  ``discriminator`` too.

Only schema positions are rewritten; ``default``, ``examples``, ``const`` and ``enum``
values are data and stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["tidy_schema"]

_REF_PREFIX = "#/components/schemas/"

# Keywords whose value is one schema, a list of schemas, or a name → schema map.
_ONE = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
_MANY = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
# A branch with one of these cannot merge its "type" with null's.
_NOT_PLAIN = frozenset({"$ref", "enum", "const", "anyOf", "oneOf", "allOf", "not", "discriminator"})
_NULL = {"type": "null"}


def tidy_schema(schema: Any, components: Mapping[str, Any] | None = None) -> Any:
    """``schema`` (and every schema inside it) tidied; a new structure.

    ``components`` (name → schema) are what ``$ref``s point to: they are read to find
    the ``Literal`` field that discriminates a union of models.
    """
    if not isinstance(schema, dict):
        return schema
    lookup = components or {}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _ONE:
            out[key] = tidy_schema(value, lookup)
        elif key in _MANY and isinstance(value, list):
            out[key] = [tidy_schema(v, lookup) for v in value]
        elif key in _MAPS and isinstance(value, dict):
            out[key] = {name: tidy_schema(v, lookup) for name, v in value.items()}
        else:
            out[key] = value
    _add_enum_type(out)
    if isinstance(out.get("anyOf"), list):
        out = _discriminated(out, lookup)
    if isinstance(out.get("anyOf"), list):
        out = _tidy_union(out)
    return out


def _add_enum_type(schema: dict[str, Any]) -> None:
    values = schema.get("enum")
    if "type" in schema or not isinstance(values, list) or not values:
        return
    if all(isinstance(v, str) for v in values):
        schema["type"] = "string"
    elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        schema["type"] = "integer"


def _tag_value(schema: Any) -> str | None:
    """The one string a property schema allows (``const``, or a one-value ``enum``)."""
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        value = schema["const"]
    elif isinstance(schema.get("enum"), list) and len(schema["enum"]) == 1:
        value = schema["enum"][0]
    else:
        return None
    return value if isinstance(value, str) else None


def _discriminator(refs: list[str], components: Mapping[str, Any]) -> dict[str, Any] | None:
    """The Discriminator Object for a union of component ``refs``, if a field tags them."""
    models = []
    for ref in refs:
        model = components.get(ref.removeprefix(_REF_PREFIX))
        if not ref.startswith(_REF_PREFIX) or not isinstance(model, dict):
            return None
        models.append(model)
    first = models[0].get("properties")
    for name in first if isinstance(first, dict) else ():
        values = []
        for model in models:
            properties = model.get("properties")
            required = model.get("required")
            if not isinstance(properties, dict) or name not in (required or ()):
                break
            values.append(_tag_value(properties.get(name)))
        if len(values) == len(models) and None not in values and len(set(values)) == len(values):
            return {"propertyName": name, "mapping": dict(zip(values, refs, strict=True))}
    return None


def _discriminated(schema: dict[str, Any], components: Mapping[str, Any]) -> dict[str, Any]:
    """A union of two or more models with a tag field, given its ``discriminator``."""
    if "discriminator" in schema or not components:
        return schema
    branches: list[Any] = schema["anyOf"]
    refs = [b["$ref"] for b in branches if isinstance(b, dict) and set(b) == {"$ref"}]
    nullable = _NULL in branches
    if len(refs) < 2 or len(refs) + nullable != len(branches):
        return schema
    discriminator = _discriminator(refs, components)
    if discriminator is None:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    union = {"oneOf": [{"$ref": r} for r in refs], "discriminator": discriminator}
    return {"anyOf": [union, _NULL], **rest} if nullable else {**union, **rest}


def _bare_type(branch: Any) -> str | None:
    """``T`` for a branch that is exactly ``{"type": T}``."""
    if isinstance(branch, dict) and len(branch) == 1 and isinstance(branch.get("type"), str):
        return str(branch["type"])
    return None


def _tidy_union(schema: dict[str, Any]) -> dict[str, Any]:
    branches: list[Any] = schema["anyOf"]
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    if "discriminator" in schema:
        return {"oneOf": branches, **rest}
    if "type" in rest:
        return schema  # a sibling "type" constrains the union: leave it alone
    bare = [_bare_type(b) for b in branches]
    if len(branches) > 1 and all(bare):
        return {"type": list(dict.fromkeys(bare)), **rest}
    others = [b for b in branches if b != _NULL]
    if len(others) != 1 or len(others) == len(branches):
        return schema
    (branch,) = others
    plain = (
        isinstance(branch, dict)
        and isinstance(branch.get("type"), str)
        and not _NOT_PLAIN.intersection(branch)
        and not _NOT_PLAIN.intersection(rest)
        and not set(branch).intersection(rest)
    )
    if not plain:
        return schema
    return {**branch, "type": [branch["type"], "null"], **rest}
