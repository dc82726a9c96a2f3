"""The asyncpg driver: the fastest path to PostgreSQL, and the floor we measure against.

Rows are asyncpg's own C records (a subclass with attribute access, registered as a
virtual ``Row``), so a fetch costs what asyncpg costs plus one method call. Transactions
are plain BEGIN/COMMIT statements rather than asyncpg's transaction object, so savepoints
and two-phase commit work the same way as on the other drivers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, Final

import asyncpg

from .._row import Row
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
    rowcount,
)
from ._sqlstate import is_connection_sqlstate, nul_in_sql, query_error, transaction_state_error

__all__ = ["DRIVER", "AsyncpgConnection", "AsyncpgDriver", "AsyncpgRow"]

_NAME: Final = "asyncpg"


class AsyncpgRow(asyncpg.Record):  # type: ignore[misc]
    """An asyncpg record that also reads columns as attributes: ``row.email``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"row has no column {name!r}; columns: {', '.join(self.keys())}"
            ) from None


Row.register(AsyncpgRow)


class AsyncpgConnection(PgTransactionStatements):
    """One asyncpg connection behind the DriverConnection protocol."""

    __slots__ = ("_conn", "_lost", "_target")

    def __init__(self, conn: Any, target: PgTarget) -> None:
        self._conn = conn
        self._target = target
        self._lost = False

    @property
    def in_transaction(self) -> bool:
        """True while the server has a transaction open on this connection."""
        in_transaction: bool = self._conn.is_in_transaction()
        return in_transaction

    @property
    def backend_pid(self) -> int | None:
        """The server process id."""
        pid: int = self._conn.get_server_pid()
        return pid

    @property
    def raw(self) -> Any:
        """The asyncpg connection underneath, for what covet does not wrap."""
        return self._conn

    def is_closed(self) -> bool:
        """True once closed, or once the server or network dropped the connection."""
        if self._lost:
            return True
        closed: bool = self._conn.is_closed()
        return closed

    def is_idle(self) -> bool:
        """Open and outside a transaction."""
        conn = self._conn
        return not (self._lost or conn.is_closed() or conn.is_in_transaction())

    def _error(self, exc: Exception, sql: str | None) -> DatabaseError:
        """Translate an asyncpg (or socket) exception raised while running ``sql``."""
        if isinstance(exc, asyncpg.PostgresError):
            sqlstate = exc.sqlstate
            message = str(exc)
            if is_connection_sqlstate(sqlstate):
                self._lost = True
                if sql is not None and "\x00" in sql:
                    # asyncpg sends the text and the server drops the connection over it.
                    return nul_in_sql(sql, message)
                return connection_lost(message, self._target, _NAME)
            state_error = transaction_state_error(sqlstate, message)
            if state_error is not None:
                return state_error
            return query_error(
                sqlstate,
                message,
                sql=sql,
                detail=getattr(exc, "detail", None),
                hint=getattr(exc, "hint", None),
                constraint=getattr(exc, "constraint_name", None),
                table=getattr(exc, "table_name", None),
                column=getattr(exc, "column_name", None),
            )
        if isinstance(exc, OSError | asyncio.IncompleteReadError) or self._conn.is_closed():
            self._lost = True
            return connection_lost(str(exc) or type(exc).__name__, self._target, _NAME)
        if isinstance(exc, asyncpg.InterfaceError):
            if "outside of a transaction" in str(exc):
                error = transaction_state_error("25P01", str(exc))
                assert error is not None
                return error
            return ProgrammingError(str(exc), sql=sql)
        if isinstance(exc, ValueError | TypeError | OverflowError):
            return DataError(f"a value cannot be sent to PostgreSQL: {exc}", sql=sql)
        return QueryError(f"{type(exc).__name__}: {exc}", sql=sql)

    async def execute(self, sql: str, params: Sequence[Any]) -> int:
        """Run one statement (several when there are no params); rows affected or -1."""
        try:
            status: str = await self._conn.execute(sql, *params)
        except Exception as exc:
            raise self._error(exc, sql) from exc
        return rowcount(status)

    async def execute_many(self, sql: str, params_seq: Iterable[Sequence[Any]]) -> None:
        """Run ``sql`` once per parameter sequence, pipelined by asyncpg."""
        try:
            await self._conn.executemany(sql, params_seq)
        except Exception as exc:
            raise self._error(exc, sql) from exc

    async def fetch_all(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """Every row of the result."""
        try:
            rows: list[Row] = await self._conn.fetch(sql, *params)
        except Exception as exc:
            raise self._error(exc, sql) from exc
        return rows

    async def fetch_one(self, sql: str, params: Sequence[Any]) -> Row | None:
        """The first row, or None."""
        try:
            row: Row | None = await self._conn.fetchrow(sql, *params)
        except Exception as exc:
            raise self._error(exc, sql) from exc
        return row

    async def fetch_val(self, sql: str, params: Sequence[Any], column: int = 0) -> Any:
        """One value of the first row, or None."""
        try:
            return await self._conn.fetchval(sql, *params, column=column)
        except Exception as exc:
            raise self._error(exc, sql) from exc

    async def iterate(
        self, sql: str, params: Sequence[Any], *, batch_size: int = 500
    ) -> AsyncIterator[Row]:
        """Stream rows through a server-side cursor (inside the caller's transaction)."""
        try:
            async for row in self._conn.cursor(sql, *params, prefetch=batch_size):
                yield row
        except Exception as exc:
            raise self._error(exc, sql) from exc

    async def copy_records(
        self,
        table: str,
        records: Iterable[Sequence[Any]],
        *,
        columns: Sequence[str],
        schema: str | None = None,
    ) -> int:
        """COPY ``records`` into ``table`` in asyncpg's binary format."""
        try:
            status: str = await self._conn.copy_records_to_table(
                table, records=records, columns=list(columns), schema_name=schema
            )
        except Exception as exc:
            raise self._error(exc, copy_sql(table, tuple(columns), schema)) from exc
        return rowcount(status)

    async def _run(self, sql: str) -> str:
        try:
            status: str = await self._conn.execute(sql)
        except Exception as exc:
            raise self._error(exc, sql) from exc
        return status

    async def close(self) -> None:
        """Close gracefully, falling back to terminate(); never raises."""
        try:
            await self._conn.close(timeout=5.0)
        except Exception:
            self.terminate()

    def terminate(self) -> None:
        """Drop the connection at once; never raises."""
        with contextlib.suppress(Exception):
            self._conn.terminate()


class AsyncpgDriver:
    """Opens asyncpg connections."""

    name: str = _NAME
    dialect: str = "postgresql"
    paramstyle: ParamStyle = "numeric_dollar"

    async def connect(self, url: DatabaseURL, options: ConnectOptions) -> AsyncpgConnection:
        """Open one connection; ConnectionFailed names the server and what to check."""
        target = pg_target(url, options)
        settings = dict(target.server_settings)
        if target.application_name is not None:
            settings["application_name"] = target.application_name
        cache_size = 0 if options.pgbouncer else options.statement_cache_size
        try:
            conn = await asyncpg.connect(
                host=target.host,
                port=target.port,
                user=target.user,
                password=target.password,
                database=target.database,
                ssl=target.sslmode,
                timeout=target.connect_timeout,
                statement_cache_size=cache_size,
                server_settings=settings or None,
                record_class=AsyncpgRow,
            )
        except Exception as exc:
            raise connect_failed(exc, target, _NAME) from exc
        return AsyncpgConnection(conn, target)


DRIVER: Final[Driver] = AsyncpgDriver()
