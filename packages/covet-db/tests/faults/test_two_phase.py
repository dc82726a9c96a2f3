"""Two-phase commit: ``transaction(prepare=gid)``, then commit_prepared or rollback_prepared.

Runs on the throwaway cluster, which allows prepared transactions (the shared service does
not, and that case gets a test of its own: a clear error and nothing committed). A prepared
transaction survives a server restart, which is the point of two-phase commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest

from covet.db import Database, DatabaseError, QueryError, TransactionError

from ._cluster import ThrowawayCluster
from ._support import assert_pool_sane, unique_name, with_driver

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def cluster_db(cluster: ThrowawayCluster, pg_driver: str) -> AsyncIterator[Database]:
    """A Database on the throwaway cluster with one connection, so reuse is certain."""
    async with Database(
        with_driver(cluster.url, pg_driver), min_size=1, max_size=1, connect_timeout=2.0
    ) as db:
        yield db


async def count_rows(cluster: ThrowawayCluster, table: str) -> int:
    """Rows of ``table`` as another session sees them."""
    conn = await asyncpg.connect(cluster.url)
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await conn.close()


async def prepare(db: Database, gid: str, table: str, ids: range) -> None:
    async with db.transaction(prepare=gid):
        for row_id in ids:
            await db.execute(f"INSERT INTO {table} VALUES (:id)", {"id": row_id})


@pytest.mark.slow
async def test_commit_prepared_makes_rows_visible(
    cluster: ThrowawayCluster, cluster_db: Database
) -> None:
    db, table, gid = cluster_db, unique_name(), unique_name("gid")
    await db.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY)")
    await prepare(db, gid, table, range(3))

    assert gid in await db.prepared_transactions()
    assert await count_rows(cluster, table) == 0
    # The connection left the prepared transaction: it serves ordinary statements again.
    assert await db.fetch_val(f"SELECT count(*) FROM {table}") == 0
    assert_pool_sane(db, max_size=1)

    await db.commit_prepared(gid)
    assert gid not in await db.prepared_transactions()
    assert await count_rows(cluster, table) == 3


@pytest.mark.slow
async def test_rollback_prepared_discards_rows(
    cluster: ThrowawayCluster, cluster_db: Database
) -> None:
    db, table, gid = cluster_db, unique_name(), unique_name("gid")
    await db.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY)")
    await prepare(db, gid, table, range(2))
    await db.rollback_prepared(gid)
    assert gid not in await db.prepared_transactions()
    assert await count_rows(cluster, table) == 0
    # The prepared rows held their keys until then; now they are free.
    await db.execute(f"INSERT INTO {table} VALUES (0)")
    assert await count_rows(cluster, table) == 1


@pytest.mark.slow
async def test_duplicate_gid_is_refused_and_commits_nothing(
    cluster: ThrowawayCluster, cluster_db: Database
) -> None:
    db, table, gid = cluster_db, unique_name(), unique_name("gid")
    await db.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY)")
    await prepare(db, gid, table, range(1))
    with pytest.raises(QueryError) as caught:
        await prepare(db, gid, table, range(10, 12))
    assert gid in str(caught.value), str(caught.value)
    assert caught.value.sqlstate == "42710", caught.value.sqlstate  # duplicate_object
    assert await db.prepared_transactions() == [gid]
    # The failed PREPARE rolled its transaction back; the first one is intact.
    await db.commit_prepared(gid)
    rows = await db.fetch_all(f"SELECT id FROM {table} ORDER BY id")
    assert [row["id"] for row in rows] == [0]
    assert_pool_sane(db, max_size=1)


@pytest.mark.slow
@pytest.mark.parametrize("finish", ["commit_prepared", "rollback_prepared"])
async def test_unknown_gid_is_a_clear_error(cluster_db: Database, finish: str) -> None:
    gid = unique_name("missing")
    method: Callable[[str], object] = getattr(cluster_db, finish)
    with pytest.raises(QueryError) as caught:
        await method(gid)  # type: ignore[misc]
    assert gid in str(caught.value), str(caught.value)
    assert caught.value.sqlstate == "42704", caught.value.sqlstate  # undefined_object
    assert await cluster_db.fetch_val("SELECT 1") == 1


@pytest.mark.slow
async def test_exception_in_block_prepares_nothing(
    cluster: ThrowawayCluster, cluster_db: Database
) -> None:
    db, table, gid = cluster_db, unique_name(), unique_name("gid")
    await db.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY)")

    async def failing() -> None:
        async with db.transaction(prepare=gid):
            await db.execute(f"INSERT INTO {table} VALUES (1)")
            raise LookupError("application error")

    with pytest.raises(LookupError):
        await failing()
    assert gid not in await db.prepared_transactions()
    assert await count_rows(cluster, table) == 0


@pytest.mark.slow
async def test_gid_with_quotes_travels_safely(
    cluster: ThrowawayCluster, cluster_db: Database
) -> None:
    """A gid is a string literal in PREPARE TRANSACTION: quotes must be escaped, not run."""
    db, table = cluster_db, unique_name()
    gid = f"it's; DROP TABLE {table}; -- {unique_name()}"
    await db.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY)")
    await prepare(db, gid, table, range(1))
    assert gid in await db.prepared_transactions()
    await db.commit_prepared(gid)
    assert await count_rows(cluster, table) == 1


@pytest.mark.slow
async def test_prepare_inside_a_transaction_is_refused(cluster_db: Database) -> None:
    """A savepoint cannot be prepared: nesting a prepare block is a usage error."""
    db, gid = cluster_db, unique_name("gid")

    async def nested() -> None:
        async with db.transaction(), db.transaction(prepare=gid):
            await db.execute("SELECT 1")

    with pytest.raises(TransactionError):
        await nested()
    assert gid not in await db.prepared_transactions()
    assert_pool_sane(db, max_size=1)


@pytest.mark.slow
async def test_prepared_transaction_survives_a_restart(
    cluster: ThrowawayCluster, pg_driver: str
) -> None:
    table, gid = unique_name(), unique_name("gid")
    url = with_driver(cluster.url, pg_driver)
    async with Database(url, min_size=1, max_size=1, connect_timeout=2.0) as db:
        await db.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY)")
        await prepare(db, gid, table, range(4))
        # A crash, not a polite shutdown: the prepared state must come back from the WAL.
        await cluster.arestart("immediate")
        # A read: it may meet the stale connection, and is retried on a fresh one.
        assert gid in await db.prepared_transactions()
        assert await count_rows(cluster, table) == 0
        await db.commit_prepared(gid)
    assert await count_rows(cluster, table) == 4
    # And from a Database created after the restart, as another process would.
    gid2 = unique_name("gid")
    async with Database(url, min_size=1, max_size=1) as db:
        await prepare(db, gid2, table, range(10, 12))
    await cluster.arestart("fast")
    async with Database(url, min_size=1, max_size=1) as db:
        assert await db.prepared_transactions() == [gid2]
        await db.rollback_prepared(gid2)
        assert await db.prepared_transactions() == []
    assert await count_rows(cluster, table) == 4


@pytest.mark.postgres
async def test_prepare_where_the_server_disallows_it(
    postgres_url: str, pg_driver: str, pg_schema: str
) -> None:
    """The shared service has max_prepared_transactions = 0: a clear error, nothing committed."""
    url = with_driver(postgres_url, pg_driver, search_path=pg_schema)
    table, gid = unique_name(), unique_name("gid")
    async with Database(url, min_size=1, max_size=1) as db:
        if int(await db.fetch_val("SELECT current_setting('max_prepared_transactions')::int")):
            pytest.skip("this server allows prepared transactions; the cluster tests cover it")
        await db.execute(f"CREATE TABLE {table} (id integer)")
        with pytest.raises((QueryError, TransactionError)) as caught:
            await prepare(db, gid, table, range(2))
        # The message says what to change on the server.
        assert "max_prepared_transactions" in str(caught.value), str(caught.value)
        assert await db.fetch_val(f"SELECT count(*) FROM {table}") == 0
        assert_pool_sane(db, max_size=1)


async def test_prepare_on_sqlite_is_a_clear_error(tmp_path: Path) -> None:
    async with Database(f"sqlite:///{tmp_path}/two_phase.db") as db:
        await db.execute("CREATE TABLE t (id integer)")

        async def attempt() -> None:
            async with db.transaction(prepare="gid-1"):
                await db.execute("INSERT INTO t VALUES (1)")

        with pytest.raises(DatabaseError) as caught:
            await attempt()
        message = str(caught.value).lower()
        assert "postgresql" in message and ("two-phase" in message or "prepare" in message)
        assert await db.fetch_val("SELECT count(*) FROM t") == 0
