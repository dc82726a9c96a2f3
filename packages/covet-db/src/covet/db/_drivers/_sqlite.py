"""The SQLite driver, over aiosqlite: the embedded default.

aiosqlite runs each connection's sqlite3 calls on a worker thread. Its public methods cost
one thread hop each, and a fetch needs three (execute, fetch, description); this driver
hands the worker one function per call instead (``Connection._execute``, the primitive
every aiosqlite method is built on), so a fetch is a single hop.

The connection runs with ``isolation_level=None``: sqlite3 never opens transactions
behind our back, and ``begin()`` issues ``BEGIN IMMEDIATE`` (take the write lock up front,
so two writers wait on busy_timeout instead of failing half-way) or, for a read-only
transaction, ``BEGIN DEFERRED`` with ``PRAGMA query_only`` so writes are refused.
SQLite transactions are always serializable: every isolation level is accepted and gives
that (stronger) guarantee.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any, Final, cast
from urllib.parse import quote, urlencode

import aiosqlite

from .._row import Row
from .._url import DatabaseURL
from ..errors import (
    ConfigurationError,
    ConnectionFailed,
    ConnectionLost,
    DatabaseError,
    TransactionError,
)
from . import _sqlite_worker as worker
from ._base import ConnectOptions, Driver, Isolation, ParamStyle
from ._sqlite_errors import sqlite_error
from ._sqlite_types import register

__all__ = ["DRIVER", "SqliteConnection", "SqliteDriver"]

_ISOLATION_LEVELS: Final = frozenset(
    {None, "read_uncommitted", "read_committed", "repeatable_read", "serializable"}
)
_NO_2PC: Final = (
    "SQLite has no two-phase commit (PREPARE TRANSACTION); use PostgreSQL for "
    "transaction(prepare=...), commit_prepared and rollback_prepared"
)

register()


async def _worker_gone(aconn: aiosqlite.Connection) -> None:
    """Wait for a stopped connection's worker thread to end.

    The thread still posts its last result to this event loop; if the loop closed first,
    the thread would die with an error.
    """
    thread = aconn._thread
    for _ in range(2500):  # at most 5 seconds
        if not thread.is_alive():
            return
        await asyncio.sleep(0.002)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteConnection:
    """One aiosqlite connection behind the DriverConnection protocol."""

    __slots__ = ("_aconn", "_busy", "_closed", "_path", "_raw", "_readonly", "_run", "_stopped")

    def __init__(self, aconn: aiosqlite.Connection, path: str, busy_timeout: float) -> None:
        self._aconn = aconn
        self._raw: sqlite3.Connection = aconn._conn
        self._run = cast(Callable[..., Awaitable[Any]], aconn._execute)
        self._path = path
        self._busy = busy_timeout
        self._readonly = False
        self._closed = False
        self._stopped = False

    def _error(self, exc: Exception, sql: str | None, params: Any = None) -> DatabaseError:
        error = sqlite_error(exc, sql, params, path=self._path, busy_timeout=self._busy)
        if isinstance(error, ConnectionLost):
            self._closed = True
        return error

    @property
    def in_transaction(self) -> bool:
        """True while a transaction is open on this connection."""
        try:
            return not self._closed and self._raw.in_transaction
        except sqlite3.Error:
            return False

    @property
    def backend_pid(self) -> int | None:
        """Always None: SQLite runs in this process."""
        return None

    @property
    def raw(self) -> aiosqlite.Connection:
        """The aiosqlite connection underneath, for what covet does not wrap."""
        return self._aconn

    def _interrupt(self) -> None:
        # The call was cancelled but the worker thread is still running its statement:
        # stop it there, so the connection is free (and rolled back) at once instead of
        # after the statement finishes on its own. A no-op when nothing is running.
        with contextlib.suppress(Exception):
            self._raw.interrupt()

    def is_closed(self) -> bool:
        """True once closed."""
        return self._closed

    def is_idle(self) -> bool:
        """Open and outside a transaction (and not left read-only)."""
        try:
            return not (self._closed or self._readonly or self._raw.in_transaction)
        except sqlite3.Error:
            return False

    async def execute(self, sql: str, params: Sequence[Any]) -> int:
        """Run a statement (a script when there are no params); rows affected or -1."""
        try:
            count: int = await self._run(worker.execute, self._raw, sql, params)
        except asyncio.CancelledError:
            self._interrupt()
            raise
        except Exception as exc:
            raise self._error(exc, sql, params) from exc
        return count

    async def execute_many(self, sql: str, params_seq: Iterable[Sequence[Any]]) -> None:
        """Run ``sql`` once per parameter sequence, atomically."""
        try:
            await self._run(worker.execute_many, self._raw, sql, params_seq)
        except asyncio.CancelledError:
            self._interrupt()
            raise
        except Exception as exc:
            raise self._error(exc, sql) from exc

    async def fetch_all(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """Every row of the result."""
        try:
            rows: list[Row] = await self._run(worker.fetch_all, self._raw, sql, params)
        except asyncio.CancelledError:
            self._interrupt()
            raise
        except Exception as exc:
            raise self._error(exc, sql, params) from exc
        return rows

    async def fetch_one(self, sql: str, params: Sequence[Any]) -> Row | None:
        """The first row, or None."""
        try:
            row: Row | None = await self._run(worker.fetch_first, self._raw, sql, params)
        except asyncio.CancelledError:
            self._interrupt()
            raise
        except Exception as exc:
            raise self._error(exc, sql, params) from exc
        return row

    async def fetch_val(self, sql: str, params: Sequence[Any], column: int = 0) -> Any:
        """One value of the first row, or None."""
        try:
            return await self._run(worker.fetch_val, self._raw, sql, params, column)
        except asyncio.CancelledError:
            self._interrupt()
            raise
        except Exception as exc:
            raise self._error(exc, sql, params) from exc

    async def iterate(
        self, sql: str, params: Sequence[Any], *, batch_size: int = 500
    ) -> AsyncIterator[Row]:
        """Stream rows from a cursor, ``batch_size`` at a time."""
        try:
            cursor, index, rows = await self._run(
                worker.open_cursor, self._raw, sql, params, batch_size
            )
        except asyncio.CancelledError:
            self._interrupt()
            raise
        except Exception as exc:
            raise self._error(exc, sql, params) from exc
        try:
            while rows:
                for row in rows:
                    yield row
                if len(rows) < batch_size:
                    break
                try:
                    rows = await self._run(worker.fetch_more, cursor, index, batch_size)
                except asyncio.CancelledError:
                    self._interrupt()
                    raise
                except Exception as exc:
                    raise self._error(exc, sql, params) from exc
        finally:
            with contextlib.suppress(Exception):
                await self._run(cursor.close)

    async def copy_records(
        self,
        table: str,
        records: Iterable[Sequence[Any]],
        *,
        columns: Sequence[str],
        schema: str | None = None,
    ) -> int:
        """INSERT ``records`` with executemany in one transaction; returns the row count."""
        target = _quote(table) if schema is None else f"{_quote(schema)}.{_quote(table)}"
        sql = (
            f"INSERT INTO {target} ({', '.join(map(_quote, columns))}) "
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        try:
            count: int = await self._run(worker.execute_many, self._raw, sql, records)
        except asyncio.CancelledError:
            self._interrupt()
            raise
        except Exception as exc:
            raise self._error(exc, sql) from exc
        return count

    async def _call(self, sql: str, function: Callable[..., Any], *args: Any) -> Any:
        try:
            return await self._run(function, *args)
        except asyncio.CancelledError:
            self._interrupt()
            raise
        except Exception as exc:
            raise self._error(exc, sql) from exc

    async def begin(
        self,
        *,
        isolation: Isolation | None = None,
        readonly: bool = False,
        deferrable: bool = False,
    ) -> None:
        """BEGIN IMMEDIATE, or BEGIN DEFERRED with query_only for a read-only transaction."""
        if isolation not in _ISOLATION_LEVELS:
            raise ConfigurationError(
                f"unknown isolation level {isolation!r}; use one of: "
                f"{', '.join(sorted(i for i in _ISOLATION_LEVELS if i))}"
            )
        readonly = bool(readonly)
        await self._call("BEGIN", worker.begin, self._raw, readonly)
        self._readonly = readonly

    async def commit(self) -> None:
        """COMMIT."""
        self._readonly = await self._call("COMMIT", worker.end, self._raw, "COMMIT", self._readonly)

    async def rollback(self) -> None:
        """ROLLBACK."""
        self._readonly = await self._call(
            "ROLLBACK", worker.end, self._raw, "ROLLBACK", self._readonly
        )

    async def savepoint(self, name: str) -> None:
        """SAVEPOINT ``name``."""
        await self.execute(f"SAVEPOINT {_quote(name)}", ())

    async def release_savepoint(self, name: str) -> None:
        """RELEASE SAVEPOINT ``name``."""
        await self.execute(f"RELEASE SAVEPOINT {_quote(name)}", ())

    async def rollback_to_savepoint(self, name: str) -> None:
        """ROLLBACK TO SAVEPOINT ``name``."""
        await self.execute(f"ROLLBACK TO SAVEPOINT {_quote(name)}", ())

    async def prepare_transaction(self, gid: str) -> None:
        """Not possible on SQLite: raises TransactionError."""
        raise TransactionError(_NO_2PC)

    async def commit_prepared(self, gid: str) -> None:
        """Not possible on SQLite: raises TransactionError."""
        raise TransactionError(_NO_2PC)

    async def rollback_prepared(self, gid: str) -> None:
        """Not possible on SQLite: raises TransactionError."""
        raise TransactionError(_NO_2PC)

    async def ping(self) -> None:
        """A call through the worker thread; raises ConnectionLost once closed."""
        await self.fetch_val("SELECT 1", ())

    async def reset(self) -> None:
        """Roll back an open transaction and lift query_only; free when already clean."""
        if not self._closed and (self._readonly or self.in_transaction):
            await self._call("ROLLBACK", worker.reset, self._raw)
            self._readonly = False

    async def close(self) -> None:
        """Close; never raises."""
        self._closed = True
        if self._stopped:  # after terminate(): only wait for the worker thread to end
            await _worker_gone(self._aconn)
            return
        self._stopped = True
        with contextlib.suppress(Exception):
            await self._aconn.close()

    def terminate(self) -> None:
        """Stop the worker thread without waiting; never raises."""
        self._closed = True
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(Exception):
            self._aconn.stop()


class SqliteDriver:
    """Opens SQLite connections through aiosqlite."""

    name: str = "sqlite"
    dialect: str = "sqlite"
    paramstyle: ParamStyle = "qmark"

    async def connect(self, url: DatabaseURL, options: ConnectOptions) -> SqliteConnection:
        """Open the database file (created if missing) or an in-memory database.

        URL options are SQLite URI parameters (``?mode=ro``, ``?cache=shared``).
        """
        path = url.database or ":memory:"
        url_options = dict(url.options)
        memory = path == ":memory:" or url_options.get("mode") == "memory"
        readonly = url_options.get("mode") == "ro" or url_options.get("immutable") == "1"
        target = path
        if url_options:
            location = ":memory:" if path == ":memory:" else quote(path)
            target = f"file:{location}?{urlencode(url_options)}"
        aconn = aiosqlite.connect(
            target,
            uri=bool(url_options),
            isolation_level=None,
            detect_types=sqlite3.PARSE_DECLTYPES,
            timeout=options.busy_timeout,
            cached_statements=max(options.statement_cache_size, 0),
        )
        try:
            await aconn
        except Exception as exc:
            await _worker_gone(aconn)  # aiosqlite stops the thread on a failed open
            raise ConnectionFailed(
                f"could not open the SQLite database {path!r}: {exc}; check that its "
                "directory exists and that this process may read and write it",
                driver="sqlite",
            ) from exc
        conn = SqliteConnection(aconn, path, options.busy_timeout)
        try:
            await conn._run(
                worker.setup, conn._raw, not memory and not readonly, options.busy_timeout
            )
        except Exception as exc:
            await conn.close()
            raise ConnectionFailed(
                f"could not set up the SQLite database {path!r}: {exc}", driver="sqlite"
            ) from exc
        return conn


DRIVER: Final[Driver] = SqliteDriver()
