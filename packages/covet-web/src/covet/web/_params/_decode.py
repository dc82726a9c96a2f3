"""``codec_for(tp)``: pick, at start-up, what validates a body type.

- a union of several models that msgspec cannot decode alone (untagged Structs,
  dataclasses, TypedDicts, pydantic models) → ``UnionCodec``, one codec per member;
- a type that holds a pydantic model anywhere → ``PydanticCodec``;
- anything else → ``MsgspecCodec``.

Either way, constraints written for the other validator are first rewritten, or refused
where they cannot be (``_constraints``).
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from ._codecs import Codec, MsgspecCodec, PydanticCodec
from ._constraints import for_msgspec, for_pydantic, reject_ignored
from ._errors import ParameterError
from ._pydantic import contains_pydantic
from ._typing import is_model, split_annotated, split_optional
from ._unions import UnionCodec

__all__ = ["codec_for"]


def codec_for(tp: Any, where: str, *, strict: bool = True) -> Codec:
    """The codec of ``tp``; ``where`` names the parameter in start-up errors.

    ``strict=False`` (forms) lets strings convert to numbers and booleans.
    """
    members, nullable = _members(tp)
    pydantic = contains_pydantic(tp)
    if len(members) > 1 and any(is_model(split_annotated(m)[0]) for m in members):
        if not pydantic:
            try:  # tagged Structs, or one object type beside arrays and scalars
                return _msgspec_codec(tp, where, strict)
            except ParameterError:
                pass
        codecs = [codec_for(m, where, strict=strict) for m in members]
        return UnionCodec(members, codecs, nullable=nullable)
    if pydantic:
        tp = for_pydantic(tp)
        reject_ignored(tp, where, "pydantic")
        return PydanticCodec(tp, where)
    return _msgspec_codec(tp, where, strict)


def _msgspec_codec(tp: Any, where: str, strict: bool) -> MsgspecCodec:
    tp = for_msgspec(tp)
    reject_ignored(tp, where, "msgspec")
    return MsgspecCodec(tp, strict=strict)


def _members(tp: Any) -> tuple[tuple[Any, ...], bool]:
    """The non-None members of a union (``(tp,)`` for another type), and if None is one."""
    inner, nullable = split_optional(split_annotated(tp)[0])
    inner = split_annotated(inner)[0]
    if get_origin(inner) in (Union, types.UnionType):
        return get_args(inner), nullable
    return (inner,), nullable
