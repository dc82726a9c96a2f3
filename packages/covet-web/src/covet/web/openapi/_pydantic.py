"""pydantic v2 types in the document: models, and unions of models, describe themselves.

msgspec describes every other type. It sees a pydantic model as an opaque type whose
schema its hook asks pydantic for, and it refuses a union of several such types; so a
union of pydantic models (``Cat | Dog``, or ``Annotated[Cat | Dog,
Field(discriminator="kind")]``) is handed to pydantic whole, behind a stand-in class
that :func:`with_stand_ins` puts in its place. pydantic is never imported here: a model
exists only if the application imported pydantic.
"""

from __future__ import annotations

import sys
import types
import typing
from typing import Any

__all__ = ["is_pydantic_model", "is_stand_in", "pydantic_schema", "with_stand_ins"]

_UNIONS = (typing.Union, types.UnionType)


class _UnionStandIn:
    """Stands for ``union`` (a union of pydantic models) in the types given to msgspec."""

    union: Any = None


def is_pydantic_model(tp: Any) -> bool:
    """Whether ``tp`` is a pydantic ``BaseModel`` subclass."""
    pydantic = sys.modules.get("pydantic")
    try:
        return pydantic is not None and isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)
    except TypeError:
        return False


def is_stand_in(tp: Any) -> bool:
    """Whether ``tp`` is a stand-in made by :func:`with_stand_ins`."""
    return isinstance(tp, type) and issubclass(tp, _UnionStandIn)


def _models_union(tp: Any) -> bool:
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) not in _UNIONS:
        return False
    return sum(is_pydantic_model(member) for member in typing.get_args(tp)) > 1


def _stand_in(union: Any) -> type[_UnionStandIn]:
    return type("PydanticUnion", (_UnionStandIn,), {"union": union})


def with_stand_ins(tp: Any) -> Any:
    """``tp`` with each union of several pydantic models replaced by a stand-in."""
    if _models_union(tp):
        return _stand_in(tp)  # with its Annotated metadata: Field(discriminator=...)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is None or not args:
        return tp
    if origin is typing.Annotated:
        inner = with_stand_ins(args[0])
        return tp if inner is args[0] else typing.Annotated[inner, *tp.__metadata__]
    if origin is typing.Literal:
        return tp
    new = tuple(with_stand_ins(arg) for arg in args)
    if all(n is a for n, a in zip(new, args, strict=True)):
        return tp
    if origin in _UNIONS:
        return typing.Union[new]  # noqa: UP007
    if isinstance(tp, types.GenericAlias):
        return types.GenericAlias(origin, new)
    copy_with = getattr(tp, "copy_with", None)
    return copy_with(new) if copy_with is not None else tp


def pydantic_schema(tp: Any, ref_prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The schema of a model or stand-in, and the components it references (by name).

    A model is itself a component (named by its title); a union is described inline.
    References are ``ref_prefix + name``.
    """
    template = ref_prefix + "{model}"
    if is_stand_in(tp):
        adapter = sys.modules["pydantic"].TypeAdapter(tp.union)  # loaded: it made the models
        schema: dict[str, Any] = adapter.json_schema(ref_template=template)
        defs: dict[str, Any] = schema.pop("$defs", {})
        return schema, defs
    schema = tp.model_json_schema(ref_template=template)
    defs = schema.pop("$defs", {})
    name = str(schema.get("title") or tp.__name__)
    return {"$ref": ref_prefix + name}, {**defs, name: schema}
