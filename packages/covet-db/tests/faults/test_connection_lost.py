"""A pooled connection killed under a transaction: ConnectionLost, nothing half-committed.

The Database talks to the shared PostgreSQL through ``proxy``, and the test kills the
transaction's connection in two real ways: the proxy resets the TCP connection (a cut
network), or the server ends the backend (``pg_terminate_backend``, as an operator or a
failover would). It kills at three moments: between statements, in the middle of one, and
just before COMMIT. Checks go through a separate raw connection (``admin``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from covet.db import ConnectionLost, Database

from ._proxy import TcpProxy
from ._support import assert_pool_sane, hold_every_connection, unique_name, wait_until_gone

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(20)]

KILLS = ["proxy_cut", "pg_terminate_backend"]
MOMENTS = ["between_statements", "in_flight", "before_commit"]


def assert_names_server(error: Exception, proxy: TcpProxy) -> None:
    """A connection error says which server: host and port, as attributes and in the text."""
    assert getattr(error, "host", None) == proxy.host, (error, getattr(error, "host", None))
    assert getattr(error, "port", None) == proxy.port, (error, getattr(error, "port", None))
    assert proxy.host in str(error) and str(proxy.port) in str(error), str(error)
    assert error.__cause__ is not None, "the driver's exception must be chained"


async def kill(how: str, proxy: TcpProxy, admin: asyncpg.Connection, pid: int) -> None:
    if how == "proxy_cut":
        assert proxy.cut() >= 1
    else:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid) is True


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("how", KILLS)
async def test_connection_killed_in_transaction_raises_connection_lost(
    proxied_url: str,
    proxy: TcpProxy,
    admin: asyncpg.Connection,
    pg_schema: str,
    how: str,
    moment: str,
) -> None:
    table = unique_name()
    qualified = f'"{pg_schema}"."{table}"'
    loop = asyncio.get_running_loop()
    async with Database(proxied_url, min_size=1, max_size=2, connect_timeout=2.0) as db:
        await db.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY)")
        discarded_before = db.pool_stats().discarded_total
        pid: Any = None

        async def transaction() -> None:
            nonlocal pid
            async with db.transaction():
                pid = await db.fetch_val("SELECT pg_backend_pid()")
                await db.execute(f"INSERT INTO {table} VALUES (1)")
                await db.execute(f"INSERT INTO {table} VALUES (2)")
                if moment == "between_statements":
                    await kill(how, proxy, admin, pid)
                    await db.execute(f"INSERT INTO {table} VALUES (3)")
                elif moment == "in_flight":

                    async def kill_soon() -> None:
                        await asyncio.sleep(0.2)
                        await kill(how, proxy, admin, pid)

                    killer = asyncio.create_task(kill_soon())
                    try:
                        await db.execute("SELECT pg_sleep(3)")
                    finally:
                        await killer
                else:
                    await kill(how, proxy, admin, pid)
                    # the block ends here: COMMIT meets the dead connection
            pytest.fail("the transaction's block finished although its connection was killed")

        started = loop.time()
        with pytest.raises(ConnectionLost) as caught:
            await transaction()
        # A dead connection is noticed at once, not after some timeout.
        assert loop.time() - started < 2.5
        assert_names_server(caught.value, proxy)

        # Nothing half-committed: once the backend is gone, no row of it is visible.
        assert isinstance(pid, int)
        await wait_until_gone(admin, pid)
        assert await admin.fetchval(f"SELECT count(*) FROM {qualified}") == 0

        # The pool threw the dead connection away; the next acquire works.
        assert_pool_sane(db, max_size=2)
        assert db.pool_stats().discarded_total >= discarded_before + 1
        assert await db.fetch_val(f"SELECT count(*) FROM {table}") == 0
        async with db.transaction():
            await db.execute(f"INSERT INTO {table} VALUES (10)")
            assert await db.fetch_val("SELECT pg_backend_pid()") != pid
        assert await admin.fetchval(f"SELECT array_agg(id) FROM {qualified}") == [10]
        assert_pool_sane(db, max_size=2)


async def test_statement_outside_transaction_killed_in_flight(
    proxied_url: str, proxy: TcpProxy, admin: asyncpg.Connection, pg_schema: str
) -> None:
    """A write cut mid-statement (autocommit) raises ConnectionLost, is not retried."""
    table = unique_name()
    async with Database(proxied_url, min_size=1, max_size=1, connect_timeout=2.0) as db:
        await db.execute(f"CREATE TABLE {table} (id integer)")
        pid = await db.fetch_val("SELECT pg_backend_pid()")
        killer = asyncio.get_running_loop().call_later(0.2, proxy.cut)
        try:
            with pytest.raises(ConnectionLost) as caught:
                await db.execute(f"INSERT INTO {table} SELECT 1 FROM pg_sleep(3)")
        finally:
            killer.cancel()
        assert_names_server(caught.value, proxy)
        await wait_until_gone(admin, pid)
        # The backend died before the statement ended, and it was not run a second time.
        assert await admin.fetchval(f'SELECT count(*) FROM "{pg_schema}"."{table}"') == 0
        assert await db.fetch_val(f"SELECT count(*) FROM {table}") == 0
        assert_pool_sane(db, max_size=1)


@pytest.mark.parametrize("pre_ping", [False, True])
async def test_idle_connections_terminated_by_server(
    proxied_url: str, admin: asyncpg.Connection, pre_ping: bool
) -> None:
    """pg_terminate_backend on every idle pooled connection: reads keep working.

    A read outside a transaction that meets a dead connection is retried once on a fresh
    one; with ``pre_ping`` the dead connection is never handed out at all.
    """
    size = 3
    async with Database(
        proxied_url, min_size=size, max_size=size, pre_ping=pre_ping, connect_timeout=2.0
    ) as db:
        old = await hold_every_connection(db, size)
        for pid in old:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid) is True
        for pid in old:
            await wait_until_gone(admin, pid)
        new = await hold_every_connection(db, size)
        assert not set(new) & set(old)
        assert_pool_sane(db, max_size=size)
        assert db.pool_stats().discarded_total >= size


async def test_iterate_cut_mid_stream_raises_connection_lost(
    proxied_url: str, proxy: TcpProxy
) -> None:
    """A server-side cursor cut half-way: the loop ends with ConnectionLost, not silently."""
    total = 100_000
    async with Database(proxied_url, min_size=1, max_size=1, connect_timeout=2.0) as db:
        seen = 0

        async def stream() -> None:
            nonlocal seen
            rows = db.iterate("SELECT g FROM generate_series(1, 100000) AS g", batch_size=100)
            async for row in rows:
                seen += 1
                assert row[0] == seen
                if seen == 150:
                    proxy.cut()

        with pytest.raises(ConnectionLost) as caught:
            await stream()
        assert 150 <= seen < total
        assert_names_server(caught.value, proxy)
        assert_pool_sane(db, max_size=1)
        assert await db.fetch_val("SELECT count(*) FROM generate_series(1, 10)") == 10


async def test_bulk_insert_cut_mid_copy_inserts_nothing(
    proxied_url: str, proxy: TcpProxy, admin: asyncpg.Connection, pg_schema: str
) -> None:
    table = unique_name()
    async with Database(proxied_url, min_size=1, max_size=1, connect_timeout=2.0) as db:
        await db.execute(f"CREATE TABLE {table} (id integer, name text)")

        def records() -> Any:
            for i in range(50_000):
                if i == 20_000:
                    proxy.cut()
                yield (i, f"name {i}")

        with pytest.raises(ConnectionLost) as caught:
            await db.bulk_insert(table, records(), columns=["id", "name"])
        assert_names_server(caught.value, proxy)
        # COPY is one statement: all of it or none.
        for _ in range(100):
            backends = await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE $1", f"%{table}%"
            )
            if backends <= 1:  # only admin's own query matches
                break
            await asyncio.sleep(0.02)
        assert await admin.fetchval(f'SELECT count(*) FROM "{pg_schema}"."{table}"') == 0
        assert_pool_sane(db, max_size=1)
        assert await db.bulk_insert(table, [(1, "one")], columns=["id", "name"]) == 1
