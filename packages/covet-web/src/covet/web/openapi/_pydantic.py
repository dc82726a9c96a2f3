"""pydantic v2 models in the document: they describe themselves.

msgspec describes every other type. It sees a pydantic model as an opaque type and asks
its schema hook, which asks pydantic; a union of models is described member by member
(``_standins``). pydantic is never imported here: a model exists only if the
application imported pydantic.
"""

from __future__ import annotations

from typing import Any

__all__ = ["pydantic_schema"]


def pydantic_schema(tp: Any, ref_prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ``$ref`` to the model, and the components it makes (by name): itself, and the
    models it references.

    A model is a component named by its title; references are ``ref_prefix + name``.
    """
    template = ref_prefix + "{model}"
    schema: dict[str, Any] = tp.model_json_schema(ref_template=template)
    defs: dict[str, Any] = schema.pop("$defs", {})
    name = str(schema.get("title") or tp.__name__)
    return {"$ref": ref_prefix + name}, {**defs, name: schema}
