"""The psycopg 3 driver (async), for teams that standardise on libpq.

The connection runs in autocommit mode so that covet's own BEGIN/COMMIT statements are the
only transaction control. Rows are ``TupleRow`` objects sharing one column index per
result. Query shapes seen twice are prepared server-side (``prepare_threshold=1``),
except behind PgBouncer in transaction mode, where prepared statements are off.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any, Final, cast

import psycopg
from psycopg import pq
from psycopg.adapt import AdaptersMap, PyFormat, Transformer
from psycopg.rows import tuple_row
from psycopg.types.string import TextLoader

from .._row import Row, TupleRow, column_index
from .._url import DatabaseURL
from ..errors import DatabaseError, DataError, ProgrammingError, QueryError
from ._base import ConnectOptions, Driver, ParamStyle
from ._postgres import (
    PgTarget,
    PgTransactionStatements,
    connect_failed,
    connection_lost,
    copy_sql,
    pg_target,
    quote_ident,
)
from ._psycopg_copy import COLUMN_TYPES_SQL, Check, binary_checks, fits_binary
from ._sqlstate import (
    NUL_IN_TEXT,
    is_connection_sqlstate,
    nul_in_sql,
    query_error,
    transaction_state_error,
)

__all__ = ["DRIVER", "PsycopgConnection", "PsycopgDriver"]

_NAME: Final = "psycopg"
_IN_TRANSACTION: Final = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)
_cursor_ids = itertools.count(1)
# Statuses of a result that has rows, even with no columns ("SELECT ;"), as psycopg has it.
_WITH_ROWS: Final = frozenset(
    {pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK}
)
_COLUMN_SHAPES: Final = 1024  # distinct column lists remembered per connection
# COPY reads records this many at a time; a first batch this full is worth the binary format.
_COPY_BATCH: Final = 500
# A reused cursor is replaced after a result of more rows than this, rather than keep it.
_KEEP_ROWS: Final = 1000

# json and jsonb come back as the server's text (covet reads results in text format), as
# asyncpg returns them, so a row holds the same values whichever driver fetched it.
_ADAPTERS: Final = AdaptersMap(psycopg.adapters)
for _type in ("json", "jsonb"):
    _ADAPTERS.register_loader(_type, TextLoader)


def _no_rows(values: Sequence[Any]) -> Row:  # pragma: no cover - psycopg never calls it
    raise ProgrammingError("the statement returned no result columns")


class _Columns:
    """The column indexes of one connection's results, so each result finds its index cheaply.

    psycopg asks for a row maker per result; ``cursor.description`` would build a Column
    object per field each time. The key is the field names as libpq received them (bytes,
    read without allocating Columns), not the SQL text, so a statement whose columns change
    (``SELECT *`` after ALTER TABLE) gets its own index. Names are decoded once, on a miss,
    by psycopg itself. Bounded: a workload of ever-new column shapes only refills it.
    """

    __slots__ = ("_indexes", "_makers")

    def __init__(self) -> None:
        self._indexes: dict[tuple[bytes | None, ...], dict[str, int]] = {}
        self._makers: dict[tuple[bytes | None, ...], Callable[[Sequence[Any]], Row]] = {}

    def index(self, cursor: Any) -> dict[str, int]:
        """The column index of the cursor's current result (which has columns)."""
        result = cursor.pgresult
        key = tuple(map(result.fname, range(result.nfields)))
        index = self._indexes.get(key)
        if index is None:
            if len(self._indexes) >= _COLUMN_SHAPES:
                self._indexes.clear()
                self._makers.clear()
            index = self._indexes[key] = column_index([c.name for c in cursor.description])
        return index

    def row_factory(self, cursor: Any) -> Callable[[Sequence[Any]], Row]:
        """psycopg's row factory: TupleRows sharing the result's column index."""
        result = cursor.pgresult
        if result is None or (not result.nfields and result.status not in _WITH_ROWS):
            return _no_rows
        key = tuple(map(result.fname, range(result.nfields)))
        make_row = self._makers.get(key)
        if make_row is None:
            index = self.index(cursor)

            def make_row(values: Any) -> Row:
                return TupleRow(values, index)

            self._makers[key] = make_row
        return make_row


def _escape_option(text: str) -> str:
    # libpq splits `options` on spaces; a backslash escapes a space or itself.
    return text.replace("\\", "\\\\").replace(" ", "\\ ")


def _server_options(settings: dict[str, str]) -> str | None:
    if not settings:
        return None
    return " ".join(f"-c {_escape_option(k)}={_escape_option(v)}" for k, v in settings.items())


class PsycopgConnection(PgTransactionStatements):
    """One psycopg AsyncConnection behind the DriverConnection protocol."""

    __slots__ = ("_columns", "_conn", "_cursor", "_lost", "_target")

    def __init__(
        self, conn: psycopg.AsyncConnection[Row], target: PgTarget, columns: _Columns
    ) -> None:
        self._conn = conn
        self._target = target
        self._columns = columns
        self._lost = False
        # One cursor for every statement rather than one per call: that saves making the
        # cursor and, for the same SQL string, psycopg's per-query adapter setup. Rows come
        # as tuples (built in C) and are wrapped here. The cursor holds its last result
        # until its next statement, so after a large one it is dropped for a fresh one.
        self._cursor = conn.cursor(row_factory=tuple_row)

    @property
    def in_transaction(self) -> bool:
        """True while the server has a transaction open on this connection."""
        return self._conn.pgconn.transaction_status in _IN_TRANSACTION

    @property
    def backend_pid(self) -> int | None:
        """The server process id."""
        return self._conn.pgconn.backend_pid

    @property
    def raw(self) -> psycopg.AsyncConnection[Row]:
        """The psycopg connection underneath, for what covet does not wrap."""
        return self._conn

    def is_closed(self) -> bool:
        """True once closed, or once the server or network dropped the connection."""
        return self._lost or self._conn.closed or self._conn.broken

    def is_idle(self) -> bool:
        """Open and outside a transaction."""
        conn = self._conn
        return not (
            self._lost
            or conn.closed
            or conn.broken
            or conn.pgconn.transaction_status in _IN_TRANSACTION
        )

    def _bad_param(self, params: Sequence[Any] | None, nul: bool) -> str:
        """Which parameter psycopg refused, found on the error path only."""
        if not params:
            return ""
        transformer = Transformer(self._conn)
        for position, value in enumerate(params, 1):
            if nul:
                if isinstance(value, str) and "\x00" in value:
                    return f" (parameter {position})"
                continue
            try:
                transformer.get_dumper(value, PyFormat.AUTO)
            except psycopg.ProgrammingError:
                return f" (parameter {position}, a {type(value).__name__})"
        return ""

    def _error(
        self, exc: Exception, sql: str | None, params: Sequence[Any] | None = None
    ) -> DatabaseError:
        """Translate a psycopg (or socket) exception raised while running ``sql``."""
        conn = self._conn
        if not isinstance(exc, psycopg.Error):
            if isinstance(exc, OSError) or conn.broken:
                self._lost = True
                return connection_lost(str(exc) or type(exc).__name__, self._target, _NAME)
            if isinstance(exc, ValueError | TypeError | OverflowError):
                return DataError(f"a value cannot be sent to PostgreSQL: {exc}", sql=sql)
            return QueryError(f"{type(exc).__name__}: {exc}", sql=sql)
        sqlstate = exc.sqlstate
        message = str(exc)
        if sql is not None and "\x00" in sql:
            return nul_in_sql(sql, message)  # libpq cut the text at the NUL
        if is_connection_sqlstate(sqlstate) or conn.broken or conn.closed:
            self._lost = True
            return connection_lost(message, self._target, _NAME)
        if sqlstate is None:  # refused by psycopg itself, before reaching the server
            if isinstance(exc, psycopg.DataError) and "NUL" in message:
                where = self._bad_param(params, nul=True)
                return DataError(
                    f"{NUL_IN_TEXT}{where}", sql=sql, sqlstate="22021", driver_message=message
                )
            if isinstance(exc, psycopg.ProgrammingError) and message.startswith("cannot adapt"):
                where = self._bad_param(params, nul=False)
                return DataError(
                    f"a query parameter has a type PostgreSQL cannot take{where}: {message}",
                    sql=sql,
                    sqlstate="22000",
                    driver_message=message,
                )
            if isinstance(exc, psycopg.DataError):
                return DataError(message, sql=sql)
            return ProgrammingError(message, sql=sql)
        diag = exc.diag
        primary = diag.message_primary or message
        state_error = transaction_state_error(sqlstate, primary)
        if state_error is not None:
            return state_error
        return query_error(
            sqlstate,
            primary,
            sql=sql,
            detail=diag.message_detail,
            hint=diag.message_hint,
            constraint=diag.constraint_name,
            table=diag.table_name,
            column=diag.column_name,
        )

    async def execute(self, sql: str, params: Sequence[Any]) -> int:
        """Run one statement (several when there are no params); rows affected or -1."""
        cursor = self._cursor
        try:
            # params=None when there are none, so a literal % in raw SQL stays as it is.
            await cursor.execute(sql, params or None)
        except Exception as exc:
            raise self._error(exc, sql, params) from exc
        count = cursor.rowcount
        if count > _KEEP_ROWS:
            self._cursor = self._conn.cursor(row_factory=tuple_row)
        return count

    async def execute_many(self, sql: str, params_seq: Iterable[Sequence[Any]]) -> None:
        """Run ``sql`` once per parameter sequence, atomically, pipelined where libpq can."""
        # Atomic as asyncpg's executemany is: all rows or none, even outside a transaction.
        own = self._conn.pgconn.transaction_status == pq.TransactionStatus.IDLE
        if own:
            await self._run("BEGIN")
        try:
            await self._conn.cursor().executemany(sql, params_seq)
        except Exception as exc:
            error = self._error(exc, sql)
            if own and not self.is_closed():
                with contextlib.suppress(DatabaseError):
                    await self._run("ROLLBACK")
            raise error from exc
        if own:
            await self._run("COMMIT")

    async def fetch_all(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """Every row of the result."""
        cursor = self._cursor
        try:
            await cursor.execute(sql, params or None)
            values = await cursor.fetchall()
        except Exception as exc:
            raise self._error(exc, sql, params) from exc
        index = self._columns.index(cursor)
        if len(values) > _KEEP_ROWS:
            self._cursor = self._conn.cursor(row_factory=tuple_row)
        # map() calls TupleRow from C: cheaper per row than a comprehension or a row factory.
        return list(map(TupleRow, values, itertools.repeat(index, len(values))))

    async def fetch_one(self, sql: str, params: Sequence[Any]) -> Row | None:
        """The first row, or None."""
        cursor = self._cursor
        try:
            await cursor.execute(sql, params or None)
            values = await cursor.fetchone()
        except Exception as exc:
            raise self._error(exc, sql, params) from exc
        if cursor.rowcount > _KEEP_ROWS:
            self._cursor = self._conn.cursor(row_factory=tuple_row)
        return None if values is None else TupleRow(values, self._columns.index(cursor))

    async def fetch_val(self, sql: str, params: Sequence[Any], column: int = 0) -> Any:
        """One value of the first row, or None."""
        cursor = self._cursor
        try:
            await cursor.execute(sql, params or None)
            row = await cursor.fetchone()
        except Exception as exc:
            raise self._error(exc, sql, params) from exc
        if cursor.rowcount > _KEEP_ROWS:
            self._cursor = self._conn.cursor(row_factory=tuple_row)
        return None if row is None else row[column]

    async def iterate(
        self, sql: str, params: Sequence[Any], *, batch_size: int = 500
    ) -> AsyncIterator[Row]:
        """Stream rows through a named server-side cursor inside the caller's transaction."""
        try:
            cursor = self._conn.cursor(name=f"covet_cursor_{next(_cursor_ids)}")
        except Exception as exc:
            raise self._error(exc, sql, params) from exc
        try:
            try:
                await cursor.execute(sql, params or None)
                while rows := await cursor.fetchmany(batch_size):
                    for row in rows:
                        yield row
            except Exception as exc:
                raise self._error(exc, sql, params) from exc
        finally:
            with contextlib.suppress(Exception):
                await cursor.close()

    async def copy_records(
        self,
        table: str,
        records: Iterable[Sequence[Any]],
        *,
        columns: Sequence[str],
        schema: str | None = None,
    ) -> int:
        """COPY ``records`` into ``table``; returns the number of rows copied.

        Binary format when the records are many and every value fits its column's binary
        form (see ``_psycopg_copy``), else text, as before; a later batch that does not fit
        goes on in text, in the same transaction, so the result is the same either way.
        """
        names = tuple(columns)
        sql = copy_sql(table, names, schema)
        rows = iter(records)
        try:
            batch = list(itertools.islice(rows, _COPY_BATCH))
            binary = None
            if len(batch) == _COPY_BATCH:
                binary = await self._binary_types(table, names, schema)
        except Exception as exc:
            raise self._error(exc, sql) from exc
        if binary is None or not fits_binary(binary[1], batch):
            try:
                return await self._copy_text(sql, itertools.chain(batch, rows))
            except Exception as exc:
                raise self._error(exc, sql) from exc
        # Atomic, as one COPY is, should the rows have to go in two COPY statements.
        own = self._conn.pgconn.transaction_status == pq.TransactionStatus.IDLE
        if own:
            await self._run("BEGIN")
        statement = f"{sql} (FORMAT BINARY)"
        try:
            cursor = self._conn.cursor()
            async with cursor.copy(statement) as copy:
                copy.set_types(binary[0])
                write_row = copy.write_row
                while batch:
                    for record in batch:
                        await write_row(record)
                    batch = list(itertools.islice(rows, _COPY_BATCH))
                    if batch and not fits_binary(binary[1], batch):
                        break
            count = cursor.rowcount
            if batch:
                statement = sql
                count += await self._copy_text(sql, itertools.chain(batch, rows))
        except Exception as exc:
            error = self._error(exc, statement)
            if own and not self.is_closed():
                with contextlib.suppress(DatabaseError):
                    await self._run("ROLLBACK")
            raise error from exc
        if own:
            await self._run("COMMIT")
        return count

    async def _binary_types(
        self, table: str, names: tuple[str, ...], schema: str | None
    ) -> tuple[list[int], list[Check]] | None:
        """The type oids of the columns and their checks, or None: text COPY then."""
        target = quote_ident(table)
        if schema is not None:
            target = f"{quote_ident(schema)}.{target}"
        # Looked up on every large COPY, never cached: a column's type may change (DDL by
        # anyone), and a stale type would send the wrong encoding.
        cursor = self._conn.cursor(row_factory=tuple_row)
        await cursor.execute(COLUMN_TYPES_SQL, (target,))
        types: dict[str, int] = dict(await cursor.fetchall())
        oids = [types.get(name) for name in names]
        if None in oids:  # no such table or column: text COPY reports it as it always has
            return None
        return binary_checks(cast(list[int], oids))

    async def _copy_text(self, sql: str, records: Iterable[Sequence[Any]]) -> int:
        cursor = self._conn.cursor()
        async with cursor.copy(sql) as copy:
            write_row = copy.write_row
            for record in records:
                await write_row(record)
        return cursor.rowcount

    async def _run(self, sql: str) -> str | None:
        try:
            await self._cursor.execute(sql, prepare=False)
        except Exception as exc:
            raise self._error(exc, sql) from exc
        return self._cursor.statusmessage

    async def close(self) -> None:
        """Close gracefully; never raises."""
        try:
            await self._conn.close()
        except Exception:
            self.terminate()

    def terminate(self) -> None:
        """Drop the connection at once; never raises."""
        self._lost = True
        with contextlib.suppress(Exception):
            self._conn.pgconn.finish()


class PsycopgDriver:
    """Opens psycopg 3 async connections."""

    name: str = _NAME
    dialect: str = "postgresql"
    paramstyle: ParamStyle = "format"

    async def connect(self, url: DatabaseURL, options: ConnectOptions) -> PsycopgConnection:
        """Open one connection; ConnectionFailed names the server and what to check."""
        target = pg_target(url, options)
        prepare = options.statement_cache_size > 0 and not options.pgbouncer
        params: dict[str, Any] = {
            "host": target.host,
            "port": target.port,
            "user": target.user,
            "password": target.password,
            "dbname": target.database,
            "sslmode": target.sslmode,
            "application_name": target.application_name,
            "connect_timeout": max(1, int(-(-target.connect_timeout // 1))),
            "options": _server_options(dict(target.server_settings)),
        }
        columns = _Columns()
        try:
            # libpq counts whole seconds, at least 2: the asyncio timeout keeps a fraction.
            async with asyncio.timeout(target.connect_timeout):
                conn = await psycopg.AsyncConnection.connect(
                    autocommit=True,
                    context=_ADAPTERS,
                    prepare_threshold=1 if prepare else None,
                    row_factory=columns.row_factory,
                    **{k: v for k, v in params.items() if v is not None},
                )
        except Exception as exc:
            raise connect_failed(exc, target, _NAME) from exc
        if prepare:
            conn.prepared_max = options.statement_cache_size
        return PsycopgConnection(conn, target, columns)


DRIVER: Final[Driver] = PsycopgDriver()
