"""Close codes (RFC 6455 section 7.4) and the connection states a handler can observe."""

from __future__ import annotations

import enum

__all__ = ["CloseCode", "WebSocketState", "check_close", "truncate_reason"]


class CloseCode(enum.IntEnum):
    """The close codes of RFC 6455, named as the ``websockets`` package names them.

    An ``IntEnum``, so ``websocket.close(CloseCode.POLICY_VIOLATION)`` and
    ``websocket.close(1008)`` are the same call. Applications may also use their own codes
    in the range 3000-4999.
    """

    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    NO_STATUS_RCVD = 1005
    ABNORMAL_CLOSURE = 1006
    INVALID_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXTENSION = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE = 1015


class WebSocketState(enum.Enum):
    """Where a connection is in its life: before ``accept()``, open, or over."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


# 1005, 1006 and 1015 only report what happened locally; RFC 6455 forbids sending them,
# and 1004 is reserved. Codes below 3000 that are not listed are reserved for the IETF.
_SENDABLE = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})
_MAX_REASON_BYTES = 123  # a control frame carries 125 bytes, two of which hold the code


def check_close(code: int, reason: str) -> None:
    """Raise ``ValueError`` if a close frame with ``code`` and ``reason`` cannot be sent."""
    if not isinstance(code, int) or isinstance(code, bool):
        raise TypeError(f"a close code is an int, got {type(code).__name__}")
    if code not in _SENDABLE and not 3000 <= code <= 4999:
        raise ValueError(
            f"close code {code} cannot be sent: use 1000-1003 or 1007-1014 "
            "(see covet.web.websockets.CloseCode), or an application code in 3000-4999"
        )
    if not isinstance(reason, str):
        raise TypeError(f"a close reason is a str, got {type(reason).__name__}")
    if len(reason) > _MAX_REASON_BYTES // 4 and len(reason.encode()) > _MAX_REASON_BYTES:
        raise ValueError(
            f"a close reason holds at most {_MAX_REASON_BYTES} bytes of UTF-8, "
            f"got {len(reason.encode())}"
        )


def truncate_reason(reason: str) -> str:
    """``reason`` cut to fit in a close frame, on a character boundary."""
    encoded = reason.encode()
    if len(encoded) <= _MAX_REASON_BYTES:
        return reason
    return encoded[: _MAX_REASON_BYTES - 3].decode(errors="ignore") + "..."
