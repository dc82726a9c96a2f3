"""``Database``: the object applications hold; statements, transactions, the pool's life.

Each statement goes to the task's bound connection (inside ``db.transaction()`` or
``db.connection()``), else to a pooled connection picked through the router. The pool is
opened by ``connect()``, by ``async with``, or lazily by the first statement; after
``close()`` statements raise PoolClosed until ``connect()`` is called again.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing, asynccontextmanager
from contextvars import ContextVar
from functools import partial
from types import TracebackType
from typing import Any, TypeVar

from ._connection import Binding, Connection, Executor, Op, Query, iterate_on, run_on
from ._drivers import ConnectOptions, DriverConnection, get_driver
from ._pool import Pool, PoolConfig, PooledConnection, PoolStats, count_option, seconds_option
from ._retry import check_retry_options, run_with_retries
from ._routing import READ, TRANSACTION, WRITE, Intent, Router, SinglePoolRouter
from ._row import Row
from ._transaction import (
    IsolationLevel,
    Transaction,
    parse_isolation,
    refuse_retries_inside_transaction,
)
from ._url import DatabaseURL
from .errors import (
    ConfigurationError,
    ConnectionLost,
    DatabaseError,
    PoolClosed,
    TransactionError,
)
from .query._compiler import get_dialect, statement_is_read

__all__ = ["Database"]

T = TypeVar("T")

_current_task = asyncio.current_task


def _commit_prepared(c: DriverConnection, gid: str, _: Any, __: Any) -> Awaitable[None]:
    return c.commit_prepared(gid)


def _rollback_prepared(c: DriverConnection, gid: str, _: Any, __: Any) -> Awaitable[None]:
    return c.rollback_prepared(gid)


class Database(Executor):
    """A database: a URL, a connection pool, statements and transactions.

    ``url`` is ``sqlite:///path.db``, ``sqlite:///:memory:``, ``postgresql://...``
    (asyncpg) or ``postgresql+psycopg://...`` (psycopg 3); None reads
    ``COVET_DATABASE_URL``, else uses ``sqlite:///./covet.db``.

    Pool options: ``min_size`` connections open at ``connect()``, at most ``max_size``;
    an acquire waits up to ``acquire_timeout`` seconds (then PoolTimeout); a connection
    is replaced after ``max_lifetime`` seconds, closed after ``max_idle`` idle seconds
    (down to ``min_size``), and pinged before use if it sat idle over
    ``health_check_interval`` seconds (every time with ``pre_ping=True``). ``close()``
    waits ``shutdown_timeout`` seconds for connections in use. ``:memory:`` SQLite gets
    exactly one connection that is never recycled: each connection would be a separate,
    empty database.

    Connection options: ``connect_timeout``, ``statement_timeout`` (seconds, server side),
    ``pgbouncer=True`` for PgBouncer in transaction mode (no server-side prepared
    statements), ``statement_cache_size`` prepared statements per connection,
    ``application_name`` shown in ``pg_stat_activity``.
    """

    __slots__ = (
        "__weakref__",
        "_bound",
        "_closed",
        "_config",
        "_cursor_needs_transaction",
        "_dialect",
        "_driver",
        "_has_bound",
        "_lock",
        "_options",
        "_pool",
        "_router",
        "_shutdown_timeout",
        "_url",
    )

    def __init__(
        self,
        url: str | DatabaseURL | None = None,
        *,
        min_size: int = 1,
        max_size: int = 10,
        acquire_timeout: float = 30.0,
        max_lifetime: float = 3600.0,
        max_idle: float = 600.0,
        pre_ping: bool = False,
        health_check_interval: float = 30.0,
        connect_timeout: float = 10.0,
        statement_timeout: float | None = None,
        pgbouncer: bool = False,
        statement_cache_size: int = 256,
        application_name: str | None = None,
        shutdown_timeout: float = 30.0,
    ) -> None:
        self._url = parsed = DatabaseURL.parse(url)
        seconds_option("connect_timeout", connect_timeout, minimum=0, inclusive=False)
        if statement_timeout is not None:
            seconds_option("statement_timeout", statement_timeout, minimum=0, inclusive=False)
        if not isinstance(pgbouncer, bool):
            raise ConfigurationError(
                f"pgbouncer must be True or False, got {type(pgbouncer).__name__}"
            )
        count_option("statement_cache_size", statement_cache_size, minimum=0)
        if application_name is not None and not isinstance(application_name, str):
            raise ConfigurationError(
                f"application_name must be a str or None, got {type(application_name).__name__}"
            )
        self._shutdown_timeout = seconds_option("shutdown_timeout", shutdown_timeout, minimum=0)
        config = PoolConfig(
            min_size=min_size,
            max_size=max_size,
            acquire_timeout=acquire_timeout,
            max_lifetime=max_lifetime,
            max_idle=max_idle,
            pre_ping=pre_ping,
            health_check_interval=health_check_interval,
            ping_timeout=connect_timeout,
        )
        if parsed.is_memory:
            # Every SQLite connection to ':memory:' is its own empty database, so the
            # pool keeps exactly one, forever.
            config = PoolConfig(
                min_size=1,
                max_size=1,
                acquire_timeout=acquire_timeout,
                max_lifetime=math.inf,
                max_idle=math.inf,
                pre_ping=pre_ping,
                health_check_interval=health_check_interval,
                ping_timeout=connect_timeout,
            )
        self._config = config
        self._options = ConnectOptions(
            connect_timeout=float(connect_timeout),
            statement_timeout=None if statement_timeout is None else float(statement_timeout),
            pgbouncer=pgbouncer,
            statement_cache_size=statement_cache_size,
            application_name=application_name,
        )
        self._driver = get_driver(parsed.driver)
        self._dialect = get_dialect(parsed.dialect, self._driver.paramstyle)
        # A PostgreSQL cursor only lives inside a transaction.
        self._cursor_needs_transaction = parsed.dialect == "postgresql"
        self._router: Router | None = None
        self._pool: Pool | None = None
        self._closed = False
        self._lock = asyncio.Lock()
        self._bound: ContextVar[Binding | None] = ContextVar(
            f"covet.db.Database@{id(self):x}", default=None
        )
        #: Set (for good) at the first binding, so statements skip the ContextVar until then.
        self._has_bound = False

    # -- identity ---------------------------------------------------------------------

    @property
    def url(self) -> DatabaseURL:
        """The parsed URL."""
        return self._url

    @property
    def dialect(self) -> str:
        """``"postgresql"`` or ``"sqlite"``."""
        return self._url.dialect

    @property
    def driver(self) -> str:
        """``"asyncpg"``, ``"psycopg"`` or ``"sqlite"``."""
        return self._url.driver

    def __repr__(self) -> str:
        state = "connected" if self._router is not None else "not connected"
        return f"<Database {self._url.render()} ({state})>"

    # -- life cycle -------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the pool (``min_size`` connections); does nothing if it is open."""
        async with self._lock:
            if self._router is not None:
                return
            pool = Pool(self._open_connection, self._config, description=self._url.render())
            await pool.open()
            self._router = SinglePoolRouter(pool)
            self._pool = self._router.single
            self._closed = False

    def _open_connection(self) -> Awaitable[DriverConnection]:
        return self._driver.connect(self._url, self._options)

    async def close(self, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Close the pool: new statements get PoolClosed; in-flight ones get ``timeout``
        seconds (default ``shutdown_timeout``) to finish before their connections are cut.
        """
        if timeout is None:
            timeout = self._shutdown_timeout
        else:
            timeout = seconds_option("timeout", timeout, minimum=0)
        async with self._lock:
            self._closed = True
            router, self._router, self._pool = self._router, None, None
        if router is not None:
            await asyncio.gather(*(pool.close(timeout) for pool in router.pools))

    async def __aenter__(self) -> Database:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _connected_router(self) -> Router:
        router = self._router
        if router is None:
            if self._closed:
                raise PoolClosed(
                    f"the Database for {self._url.render()} was closed; "
                    "call await db.connect() to open it again"
                )
            await self.connect()
            router = self._router
            if router is None:  # closed while we were connecting
                raise PoolClosed(f"the Database for {self._url.render()} was closed")
        return router

    def pool_stats(self) -> PoolStats:
        """Sizes and counters of the (primary) pool, for metrics."""
        router = self._router
        if router is not None:
            return router.primary.stats()
        config = self._config
        return PoolStats(config.min_size, config.max_size, 0, 0, 0, 0, 0, 0, 0, 0)

    # -- running statements -----------------------------------------------------------

    def _owned_binding(self) -> Binding | None:
        if not self._has_bound:
            return None
        binding = self._bound.get()
        if binding is not None and binding.owner is _current_task():
            return binding
        return None

    async def _acquire(self, intent: Intent) -> tuple[Pool, PooledConnection]:
        router = self._router or await self._connected_router()
        pool = router.pool_for(intent)
        return pool, pool.acquire_nowait() or await pool.acquire()

    async def _route(self, query: Query | None) -> Pool:
        router = self._router or await self._connected_router()
        single = router.single
        if single is not None:
            return single
        return router.pool_for(READ if query is not None and statement_is_read(query) else WRITE)

    def _connection_for(self, held: PooledConnection) -> Connection:
        return Connection(held, self._dialect, self._cursor_needs_transaction)

    async def _run(self, op: Op, sql: Any, params: Any, query: Query | None, extra: Any) -> Any:
        if self._has_bound:
            binding = self._bound.get()
            if binding is not None and binding.owner is _current_task():
                if binding.refusal is not None:
                    raise TransactionError(binding.refusal)
                return await run_on(binding.held, op, sql, params, extra)
        pool = self._pool or await self._route(query)
        held = pool.acquire_nowait() or await pool.acquire()
        try:
            return await op(held.raw, sql, params, extra)
        except ConnectionLost:
            held.broken = True
            if not held.reused or query is None or not statement_is_read(query):
                raise
        except DatabaseError:
            raise
        except BaseException:
            held.dirty = True
            raise
        finally:
            pool.release(held)
        # A read failed on a connection that sat idle: the server dropped it (restart,
        # network cut, idle timeout). Reads are safe to run again, once, on a connection
        # the pool has checked; writes never are (they may have been applied).
        held = await pool.acquire()
        try:
            return await run_on(held, op, sql, params, extra)
        finally:
            pool.release(held)

    def _iterate(self, sql: str, params: Sequence[Any], batch_size: int) -> AsyncIterator[Row]:
        binding = self._owned_binding()
        if binding is not None:
            if binding.refusal is not None:
                raise TransactionError(binding.refusal)
            return iterate_on(binding.held, sql, params, batch_size, self._cursor_needs_transaction)
        return self._iterate_pooled(sql, params, batch_size)

    async def _iterate_pooled(
        self, sql: str, params: Sequence[Any], batch_size: int
    ) -> AsyncIterator[Row]:
        pool, held = await self._acquire(READ)
        try:
            rows = iterate_on(held, sql, params, batch_size, self._cursor_needs_transaction)
            async with aclosing(rows):
                async for row in rows:
                    yield row
        finally:
            pool.release(held)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """Pin one connection to this task for the block.

        ``db.*`` calls made by this task inside the block use it too (not other tasks').
        Inside a transaction or another ``connection()`` block it is that connection.
        """
        binding = self._owned_binding()
        if binding is not None:
            conn = self._connection_for(binding.held)
            try:
                yield conn
            finally:
                conn._invalidate()
            return
        pool, held = await self._acquire(TRANSACTION)
        binding = Binding(held, _current_task())
        self._has_bound = True
        token = self._bound.set(binding)
        conn = self._connection_for(held)
        try:
            yield conn
        finally:
            conn._invalidate()
            with contextlib.suppress(ValueError, RuntimeError):  # exited in another context
                self._bound.reset(token)
            pool.release(held)

    # -- transactions -----------------------------------------------------------------

    def transaction(
        self,
        isolation: IsolationLevel | str | None = None,
        readonly: bool = False,
        deferrable: bool = False,
        *,
        prepare: str | None = None,
        retries: int | None = None,
        backoff: float = 0.05,
        max_backoff: float = 2.0,
    ) -> Transaction:
        """A transaction: ``async with db.transaction():`` or ``@db.transaction(retries=3)``.

        Nested in another transaction of the same task it is a SAVEPOINT. ``isolation``:
        "read_committed", "repeatable_read", "serializable", "read_uncommitted" (or an
        ``IsolationLevel``). ``retries`` (decorator only) re-runs the function on a
        TransactionConflict with jittered exponential backoff from ``backoff`` up to
        ``max_backoff`` seconds. ``prepare="gid"`` makes a two-phase transaction
        (PostgreSQL): success runs PREPARE TRANSACTION; then ``db.commit_prepared(gid)``.
        """
        return Transaction(
            self,
            isolation=isolation,
            readonly=readonly,
            deferrable=deferrable,
            prepare=prepare,
            retries=retries,
            backoff=backoff,
            max_backoff=max_backoff,
        )

    async def run_transaction(
        self,
        fn: Callable[..., Awaitable[T]],
        *args: Any,
        retries: int = 5,
        isolation: IsolationLevel | str | None = None,
        backoff: float = 0.05,
        max_backoff: float = 2.0,
        **kwargs: Any,
    ) -> T:
        """``await fn(*args, **kwargs)`` in a transaction, re-run on TransactionConflict.

        Retries up to ``retries`` times, sleeping a jittered, doubling delay from
        ``backoff`` up to ``max_backoff`` seconds; then the last conflict is raised.
        """
        if not callable(fn):
            raise TypeError(f"fn must be an async function, got {type(fn).__name__}")
        check_retry_options(retries, backoff, max_backoff)
        level = parse_isolation(isolation)
        if retries:
            refuse_retries_inside_transaction(self)
        return await run_with_retries(
            partial(Transaction, self, isolation=level),
            fn,
            args,
            kwargs,
            retries=retries,
            backoff=backoff,
            max_backoff=max_backoff,
        )

    # -- two-phase commit -------------------------------------------------------------

    async def commit_prepared(self, gid: str) -> None:
        """COMMIT PREPARED: commit a transaction prepared with ``transaction(prepare=gid)``."""
        await self._finish_prepared(_commit_prepared, "COMMIT", gid)

    async def rollback_prepared(self, gid: str) -> None:
        """ROLLBACK PREPARED: discard a transaction prepared with ``transaction(prepare=gid)``."""
        await self._finish_prepared(_rollback_prepared, "ROLLBACK", gid)

    async def prepared_transactions(self) -> list[str]:
        """The ids of the transactions prepared in this database and not yet finished."""
        self._require_two_phase("prepared_transactions()")
        rows = await self.fetch_all(
            "SELECT gid FROM pg_prepared_xacts WHERE database = current_database() "
            "ORDER BY prepared"
        )
        return [row[0] for row in rows]

    async def _finish_prepared(self, op: Op, verb: str, gid: str) -> None:
        self._require_two_phase(f"{verb.lower()}_prepared()")
        if not isinstance(gid, str) or not gid:
            raise TypeError(f"gid must be a non-empty str, got {gid!r}")
        binding = self._owned_binding()
        if binding is not None and binding.in_transaction:
            raise TransactionError(
                f"{verb} PREPARED cannot run inside a transaction; "
                "call it outside 'async with db.transaction()'"
            )
        await self._run(op, gid, None, None, None)

    def _require_two_phase(self, what: str) -> None:
        if self.dialect != "postgresql":
            raise TransactionError(
                f"{what} is two-phase commit, which needs PostgreSQL; "
                f"{self.dialect} has no prepared transactions"
            )
