"""How Python values are stored in SQLite, and read back.

SQLite stores NULL, INTEGER, REAL, TEXT and BLOB. covet-db registers adapters (Python to
SQLite) and converters (SQLite to Python, by the column's declared type, first word,
any case) with the ``sqlite3`` module, replacing its own date and timestamp ones, which
Python 3.12 deprecated:

================  ===========================================  ==========================
Python value      stored as                                    read back as datetime etc.
                                                               from a column declared
================  ===========================================  ==========================
``datetime``      TEXT ``YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]``  TIMESTAMP, DATETIME,
                  (ISO 8601; the UTC offset kept when aware)     TIMESTAMPTZ
``date``          TEXT ``YYYY-MM-DD``                          DATE
``time``          TEXT ``HH:MM:SS[.ffffff][+HH:MM]``           TIME
``Decimal``       TEXT of the exact digits                     DECIMAL, NUMERIC
``UUID``          TEXT, 36 characters with hyphens             UUID
``bool``          INTEGER 0 or 1 (natively)                    BOOLEAN, BOOL
================  ===========================================  ==========================

ISO 8601 text sorts in time order (for values with the same offset) and SQLite's date
functions read it. A DECIMAL or NUMERIC column has numeric affinity, so SQLite may keep
a decimal as REAL when that is exact to 15 digits; declare the column TEXT to keep every
digit and trailing zeros. A value a converter cannot parse (written by another program) is
returned as the text SQLite holds, rather than failing the whole query.

The registration is global to the ``sqlite3`` module, as its API requires; the formats are
the ones the stdlib used, so other sqlite3 users in the process see no change.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Final

__all__ = ["NATIVE_TYPES", "register"]

#: Types sqlite3 binds without an adapter.
NATIVE_TYPES: Final = (type(None), int, float, str, bytes, bytearray, memoryview)


def _adapt_datetime(value: datetime) -> str:
    return value.isoformat(" ")


def _adapt_iso(value: date | time) -> str:
    return value.isoformat()


def _adapt_str(value: Decimal | uuid.UUID) -> str:
    return str(value)


def _tolerant(parse: Callable[[str], Any]) -> Callable[[bytes], Any]:
    def convert(data: bytes) -> Any:
        text = data.decode()
        try:
            return parse(text)
        except (ValueError, InvalidOperation):
            return text

    return convert


def _parse_bool(text: str) -> bool:
    if text in ("1", "0"):
        return text == "1"
    low = text.lower()
    if low in ("true", "t"):
        return True
    if low in ("false", "f"):
        return False
    raise ValueError(text)


_CONVERTERS: Final[dict[str, Callable[[str], Any]]] = {
    "timestamp": datetime.fromisoformat,
    "datetime": datetime.fromisoformat,
    "timestamptz": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "decimal": Decimal,
    "numeric": Decimal,
    "uuid": uuid.UUID,
    "boolean": _parse_bool,
    "bool": _parse_bool,
}

_registered = False


def register() -> None:
    """Register covet's adapters and converters with ``sqlite3`` (once)."""
    global _registered
    if _registered:
        return
    sqlite3.register_adapter(datetime, _adapt_datetime)
    sqlite3.register_adapter(date, _adapt_iso)
    sqlite3.register_adapter(time, _adapt_iso)
    sqlite3.register_adapter(Decimal, _adapt_str)
    sqlite3.register_adapter(uuid.UUID, _adapt_str)
    for name, parse in _CONVERTERS.items():
        sqlite3.register_converter(name, _tolerant(parse))
    _registered = True
