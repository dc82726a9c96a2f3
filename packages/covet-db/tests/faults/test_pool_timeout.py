"""Pool exhaustion: an acquire waits for a free connection, then fails with PoolTimeout.

Every connection is held by another task; the next statement waits ``acquire_timeout``
(not much longer, and never less), raises PoolTimeout saying what to change, and leaves the
pool as it was. On every driver, SQLite included.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from covet.db import Database, PoolTimeout

from ._support import assert_pool_sane

pytestmark = pytest.mark.timeout(20)


@asynccontextmanager
async def held_connection(db: Database) -> AsyncIterator[asyncio.Event]:
    """Another task holds one pooled connection until the returned event is set."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with db.connection() as conn:
            assert await conn.fetch_val("SELECT 1") == 1
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    try:
        await asyncio.wait_for(holding.wait(), timeout=5.0)
        yield release
    finally:
        release.set()
        await asyncio.wait_for(holder, timeout=5.0)


async def wait_for_stat(db: Database, check: Callable[[object], bool]) -> None:
    for _ in range(200):
        if check(db.pool_stats()):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"pool stats never reached the expected state: {db.pool_stats()}")


async def test_exhausted_pool_raises_pool_timeout_after_the_timeout(
    driver: str, make_url: Callable[[str], str]
) -> None:
    timeout = 0.4
    loop = asyncio.get_running_loop()
    async with Database(make_url(driver), min_size=0, max_size=1, acquire_timeout=timeout) as db:
        async with held_connection(db):
            stats = db.pool_stats()
            assert (stats.size, stats.in_use, stats.idle) == (1, 1, 0), stats

            started = loop.time()
            waiter = asyncio.create_task(db.fetch_val("SELECT 1"))
            await wait_for_stat(db, lambda s: getattr(s, "waiting", None) == 1)
            with pytest.raises(PoolTimeout) as caught:
                await waiter
            elapsed = loop.time() - started

            assert elapsed >= timeout - 0.01, elapsed
            assert elapsed < timeout + 0.5, elapsed
            message = str(caught.value)
            # The message says what to do about it.
            assert "max_size" in message and "acquire_timeout" in message, message
            assert isinstance(caught.value, TimeoutError)

            stats = db.pool_stats()
            assert (stats.waiting, stats.in_use, stats.size) == (0, 1, 1), stats
            assert stats.timeouts_total == 1, stats
        # Once the holder lets go, the pool serves again.
        assert await db.fetch_val("SELECT 2") == 2
        assert_pool_sane(db, max_size=1)
        assert db.pool_stats().timeouts_total == 1


async def test_waiter_gets_the_connection_as_soon_as_it_is_released(
    driver: str, make_url: Callable[[str], str]
) -> None:
    loop = asyncio.get_running_loop()
    async with Database(make_url(driver), min_size=0, max_size=1, acquire_timeout=5.0) as db:
        async with held_connection(db) as release:
            started = loop.time()
            waiter = asyncio.create_task(db.fetch_val("SELECT 3"))
            await wait_for_stat(db, lambda s: getattr(s, "waiting", None) == 1)
            loop.call_later(0.2, release.set)
            assert await asyncio.wait_for(waiter, timeout=5.0) == 3
            elapsed = loop.time() - started
        assert 0.15 <= elapsed < 1.5, elapsed
        assert_pool_sane(db, max_size=1)
        assert db.pool_stats().timeouts_total == 0


async def test_every_waiter_times_out_when_nothing_is_released(
    driver: str, make_url: Callable[[str], str]
) -> None:
    """Many tasks over a small pool: each gets a connection or a PoolTimeout, none hangs."""
    async with Database(make_url(driver), min_size=0, max_size=2, acquire_timeout=0.5) as db:
        async with held_connection(db), held_connection(db):
            results = await asyncio.wait_for(
                asyncio.gather(
                    *(db.fetch_val("SELECT 1") for _ in range(5)), return_exceptions=True
                ),
                timeout=5.0,
            )
        assert all(isinstance(result, PoolTimeout) for result in results), results
        stats = db.pool_stats()
        assert stats.timeouts_total == 5, stats
        assert_pool_sane(db, max_size=2)
        assert await db.fetch_val("SELECT 1") == 1
