"""A cut network: queries fail fast with a clear error, and the same Database recovers.

The proxy in front of the shared PostgreSQL resets every live connection and then either
refuses new ones (nothing listens: the host is up, the service is not) or blackholes them
(accepted, never answered: only ``connect_timeout`` ends the wait). Each query in between
fails within a bounded time with ConnectionLost or ConnectionFailed naming host and port;
once the proxy is back, the Database works again without being re-created.
"""

from __future__ import annotations

import asyncio

import pytest

from covet.db import ConnectionFailed, ConnectionLost, Database, DatabaseConnectionError

from ._proxy import DownMode, TcpProxy
from ._support import assert_pool_sane, unique_name

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(20)]

CONNECT_TIMEOUT = 0.5


def assert_names_server(error: BaseException, proxy: TcpProxy) -> None:
    assert isinstance(error, DatabaseConnectionError), repr(error)
    assert (error.host, error.port) == (proxy.host, proxy.port), (error.host, error.port)
    assert proxy.host in str(error) and str(proxy.port) in str(error), str(error)
    assert error.__cause__ is not None, "the driver's exception must be chained"


@pytest.mark.parametrize("mode", ["refuse", "blackhole"])
async def test_network_down_then_restored(
    proxied_url: str, proxy: TcpProxy, mode: DownMode
) -> None:
    loop = asyncio.get_running_loop()
    table = unique_name()
    async with Database(
        proxied_url,
        min_size=1,
        max_size=2,
        connect_timeout=CONNECT_TIMEOUT,
        acquire_timeout=10.0,
    ) as db:
        await db.execute(f"CREATE TABLE {table} (id integer)")
        await db.execute(f"INSERT INTO {table} VALUES (1)")
        await proxy.down(mode)

        errors: list[BaseException] = []
        for statement in (f"SELECT count(*) FROM {table}", f"INSERT INTO {table} VALUES (2)"):
            started = loop.time()
            with pytest.raises((ConnectionLost, ConnectionFailed)) as caught:
                await db.fetch_val(statement)
            # Bounded by connect_timeout (a read may retry once: two attempts at most),
            # never by the 10 s acquire timeout.
            elapsed = loop.time() - started
            assert elapsed < 2 * CONNECT_TIMEOUT + 0.5, f"{statement}: {elapsed:.2f}s"
            assert_names_server(caught.value, proxy)
            errors.append(caught.value)
        # With no live connection left, the error is about opening one.
        assert isinstance(errors[-1], ConnectionFailed), repr(errors[-1])
        assert_pool_sane(db, max_size=2)

        await proxy.up()
        assert await db.fetch_val(f"SELECT count(*) FROM {table}") == 1
        async with db.transaction():
            await db.execute(f"INSERT INTO {table} VALUES (3)")
        assert await db.fetch_val(f"SELECT sum(id) FROM {table}") == 4
        assert_pool_sane(db, max_size=2)


async def test_transaction_while_network_is_down(proxied_url: str, proxy: TcpProxy) -> None:
    """A transaction begun while the network is down fails with a connection error."""
    async with Database(proxied_url, min_size=1, max_size=1, connect_timeout=CONNECT_TIMEOUT) as db:
        assert await db.fetch_val("SELECT 1") == 1
        await proxy.down("refuse")

        async def transaction() -> None:
            async with db.transaction():
                await db.execute("SELECT 1")

        with pytest.raises((ConnectionLost, ConnectionFailed)) as caught:
            await transaction()
        assert_names_server(caught.value, proxy)
        await proxy.up()
        async with db.transaction():
            assert await db.fetch_val("SELECT 5") == 5
        assert_pool_sane(db, max_size=1)


async def test_close_while_network_is_down_is_bounded(proxied_url: str, proxy: TcpProxy) -> None:
    loop = asyncio.get_running_loop()
    db = Database(proxied_url, min_size=2, max_size=2, connect_timeout=CONNECT_TIMEOUT)
    await db.connect()
    assert await db.fetch_val("SELECT 1") == 1
    await proxy.down("blackhole")
    started = loop.time()
    await db.close()
    assert loop.time() - started < 2.0


async def test_connect_while_network_is_down_names_the_server(
    proxied_url: str, proxy: TcpProxy
) -> None:
    """``connect()`` (min_size > 0) against a dead server fails with host and port."""
    await proxy.down("refuse")
    db = Database(proxied_url, min_size=1, max_size=1, connect_timeout=CONNECT_TIMEOUT)
    with pytest.raises(ConnectionFailed) as caught:
        await db.connect()
    assert_names_server(caught.value, proxy)
    await proxy.up()
    # The same object connects once the server is back.
    await db.connect()
    try:
        assert await db.fetch_val("SELECT 1") == 1
    finally:
        await db.close()
