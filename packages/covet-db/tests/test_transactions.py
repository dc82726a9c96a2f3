"""Transactions: commit, rollback, savepoints, isolation, retries, task binding, 2PC, faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from covet.db import (
    ConfigurationError,
    ConnectionLost,
    Database,
    DatabaseError,
    IsolationLevel,
    QueryError,
    SerializationFailure,
    Transaction,
    TransactionError,
)

ACCOUNTS = "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)"


class Boom(Exception):
    """An application error raised inside a transaction block."""


async def count(db: Database, table: str = "accounts") -> int:
    value: int = await db.fetch_val(f"SELECT count(*) FROM {table}")
    return value


@pytest.fixture
async def accounts(db: Database) -> Database:
    await db.execute(ACCOUNTS)
    return db


@pytest.fixture(params=["asyncpg", "psycopg"])
async def pg(
    request: pytest.FixtureRequest, make_url: Callable[[str], str]
) -> AsyncIterator[Database]:
    """A connected Database on a PostgreSQL driver."""
    async with Database(make_url(str(request.param)), min_size=1, max_size=4) as database:
        yield database


# -- commit and rollback ----------------------------------------------------------------


async def test_commit(accounts: Database) -> None:
    db = accounts
    async with db.transaction() as tx:
        assert isinstance(tx, Transaction)
        assert not tx.is_savepoint
        await db.execute("INSERT INTO accounts VALUES (1, 100)")
        await tx.connection.execute("INSERT INTO accounts VALUES (2, 50)")
    assert await count(db) == 2
    assert db.pool_stats().in_use == 0


async def test_exception_rolls_back_and_propagates(accounts: Database) -> None:
    db = accounts

    async def work() -> None:
        async with db.transaction():
            await db.execute("INSERT INTO accounts VALUES (1, 100)")
            raise Boom

    with pytest.raises(Boom):
        await work()
    assert await count(db) == 0
    assert db.pool_stats().in_use == 0


async def test_failed_statement_rolls_back_whole_transaction(accounts: Database) -> None:
    db = accounts

    async def work() -> None:
        async with db.transaction():
            await db.execute("INSERT INTO accounts VALUES (1, 100)")
            await db.execute("INSERT INTO accounts VALUES (1, 200)")  # duplicate key

    with pytest.raises(QueryError):
        await work()
    assert await count(db) == 0


async def test_explicit_rollback(accounts: Database) -> None:
    db = accounts
    async with db.transaction() as tx:
        await db.execute("INSERT INTO accounts VALUES (1, 100)")
        await tx.rollback()
        await tx.rollback()  # twice is harmless
        with pytest.raises(TransactionError, match="rolled back"):
            await db.execute("INSERT INTO accounts VALUES (2, 100)")
        with pytest.raises(TransactionError, match="rolled back"):
            _ = tx.connection
    assert await count(db) == 0


async def test_transaction_objects_are_single_use(accounts: Database) -> None:
    db = accounts
    tx = db.transaction()
    async with tx:
        pass
    with pytest.raises(TransactionError, match="already used"):
        async with tx:
            pass
    with pytest.raises(TransactionError, match="inside the transaction"):
        await tx.rollback()
    with pytest.raises(TransactionError, match="inside the transaction"):
        _ = tx.connection


async def test_tx_connection_is_invalid_after_the_block(accounts: Database) -> None:
    db = accounts
    async with db.transaction() as tx:
        conn = tx.connection
        assert conn.in_transaction
    with pytest.raises(DatabaseError, match="after its block"):
        await conn.fetch_val("SELECT 1")


# -- savepoints -------------------------------------------------------------------------


async def test_nested_block_is_a_savepoint(accounts: Database) -> None:
    db = accounts

    async def failing_inner() -> None:
        async with db.transaction() as inner:
            assert inner.is_savepoint
            await db.execute("INSERT INTO accounts VALUES (2, 100)")
            raise Boom

    async with db.transaction():
        await db.execute("INSERT INTO accounts VALUES (1, 100)")
        with pytest.raises(Boom):
            await failing_inner()
        assert await count(db) == 1  # the outer transaction carries on
        async with db.transaction():
            await db.execute("INSERT INTO accounts VALUES (3, 100)")
            async with db.transaction():  # a third level, with its own name
                await db.execute("INSERT INTO accounts VALUES (4, 100)")
        async with db.transaction() as sibling:
            await db.execute("INSERT INTO accounts VALUES (5, 100)")
            await sibling.rollback()
        await db.execute("INSERT INTO accounts VALUES (6, 100)")
    ids = [row.id for row in await db.fetch_all("SELECT id FROM accounts ORDER BY id")]
    assert ids == [1, 3, 4, 6]


async def test_failed_statement_in_savepoint_keeps_outer_usable(accounts: Database) -> None:
    db = accounts
    async with db.transaction():
        await db.execute("INSERT INTO accounts VALUES (1, 100)")
        with pytest.raises(QueryError):
            async with db.transaction():
                await db.execute("INSERT INTO accounts VALUES (1, 100)")  # duplicate
        await db.execute("INSERT INTO accounts VALUES (2, 100)")
    assert await count(db) == 2


async def test_outer_rollback_while_inner_open_is_refused(accounts: Database) -> None:
    db = accounts
    async with db.transaction() as outer, db.transaction():
        with pytest.raises(TransactionError, match="nested"):
            await outer.rollback()


async def test_nested_options_are_refused(accounts: Database) -> None:
    db = accounts
    async with db.transaction():
        with pytest.raises(TransactionError, match="outermost"):
            async with db.transaction(isolation="serializable"):
                pass
        with pytest.raises(TransactionError, match="outermost"):
            async with db.transaction(readonly=True):
                pass
        await db.execute("INSERT INTO accounts VALUES (1, 1)")
    assert await count(db) == 1


# -- isolation and access mode ----------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "shown"),
    [
        ("read_committed", "read committed"),
        ("repeatable_read", "repeatable read"),
        ("serializable", "serializable"),
        ("read_uncommitted", "read uncommitted"),
        (IsolationLevel.SERIALIZABLE, "serializable"),
        ("REPEATABLE READ", "repeatable read"),
    ],
)
async def test_isolation_levels_on_postgresql(pg: Database, level: str, shown: str) -> None:
    async with pg.transaction(isolation=level) as tx:
        assert await pg.fetch_val("SHOW transaction_isolation") == shown
        assert tx.isolation is not None and tx.isolation.value.replace("_", " ") == shown
    assert await pg.fetch_val("SHOW transaction_isolation") == "read committed"


async def test_isolation_accepted_on_every_driver(accounts: Database) -> None:
    db = accounts
    for level in IsolationLevel:
        async with db.transaction(isolation=level):
            await db.execute("INSERT INTO accounts VALUES (:id, 1)", {"id": len(level.value)})
            await db.execute("DELETE FROM accounts")


def test_bad_isolation_is_refused(db: Database) -> None:
    with pytest.raises(ConfigurationError, match="'read_committed', 'repeatable_read'"):
        db.transaction(isolation="chaos")
    with pytest.raises(TypeError, match="isolation"):
        db.transaction(isolation=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="readonly"):
        db.transaction(readonly="yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="prepare"):
        db.transaction(prepare="")
    with pytest.raises(ConfigurationError, match="retries"):
        db.transaction(retries=-1)


async def test_readonly_refuses_writes(accounts: Database) -> None:
    db = accounts

    async def write_in_readonly() -> None:
        async with db.transaction(readonly=True):
            assert await count(db) == 0  # reading is fine
            await db.execute("INSERT INTO accounts VALUES (1, 100)")

    with pytest.raises(QueryError):
        await write_in_readonly()
    assert await count(db) == 0
    async with db.transaction():  # the next transaction on the connection may write
        await db.execute("INSERT INTO accounts VALUES (1, 100)")
    assert await count(db) == 1


async def test_readonly_deferrable_on_postgresql(pg: Database) -> None:
    async with pg.transaction(isolation="serializable", readonly=True, deferrable=True):
        assert await pg.fetch_val("SHOW transaction_read_only") == "on"
        assert await pg.fetch_val("SHOW transaction_deferrable") == "on"


# -- retries ----------------------------------------------------------------------------


async def test_retries_only_with_the_decorator(accounts: Database) -> None:
    with pytest.raises(TransactionError, match="decorator"):
        async with accounts.transaction(retries=3):
            pass


async def test_decorator_commits_and_rolls_back(accounts: Database) -> None:
    db = accounts

    @db.transaction()
    async def deposit(account: int, amount: int) -> int:
        await db.execute(
            "INSERT INTO accounts VALUES (:id, :amount)", {"id": account, "amount": amount}
        )
        if amount < 0:
            raise Boom
        return account

    assert deposit.__name__ == "deposit"
    assert await deposit(1, 10) == 1
    with pytest.raises(Boom):
        await deposit(2, -5)
    assert await count(db) == 1


def test_decorator_misuse(db: Database) -> None:
    with pytest.raises(TypeError, match="called"):

        @db.transaction  # type: ignore[arg-type]
        async def forgot_parentheses() -> None: ...

    with pytest.raises(TypeError, match="async"):

        @db.transaction()
        def not_async() -> None: ...


async def test_retry_gives_up_after_the_retries(accounts: Database) -> None:
    db = accounts
    calls = 0

    @db.transaction(retries=2, backoff=0.001)
    async def always_conflicts() -> None:
        nonlocal calls
        calls += 1
        await db.execute("INSERT INTO accounts VALUES (:id, 0)", {"id": calls})
        raise SerializationFailure("could not serialize access", sqlstate="40001")

    with pytest.raises(SerializationFailure) as info:
        await always_conflicts()
    assert calls == 3
    assert any("3 attempts" in note for note in info.value.__notes__)
    assert await count(db) == 0  # every attempt was rolled back


async def test_retries_inside_a_transaction_are_refused(accounts: Database) -> None:
    db = accounts

    @db.transaction(retries=3)
    async def retrying() -> None:
        await db.execute("INSERT INTO accounts VALUES (1, 1)")

    @db.transaction()
    async def plain() -> None:
        await db.execute("INSERT INTO accounts VALUES (2, 1)")

    async with db.transaction():
        with pytest.raises(TransactionError, match="outermost"):
            await retrying()
        with pytest.raises(TransactionError, match="outermost"):
            await db.run_transaction(plain, retries=1)
        await plain()  # no retries: a savepoint inside the outer transaction
    assert await count(db) == 1


async def test_run_transaction(accounts: Database) -> None:
    db = accounts

    async def open_account(account: int, *, balance: int) -> str:
        await db.execute("INSERT INTO accounts VALUES (:id, :b)", {"id": account, "b": balance})
        return f"opened {account}"

    assert await db.run_transaction(open_account, 7, balance=70) == "opened 7"
    assert await db.fetch_val("SELECT balance FROM accounts WHERE id = 7") == 70
    with pytest.raises(ConfigurationError, match="retries"):
        await db.run_transaction(open_account, 8, balance=1, retries=-2)
    with pytest.raises(ConfigurationError, match="max_backoff"):
        await db.run_transaction(open_account, 8, balance=1, backoff=1.0, max_backoff=0.5)
    with pytest.raises(ConfigurationError, match="isolation"):
        await db.run_transaction(open_account, 8, balance=1, isolation="bogus")


async def test_serialization_failure_is_retried(pg: Database) -> None:
    """Two serializable transactions with write skew: one fails, is re-run, and succeeds."""
    db = pg
    await db.execute("CREATE TABLE on_call (doctor TEXT PRIMARY KEY)")
    attempts: dict[str, int] = {"alice": 0, "bob": 0}
    both_read = asyncio.Barrier(2)

    @db.transaction(retries=3, isolation="serializable", backoff=0.01)
    async def go_on_call(doctor: str) -> int:
        attempts[doctor] += 1
        others: int = await db.fetch_val("SELECT count(*) FROM on_call")
        if attempts[doctor] == 1:
            await asyncio.wait_for(both_read.wait(), 5)  # both read before either writes
        await db.execute("INSERT INTO on_call VALUES (:d)", {"d": doctor})
        return others

    seen = await asyncio.gather(go_on_call("alice"), go_on_call("bob"))
    assert sorted(seen) == [0, 1]  # the re-run saw the first one's row
    assert sorted(attempts.values()) == [1, 2]
    assert await db.fetch_val("SELECT count(*) FROM on_call") == 2


async def test_serialization_failure_without_retries_propagates(pg: Database) -> None:
    db = pg
    await db.execute("CREATE TABLE on_call (doctor TEXT PRIMARY KEY)")
    both_read = asyncio.Barrier(2)

    async def go_on_call(doctor: str) -> None:
        async with db.transaction(isolation="serializable"):
            await db.fetch_val("SELECT count(*) FROM on_call")
            await asyncio.wait_for(both_read.wait(), 5)
            await db.execute("INSERT INTO on_call VALUES (:d)", {"d": doctor})

    results = await asyncio.gather(go_on_call("a"), go_on_call("b"), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["NoneType", "SerializationFailure"]
    assert await db.fetch_val("SELECT count(*) FROM on_call") == 1


# -- binding to the task ----------------------------------------------------------------


async def test_code_called_inside_sees_uncommitted_rows(accounts: Database) -> None:
    db = accounts

    async def helper() -> int:  # knows nothing of the transaction
        return await count(db)

    async with db.transaction():
        await db.execute("INSERT INTO accounts VALUES (1, 100)")
        assert await helper() == 1


async def test_other_tasks_do_not_join_the_transaction(accounts: Database, driver: str) -> None:
    db = accounts
    async with db.transaction() as tx:
        await db.execute("INSERT INTO accounts VALUES (1, 100)")

        async def child() -> tuple[int, bool]:
            # Copies the context, but runs on its own pooled connection.
            seen = await count(db)
            # readonly: on SQLite our transaction holds the one write lock.
            async with db.transaction(readonly=True) as own:
                return seen, own.is_savepoint

        seen, nested = await asyncio.create_task(child())
        assert seen == 0  # not the uncommitted row
        assert nested is False  # its own top-level transaction, not a savepoint of ours
        if driver != "sqlite":
            pid = await asyncio.create_task(db.fetch_val("SELECT pg_backend_pid()"))
            assert pid != tx.connection.backend_pid
        await db.execute("INSERT INTO accounts VALUES (2, 100)")  # still ours, intact
        assert await count(db) == 2
    assert await count(db) == 2


async def test_concurrent_transactions_are_isolated(accounts: Database) -> None:
    db = accounts

    async def transfer(n: int) -> None:
        async with db.transaction():
            await db.execute("INSERT INTO accounts VALUES (:id, :b)", {"id": n, "b": n})
            await asyncio.sleep(0.01)
            assert await db.fetch_val("SELECT balance FROM accounts WHERE id = :id", {"id": n}) == n

    await asyncio.gather(*(transfer(n) for n in range(1, 5)))
    assert await count(db) == 4


# -- two-phase commit -------------------------------------------------------------------


async def test_two_phase_needs_postgresql() -> None:
    async with Database("sqlite:///:memory:") as db:
        with pytest.raises(TransactionError, match="PostgreSQL"):
            async with db.transaction(prepare="gid-1"):
                pass
        for call in (
            db.commit_prepared("g"),
            db.rollback_prepared("g"),
            db.prepared_transactions(),
        ):
            with pytest.raises(TransactionError, match="PostgreSQL"):
                await call


async def test_prepare_when_disabled_on_the_server(pg: Database) -> None:
    db = pg
    await db.execute(ACCOUNTS)
    if await db.fetch_val("SHOW max_prepared_transactions") != "0":
        pytest.skip("this server allows prepared transactions (tests/faults covers that)")
    with pytest.raises(TransactionError, match="max_prepared_transactions") as info:
        async with db.transaction(prepare="covet-test-gid"):
            await db.execute("INSERT INTO accounts VALUES (1, 100)")
    assert isinstance(info.value.__cause__, QueryError)
    assert await count(db) == 0
    assert await db.prepared_transactions() == []
    with pytest.raises(QueryError):
        await db.commit_prepared("covet-no-such-gid")
    async with db.transaction():
        with pytest.raises(TransactionError, match="inside a transaction"):
            await db.rollback_prepared("covet-no-such-gid")


# -- the server kills the connection ----------------------------------------------------


async def kill(admin: Database, tx: Transaction) -> None:
    """Terminate the transaction's backend from another connection, as an admin would."""
    pid = tx.connection.backend_pid
    assert await admin.fetch_val("SELECT pg_terminate_backend(:pid)", {"pid": pid}) is True
    for _ in range(200):
        query = "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"
        if await admin.fetch_val(query, {"pid": pid}) == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} did not exit")


async def test_connection_killed_mid_transaction(pg: Database, postgres_url: str) -> None:
    db = pg
    await db.execute(ACCOUNTS)
    async with Database(postgres_url, min_size=0, max_size=1) as admin:

        async def work() -> None:
            async with db.transaction() as tx:
                await db.execute("INSERT INTO accounts VALUES (1, 100)")
                await kill(admin, tx)
                await db.execute("INSERT INTO accounts VALUES (2, 100)")

        with pytest.raises(ConnectionLost) as info:
            await work()
        assert "127.0.0.1" in str(info.value) or info.value.host is not None
    assert await count(db) == 0  # nothing half-committed
    assert await db.fetch_val("SELECT 1") == 1  # the next acquire works
    assert db.pool_stats().discarded_total >= 1


async def test_connection_killed_before_commit(pg: Database, postgres_url: str) -> None:
    db = pg
    await db.execute(ACCOUNTS)
    async with Database(postgres_url, min_size=0, max_size=1) as admin:

        async def work() -> None:
            async with db.transaction() as tx:
                await db.execute("INSERT INTO accounts VALUES (1, 100)")
                await kill(admin, tx)

        with pytest.raises(ConnectionLost):
            await work()
    assert await count(db) == 0
    async with db.transaction():
        await db.execute("INSERT INTO accounts VALUES (2, 100)")
    assert await count(db) == 1


async def test_killed_connection_with_application_error(pg: Database, postgres_url: str) -> None:
    """The block's own error propagates, not the dead connection's; nothing is committed."""
    db = pg
    await db.execute(ACCOUNTS)
    async with Database(postgres_url, min_size=0, max_size=1) as admin:

        async def work() -> None:
            async with db.transaction() as tx:
                await db.execute("INSERT INTO accounts VALUES (1, 100)")
                await kill(admin, tx)
                raise Boom

        with pytest.raises(Boom) as info:
            await work()
    assert type(info.value) is Boom
    assert await count(db) == 0
    assert await db.fetch_val("SELECT 1") == 1
