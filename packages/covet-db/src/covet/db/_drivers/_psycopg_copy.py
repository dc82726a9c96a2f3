"""When the psycopg driver may COPY in binary format, and the SQL to find out.

Text COPY lets the server parse every value, so it takes anything whose spelling the
column type reads (``'42'`` into an integer column). Binary COPY is about twice as fast,
but each value goes in the column type's own encoding, chosen by the column's type and
not by the value. So rows go in binary only when that cannot change what is stored or
which rows fail: every column has a type listed here, and every value of the batch is
None or has exactly the Python type (no subclass: a bool is not an int) that the text
form would have spelled the same way, within the type's range, without NUL characters,
with (timestamptz) or without (timestamp) a UTC offset. Anything else stays text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from operator import itemgetter, methodcaller
from typing import Any, Final, cast

__all__ = ["COLUMN_TYPES_SQL", "binary_checks", "fits_binary"]

#: The type oid of each column of a table, named as in COPY (quoted, maybe qualified);
#: no row when the table does not exist, so COPY itself reports that, as it always has.
COLUMN_TYPES_SQL: Final = (
    "SELECT a.attname, a.atttypid FROM pg_catalog.pg_attribute a"
    " WHERE a.attrelid = pg_catalog.to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped"
)

#: Whether one column's values (of one batch) can be sent in the column type's binary form.
Check = Callable[[list[Any]], bool]

_NONE: Final = type(None)
_UTCOFFSET: Final = methodcaller("utcoffset")


def _exactly(*types: type) -> Check:
    allowed = frozenset((*types, _NONE))

    def check(values: list[Any]) -> bool:
        return set(map(type, values)) <= allowed

    return check


def _integers(bits: int) -> Check:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    allowed = frozenset((int, _NONE))

    def check(values: list[Any]) -> bool:
        if not set(map(type, values)) <= allowed:
            return False
        present = list(filter(None, values))  # drops None (and 0, which is in range)
        return not present or (low <= min(present) and max(present) <= high)

    return check


def _float8(values: list[Any]) -> bool:
    kinds = set(map(type, values))
    if not kinds <= {float, int, _NONE}:
        return False
    if int in kinds:  # int -> float8 is exact or rounds as the server would, not overflow
        ints = [v for v in values if type(v) is int]
        return min(ints) >= -(2**63) and max(ints) < 2**63
    return True


def _text(values: list[Any]) -> bool:
    # NUL: psycopg's text COPY refuses it with its own error; keep that path for it.
    kinds = set(map(type, values))
    return kinds <= {str, _NONE} and "\x00" not in "".join(filter(None, values))


def _timestamptz(values: list[Any]) -> bool:
    kinds = set(map(type, values))
    return kinds <= {dt.datetime, _NONE} and None not in map(_UTCOFFSET, filter(None, values))


def _timestamp(values: list[Any]) -> bool:
    kinds = set(map(type, values))
    return kinds <= {dt.datetime, _NONE} and set(map(_UTCOFFSET, filter(None, values))) <= {None}


_TEXT: Final = 25

# Built-in type oids (fixed by PostgreSQL): the oid whose psycopg binary dumper writes the
# column's binary form (bpchar and varchar read text's), and the values it may take.
_BINARY: Final[dict[int, tuple[int, Check]]] = {
    16: (16, _exactly(bool)),  # bool
    17: (17, _exactly(bytes)),  # bytea
    20: (20, _integers(64)),  # int8
    21: (21, _integers(16)),  # int2
    23: (23, _integers(32)),  # int4
    _TEXT: (_TEXT, _text),  # text
    701: (701, _float8),  # float8
    1042: (_TEXT, _text),  # bpchar
    1043: (_TEXT, _text),  # varchar
    1082: (1082, _exactly(dt.date)),  # date
    1114: (1114, _timestamp),  # timestamp
    1184: (1184, _timestamptz),  # timestamptz
    2950: (2950, _exactly(uuid.UUID)),  # uuid
}


def binary_checks(oids: Sequence[int]) -> tuple[list[int], list[Check]] | None:
    """The types to give psycopg's COPY and one check per column, for columns of type
    ``oids``; None when some column type must stay in text format."""
    found = [_BINARY.get(oid) for oid in oids]
    if None in found:
        return None
    pairs = cast(list[tuple[int, Check]], found)
    return [oid for oid, _ in pairs], [check for _, check in pairs]


def fits_binary(checks: Sequence[Check], rows: list[Sequence[Any]]) -> bool:
    """True when every row has one value per column and every value fits its column."""
    try:
        if set(map(len, rows)) != {len(checks)}:
            return False
        return all(check(list(map(itemgetter(i), rows))) for i, check in enumerate(checks))
    except Exception:  # not sequences, or values that do not compare: text COPY decides
        return False
