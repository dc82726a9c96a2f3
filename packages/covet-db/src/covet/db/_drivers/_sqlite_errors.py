"""sqlite3 exceptions to covet errors, matching what the PostgreSQL drivers raise.

SQLite has no SQLSTATE; the errors it maps to a PostgreSQL class carry that class's code
in ``sqlstate`` (``23505`` for a unique violation, ...), so code that checks the code works
on both engines. ``driver_message`` keeps SQLite's own text.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from typing import Any, Final

from ..errors import (
    CheckViolation,
    ConnectionLost,
    DatabaseError,
    DataError,
    ForeignKeyViolation,
    IntegrityError,
    NotNullViolation,
    ProgrammingError,
    QueryCanceled,
    QueryError,
    SerializationFailure,
    TransactionConflict,
    UniqueViolation,
)
from ._sqlite_types import NATIVE_TYPES

__all__ = ["sqlite_error"]

_INTEGRITY: Final[dict[str, tuple[type[IntegrityError], str]]] = {
    "SQLITE_CONSTRAINT_UNIQUE": (UniqueViolation, "23505"),
    "SQLITE_CONSTRAINT_PRIMARYKEY": (UniqueViolation, "23505"),
    "SQLITE_CONSTRAINT_FOREIGNKEY": (ForeignKeyViolation, "23503"),
    "SQLITE_CONSTRAINT_NOTNULL": (NotNullViolation, "23502"),
    "SQLITE_CONSTRAINT_CHECK": (CheckViolation, "23514"),
}
_INTEGRITY_BY_TEXT: Final = (
    ("UNIQUE constraint failed", UniqueViolation, "23505"),
    ("FOREIGN KEY constraint failed", ForeignKeyViolation, "23503"),
    ("NOT NULL constraint failed", NotNullViolation, "23502"),
    ("CHECK constraint failed", CheckViolation, "23514"),
)
# "UNIQUE constraint failed: users.email, users.org" -> table users, column email
_TABLE_COLUMN: Final = re.compile(r"constraint failed: ([^.,\s]+)\.([^,\s]+)")
_CHECK_NAME: Final = re.compile(r"CHECK constraint failed: (.+)$")

_PROGRAMMING: Final = (
    ("no such table", "42P01"),
    ("no such column", "42703"),
    ("has no column named", "42703"),
    ("syntax error", "42601"),
    ("incomplete input", "42601"),
    ("unrecognized token", "42601"),
    ("already exists", "42P07"),
    ("no such function", "42883"),
    ("wrong number of arguments", "42883"),
    ("ambiguous column name", "42702"),
)


def _integrity(exc: sqlite3.Error, message: str, sql: str | None) -> IntegrityError:
    found = _INTEGRITY.get(getattr(exc, "sqlite_errorname", ""))
    if found is None:
        found = next(((c, s) for text, c, s in _INTEGRITY_BY_TEXT if text in message), None)
    cls, sqlstate = found if found is not None else (IntegrityError, "23000")
    table = column = constraint = None
    if match := _TABLE_COLUMN.search(message):
        table, column = match.group(1), match.group(2)
    elif cls is CheckViolation and (match := _CHECK_NAME.search(message)):
        constraint = match.group(1)
    return cls(
        message,
        sql=sql,
        sqlstate=sqlstate,
        constraint=constraint,
        table=table,
        column=column,
    )


def _bad_parameter(params: Sequence[Any] | None) -> str:
    """Which parameter SQLite cannot take, found on the error path only."""
    for position, value in enumerate(params or (), 1):
        kind = type(value)
        if kind is int and not -(2**63) <= value < 2**63:
            return f"parameter {position} ({value}) does not fit SQLite's 64-bit INTEGER"
        if not isinstance(value, NATIVE_TYPES) and (kind, sqlite3.PrepareProtocol) not in (
            sqlite3.adapters
        ):
            return (
                f"parameter {position} is a {kind.__name__}, which SQLite cannot store; "
                "convert it first (json.dumps for a dict or list, str for other objects)"
            )
    return "a parameter has a type SQLite cannot store"


def sqlite_error(
    exc: Exception,
    sql: str | None,
    params: Sequence[Any] | None,
    *,
    path: str,
    busy_timeout: float,
) -> DatabaseError:
    """Translate an exception raised while running ``sql`` on the database at ``path``."""
    message = str(exc)
    if isinstance(exc, OverflowError) or "Error binding parameter" in message:
        return DataError(_bad_parameter(params), sql=sql, sqlstate="22000", driver_message=message)
    if not isinstance(exc, sqlite3.Error):
        if isinstance(exc, ValueError) and ("closed" in message or "no active" in message):
            return ConnectionLost(
                f"the connection to the SQLite database {path!r} is closed", driver="sqlite"
            )
        return QueryError(f"{type(exc).__name__}: {message}", sql=sql)
    name = getattr(exc, "sqlite_errorname", None)
    if isinstance(exc, sqlite3.IntegrityError):
        return _integrity(exc, message, sql)
    if (name or "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in message:
        cls = SerializationFailure if name == "SQLITE_BUSY_SNAPSHOT" else TransactionConflict
        return cls(
            f"the SQLite database {path!r} is locked: another connection held the write lock "
            f"for longer than busy_timeout ({busy_timeout:g}s). Keep write transactions short, "
            "raise busy_timeout, or retry (run_transaction retries this error)",
            sql=sql,
            sqlstate="40001" if cls is SerializationFailure else "55P03",
            driver_message=message,
        )
    if "closed database" in message:
        return ConnectionLost(
            f"the connection to the SQLite database {path!r} is closed", driver="sqlite"
        )
    if "attempt to write a readonly database" in message:
        return ProgrammingError(
            f"{message}: this transaction was opened with readonly=True (or the file is read-only)",
            sql=sql,
            sqlstate="25006",
            driver_message=message,
        )
    if "interrupted" in message:
        return QueryCanceled(message, sql=sql, sqlstate="57014")
    if isinstance(exc, sqlite3.DataError):
        return DataError(message, sql=sql, sqlstate="22000")
    if isinstance(exc, sqlite3.ProgrammingError | sqlite3.InterfaceError):
        return ProgrammingError(message, sql=sql)
    if isinstance(exc, sqlite3.OperationalError):
        for text, sqlstate in _PROGRAMMING:
            if text in message:
                return ProgrammingError(message, sql=sql, sqlstate=sqlstate)
    return QueryError(message, sql=sql)
