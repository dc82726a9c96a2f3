"""The statement methods (execute, fetch_*, iterate, bulk_insert), written once.

``Executor`` holds the public methods; it compiles the query, then hands a driver call to
``_run``, which each subclass implements: ``Connection`` runs it on its one connection,
``Database`` on the task's bound connection or a pooled one. Driver calls are passed as
small functions (``_fetch_one`` ...) that return the driver's coroutine without awaiting
it, so the shared path adds no coroutine frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from typing import Any, TypeAlias

from ._drivers import DriverConnection
from ._pool import PooledConnection
from ._records import prepare_records, table_name
from ._row import Row
from .errors import ConfigurationError, ConnectionLost, DatabaseError
from .query._compiler import Dialect, compile_many, compile_statement
from .query._schema import Table
from .query._statement import Statement

__all__ = ["Binding", "Connection", "Executor", "Op", "Query", "iterate_on", "run_on"]

#: A query: SQL text with ``:name`` placeholders, or a query-builder statement.
Query: TypeAlias = str | Statement

#: A driver call: ``op(connection, sql, params, extra)`` returns the awaitable to run.
Op: TypeAlias = Callable[[DriverConnection, Any, Any, Any], Awaitable[Any]]


def _execute(c: DriverConnection, sql: str, params: Sequence[Any], _: Any) -> Awaitable[int]:
    return c.execute(sql, params)


def _execute_many(
    c: DriverConnection, sql: str, params_seq: list[Sequence[Any]], _: Any
) -> Awaitable[None]:
    return c.execute_many(sql, params_seq)


def _fetch_all(
    c: DriverConnection, sql: str, params: Sequence[Any], _: Any
) -> Awaitable[list[Row]]:
    return c.fetch_all(sql, params)


def _fetch_one(
    c: DriverConnection, sql: str, params: Sequence[Any], _: Any
) -> Awaitable[Row | None]:
    return c.fetch_one(sql, params)


def _fetch_val(c: DriverConnection, sql: str, params: Sequence[Any], column: int) -> Awaitable[Any]:
    return c.fetch_val(sql, params, column)


def _copy(
    c: DriverConnection,
    table: str,
    records: Iterable[Sequence[Any]],
    target: tuple[Sequence[str], str | None],
) -> Awaitable[int]:
    return c.copy_records(table, records, columns=target[0], schema=target[1])


async def run_on(held: PooledConnection, op: Op, sql: Any, params: Any, extra: Any) -> Any:
    """Run ``op`` on a held connection, marking it for the pool if the call went wrong.

    A lost connection is marked broken (the pool discards it); an interruption that is
    not a database error (a cancellation, a timeout) may have left a statement running,
    so the connection is marked dirty (the pool resets it before handing it out again).
    """
    try:
        return await op(held.raw, sql, params, extra)
    except ConnectionLost:
        held.broken = True
        raise
    except DatabaseError:
        raise
    except BaseException:
        held.dirty = True
        raise


class Executor:
    """The statement methods shared by ``Database`` and ``Connection``."""

    __slots__ = ()

    _dialect: Dialect

    def _run(
        self, op: Op, sql: Any, params: Any, query: Query | None, extra: Any
    ) -> Awaitable[Any]:
        """Run ``op`` on a connection; ``query`` is None for statements never retried."""
        raise NotImplementedError

    def _iterate(self, sql: str, params: Sequence[Any], batch_size: int) -> AsyncIterator[Row]:
        raise NotImplementedError

    async def execute(self, query: Query, values: Mapping[str, Any] | None = None) -> int:
        """Run a statement; return the number of rows it affected (-1 if unknown)."""
        sql, params = compile_statement(query, values, self._dialect)
        result: int = await self._run(_execute, sql, params, query, None)
        return result

    async def execute_many(self, query: Query, values_seq: Iterable[Mapping[str, Any]]) -> None:
        """Run one statement once per mapping of ``values_seq`` (nothing when it is empty)."""
        sql, params_seq = compile_many(query, values_seq, self._dialect)
        if params_seq:
            await self._run(_execute_many, sql, params_seq, None, None)

    async def fetch_all(self, query: Query, values: Mapping[str, Any] | None = None) -> list[Row]:
        """Every row of the result."""
        sql, params = compile_statement(query, values, self._dialect)
        rows: list[Row] = await self._run(_fetch_all, sql, params, query, None)
        return rows

    async def fetch_one(self, query: Query, values: Mapping[str, Any] | None = None) -> Row | None:
        """The first row of the result, or None when there is none."""
        sql, params = compile_statement(query, values, self._dialect)
        row: Row | None = await self._run(_fetch_one, sql, params, query, None)
        return row

    async def fetch_val(
        self, query: Query, values: Mapping[str, Any] | None = None, *, column: int | str = 0
    ) -> Any:
        """One value of the first row (``column`` by position or name), or None without rows."""
        sql, params = compile_statement(query, values, self._dialect)
        if type(column) is int:
            return await self._run(_fetch_val, sql, params, query, column)
        if not isinstance(column, str):
            raise TypeError(
                f"column must be a position (int) or a column name (str), "
                f"got {type(column).__name__}"
            )
        row: Row | None = await self._run(_fetch_one, sql, params, query, None)
        return None if row is None else row[column]

    def iterate(
        self, query: Query, values: Mapping[str, Any] | None = None, *, batch_size: int = 500
    ) -> AsyncIterator[Row]:
        """Stream the rows through a server-side cursor, ``batch_size`` rows per round trip.

        On PostgreSQL a cursor lives in a transaction: outside one, ``iterate`` opens one
        on a connection it holds for the whole iteration and ends it with the iteration
        (committed when the rows ran out, rolled back if the loop stopped early). Break
        out early inside ``contextlib.aclosing(db.iterate(...))`` to give the connection
        back at once rather than when the iterator is garbage collected.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigurationError(f"batch_size must be a positive integer, got {batch_size!r}")
        sql, params = compile_statement(query, values, self._dialect)
        return self._iterate(sql, params, batch_size)

    async def bulk_insert(
        self,
        table: str | Table,
        records: Iterable[Sequence[Any] | Mapping[str, Any]],
        *,
        columns: Sequence[str] | None = None,
        schema: str | None = None,
    ) -> int:
        """Insert many rows at once (COPY on PostgreSQL); return how many.

        ``table`` is a name or a query-builder table. ``records`` are sequences in the
        order of ``columns`` (then required), or mappings, whose columns default to the
        keys of the first record. No records: returns 0 without touching the database.
        """
        name, schema = table_name(table, schema)
        problems: list[Exception] = []
        prepared = prepare_records(records, columns, problems)
        if prepared is None:
            return 0
        cols, rows = prepared
        try:
            count: int = await self._run(_copy, name, rows, None, (cols, schema))
        except DatabaseError:
            # Records are checked as the driver consumes them (no copy of a large input);
            # a bad one aborts the insert, and the caller gets our error, not the driver's.
            if problems:
                raise problems[0] from None
            raise
        return count


class Binding:
    """A connection bound to one task: by ``db.connection()`` or a transaction.

    Stored in the Database's ContextVar. ``owner`` is the task that bound it: a task
    created inside the block inherits the ContextVar but is not the owner, so it uses a
    pooled connection of its own instead of joining (and corrupting) this one.
    """

    __slots__ = ("depth", "held", "in_transaction", "owner", "refusal", "savepoints")

    def __init__(self, held: PooledConnection, owner: asyncio.Task[Any] | None) -> None:
        self.held = held
        self.owner = owner
        self.in_transaction = False
        #: Nesting level of transactions on this connection (1 = the outer one).
        self.depth = 0
        #: Savepoints made so far, for unique names.
        self.savepoints = 0
        #: Why statements are refused (set after ``tx.rollback()`` until the block ends).
        self.refusal: str | None = None


async def guarded(held: PooledConnection, awaitable: Awaitable[Any]) -> Any:
    """Await a driver call, marking the connection broken or dirty if it fails that way."""
    try:
        return await awaitable
    except ConnectionLost:
        held.broken = True
        raise
    except DatabaseError:
        raise
    except BaseException:
        held.dirty = True
        raise


async def iterate_on(
    held: PooledConnection,
    sql: str,
    params: Sequence[Any],
    batch_size: int,
    cursor_needs_transaction: bool,
) -> AsyncGenerator[Row, None]:
    """Stream rows on one connection, opening a transaction for the cursor if needed."""
    raw = held.raw
    own_transaction = cursor_needs_transaction and not raw.in_transaction
    if own_transaction:
        await guarded(held, raw.begin())
    rows = raw.iterate(sql, params, batch_size=batch_size)
    finished = False
    try:
        async for row in rows:
            yield row
        finished = True
    except ConnectionLost:
        held.broken = True
        raise
    except (DatabaseError, GeneratorExit):
        raise
    except BaseException:
        held.dirty = True
        raise
    finally:
        aclose = getattr(rows, "aclose", None)
        if aclose is not None and not held.broken:
            try:
                await aclose()
            except BaseException:
                held.dirty = True
        if own_transaction and not held.broken:
            if finished and not held.dirty:
                await guarded(held, raw.commit())
            else:
                try:
                    await guarded(held, raw.rollback())
                except DatabaseError:
                    held.broken = True


class Connection(Executor):
    """One connection, from ``db.connection()`` or ``tx.connection``.

    It has the Database's statement methods (``execute``, ``fetch_*``, ``iterate``,
    ``bulk_insert``) and is valid only inside the block that gave it.
    """

    __slots__ = ("_cursor_needs_transaction", "_dialect", "_held")

    def __init__(
        self, held: PooledConnection, dialect: Dialect, cursor_needs_transaction: bool
    ) -> None:
        self._held: PooledConnection | None = held
        self._dialect = dialect
        self._cursor_needs_transaction = cursor_needs_transaction

    def _live(self) -> PooledConnection:
        held = self._held
        if held is None:
            raise DatabaseError(
                "this Connection was used after its block ended; a connection is valid only "
                "inside its 'async with db.connection()' or 'async with db.transaction()'"
            )
        return held

    def _run(
        self, op: Op, sql: Any, params: Any, query: Query | None, extra: Any
    ) -> Awaitable[Any]:
        return run_on(self._held or self._live(), op, sql, params, extra)

    def _iterate(self, sql: str, params: Sequence[Any], batch_size: int) -> AsyncIterator[Row]:
        return iterate_on(self._live(), sql, params, batch_size, self._cursor_needs_transaction)

    @property
    def backend_pid(self) -> int | None:
        """The server process id of this connection (PostgreSQL), or None."""
        return self._live().raw.backend_pid

    @property
    def in_transaction(self) -> bool:
        """True while a transaction is open on this connection."""
        return self._live().raw.in_transaction

    @property
    def driver_connection(self) -> DriverConnection:
        """The driver-level connection underneath, for what covet-db does not wrap."""
        return self._live().raw

    def _invalidate(self) -> None:
        self._held = None
