"""Fixtures for the fault tests: a breakable proxy to the shared PostgreSQL, a throwaway cluster.

``proxy`` sits between a Database and the shared service so a test can cut the network
without touching the service. ``cluster`` is a private PostgreSQL (initdb, on a free port)
that a test may restart, and that allows prepared transactions. Checks and kills go through
raw asyncpg (``admin``), independent of the code under test.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import asyncpg
import pytest

from ._cluster import ClusterUnavailable, ThrowawayCluster
from ._proxy import TcpProxy
from ._support import close_quietly, with_driver

PG_DRIVERS = ["asyncpg", "psycopg"]


@pytest.fixture(params=PG_DRIVERS)
def pg_driver(request: pytest.FixtureRequest) -> str:
    """ "asyncpg" or "psycopg"."""
    return str(request.param)


@pytest.fixture
async def proxy(postgres_url: str) -> AsyncIterator[TcpProxy]:
    """A TCP proxy on a free port in front of the shared PostgreSQL, closed after the test."""
    parts = urlsplit(postgres_url)
    async with TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432) as running:
        yield running


@pytest.fixture
async def admin(postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A raw asyncpg connection to the shared server, for checks and kills."""
    conn = await asyncpg.connect(postgres_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
def proxied_url(proxy: TcpProxy, postgres_url: str, pg_driver: str, pg_schema: str) -> str:
    """A URL for ``pg_driver`` that goes through ``proxy``, in a fresh schema."""
    return with_driver(proxy.url(postgres_url), pg_driver, search_path=pg_schema)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[ThrowawayCluster]:
    """One throwaway PostgreSQL cluster for the session; stopped and removed at the end."""
    try:
        cluster = ThrowawayCluster.create()
    except ClusterUnavailable as exc:
        message = f"throwaway PostgreSQL cluster needed by this test: {exc}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message} (CI=true: a missing service fails the run)")
        pytest.skip(f"SKIPPED, NOT TESTED: {message}")
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
async def cluster(pg_cluster: ThrowawayCluster) -> AsyncIterator[ThrowawayCluster]:
    """The session cluster, running; prepared transactions a test left behind are rolled back."""
    if not await asyncio.to_thread(pg_cluster.is_running):
        await asyncio.to_thread(pg_cluster.start)
    yield pg_cluster
    if not await asyncio.to_thread(pg_cluster.is_running):
        await asyncio.to_thread(pg_cluster.start)
    conn = await asyncpg.connect(pg_cluster.url)
    try:
        for record in await conn.fetch("SELECT gid FROM pg_prepared_xacts"):
            await conn.execute(f"ROLLBACK PREPARED '{record['gid']}'")
    finally:
        await close_quietly(conn)


@pytest.fixture
async def cluster_admin(cluster: ThrowawayCluster) -> AsyncIterator[asyncpg.Connection]:
    """A raw asyncpg connection to the throwaway cluster (reconnect after a restart)."""
    conn = await asyncpg.connect(cluster.url)
    try:
        yield conn
    finally:
        await close_quietly(conn)
