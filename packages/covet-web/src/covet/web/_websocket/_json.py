"""Typed JSON for received WebSocket messages: msgspec decodes and validates at once."""

from __future__ import annotations

from typing import Any

import msgspec

from ._close import CloseCode
from ._errors import WebSocketMessageError

__all__ = ["decode_typed"]

# One decoder per target type, built on first use: building it is the costly part.
_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def decode_typed(data: str | bytes, tp: Any) -> Any:
    """``data`` decoded from JSON and validated into ``tp``; a failure raises 1003."""
    decoder = _decoders.get(tp)
    if decoder is None:
        try:
            decoder = msgspec.json.Decoder(tp)
        except TypeError as exc:
            raise TypeError(f"receive_json() cannot decode into {tp!r}: {exc}") from None
        _decoders[tp] = decoder
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise WebSocketMessageError(CloseCode.UNSUPPORTED_DATA, f"invalid message: {exc}") from None
    except msgspec.DecodeError:
        raise WebSocketMessageError(
            CloseCode.UNSUPPORTED_DATA, "message is not valid JSON"
        ) from None
