"""The fault harness itself, checked with raw asyncpg: the proxy and the throwaway cluster.

If these fail, the other fault tests prove nothing, so they come first and need no covet code.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from ._cluster import ThrowawayCluster
from ._proxy import TcpProxy

pytestmark = pytest.mark.timeout(20)


@pytest.mark.postgres
async def test_proxy_forwards_and_cuts(proxy: TcpProxy, postgres_url: str) -> None:
    conn = await asyncpg.connect(proxy.url(postgres_url))
    try:
        assert await conn.fetchval("SELECT repeat('x', 3000000)") == "x" * 3_000_000
        assert proxy.active == 1
        assert proxy.cut() == 1
        with pytest.raises((asyncpg.ConnectionDoesNotExistError, ConnectionError, OSError)):
            await conn.fetchval("SELECT 1")
    finally:
        conn.terminate()
    # New connections still go through after a cut.
    conn = await asyncpg.connect(proxy.url(postgres_url))
    assert await conn.fetchval("SELECT 2") == 2
    await conn.close()


@pytest.mark.postgres
async def test_proxy_refuses_blackholes_and_restores(proxy: TcpProxy, postgres_url: str) -> None:
    loop = asyncio.get_running_loop()
    url = proxy.url(postgres_url)
    port = proxy.port
    await proxy.down("refuse")
    with pytest.raises(ConnectionRefusedError):
        await asyncpg.connect(url, timeout=2.0)
    await proxy.down("blackhole")
    assert proxy.port == port
    started = loop.time()
    with pytest.raises(TimeoutError):
        await asyncpg.connect(url, timeout=0.3)
    assert 0.29 <= loop.time() - started < 1.0
    await proxy.up()
    assert proxy.port == port
    conn = await asyncpg.connect(url, timeout=2.0)
    assert await conn.fetchval("SELECT 3") == 3
    await conn.close()


@pytest.mark.postgres
async def test_proxy_cut_rolls_back_on_the_server(
    proxy: TcpProxy, postgres_url: str, admin: asyncpg.Connection
) -> None:
    conn = await asyncpg.connect(proxy.url(postgres_url))
    try:
        await conn.execute("BEGIN")
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        proxy.cut()
        for _ in range(200):
            if not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid=$1", pid):
                break
            await asyncio.sleep(0.01)
        else:
            pytest.fail("the server kept the backend of a cut connection")
    finally:
        conn.terminate()


@pytest.mark.slow
async def test_cluster_restart_keeps_port_and_prepared_transactions(
    cluster: ThrowawayCluster,
) -> None:
    conn = await asyncpg.connect(cluster.url)
    try:
        assert await conn.fetchval("SHOW max_prepared_transactions") == "10"
        await conn.execute("CREATE TABLE IF NOT EXISTS harness_2pc (id int)")
        await conn.execute("BEGIN")
        await conn.execute("INSERT INTO harness_2pc VALUES (1)")
        await conn.execute("PREPARE TRANSACTION 'harness-gid'")
    finally:
        await conn.close()
    port = cluster.port
    await cluster.arestart("immediate")
    assert cluster.port == port
    conn = await asyncpg.connect(cluster.url)
    try:
        gids = [r["gid"] for r in await conn.fetch("SELECT gid FROM pg_prepared_xacts")]
        assert "harness-gid" in gids
        await conn.execute("COMMIT PREPARED 'harness-gid'")
        assert await conn.fetchval("SELECT count(*) FROM harness_2pc") >= 1
        await conn.execute("DROP TABLE harness_2pc")
    finally:
        await conn.close()


@pytest.mark.postgres
async def test_proxy_close_resets_live_and_pending_connections(postgres_url: str) -> None:
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.start()
    live = await asyncpg.connect(proxy.url(postgres_url))
    try:
        await proxy.down("blackhole", cut=False)
        pending = asyncio.create_task(asyncpg.connect(proxy.url(postgres_url), timeout=5.0))
        await asyncio.sleep(0.1)
        assert proxy.active == 2
        await proxy.close()
        assert proxy.active == 0
        with pytest.raises((ConnectionError, OSError, asyncpg.InterfaceError)):
            await pending
        with pytest.raises((ConnectionError, OSError, asyncpg.InterfaceError)):
            await live.fetchval("SELECT 1")
    finally:
        live.terminate()
        await proxy.close()
