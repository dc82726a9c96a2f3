"""A task cancelled mid-statement (a client-side timeout) must not poison the pool.

The next statement on the same (single) connection must get its own answer, never the
rest of the interrupted one, and a transaction interrupted that way commits nothing.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from covet.db import Database

from ._support import assert_pool_sane, unique_name, with_driver

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(20)]


async def test_timeout_mid_query_leaves_a_clean_connection(
    postgres_url: str, pg_driver: str
) -> None:
    async with Database(with_driver(postgres_url, pg_driver), min_size=1, max_size=1) as db:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await db.fetch_val("SELECT 1 FROM pg_sleep(3)")
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await db.fetch_val("SELECT 42") == 42
        rows = await db.fetch_all("SELECT g FROM generate_series(1, 3) AS g")
        assert [row[0] for row in rows] == [1, 2, 3]
        # The interrupted statement was cancelled, not waited for (it had 2.8 s to go).
        assert loop.time() - started < 1.5
        assert_pool_sane(db, max_size=1)


async def test_timeout_mid_transaction_commits_nothing(
    postgres_url: str, pg_driver: str, pg_schema: str, admin: asyncpg.Connection
) -> None:
    table = unique_name()
    url = with_driver(postgres_url, pg_driver, search_path=pg_schema)
    async with Database(url, min_size=1, max_size=1) as db:
        await db.execute(f"CREATE TABLE {table} (id integer)")

        async def transaction() -> None:
            async with asyncio.timeout(0.3), db.transaction():
                await db.execute(f"INSERT INTO {table} VALUES (1)")
                await db.fetch_val("SELECT 1 FROM pg_sleep(3)")

        with pytest.raises(TimeoutError):
            await transaction()
        assert await db.fetch_val(f"SELECT count(*) FROM {table}") == 0
        assert await admin.fetchval(f'SELECT count(*) FROM "{pg_schema}"."{table}"') == 0
        async with db.transaction():
            await db.execute(f"INSERT INTO {table} VALUES (2)")
        assert await admin.fetchval(f'SELECT array_agg(id) FROM "{pg_schema}"."{table}"') == [2]
        assert_pool_sane(db, max_size=1)
