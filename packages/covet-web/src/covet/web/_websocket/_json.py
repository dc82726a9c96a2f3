"""JSON in received WebSocket messages: msgspec decodes (and validates, given a type) at once.

msgspec keeps integers of any size (orjson would turn one beyond 64 bits into a float),
and a message nested deeper than Python can follow is bad data (1003), like malformed JSON.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ._close import CloseCode
from ._errors import WebSocketMessageError

__all__ = ["decode_json", "decode_typed"]

# One decoder per target type, built on first use: building it is the costly part.
_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}
_untyped = msgspec.json.Decoder()


def _not_json() -> WebSocketMessageError:
    return WebSocketMessageError(CloseCode.UNSUPPORTED_DATA, "message is not valid JSON")


def _too_deep() -> WebSocketMessageError:
    return WebSocketMessageError(CloseCode.UNSUPPORTED_DATA, "message is nested too deeply")


def decode_json(data: str | bytes) -> Any:
    """``data`` decoded from JSON into builtins; a failure raises 1003."""
    try:
        return _untyped.decode(data)
    except (msgspec.DecodeError, UnicodeError):  # UnicodeError: bad UTF-8 in a binary one
        raise _not_json() from None
    except RecursionError:
        raise _too_deep() from None


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
    except (msgspec.DecodeError, UnicodeError):  # UnicodeError: bad UTF-8 in a binary one
        raise _not_json() from None
    except RecursionError:
        raise _too_deep() from None
