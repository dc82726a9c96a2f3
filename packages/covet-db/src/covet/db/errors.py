"""The errors covet-db raises, identical on every driver.

Every driver's exception is translated into one of these, with the original chained as
``__cause__``, so ``except UniqueViolation`` works the same on asyncpg, psycopg and SQLite.

    DatabaseError
    ├── ConfigurationError (ValueError)     bad URL, unknown scheme, bad option
    ├── DatabaseConnectionError (ConnectionError)
    │   ├── ConnectionFailed                could not open a connection (host, port)
    │   └── ConnectionLost                  a connection died while in use
    ├── PoolError
    │   ├── PoolTimeout (TimeoutError)      no connection free within the acquire timeout
    │   └── PoolClosed                      the pool was closed
    ├── TransactionError                    a transaction used the wrong way
    ├── CompileError (ValueError)           a query that cannot become SQL
    └── QueryError                          the server refused a statement (carries .sql)
        ├── ProgrammingError                syntax, unknown table or column, ...
        ├── DataError (ValueError)          a value the column type cannot hold
        ├── IntegrityError
        │   ├── UniqueViolation
        │   ├── ForeignKeyViolation
        │   ├── NotNullViolation
        │   └── CheckViolation
        ├── TransactionConflict             safe to retry the whole transaction
        │   ├── SerializationFailure
        │   └── DeadlockDetected
        └── QueryCanceled (TimeoutError)    statement timeout or cancellation
"""

from __future__ import annotations

__all__ = [
    "CheckViolation",
    "CompileError",
    "ConfigurationError",
    "ConnectionFailed",
    "ConnectionLost",
    "DataError",
    "DatabaseConnectionError",
    "DatabaseError",
    "DeadlockDetected",
    "ForeignKeyViolation",
    "IntegrityError",
    "NotNullViolation",
    "PoolClosed",
    "PoolError",
    "PoolTimeout",
    "ProgrammingError",
    "QueryCanceled",
    "QueryError",
    "SerializationFailure",
    "TransactionConflict",
    "TransactionError",
    "UniqueViolation",
]


class DatabaseError(Exception):
    """The root of every error covet-db raises."""


class ConfigurationError(DatabaseError, ValueError):
    """A database URL or option is wrong; the message names the part and what is accepted."""


class DatabaseConnectionError(DatabaseError, ConnectionError):
    """A connection could not be opened or was lost.

    ``host`` and ``port`` say which server (``None`` for SQLite); ``driver`` names the driver.
    """

    def __init__(
        self,
        message: str,
        *,
        host: str | None = None,
        port: int | None = None,
        driver: str | None = None,
    ) -> None:
        super().__init__(message)
        self.host = host
        self.port = port
        self.driver = driver


class ConnectionFailed(DatabaseConnectionError):
    """A new connection could not be opened (server down, wrong host, port or credentials)."""


class ConnectionLost(DatabaseConnectionError):
    """A connection died while in use.

    Raised for the statement or transaction that was running on it. A transaction that saw
    this error did not commit: the server rolls back what it had not committed. The pool
    discards the connection, so the next acquire gets a fresh one.
    """


class PoolError(DatabaseError):
    """The connection pool cannot serve the request."""


class PoolTimeout(PoolError, TimeoutError):
    """No connection became free within the acquire timeout.

    Raise ``max_size`` or ``acquire_timeout``, or hold connections for shorter.
    """


class PoolClosed(PoolError):
    """The pool (or its Database) is closed, or closing; open it again with ``connect()``."""


class TransactionError(DatabaseError):
    """A transaction was used in a way that cannot work (committed twice, used after it ended)."""


class CompileError(DatabaseError, ValueError):
    """A query cannot be turned into SQL for this dialect; the message says which part."""


class QueryError(DatabaseError):
    """The server rejected a statement.

    ``sql`` is the statement text (never the parameter values, which may be secret),
    ``sqlstate`` the SQLSTATE code where the driver reports one, ``detail`` the server's
    detail line, and ``driver_message`` the driver's own message.
    """

    def __init__(
        self,
        message: str,
        *,
        sql: str | None = None,
        sqlstate: str | None = None,
        detail: str | None = None,
        driver_message: str | None = None,
        constraint: str | None = None,
        table: str | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(message)
        self.sql = sql
        self.sqlstate = sqlstate
        self.detail = detail
        self.driver_message = driver_message if driver_message is not None else message
        self.constraint = constraint
        self.table = table
        self.column = column

    def __str__(self) -> str:
        text = super().__str__()
        if self.detail:
            text += f"\nDETAIL: {self.detail}"
        if self.sql:
            sql = self.sql if len(self.sql) <= 1000 else self.sql[:1000] + " ..."
            text += f"\nSQL: {sql}"
        return text


class ProgrammingError(QueryError):
    """The statement is wrong: syntax error, unknown table or column, wrong argument count."""


class DataError(QueryError, ValueError):
    """A value cannot be stored in its column (bad encoding, NUL in text, out of range)."""


class IntegrityError(QueryError):
    """A constraint refused the change; ``constraint`` names it where the server says."""


class UniqueViolation(IntegrityError):
    """A row with the same unique key already exists."""


class ForeignKeyViolation(IntegrityError):
    """The referenced row does not exist, or another row still references this one."""


class NotNullViolation(IntegrityError):
    """A NOT NULL column was given no value."""


class CheckViolation(IntegrityError):
    """A CHECK constraint refused the row."""


class TransactionConflict(QueryError):
    """The transaction lost a race with another one; running it again may succeed.

    ``Database.transaction(retries=...)`` as a decorator, and ``Database.run_transaction``,
    retry on this error with backoff.
    """


class SerializationFailure(TransactionConflict):
    """The server could not serialize this transaction with a concurrent one (40001)."""


class DeadlockDetected(TransactionConflict):
    """The server broke a deadlock by aborting this transaction (40P01)."""


class QueryCanceled(QueryError, TimeoutError):
    """The statement was canceled: a statement timeout, or a cancel request."""
