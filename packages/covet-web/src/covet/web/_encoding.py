"""Turning handler results into JSON or MessagePack bytes.

orjson encodes dicts, lists, datetimes, UUIDs and enums natively, straight to bytes;
msgspec encodes Structs fastest. Everything else goes through one ``default`` function: the
app's plugins first, then the built-in rules (dataclasses, pydantic models, Decimal, sets,
timedeltas, paths).

Dataclasses are not left to orjson: it writes only the attributes stored on the instance,
and msgspec, when it decodes a request body into a dataclass, leaves a defaulted field
that the client omitted unstored (the class attribute supplies it). Reading every field
with ``getattr`` returns what the object really holds.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import os
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

import msgspec
import orjson

__all__ = ["Encoder", "current_encoder", "default_encoder", "encode_default"]

_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS
_NON_STR_KEYS = orjson.OPT_NON_STR_KEYS | _OPTIONS
_dataclass_fields: dict[type, tuple[str, ...]] = {}


def _dataclass_dict(obj: Any) -> dict[str, Any] | None:
    """Every field of a dataclass instance (None if ``obj`` is not one)."""
    cls = type(obj)
    names = _dataclass_fields.get(cls)
    if names is None:
        if not dataclasses.is_dataclass(cls):
            return None
        names = _dataclass_fields[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return {name: getattr(obj, name) for name in names}


def encode_default(obj: Any) -> Any:
    """The built-in fallback for types orjson does not know."""
    as_dict = _dataclass_dict(obj)
    if as_dict is not None:
        return as_dict
    if isinstance(obj, msgspec.Struct):
        return msgspec.to_builtins(obj)
    attributes = getattr(type(obj), "__attrs_attrs__", None)
    if attributes is not None:  # an attrs class: every field by name, like a dataclass
        return {a.name: getattr(obj, a.name) for a in attributes}
    # pydantic is optional: recognise its models without importing it.
    if hasattr(type(obj), "__pydantic_serializer__") and hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, decimal.Decimal):
        return str(obj)
    if isinstance(obj, set | frozenset):
        return list(obj)
    if isinstance(obj, datetime.timedelta):
        return msgspec.to_builtins(obj)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _msgpack_hook(obj: Any) -> Any:
    if hasattr(type(obj), "__pydantic_serializer__") and hasattr(obj, "model_dump"):
        return obj.model_dump(mode="python")
    return encode_default(obj)


class Encoder:
    """JSON and MessagePack encoding with a chain of plugin ``encode`` hooks."""

    __slots__ = ("_default", "_json_struct", "_msgpack")

    def __init__(self, hooks: Sequence[Callable[[Any], Any]] = ()) -> None:
        self._default = self._chain(tuple(hooks), encode_default)
        self._json_struct = msgspec.json.Encoder(enc_hook=self._default)
        self._msgpack = msgspec.msgpack.Encoder(enc_hook=self._chain(tuple(hooks), _msgpack_hook))

    @staticmethod
    def _chain(
        hooks: tuple[Callable[[Any], Any], ...], fallback: Callable[[Any], Any]
    ) -> Callable[[Any], Any]:
        if not hooks:
            return fallback

        def default(obj: Any) -> Any:
            for hook in hooks:
                result = hook(obj)
                if result is not NotImplemented:
                    return result
            return fallback(obj)

        return default

    def json(self, obj: Any) -> bytes:
        """``obj`` as compact UTF-8 JSON."""
        if isinstance(obj, msgspec.Struct):
            return self._json_struct.encode(obj)
        try:
            return orjson.dumps(obj, default=self._default, option=_OPTIONS)
        except TypeError as exc:
            message = str(exc)
            if "Integer exceeds 64-bit range" in message:
                # orjson stops at 64 bits; msgspec writes any int (and the rest the same,
                # but for a UTC datetime's offset, written "Z").
                return self._json_struct.encode(obj)
            if "Dict key must be str" not in message:
                raise
            # Non-string keys are rare; only pay for the option when they occur.
            return orjson.dumps(obj, default=self._default, option=_NON_STR_KEYS)

    def json_for(self, cls: Any) -> Callable[[Any], bytes] | None:
        """A shorter way to :meth:`json` for instances of exactly ``cls``, or None.

        A Struct class gets msgspec's encoder itself: a handler declared to return one
        skips the type tests of :meth:`json`.
        """
        if isinstance(cls, type) and issubclass(cls, msgspec.Struct):
            return self._json_struct.encode
        return None

    def msgpack(self, obj: Any) -> bytes:
        """``obj`` as MessagePack."""
        return self._msgpack.encode(obj)


default_encoder = Encoder()
# The encoder of the app handling the current request, so that JSONResponse objects
# built inside handlers use the app's plugins. Only apps with encode hooks set it.
_current: ContextVar[Encoder] = ContextVar("covet_web_encoder", default=default_encoder)


def current_encoder() -> Encoder:
    """The encoder in effect: the current app's, or the default one."""
    return _current.get()


def set_current_encoder(encoder: Encoder) -> Any:
    """Make ``encoder`` current; returns the token to reset it with."""
    return _current.set(encoder)


def reset_current_encoder(token: Any) -> None:
    """Undo :func:`set_current_encoder`."""
    _current.reset(token)
