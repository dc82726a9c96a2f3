"""What the pool needs from a database driver.

A driver opens ``DriverConnection`` objects; the pool, transactions and ``Database`` are
written once against these two protocols, so every driver behaves the same. A driver
module translates its library's exceptions into ``covet.db.errors`` (chaining the
original), turns its rows into ``covet.db.Row`` objects, and takes SQL already compiled
for its ``paramstyle``: it never rewrites SQL text, so the text stays byte-stable per
query shape and the library's prepared-statement cache hits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .._row import Row
from .._url import DatabaseURL

__all__ = ["ConnectOptions", "Driver", "DriverConnection", "Isolation", "ParamStyle"]

#: How a driver wants its placeholders: ``$1`` (asyncpg), ``%s`` (psycopg), ``?`` (SQLite).
ParamStyle = Literal["numeric_dollar", "format", "qmark"]

#: Isolation levels, lower case with underscores.
Isolation = Literal["read_uncommitted", "read_committed", "repeatable_read", "serializable"]


@dataclass(frozen=True, slots=True)
class ConnectOptions:
    """Per-connection settings the Database passes to ``Driver.connect``."""

    connect_timeout: float = 10.0
    #: Server-side statement timeout in seconds (PostgreSQL ``statement_timeout``), or None.
    statement_timeout: float | None = None
    #: PgBouncer transaction mode: no server-side prepared statements.
    pgbouncer: bool = False
    #: Prepared statements cached per connection (asyncpg ``statement_cache_size``).
    statement_cache_size: int = 256
    application_name: str | None = None
    #: SQLite: seconds to wait on a locked database before failing.
    busy_timeout: float = 5.0


class DriverConnection(Protocol):
    """One open connection. Every method raises ``covet.db.errors`` types only.

    ``params`` is a sequence matching the placeholders of ``sql`` in order.
    """

    #: True while a transaction is open (``begin()``, or a raw BEGIN), as the library
    #: tracks it locally: reading it costs no round trip.
    @property
    def in_transaction(self) -> bool: ...

    #: The server process id (PostgreSQL), or None; used to kill a connection in tests.
    @property
    def backend_pid(self) -> int | None: ...

    def is_closed(self) -> bool:
        """True once the connection is closed or known to be broken."""
        ...

    def is_idle(self) -> bool:
        """True while open and outside a transaction: fit to hand out again as it is.
        (``not is_closed() and not in_transaction``, in one call: the pool asks it
        after every statement.)"""
        ...

    async def execute(self, sql: str, params: Sequence[Any]) -> int:
        """Run one statement; return the number of rows it affected (-1 if unknown)."""
        ...

    async def execute_many(self, sql: str, params_seq: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per parameter sequence, in one round trip where possible.

        Atomic on every driver: outside a transaction it runs in one of its own.
        """
        ...

    async def fetch_all(self, sql: str, params: Sequence[Any]) -> list[Row]: ...

    async def fetch_one(self, sql: str, params: Sequence[Any]) -> Row | None:
        """The first row, or None when there is none."""
        ...

    async def fetch_val(self, sql: str, params: Sequence[Any], column: int = 0) -> Any:
        """The value of ``column`` in the first row, or None when there is no row."""
        ...

    def iterate(
        self, sql: str, params: Sequence[Any], *, batch_size: int = 500
    ) -> AsyncIterator[Row]:
        """Stream rows through a server-side cursor, ``batch_size`` rows at a time.

        The caller has opened a transaction first where the engine needs one (PostgreSQL);
        without one, the PostgreSQL drivers raise TransactionError.
        """
        ...

    async def copy_records(
        self,
        table: str,
        records: Iterable[Sequence[Any]],
        *,
        columns: Sequence[str],
        schema: str | None = None,
    ) -> int:
        """Bulk-insert ``records``: COPY on PostgreSQL, executemany on SQLite. Returns count."""
        ...

    async def begin(
        self,
        *,
        isolation: Isolation | None = None,
        readonly: bool = False,
        deferrable: bool = False,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    async def savepoint(self, name: str) -> None: ...

    async def release_savepoint(self, name: str) -> None: ...

    async def rollback_to_savepoint(self, name: str) -> None: ...

    async def prepare_transaction(self, gid: str) -> None:
        """PREPARE TRANSACTION ``gid`` (two-phase commit); the connection leaves the transaction."""
        ...

    async def commit_prepared(self, gid: str) -> None:
        """COMMIT PREPARED ``gid``, quoted the same way as ``prepare_transaction`` quoted it.

        Run it outside a transaction, on any connection to the same database. SQLite raises
        TransactionError (it has no two-phase commit).
        """
        ...

    async def rollback_prepared(self, gid: str) -> None:
        """ROLLBACK PREPARED ``gid``; SQLite raises TransactionError."""
        ...

    async def ping(self) -> None:
        """A cheap round trip; raises ConnectionLost if the connection is dead."""
        ...

    async def reset(self) -> None:
        """Bring a connection back to a clean state before it returns to the pool.

        Rolls back an open transaction; costs no round trip on a clean connection and
        does nothing on a closed one (check ``is_closed()`` to discard it).
        """
        ...

    async def close(self) -> None:
        """Close gracefully; never raises."""
        ...

    def terminate(self) -> None:
        """Close at once without a round trip (a dead or timed-out connection); never raises."""
        ...


class Driver(Protocol):
    """Opens connections for one library."""

    #: "asyncpg", "psycopg" or "sqlite"
    name: str
    #: "postgresql" or "sqlite"
    dialect: str
    paramstyle: ParamStyle

    async def connect(self, url: DatabaseURL, options: ConnectOptions) -> DriverConnection:
        """Open one connection; raises ConnectionFailed with host and port on failure."""
        ...
