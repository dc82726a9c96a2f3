"""The connection pool, through Database: sizes, timeouts, health, recycling, shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from covet.db import (
    ConfigurationError,
    ConnectionLost,
    Database,
    PoolClosed,
    PoolStats,
    PoolTimeout,
    QueryCanceled,
)

PG_DRIVERS = ["asyncpg", "psycopg"]


@pytest.fixture(params=PG_DRIVERS)
def pg_driver(request: pytest.FixtureRequest) -> str:
    """A PostgreSQL driver name."""
    return str(request.param)


@pytest.fixture
async def admin(postgres_url: str) -> AsyncIterator[Database]:
    """A separate connection to the server, to kill other connections with."""
    async with Database(postgres_url, min_size=0, max_size=1) as database:
        yield database


async def terminate(admin: Database, pid: int) -> None:
    """Kill a backend the way an administrator or a failover would, and wait till it is gone."""
    assert await admin.fetch_val("SELECT pg_terminate_backend(:pid)", {"pid": pid}) is True
    for _ in range(200):
        alive = await admin.fetch_val(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid", {"pid": pid}
        )
        if alive == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} did not exit")


async def backend_pid_held(db: Database, seconds: float) -> int:
    """The backend pid of a connection held for ``seconds`` (so concurrent calls differ)."""
    async with db.connection() as conn:
        await asyncio.sleep(seconds)
        pid = conn.backend_pid
        assert pid is not None
        return pid


async def connection_identity(db: Database) -> Any:
    """Something that tells one pooled connection from another, on every driver."""
    async with db.connection() as conn:
        return conn.driver_connection


class Holder:
    """Holds ``n`` connections of ``db`` in background tasks until ``release()``."""

    def __init__(self, db: Database, n: int) -> None:
        self.db = db
        self.n = n
        self.go = asyncio.Event()
        self.ready = 0
        self.tasks: list[asyncio.Task[None]] = []

    async def _hold(self) -> None:
        async with self.db.connection():
            self.ready += 1
            await self.go.wait()

    async def __aenter__(self) -> Holder:
        self.tasks = [asyncio.create_task(self._hold()) for _ in range(self.n)]
        for _ in range(500):
            if self.ready == self.n:
                return self
            for task in self.tasks:
                if task.done():  # failed to acquire: say why
                    await task
            await asyncio.sleep(0.01)
        raise AssertionError("connections were not acquired")

    async def __aexit__(self, *exc: object) -> None:
        self.go.set()
        await asyncio.gather(*self.tasks)


async def test_connect_opens_min_size_connections(
    driver: str, make_url: Callable[[str], str]
) -> None:
    async with Database(make_url(driver), min_size=2, max_size=3) as db:
        stats = db.pool_stats()
        assert isinstance(stats, PoolStats)
        assert (stats.min_size, stats.max_size) == (2, 3)
        assert (stats.size, stats.idle, stats.in_use, stats.waiting) == (2, 2, 0, 0)
        assert stats.connects_total == 2


async def test_stats_count_in_use_and_acquires(driver: str, make_url: Callable[[str], str]) -> None:
    async with Database(make_url(driver), min_size=1, max_size=3) as db:
        before = db.pool_stats().acquired_total
        async with Holder(db, 3):
            stats = db.pool_stats()
            assert (stats.size, stats.in_use, stats.idle) == (3, 3, 0)
        stats = db.pool_stats()
        assert (stats.size, stats.in_use, stats.idle) == (3, 0, 3)
        assert stats.acquired_total == before + 3
        assert stats.connects_total == 3


async def test_pool_never_exceeds_max_size(driver: str, make_url: Callable[[str], str]) -> None:
    async with Database(make_url(driver), min_size=0, max_size=2) as db:
        results = await asyncio.gather(
            *(db.fetch_val("SELECT :n + 1", {"n": n}) for n in range(20))
        )
        assert sorted(results) == list(range(1, 21))
        stats = db.pool_stats()
        assert stats.size <= 2
        assert stats.connects_total <= 2
        assert stats.acquired_total == 20


async def test_exhausted_pool_raises_pool_timeout(
    driver: str, make_url: Callable[[str], str]
) -> None:
    async with Database(make_url(driver), min_size=0, max_size=2, acquire_timeout=0.2) as db:
        async with Holder(db, 2):
            with pytest.raises(PoolTimeout) as info:
                await db.fetch_val("SELECT 1")
            message = str(info.value)
            assert "max_size=2" in message
            assert "0.2s" in message
            assert "waiting" in message
            assert isinstance(info.value, TimeoutError)
            stats = db.pool_stats()
            assert stats.timeouts_total == 1
            assert stats.waiting == 0
            waiters = await asyncio.gather(
                db.fetch_val("SELECT 1"), db.fetch_val("SELECT 1"), return_exceptions=True
            )
            assert all(isinstance(w, PoolTimeout) for w in waiters)
            assert any("1 other task(s) are waiting" in str(w) for w in waiters)
        assert await db.fetch_val("SELECT 1") == 1


async def test_waiters_are_served_in_order(driver: str, make_url: Callable[[str], str]) -> None:
    async with Database(make_url(driver), min_size=1, max_size=1) as db:
        served: list[int] = []

        async def use(n: int) -> None:
            async with db.connection():
                served.append(n)

        async with Holder(db, 1):
            tasks = []
            for n in range(5):
                tasks.append(asyncio.create_task(use(n)))
                await asyncio.sleep(0.01)  # queue them in a known order
            assert db.pool_stats().waiting == 5
        await asyncio.gather(*tasks)
        assert served == [0, 1, 2, 3, 4]


async def test_cancelled_waiter_does_not_leak(driver: str, make_url: Callable[[str], str]) -> None:
    async with Database(make_url(driver), min_size=1, max_size=1) as db:
        async with Holder(db, 1):
            waiter = asyncio.create_task(db.fetch_val("SELECT 1"))
            await asyncio.sleep(0.05)
            assert db.pool_stats().waiting == 1
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            assert db.pool_stats().waiting == 0
        stats = db.pool_stats()
        assert (stats.size, stats.idle, stats.in_use) == (1, 1, 0)
        assert await db.fetch_val("SELECT 2") == 2


async def test_connection_recycled_after_max_lifetime(
    driver: str, make_url: Callable[[str], str]
) -> None:
    async with Database(make_url(driver), min_size=1, max_size=1, max_lifetime=0.2) as db:
        first = await connection_identity(db)
        assert await connection_identity(db) is first
        await asyncio.sleep(0.3)
        second = await connection_identity(db)
        assert second is not first
        stats = db.pool_stats()
        assert stats.discarded_total >= 1
        assert stats.connects_total >= 2
        assert stats.size == 1


async def test_idle_connections_closed_down_to_min_size(
    driver: str, make_url: Callable[[str], str]
) -> None:
    async with Database(make_url(driver), min_size=1, max_size=3, max_idle=0.1) as db:
        async with Holder(db, 3):
            pass
        assert db.pool_stats().size == 3
        for _ in range(100):
            if db.pool_stats().size == 1:
                break
            await asyncio.sleep(0.02)
        stats = db.pool_stats()
        assert (stats.size, stats.idle) == (1, 1)
        assert stats.discarded_total == 2
        assert await db.fetch_val("SELECT 1") == 1


async def test_memory_sqlite_keeps_one_connection() -> None:
    async with Database("sqlite:///:memory:", min_size=0, max_size=10, max_lifetime=0.05) as db:
        stats = db.pool_stats()
        assert (stats.min_size, stats.max_size) == (1, 1)
        await db.execute("CREATE TABLE kept (x INTEGER)")
        await db.execute("INSERT INTO kept VALUES (1)")
        await asyncio.sleep(0.1)  # past the lifetime asked for: not recycled, data stays
        values = await asyncio.gather(
            *(db.fetch_val("SELECT count(*) FROM kept") for _ in range(5))
        )
        assert values == [1] * 5


async def test_close_waits_for_in_flight_work(driver: str, make_url: Callable[[str], str]) -> None:
    db = Database(make_url(driver), min_size=1, max_size=2)
    await db.connect()
    started = asyncio.Event()

    async def work() -> int:
        async with db.connection() as conn:
            started.set()
            await asyncio.sleep(0.2)
            value: int = await conn.fetch_val("SELECT 41 + 1")
            return value

    task = asyncio.create_task(work())
    await started.wait()
    await db.close(timeout=5)
    assert task.done()
    assert task.result() == 42
    assert db.pool_stats().size == 0


async def test_close_terminates_work_after_timeout(
    driver: str, make_url: Callable[[str], str]
) -> None:
    db = Database(make_url(driver), min_size=1, max_size=2)
    await db.connect()
    started, proceed = asyncio.Event(), asyncio.Event()

    async def stuck() -> None:
        async with db.connection() as conn:
            started.set()
            await proceed.wait()
            await conn.fetch_val("SELECT 1")

    task = asyncio.create_task(stuck())
    await started.wait()
    await db.close(timeout=0.2)
    assert not task.done()
    proceed.set()
    with pytest.raises(ConnectionLost):
        await task
    if driver == "sqlite":
        # aiosqlite finishes stopping a terminated connection on its worker thread; let it
        # report back before the test's event loop closes.
        await asyncio.sleep(0.1)


async def test_pool_closed_after_close_and_reopen(
    driver: str, make_url: Callable[[str], str]
) -> None:
    db = Database(make_url(driver))
    await db.connect()
    assert await db.fetch_val("SELECT 1") == 1
    await db.close()
    with pytest.raises(PoolClosed, match="connect"):
        await db.fetch_val("SELECT 1")
    with pytest.raises(PoolClosed):
        async with db.transaction():
            pass
    await db.close()  # closing twice is harmless
    await db.connect()
    assert await db.fetch_val("SELECT 2") == 2
    await db.close()


async def test_close_fails_waiting_acquires(driver: str, make_url: Callable[[str], str]) -> None:
    db = Database(make_url(driver), min_size=1, max_size=1)
    await db.connect()
    holder = Holder(db, 1)
    await holder.__aenter__()
    waiter = asyncio.create_task(db.fetch_val("SELECT 1"))
    await asyncio.sleep(0.05)
    closing = asyncio.create_task(db.close(timeout=5))
    with pytest.raises(PoolClosed):
        await waiter
    await holder.__aexit__()
    await closing


async def test_first_statement_connects_lazily(driver: str, make_url: Callable[[str], str]) -> None:
    db = Database(make_url(driver), min_size=1)
    assert db.pool_stats().size == 0
    results = await asyncio.gather(*(db.fetch_val("SELECT 1") for _ in range(5)))
    assert results == [1] * 5
    assert db.pool_stats().size >= 1
    await db.close()


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"min_size": -1}, "min_size"),
        ({"max_size": 0}, "max_size"),
        ({"min_size": 5, "max_size": 2}, "min_size"),
        ({"max_size": "10"}, "max_size"),
        ({"max_size": True}, "max_size"),
        ({"acquire_timeout": 0}, "acquire_timeout"),
        ({"acquire_timeout": "1s"}, "acquire_timeout"),
        ({"max_lifetime": -1}, "max_lifetime"),
        ({"max_idle": 0}, "max_idle"),
        ({"health_check_interval": -1}, "health_check_interval"),
        ({"connect_timeout": 0}, "connect_timeout"),
        ({"statement_timeout": -5}, "statement_timeout"),
        ({"statement_cache_size": -1}, "statement_cache_size"),
        ({"shutdown_timeout": -1}, "shutdown_timeout"),
        ({"pre_ping": "yes"}, "pre_ping"),
        ({"pgbouncer": 1}, "pgbouncer"),
        ({"application_name": 5}, "application_name"),
    ],
)
def test_bad_options_name_the_argument(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        Database("sqlite:///:memory:", **options)


async def test_bad_close_timeout() -> None:
    db = Database("sqlite:///:memory:")
    with pytest.raises(ConfigurationError, match="timeout"):
        await db.close(timeout=-1)


async def test_cancelled_statement_leaves_no_broken_connection(
    driver: str, make_url: Callable[[str], str]
) -> None:
    async with Database(make_url(driver), min_size=1, max_size=1) as db:
        slow = (
            "SELECT pg_sleep(2)"
            if driver != "sqlite"
            else "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
            "SELECT count(*) FROM c"
        )
        task = asyncio.create_task(db.fetch_val(slow))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The connection is reset (or replaced) before anyone gets it again, at once:
        # the statement is stopped (SQLite's runs for minutes otherwise).
        async with asyncio.timeout(10):
            assert await db.fetch_val("SELECT 7") == 7
        async with db.transaction():
            await db.execute("CREATE TABLE after_cancel (x INTEGER)")
        assert await db.fetch_val("SELECT count(*) FROM after_cancel") == 0
        stats = db.pool_stats()
        assert stats.size == 1


async def test_cancelled_statement_in_transaction_rolls_back(
    driver: str, make_url: Callable[[str], str]
) -> None:
    async with Database(make_url(driver), min_size=1, max_size=1) as db:
        await db.execute("CREATE TABLE items (x INTEGER)")
        slow = (
            "SELECT pg_sleep(2)"
            if driver != "sqlite"
            else "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
            "SELECT count(*) FROM c"
        )

        async def work() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO items VALUES (1)")
                await db.fetch_val(slow)

        task = asyncio.create_task(work())
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with asyncio.timeout(10):
            assert await db.fetch_val("SELECT count(*) FROM items") == 0
        await db.execute("INSERT INTO items VALUES (2)")
        assert await db.fetch_val("SELECT count(*) FROM items") == 1


# -- PostgreSQL: the server drops connections ------------------------------------------


async def test_health_check_replaces_connection_killed_while_idle(
    pg_driver: str, make_url: Callable[[str], str], admin: Database
) -> None:
    async with Database(
        make_url(pg_driver), min_size=1, max_size=1, health_check_interval=0.05
    ) as db:
        pid = await db.fetch_val("SELECT pg_backend_pid()")
        await terminate(admin, pid)
        await asyncio.sleep(0.1)
        new_pid = await db.fetch_val("SELECT pg_backend_pid()")
        assert new_pid != pid
        stats = db.pool_stats()
        assert stats.discarded_total == 1
        assert stats.connects_total == 2


async def test_pre_ping_replaces_connection_killed_while_idle(
    pg_driver: str, make_url: Callable[[str], str], admin: Database
) -> None:
    async with Database(make_url(pg_driver), min_size=1, max_size=1, pre_ping=True) as db:
        pid = await db.fetch_val("SELECT pg_backend_pid()")
        await terminate(admin, pid)
        await db.execute("CREATE TABLE pinged (x INTEGER)")  # a write: works, nothing retried
        assert await db.fetch_val("SELECT count(*) FROM pinged") == 0
        assert db.pool_stats().discarded_total == 1


async def test_read_on_dropped_idle_connection_is_retried_once(
    pg_driver: str, make_url: Callable[[str], str], admin: Database
) -> None:
    async with Database(make_url(pg_driver), min_size=2, max_size=2) as db:
        assert db.pool_stats().idle == 2
        pids = set(await asyncio.gather(*(backend_pid_held(db, 0.05) for _ in range(2))))
        assert len(pids) == 2
        for pid in pids:  # a server restart kills every idle connection
            await terminate(admin, pid)
        new_pid = await db.fetch_val("SELECT pg_backend_pid()")
        assert new_pid not in pids
        stats = db.pool_stats()
        assert stats.discarded_total == 2  # the dead sibling was found by a check, too
        assert await db.fetch_val("SELECT 1") == 1


async def test_write_on_dropped_idle_connection_is_not_retried(
    pg_driver: str, make_url: Callable[[str], str], admin: Database
) -> None:
    async with Database(make_url(pg_driver), min_size=1, max_size=1) as db:
        await db.execute("CREATE TABLE writes (x INTEGER)")
        pid = await db.fetch_val("SELECT pg_backend_pid()")
        await terminate(admin, pid)
        with pytest.raises(ConnectionLost):
            await db.execute("INSERT INTO writes VALUES (1)")
        assert await db.fetch_val("SELECT count(*) FROM writes") == 0
        assert db.pool_stats().size == 1


async def test_statement_timeout_and_application_name(
    pg_driver: str, make_url: Callable[[str], str]
) -> None:
    async with Database(
        make_url(pg_driver), statement_timeout=0.1, application_name="covet-pool-test"
    ) as db:
        assert await db.fetch_val("SELECT current_setting('application_name')") == (
            "covet-pool-test"
        )
        with pytest.raises(QueryCanceled):
            await db.fetch_val("SELECT pg_sleep(2)")
        assert await db.fetch_val("SELECT 1") == 1


async def test_pgbouncer_mode_runs_statements(
    pg_driver: str, make_url: Callable[[str], str]
) -> None:
    async with Database(make_url(pg_driver), pgbouncer=True) as db:
        for n in range(3):
            assert await db.fetch_val("SELECT CAST(:n AS integer) * 2", {"n": n}) == n * 2
