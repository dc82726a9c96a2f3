"""SQLSTATE codes to covet errors, shared by the PostgreSQL drivers (and mimicked by SQLite).

Both PostgreSQL libraries report the server's five-character SQLSTATE; classifying on the
code rather than on each library's exception classes is what makes ``except
UniqueViolation`` behave the same on asyncpg and psycopg.
"""

from __future__ import annotations

from typing import Final

from ..errors import (
    CheckViolation,
    DataError,
    DeadlockDetected,
    ForeignKeyViolation,
    IntegrityError,
    NotNullViolation,
    ProgrammingError,
    QueryCanceled,
    QueryError,
    SerializationFailure,
    TransactionError,
    UniqueViolation,
)

__all__ = [
    "NUL_IN_TEXT",
    "is_connection_sqlstate",
    "nul_in_sql",
    "query_error",
    "transaction_state_error",
]

UNIQUE: Final = "23505"
FOREIGN_KEY: Final = "23503"
NOT_NULL: Final = "23502"
CHECK: Final = "23514"
SERIALIZATION: Final = "40001"
DEADLOCK: Final = "40P01"
READ_ONLY: Final = "25006"
NO_TRANSACTION: Final = "25P01"
BAD_BYTES: Final = "22021"

NUL_IN_TEXT: Final = (
    "PostgreSQL text cannot hold NUL (\\x00) characters; strip them from the value, "
    "or store it in a bytea column as Python bytes"
)

_EXACT: Final[dict[str, type[QueryError]]] = {
    UNIQUE: UniqueViolation,
    FOREIGN_KEY: ForeignKeyViolation,
    NOT_NULL: NotNullViolation,
    CHECK: CheckViolation,
    SERIALIZATION: SerializationFailure,
    DEADLOCK: DeadlockDetected,
    "57014": QueryCanceled,
    # A write in a READ ONLY transaction: the statement is wrong for where it runs.
    READ_ONLY: ProgrammingError,
}

# SQLSTATE class (first two characters) -> error, for codes not listed above.
_CLASS: Final[dict[str, type[QueryError]]] = {
    "22": DataError,
    "23": IntegrityError,
    "40": SerializationFailure,
    "42": ProgrammingError,
    "2B": IntegrityError,  # dependent objects still exist
    "0A": ProgrammingError,  # feature not supported
    "21": ProgrammingError,  # cardinality violation (e.g. a subquery returned two rows)
    "26": ProgrammingError,  # invalid statement name
    "34": ProgrammingError,  # invalid cursor name
    "3F": ProgrammingError,  # invalid schema name
    "44": IntegrityError,  # WITH CHECK OPTION violation
}

_CONNECTION_CODES: Final = frozenset({"57P01", "57P02", "57P03"})


def is_connection_sqlstate(sqlstate: str | None) -> bool:
    """True for codes that mean the connection is gone (class 08, admin/crash shutdown)."""
    return sqlstate is not None and (sqlstate.startswith("08") or sqlstate in _CONNECTION_CODES)


def nul_in_sql(sql: str, message: str) -> DataError:
    """The error for SQL text holding NUL, which no PostgreSQL driver can send intact."""
    return DataError(
        f"the SQL text contains a NUL (\\x00) character; pass values as parameters instead "
        f"({NUL_IN_TEXT})",
        sql=sql.replace("\x00", "\\x00"),
        sqlstate=BAD_BYTES,
        driver_message=message,
    )


def query_error(
    sqlstate: str | None,
    message: str,
    *,
    sql: str | None,
    detail: str | None = None,
    hint: str | None = None,
    constraint: str | None = None,
    table: str | None = None,
    column: str | None = None,
) -> QueryError:
    """The covet error for a statement the server refused with ``sqlstate``."""
    cls: type[QueryError] = QueryError
    text = message
    if sqlstate is not None:
        found = _EXACT.get(sqlstate) or _CLASS.get(sqlstate[:2])
        if found is not None:
            cls = found
        if sqlstate == BAD_BYTES and "0x00" in message:
            text = f"{NUL_IN_TEXT} (server said: {message})"
        elif sqlstate == READ_ONLY:
            text = f"{message}: this transaction was opened with readonly=True"
    if hint:
        text += f"\nHINT: {hint}"
    return cls(
        text,
        sql=sql,
        sqlstate=sqlstate,
        detail=detail,
        driver_message=message,
        constraint=constraint,
        table=table,
        column=column,
    )


def transaction_state_error(sqlstate: str | None, message: str) -> TransactionError | None:
    """A TransactionError for statements that need a transaction the caller did not open."""
    if sqlstate == NO_TRANSACTION:
        return TransactionError(
            f"{message}: this needs an open transaction (on PostgreSQL, iterate() streams "
            "through a server-side cursor, which lives inside one); run it inside "
            "`async with db.transaction():`"
        )
    return None
