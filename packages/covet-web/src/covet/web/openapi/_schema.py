"""Python types → JSON Schema 2020-12, collected into OpenAPI ``components/schemas``.

The generator does not ask for one schema at a time: it leaves a :class:`PendingSchema`
wherever a type's schema belongs, and :meth:`SchemaRegistry.resolve` describes every
pending type in one ``msgspec.json.schema_components`` call (so two classes called
``Item`` in different modules get distinct, module-qualified component names), then puts
the schemas in place. Plugins are asked first; pydantic v2 models describe themselves
through pydantic; UploadFile is a binary string; the unions and classes msgspec refuses
are described part by part (``_standins``). Constraints written with ``annotated_types``
(``Annotated[int, Ge(1)]``) are read as the params layer enforces them.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from .._forms import UploadFile
from .._params import ParameterError
from .._params._constraints import for_msgspec
from .._params._typing import is_pydantic_model
from ..errors import ConfigurationError
from ._pydantic import pydantic_schema
from ._standins import REF_PREFIX, StandIns
from ._tidy import tidy_schema

__all__ = ["REF_PREFIX", "PendingSchema", "SchemaRegistry", "apply_constraints", "binary_schema"]

_REF_TEMPLATE = REF_PREFIX + "{name}"

# The marker constraints (msgspec.Meta keywords) as JSON Schema keywords, by value type.
_NUMERIC = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}
_NUMERIC["multiple_of"] = "multipleOf"
_LENGTHS = {
    "string": {"min_length": "minLength", "max_length": "maxLength", "pattern": "pattern"},
    "array": {"min_length": "minItems", "max_length": "maxItems"},
    "object": {"min_length": "minProperties", "max_length": "maxProperties"},
}


def binary_schema() -> dict[str, Any]:
    """An uploaded file's schema (what Swagger UI renders as a file picker)."""
    return {"type": "string", "format": "binary"}


def _constrain_one(schema: dict[str, Any], constraints: Mapping[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    lengths = _LENGTHS.get(kind, _LENGTHS["string"]) if isinstance(kind, str) else {}
    out = dict(schema)
    for key, value in constraints.items():
        keyword = _NUMERIC.get(key) or lengths.get(key)
        if keyword is not None:
            out[keyword] = value
    return out


def apply_constraints(schema: dict[str, Any], constraints: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` with the marker's constraints (``ge``, ``max_length``...) added.

    ``T | None`` (``anyOf`` with a null branch) gets them on its non-null branches; a
    ``$ref`` (an enum, a model) is wrapped in ``allOf`` so the reference stays intact.
    """
    if not constraints:
        return schema
    if "anyOf" in schema:
        branches = [
            b if b.get("type") == "null" else apply_constraints(b, constraints)
            for b in schema["anyOf"]
        ]
        return {**schema, "anyOf": branches}
    if "$ref" in schema:
        return {"allOf": [schema], **_constrain_one({}, constraints)}
    return _constrain_one(schema, constraints)


@dataclasses.dataclass(eq=False, slots=True)
class PendingSchema:
    """A placeholder for the schema of ``type``, filled in by :meth:`SchemaRegistry.resolve`.

    ``finish`` post-processes the schema (constraints, examples, defaults); ``where``
    names the route for error messages.
    """

    type: Any
    where: str
    finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    schema: dict[str, Any] | None = None


class SchemaRegistry:
    """Collects pending schemas and the shared components they reference."""

    def __init__(self, plugin_schema: Callable[[Any], dict[str, Any] | None]) -> None:
        self._plugin_schema = plugin_schema
        self._pending: list[PendingSchema] = []
        self.components: dict[str, dict[str, Any]] = {}
        self._foreign: dict[str, dict[str, Any]] = {}  # pydantic models and their $defs
        self._hooked: dict[Any, dict[str, Any]] = {}
        self._stand_ins = StandIns()

    def pending(
        self,
        tp: Any,
        where: str,
        finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> PendingSchema:
        """A placeholder for ``tp``'s schema, to put in the document."""
        item = PendingSchema(tp, where, finish)
        self._pending.append(item)
        return item

    def add_component(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        """Register a hand-written component; returns a ``$ref`` to it."""
        self.components[name] = schema
        return {"$ref": REF_PREFIX + name}

    # -- resolution ----------------------------------------------------------------------

    def _hook(self, tp: Any) -> dict[str, Any]:
        """Schemas for the types msgspec does not know (msgspec's ``schema_hook``)."""
        placeholder = self._stand_ins.hook(tp)
        if placeholder is not None:
            return placeholder
        try:
            return self._hooked[tp]
        except (KeyError, TypeError):
            pass
        schema = self._plugin_schema(tp)
        if schema is None:
            if isinstance(tp, type) and issubclass(tp, UploadFile):
                schema = binary_schema()
            elif is_pydantic_model(tp):
                schema, defs = pydantic_schema(tp, REF_PREFIX)
                self._foreign.update(defs)
            else:
                # An opaque type still needs a non-empty schema; the name helps readers.
                schema = {"title": getattr(tp, "__name__", repr(tp))}
        with contextlib.suppress(TypeError):  # an unhashable annotation: not cached
            self._hooked[tp] = schema
        return schema

    def _describe(self, types: list[Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        schemas, components = msgspec.json.schema_components(
            types, schema_hook=self._hook, ref_template=_REF_TEMPLATE
        )
        return list(schemas), components

    def resolve(self) -> None:
        """Describe every pending type at once and fill in the placeholders."""
        todo = [p for p in self._pending if p.schema is None]
        direct: list[PendingSchema] = []
        for item in todo:
            schema = self._plugin_schema(item.type)  # plugins first, even for known types
            if schema is not None:
                item.schema = schema
            else:
                direct.append(item)
        stand_ins = self._stand_ins = StandIns()
        prepared = [self._prepare(item) for item in direct]
        parts = stand_ins.parts  # complete once every type is prepared
        try:
            schemas, components = self._describe([*prepared, *(p.type for p in parts)])
        except (TypeError, ValueError, NameError):
            self._blame(direct, prepared)
            raise
        n = len(prepared)
        own = stand_ins.finish(schemas[n:], {**self.components, **components, **self._foreign})
        described = {**components, **self._foreign, **own}  # what $refs point to
        for item, schema in zip(direct, schemas[:n], strict=True):
            item.schema = stand_ins.substitute(schema)
        for item in todo:
            if item.finish is not None and item.schema is not None:
                item.schema = item.finish(item.schema)
            item.schema = tidy_schema(item.schema, described)
        for name, schema in (*components.items(), *self._foreign.items(), *own.items()):
            schema = tidy_schema(schema, described)
            known = self.components.get(name)
            if known is not None and known != schema:
                raise ConfigurationError(
                    f"OpenAPI: two different types are both named {name!r}; rename one "
                    "(a pydantic model and a msgspec/dataclass type cannot share a name)"
                )
            self.components[name] = schema

    def _prepare(self, item: PendingSchema) -> Any:
        """The type msgspec describes for ``item``, with stand-ins for what it refuses.

        Constraints written with ``annotated_types`` become ``msgspec.Meta``, as the
        params layer enforces them.
        """
        try:
            tp = for_msgspec(item.type)
        except ParameterError:  # a pydantic-only check: nothing msgspec could show
            tp = item.type
        try:
            return self._stand_ins.prepare(tp, item.where)
        except (TypeError, ValueError, NameError) as exc:
            raise _cannot_describe(item.type, item.where, exc) from exc

    def _blame(self, direct: list[PendingSchema], prepared: list[Any]) -> None:
        """Raise the error that names the type msgspec could not describe, and its route."""
        culprits = [(item.type, tp, item.where) for item, tp in zip(direct, prepared, strict=True)]
        culprits += [(part.original, part.type, part.where) for part in self._stand_ins.parts]
        for original, tp, where in culprits:
            try:
                self._describe([tp])
            except (TypeError, ValueError, NameError) as exc:
                raise _cannot_describe(original, where, exc) from exc

    def fill(self, document: Any) -> Any:
        """``document`` with every placeholder replaced by its schema (a new structure)."""
        if isinstance(document, PendingSchema):
            return document.schema if document.schema is not None else {}
        if isinstance(document, dict):
            return {key: self.fill(value) for key, value in document.items()}
        if isinstance(document, list):
            return [self.fill(value) for value in document]
        return document


def _cannot_describe(tp: Any, where: str, exc: Exception) -> ConfigurationError:
    return ConfigurationError(f"OpenAPI: cannot describe {tp!r} ({where}): {exc}")
