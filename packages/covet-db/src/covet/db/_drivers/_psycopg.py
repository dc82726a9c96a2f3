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
from typing import Any, Final

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
)
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

# json and jsonb come back as the server's text (covet reads results in text format), as
# asyncpg returns them, so a row holds the same values whichever driver fetched it.
_ADAPTERS: Final = AdaptersMap(psycopg.adapters)
for _type in ("json", "jsonb"):
    _ADAPTERS.register_loader(_type, TextLoader)


def _no_rows(values: Sequence[Any]) -> Row:  # pragma: no cover - psycopg never calls it
    raise ProgrammingError("the statement returned no result columns")


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    """Build TupleRows; the column index is computed once per result."""
    description = cursor.description
    if description is None:
        return _no_rows
    index = column_index([column.name for column in description])

    def make_row(values: Any) -> Row:
        return TupleRow(values, index)

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

    __slots__ = ("_conn", "_lost", "_target")

    def __init__(self, conn: psycopg.AsyncConnection[Row], target: PgTarget) -> None:
        self._conn = conn
        self._target = target
        self._lost = False

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
        try:
            cursor = self._conn.cursor()
            # params=None when there are none, so a literal % in raw SQL stays as it is.
            await cursor.execute(sql, params or None)
        except Exception as exc:
            raise self._error(exc, sql, params) from exc
        return cursor.rowcount

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
        try:
            cursor = self._conn.cursor()
            await cursor.execute(sql, params or None)
            return await cursor.fetchall()
        except Exception as exc:
            raise self._error(exc, sql, params) from exc

    async def fetch_one(self, sql: str, params: Sequence[Any]) -> Row | None:
        """The first row, or None."""
        try:
            cursor = self._conn.cursor()
            await cursor.execute(sql, params or None)
            return await cursor.fetchone()
        except Exception as exc:
            raise self._error(exc, sql, params) from exc

    async def fetch_val(self, sql: str, params: Sequence[Any], column: int = 0) -> Any:
        """One value of the first row, or None."""
        try:
            cursor = self._conn.cursor(row_factory=tuple_row)
            await cursor.execute(sql, params or None)
            row = await cursor.fetchone()
        except Exception as exc:
            raise self._error(exc, sql, params) from exc
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
        """COPY ``records`` into ``table``; returns the number of rows copied."""
        sql = copy_sql(table, tuple(columns), schema)
        try:
            cursor = self._conn.cursor()
            async with cursor.copy(sql) as copy:
                write_row = copy.write_row
                for record in records:
                    await write_row(record)
        except Exception as exc:
            raise self._error(exc, sql) from exc
        return cursor.rowcount

    async def _run(self, sql: str) -> str | None:
        try:
            cursor = await self._conn.execute(sql, prepare=False)
        except Exception as exc:
            raise self._error(exc, sql) from exc
        return cursor.statusmessage

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
        try:
            # libpq counts whole seconds, at least 2: the asyncio timeout keeps a fraction.
            async with asyncio.timeout(target.connect_timeout):
                conn = await psycopg.AsyncConnection.connect(
                    autocommit=True,
                    context=_ADAPTERS,
                    prepare_threshold=1 if prepare else None,
                    row_factory=_row_factory,
                    **{k: v for k, v in params.items() if v is not None},
                )
        except Exception as exc:
            raise connect_failed(exc, target, _NAME) from exc
        if prepare:
            conn.prepared_max = options.statement_cache_size
        return PsycopgConnection(conn, target)


DRIVER: Final[Driver] = PsycopgDriver()
