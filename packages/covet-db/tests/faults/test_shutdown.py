"""Clean shutdown: ``close(timeout=...)`` lets in-flight work finish, up to the timeout.

A query that ends within the timeout returns its result; one that runs longer is ended
(the caller gets a covet-db error, never a hang); from the moment ``close`` starts, new
acquires raise PoolClosed; and ``connect()`` opens the same Database again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from covet.db import ConnectionLost, Database, PoolClosed, QueryCanceled

from ._support import unique_name, wait_until_gone, with_driver

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
async def pg_db(postgres_url: str, pg_driver: str) -> AsyncIterator[Database]:
    """A connected Database on the shared server; the test closes it (closing twice is fine)."""
    db = Database(with_driver(postgres_url, pg_driver), min_size=1, max_size=2)
    await db.connect()
    try:
        yield db
    finally:
        await db.close()


async def until_in_use(db: Database, count: int) -> None:
    for _ in range(300):
        if db.pool_stats().in_use == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never {count} connection(s) in use: {db.pool_stats()}")


@pytest.mark.postgres
async def test_close_waits_for_in_flight_queries(pg_db: Database) -> None:
    loop = asyncio.get_running_loop()
    query = asyncio.create_task(pg_db.fetch_val("SELECT 7 FROM pg_sleep(0.3)"))
    await until_in_use(pg_db, 1)
    started = loop.time()
    await pg_db.close(timeout=5.0)
    elapsed = loop.time() - started
    assert query.done()
    assert query.result() == 7
    assert 0.15 <= elapsed < 2.0, elapsed
    assert pg_db.pool_stats().size == 0


@pytest.mark.postgres
@pytest.mark.parametrize("via", ["argument", "shutdown_timeout"])
async def test_close_ends_queries_longer_than_the_timeout(
    postgres_url: str, pg_driver: str, admin: asyncpg.Connection, via: str
) -> None:
    loop = asyncio.get_running_loop()
    timeout = 0.3
    marker = unique_name("slow")
    db = Database(
        with_driver(postgres_url, pg_driver),
        min_size=1,
        max_size=2,
        shutdown_timeout=timeout if via == "shutdown_timeout" else 30.0,
    )
    await db.connect()
    query = asyncio.create_task(db.fetch_val(f"SELECT 7 FROM pg_sleep(5) -- {marker}"))
    await until_in_use(db, 1)
    started = loop.time()
    if via == "argument":
        await db.close(timeout=timeout)
    else:
        await db.close()
    elapsed = loop.time() - started
    assert timeout - 0.01 <= elapsed < timeout + 1.5, elapsed
    with pytest.raises((ConnectionLost, QueryCanceled, PoolClosed)):
        await asyncio.wait_for(query, timeout=2.0)
    # Don't leave the sleeping backend behind on the shared server.
    pids = await admin.fetch(
        "SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()",
        f"%{marker}%",
    )
    for row in pids:
        await wait_until_gone(admin, row["pid"], terminate_after=0.0)


@pytest.mark.postgres
async def test_acquire_during_close_raises_pool_closed(pg_db: Database) -> None:
    loop = asyncio.get_running_loop()
    query = asyncio.create_task(pg_db.fetch_val("SELECT 8 FROM pg_sleep(0.4)"))
    await until_in_use(pg_db, 1)
    closing = asyncio.create_task(pg_db.close(timeout=5.0))
    await asyncio.sleep(0.05)
    assert not closing.done()
    started = loop.time()
    with pytest.raises(PoolClosed):
        await pg_db.fetch_val("SELECT 1")
    # Refused at once, not after waiting for the close.
    assert loop.time() - started < 0.2
    await asyncio.wait_for(closing, timeout=5.0)
    assert query.result() == 8


async def test_everything_after_close_raises_pool_closed(
    driver: str, make_url: Callable[[str], str]
) -> None:
    db = Database(make_url(driver), min_size=1, max_size=2)
    await db.connect()
    assert await db.fetch_val("SELECT 1") == 1
    await db.close()
    await db.close()  # closing twice is harmless

    with pytest.raises(PoolClosed) as caught:
        await db.fetch_val("SELECT 1")
    assert "connect()" in str(caught.value), str(caught.value)
    with pytest.raises(PoolClosed):
        await db.execute("SELECT 1")
    with pytest.raises(PoolClosed):
        await db.fetch_all("SELECT 1")

    async def pinned() -> None:
        async with db.connection():
            pass

    async def transaction() -> None:
        async with db.transaction():
            pass

    with pytest.raises(PoolClosed):
        await pinned()
    with pytest.raises(PoolClosed):
        await transaction()

    # The same object opens again.
    await db.connect()
    try:
        assert await db.fetch_val("SELECT 2") == 2
    finally:
        await db.close()
