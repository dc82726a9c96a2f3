"""Types that hold a pydantic model anywhere are validated by pydantic, as a whole.

msgspec cannot build a pydantic model, so ``dict[str, Model]``, ``list[Model] | None`` or
a dataclass with a model field go to one ``pydantic.TypeAdapter`` (pydantic also reads
dataclasses and TypedDicts). Its errors keep pydantic's types, under our ``loc``.
Nothing here imports pydantic unless the application already did.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ._errors import ErrorDetail, MalformedBodyError, ParameterError
from ._fields import iter_types
from ._typing import is_pydantic_model, is_subclass, split_annotated

__all__ = ["contains_pydantic", "pydantic_adapter", "pydantic_errors"]


def contains_pydantic(tp: Any) -> bool:
    """True when a pydantic model is reachable from ``tp`` (fields, items, members...)."""
    return any(is_pydantic_model(split_annotated(node)[0]) for node in iter_types(tp))


def pydantic_adapter(tp: Any, where: str) -> Any:
    """The ``TypeAdapter`` of ``tp``; raises ParameterError when pydantic cannot read it."""
    structs = [
        node
        for node in iter_types(tp, into=lambda model: not is_pydantic_model(model))
        if is_subclass(split_annotated(node)[0], msgspec.Struct)
    ]
    if structs:
        raise ParameterError(
            f"{where}: type {tp!r} mixes pydantic models with msgspec Structs "
            f"({split_annotated(structs[0])[0].__qualname__}); pydantic validates a type that "
            "holds a pydantic model, and it cannot build Structs: use one family"
        )
    from pydantic import PydanticUserError, TypeAdapter

    try:
        return TypeAdapter(tp)
    except PydanticUserError as exc:
        raise ParameterError(f"{where}: pydantic cannot validate {tp!r}: {exc}") from exc


def pydantic_errors(exc: Any, loc: list[str | int]) -> list[ErrorDetail]:
    """Map a pydantic ``ValidationError`` under ``loc``; invalid JSON is a 400 instead."""
    out: list[ErrorDetail] = []
    for err in exc.errors(include_url=False):
        if err["type"] == "json_invalid":
            raise MalformedBodyError(f"malformed JSON: {err['msg']}")
        out.append({"loc": [*loc, *err["loc"]], "msg": err["msg"], "type": err["type"]})
    return out
