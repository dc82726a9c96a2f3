"""How a value of one type is read from JSON bytes, or converted from decoded data.

A codec is built once per body parameter at start-up. ``read(body, loc, errors)`` and
``convert(data, loc, errors)`` return the value, or append every error (under ``loc``)
and return ``INVALID``; malformed JSON raises ``MalformedBodyError`` (400).

- :class:`MsgspecCodec`: msgspec's typed decoder straight from the bytes (the fast path);
  only when that fails is the body decoded again untyped, to report every bad field.
- :class:`PydanticCodec`: a ``TypeAdapter`` for types that hold a pydantic model.
- ``UnionCodec`` (in ``_unions``): a union msgspec cannot decode alone.
"""

from __future__ import annotations

from typing import Any, Protocol

import msgspec

from ._errors import ErrorDetail, MalformedBodyError, ParameterError
from ._pydantic import pydantic_adapter, pydantic_errors
from ._sources import INVALID
from ._validation import collect_errors, error_from_msgspec

__all__ = ["Codec", "MsgspecCodec", "PydanticCodec", "too_deep", "untyped_json"]

Loc = list[str | int]


class Codec(Protocol):
    """Reads or converts one type, reporting errors under a ``loc``."""

    def read(self, body: bytes, loc: Loc, errors: list[ErrorDetail]) -> Any:
        """The value of a JSON body, or ``INVALID`` with the errors appended."""
        ...

    def convert(self, data: Any, loc: Loc, errors: list[ErrorDetail]) -> Any:
        """The value of already decoded data, or ``INVALID`` with the errors appended."""
        ...


def untyped_json(body: bytes) -> Any:
    """Decode JSON into builtins; malformed (or too deeply nested) JSON is a 400."""
    try:
        return msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise MalformedBodyError(f"malformed JSON: {exc}") from None
    except RecursionError:
        raise too_deep() from None


def too_deep() -> MalformedBodyError:
    """The error for a body nested deeper than Python's recursion limit allows."""
    return MalformedBodyError("the JSON body is nested too deeply")


class MsgspecCodec:
    """msgspec validates: from the bytes, or (``strict=False`` for forms) from builtins."""

    __slots__ = ("decode", "strict", "type")

    def __init__(self, tp: Any, *, strict: bool = True) -> None:
        try:
            self.decode = msgspec.json.Decoder(tp).decode
        except (TypeError, NameError) as exc:  # NameError: an unresolved forward reference
            raise ParameterError(f"type {tp!r} cannot be decoded from JSON: {exc}") from exc
        self.type = tp
        self.strict = strict

    def read(self, body: bytes, loc: Loc, errors: list[ErrorDetail]) -> Any:
        try:
            return self.decode(body)
        except msgspec.ValidationError as exc:
            return self.explain(body, exc, loc, errors)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise MalformedBodyError(f"malformed JSON: {exc}") from None
        except RecursionError:
            raise too_deep() from None

    def explain(
        self, body: bytes, exc: msgspec.ValidationError, loc: Loc, errors: list[ErrorDetail]
    ) -> Any:
        """After the typed decoder failed: report every failing field, return ``INVALID``."""
        # Decoded untyped, a body with a wrong-typed value then trailing bytes is malformed.
        data = untyped_json(body)
        errors.extend(_every_error(data, self.type, loc, exc, strict=True))
        return INVALID

    def convert(self, data: Any, loc: Loc, errors: list[ErrorDetail]) -> Any:
        try:
            return msgspec.convert(data, self.type, strict=self.strict)
        except msgspec.ValidationError as exc:
            errors.extend(_every_error(data, self.type, loc, exc, strict=self.strict))
            return INVALID
        except RecursionError:
            raise too_deep() from None


def _every_error(
    data: Any, tp: Any, loc: Loc, first: msgspec.ValidationError, *, strict: bool
) -> list[ErrorDetail]:
    try:
        found = collect_errors(data, tp, list(loc), strict=strict)
    except RecursionError:  # deep data: msgspec's first error is the report
        found = []
    return found or [error_from_msgspec(first, loc)]


class PydanticCodec:
    """pydantic validates the whole type (JSON bytes through its own parser)."""

    __slots__ = ("adapter", "error")

    def __init__(self, tp: Any, where: str) -> None:
        from pydantic_core import ValidationError  # pydantic is imported: tp holds a model

        self.adapter = pydantic_adapter(tp, where)
        self.error = ValidationError

    def read(self, body: bytes, loc: Loc, errors: list[ErrorDetail]) -> Any:
        try:
            return self.adapter.validate_json(body)
        except self.error as exc:
            errors.extend(pydantic_errors(exc, list(loc)))
            return INVALID

    def convert(self, data: Any, loc: Loc, errors: list[ErrorDetail]) -> Any:
        try:
            return self.adapter.validate_python(data)
        except self.error as exc:
            errors.extend(pydantic_errors(exc, list(loc)))
            return INVALID
