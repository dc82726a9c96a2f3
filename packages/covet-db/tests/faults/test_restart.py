"""A real PostgreSQL restart under a pool (the throwaway cluster, never the shared service).

What the pool guarantees after the server restarts (every pooled connection is then dead):

- a read outside a transaction always succeeds: a dead connection found by it is thrown
  away and the read runs once more on a fresh connection;
- a write, or the first statement of a transaction, may fail with ConnectionLost, at most
  once per stale connection, and only when ``pre_ping`` is off; the write did not happen;
- with ``pre_ping=True`` nothing fails: each connection is checked before it is handed out;
- every later statement runs on fresh connections.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from covet.db import ConnectionFailed, ConnectionLost, Database

from ._cluster import StopMode, ThrowawayCluster
from ._support import assert_pool_sane, hold_every_connection, unique_name, with_driver

pytestmark = [pytest.mark.slow, pytest.mark.timeout(30)]

SIZE = 3
PRE_PING = [pytest.param(False, id="no-pre-ping"), pytest.param(True, id="pre-ping")]
MODES = ["fast", "immediate"]


def database(cluster: ThrowawayCluster, driver: str, *, pre_ping: bool) -> Database:
    return Database(
        with_driver(cluster.url, driver),
        min_size=SIZE,
        max_size=SIZE,
        pre_ping=pre_ping,
        connect_timeout=2.0,
        acquire_timeout=5.0,
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pre_ping", PRE_PING)
async def test_reads_survive_a_restart(
    cluster: ThrowawayCluster, pg_driver: str, pre_ping: bool, mode: StopMode
) -> None:
    async with database(cluster, pg_driver, pre_ping=pre_ping) as db:
        before = await hold_every_connection(db, SIZE)
        discarded = db.pool_stats().discarded_total
        await cluster.arestart(mode)
        # Every stale connection is met by one of these reads at once; none may fail.
        after = await hold_every_connection(db, SIZE)
        assert not set(after) & set(before)
        assert db.pool_stats().discarded_total >= discarded + SIZE
        assert_pool_sane(db, max_size=SIZE)
        assert [row[0] for row in await db.fetch_all("SELECT 1 UNION ALL SELECT 2")] == [1, 2]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pre_ping", PRE_PING)
async def test_writes_after_a_restart(
    cluster: ThrowawayCluster, pg_driver: str, pre_ping: bool, mode: StopMode
) -> None:
    table = unique_name()
    async with database(cluster, pg_driver, pre_ping=pre_ping) as db:
        await db.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY)")
        await hold_every_connection(db, SIZE)
        await cluster.arestart(mode)

        async def write(row_id: int) -> bool:
            # pg_sleep keeps each write on its own connection while the others run.
            try:
                await db.execute(
                    f"INSERT INTO {table} SELECT :id FROM pg_sleep(0.1)", {"id": row_id}
                )
            except ConnectionLost:
                return False
            return True

        first = await asyncio.gather(*(write(i) for i in range(SIZE)))
        if pre_ping:
            assert all(first), first
        # At most the first statement on each stale connection fails; then never again.
        second = await asyncio.gather(*(write(i) for i in range(SIZE, 2 * SIZE)))
        assert all(second), second
        assert_pool_sane(db, max_size=SIZE)

        written = {i for i, ok in enumerate(first) if ok} | set(range(SIZE, 2 * SIZE))
        # A failed write did not happen, a successful one happened once.
        admin = await asyncpg.connect(cluster.url)
        try:
            rows = await admin.fetch(f"SELECT id FROM {table}")
        finally:
            await admin.close()
        assert sorted(row["id"] for row in rows) == sorted(written)


@pytest.mark.parametrize("pre_ping", PRE_PING)
async def test_transactions_after_a_restart(
    cluster: ThrowawayCluster, pg_driver: str, pre_ping: bool
) -> None:
    table = unique_name()
    async with database(cluster, pg_driver, pre_ping=pre_ping) as db:
        await db.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY)")
        await hold_every_connection(db, SIZE)
        await cluster.arestart("fast")

        async def transaction(row_id: int) -> bool:
            try:
                async with db.transaction():
                    await db.execute(f"INSERT INTO {table} VALUES (:id)", {"id": row_id})
                    await db.fetch_val("SELECT 1 FROM pg_sleep(0.1)")
            except ConnectionLost:
                return False
            return True

        first = await asyncio.gather(*(transaction(i) for i in range(SIZE)))
        if pre_ping:
            assert all(first), first
        second = await asyncio.gather(*(transaction(i) for i in range(SIZE, 2 * SIZE)))
        assert all(second), second
        expected = {i for i, ok in enumerate(first) if ok} | set(range(SIZE, 2 * SIZE))
        rows = await db.fetch_all(f"SELECT id FROM {table} ORDER BY id")
        assert [row["id"] for row in rows] == sorted(expected)
        assert_pool_sane(db, max_size=SIZE)


async def test_server_down_then_up(cluster: ThrowawayCluster, pg_driver: str) -> None:
    """While the server is stopped queries fail fast and name it; afterwards they work."""
    loop = asyncio.get_running_loop()
    async with database(cluster, pg_driver, pre_ping=False) as db:
        assert await db.fetch_val("SELECT 1") == 1
        await asyncio.to_thread(cluster.stop, "fast")
        try:
            for _ in range(2):
                started = loop.time()
                with pytest.raises((ConnectionLost, ConnectionFailed)) as caught:
                    await db.fetch_val("SELECT 1")
                assert loop.time() - started < 3.0
                error = caught.value
                assert (error.host, error.port) == ("127.0.0.1", cluster.port)
                assert str(cluster.port) in str(error), str(error)
            assert isinstance(error, ConnectionFailed), repr(error)
        finally:
            await asyncio.to_thread(cluster.start)
        assert await db.fetch_val("SELECT 2") == 2
        assert_pool_sane(db, max_size=SIZE)
