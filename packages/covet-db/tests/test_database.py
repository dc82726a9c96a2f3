"""Database: statements, pinned connections, streaming and bulk inserts, on every driver."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from pathlib import Path

import pytest

from covet.db import (
    ConfigurationError,
    Connection,
    Database,
    DatabaseError,
    DatabaseURL,
    ProgrammingError,
    QueryError,
    Row,
    UniqueViolation,
)
from covet.db.query import func, insert, select, table

PEOPLE = "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER)"


async def make_people(db: Database, count: int = 0) -> None:
    await db.execute(PEOPLE)
    if count:
        await db.execute_many(
            "INSERT INTO people (id, name, age) VALUES (:id, :name, :age)",
            [{"id": i, "name": f"p{i}", "age": 20 + i} for i in range(1, count + 1)],
        )


# -- identity and configuration ---------------------------------------------------------


async def test_identity(db: Database, driver: str) -> None:
    assert isinstance(db.url, DatabaseURL)
    assert db.driver == driver
    assert db.dialect == ("sqlite" if driver == "sqlite" else "postgresql")
    assert "connected" in repr(db)


def test_repr_hides_password() -> None:
    db = Database("postgresql://app:s3cret@db.example:5432/shop")
    assert "s3cret" not in repr(db)
    assert "not connected" in repr(db)


async def test_url_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "env.db"
    monkeypatch.setenv("COVET_DATABASE_URL", f"sqlite:///{path}")
    async with Database() as db:
        await db.execute("CREATE TABLE t (x INTEGER)")
        assert db.url.database == str(path)
    assert path.exists()


def test_bad_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="supported schemes"):
        Database("mysql://localhost/db")


# -- statements -------------------------------------------------------------------------


async def test_execute_returns_rows_affected(db: Database) -> None:
    await make_people(db)
    assert (
        await db.execute(
            "INSERT INTO people (id, name) VALUES (:id, :name)", {"id": 1, "name": "a"}
        )
        == 1
    )
    await db.execute("INSERT INTO people (id, name) VALUES (2, 'b')")
    assert await db.execute("UPDATE people SET age = :age", {"age": 30}) == 2
    assert await db.execute("DELETE FROM people WHERE id = :id", {"id": 1}) == 1
    assert await db.execute("DELETE FROM people WHERE id = :id", {"id": 1}) == 0


async def test_execute_many(db: Database) -> None:
    await make_people(db, 5)
    assert await db.fetch_val("SELECT count(*) FROM people") == 5
    before = db.pool_stats().acquired_total
    await db.execute_many("INSERT INTO people (id, name) VALUES (:id, :name)", [])
    assert db.pool_stats().acquired_total == before  # nothing to run: no connection used


async def test_execute_many_is_atomic(db: Database) -> None:
    await make_people(db)
    with pytest.raises(UniqueViolation):
        await db.execute_many(
            "INSERT INTO people (id, name) VALUES (:id, :name)",
            [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 1, "name": "again"}],
        )
    assert await db.fetch_val("SELECT count(*) FROM people") == 0


async def test_fetch_all_rows_have_key_index_and_attribute_access(db: Database) -> None:
    await make_people(db, 3)
    rows = await db.fetch_all("SELECT id, name, age FROM people ORDER BY id")
    assert len(rows) == 3
    first = rows[0]
    assert isinstance(first, Row)
    assert (first["id"], first[1], first.age) == (1, "p1", 21)
    assert dict(first.items()) == {"id": 1, "name": "p1", "age": 21}
    assert await db.fetch_all("SELECT id FROM people WHERE id > :id", {"id": 99}) == []


async def test_fetch_one(db: Database) -> None:
    await make_people(db, 3)
    row = await db.fetch_one("SELECT name FROM people WHERE id = :id", {"id": 2})
    assert row is not None and row.name == "p2"
    assert await db.fetch_one("SELECT name FROM people WHERE id = :id", {"id": 42}) is None


async def test_fetch_val(db: Database) -> None:
    await make_people(db, 2)
    query = "SELECT id, name FROM people WHERE id = :id"
    assert await db.fetch_val(query, {"id": 2}) == 2
    assert await db.fetch_val(query, {"id": 2}, column=1) == "p2"
    assert await db.fetch_val(query, {"id": 2}, column="name") == "p2"
    assert await db.fetch_val(query, {"id": 3}) is None
    assert await db.fetch_val(query, {"id": 3}, column="name") is None
    with pytest.raises(TypeError, match="column"):
        await db.fetch_val(query, {"id": 2}, column=1.5)  # type: ignore[arg-type]


async def test_values_must_be_a_mapping(db: Database) -> None:
    with pytest.raises(TypeError, match="mapping"):
        await db.fetch_val("SELECT :x", [1])  # type: ignore[arg-type]


async def test_server_errors_carry_the_sql(db: Database) -> None:
    with pytest.raises(ProgrammingError) as info:
        await db.fetch_all("SELECT * FROM no_such_table")
    assert info.value.sql == "SELECT * FROM no_such_table"
    assert await db.fetch_val("SELECT 1") == 1  # the connection survived


async def test_query_builder_statements(db: Database) -> None:
    await make_people(db)
    people = table("people", "id", "name", "age")
    await db.execute(insert(people).values({"id": 1, "name": "ada", "age": 36}))
    await db.execute_many(insert(people), [{"id": 2, "name": "bob"}, {"id": 3, "name": "cy"}])
    query = select(people.c.name).where(people.c.id >= 2).order_by(people.c.id)
    assert [row.name for row in await db.fetch_all(query)] == ["bob", "cy"]
    assert await db.fetch_val(select(func.count()).select_from(people)) == 3
    assert [row.name async for row in db.iterate(query, batch_size=1)] == ["bob", "cy"]
    assert await db.bulk_insert(people, [(4, "dee", 1)], columns=["id", "name", "age"]) == 1
    assert await db.fetch_val("SELECT name FROM people WHERE id = 4") == "dee"


# -- iterate ----------------------------------------------------------------------------


async def test_iterate_streams_every_row(db: Database) -> None:
    await make_people(db, 10)
    seen = [row.id async for row in db.iterate("SELECT id FROM people ORDER BY id", batch_size=3)]
    assert seen == list(range(1, 11))
    seen = [
        row["name"]
        async for row in db.iterate("SELECT name FROM people WHERE id <= :n ORDER BY id", {"n": 2})
    ]
    assert seen == ["p1", "p2"]
    assert db.pool_stats().in_use == 0


async def test_iterate_stopped_early_gives_the_connection_back(db: Database) -> None:
    await make_people(db, 10)
    async with aclosing(db.iterate("SELECT id FROM people ORDER BY id", batch_size=2)) as rows:
        async for row in rows:
            if row.id == 3:
                break
    assert db.pool_stats().in_use == 0
    # The connection is clean: no cursor or transaction left behind.
    async with db.connection() as conn:
        assert not conn.in_transaction
        assert await conn.fetch_val("SELECT count(*) FROM people") == 10


async def test_iterate_inside_a_transaction_sees_its_rows(db: Database) -> None:
    await make_people(db)
    async with db.transaction():
        await db.execute("INSERT INTO people (id, name) VALUES (1, 'a'), (2, 'b')")
        names = [row.name async for row in db.iterate("SELECT name FROM people ORDER BY id")]
        assert names == ["a", "b"]
        await db.execute("INSERT INTO people (id, name) VALUES (3, 'c')")
    assert await db.fetch_val("SELECT count(*) FROM people") == 3


async def test_iterate_on_a_pinned_connection(db: Database) -> None:
    await make_people(db, 4)
    async with db.connection() as conn:
        ids = [
            row.id async for row in conn.iterate("SELECT id FROM people ORDER BY id", batch_size=3)
        ]
        assert ids == [1, 2, 3, 4]
        assert not conn.in_transaction  # the cursor's own transaction ended with it


@pytest.mark.parametrize("batch_size", [0, -1, 1.5, "10", True])
async def test_iterate_bad_batch_size(db: Database, batch_size: object) -> None:
    with pytest.raises(ConfigurationError, match="batch_size"):
        db.iterate("SELECT 1", batch_size=batch_size)  # type: ignore[arg-type]


# -- bulk_insert ------------------------------------------------------------------------


async def test_bulk_insert_sequences(db: Database) -> None:
    await make_people(db)
    rows = [(i, f"n{i}", i * 2) for i in range(1, 101)]
    assert await db.bulk_insert("people", rows, columns=["id", "name", "age"]) == 100
    assert await db.fetch_val("SELECT sum(age) FROM people") == sum(r[2] for r in rows)


async def test_bulk_insert_mappings_and_generators(db: Database) -> None:
    await make_people(db)
    records = ({"id": i, "name": f"m{i}"} for i in range(1, 6))
    assert await db.bulk_insert("people", records) == 5
    assert await db.fetch_val("SELECT name FROM people WHERE id = 5") == "m5"
    # explicit columns pick from each mapping
    assert (
        await db.bulk_insert("people", [{"id": 9, "name": "x", "age": 1}], columns=["id", "name"])
        == 1
    )
    assert await db.fetch_val("SELECT age FROM people WHERE id = 9") is None


async def test_bulk_insert_nothing(db: Database) -> None:
    before = db.pool_stats().acquired_total
    assert await db.bulk_insert("people", []) == 0  # the table need not even exist
    assert db.pool_stats().acquired_total == before


async def test_bulk_insert_in_transaction_uses_it(db: Database) -> None:
    await make_people(db)
    async with db.transaction() as tx:
        await db.bulk_insert("people", [(1, "a"), (2, "b")], columns=["id", "name"])
        assert await db.fetch_val("SELECT count(*) FROM people") == 2
        await tx.rollback()
    assert await db.fetch_val("SELECT count(*) FROM people") == 0


async def test_bulk_insert_with_schema(db: Database, driver: str) -> None:
    if driver == "sqlite":
        schema = "main"
    else:
        schema = await db.fetch_val("SELECT current_schema()")
    await make_people(db)
    assert await db.bulk_insert("people", [(1, "a")], columns=["id", "name"], schema=schema) == 1
    assert await db.fetch_val("SELECT name FROM people") == "a"


async def test_bulk_insert_constraint_violation(db: Database) -> None:
    await make_people(db)
    with pytest.raises(QueryError):
        await db.bulk_insert("people", [(1, "a"), (1, "b")], columns=["id", "name"])
    assert await db.fetch_val("SELECT count(*) FROM people") == 0


async def test_bulk_insert_bad_input(db: Database) -> None:
    await make_people(db)
    with pytest.raises(ConfigurationError, match="columns is required"):
        await db.bulk_insert("people", [(1, "a")])
    with pytest.raises(TypeError, match="all records as mappings"):
        await db.bulk_insert("people", [{"id": 1, "name": "a"}, (2, "b")])
    with pytest.raises(TypeError, match="all records as sequences"):
        await db.bulk_insert("people", [(1, "a"), {"id": 2, "name": "b"}], columns=["id", "name"])
    with pytest.raises(ConfigurationError, match="record 2 has no value for column 'name'"):
        await db.bulk_insert("people", [{"id": 1, "name": "a"}, {"id": 2}])
    with pytest.raises(ConfigurationError, match="record 2 has 3 values for 2 columns"):
        await db.bulk_insert("people", [(1, "a"), (2, "b", 3)], columns=["id", "name"])
    with pytest.raises(TypeError, match="table"):
        await db.bulk_insert(42, [(1, "a")], columns=["id", "name"])
    with pytest.raises(TypeError, match="records"):
        await db.bulk_insert("people", 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="columns"):
        await db.bulk_insert("people", [(1,)], columns="id")
    with pytest.raises(TypeError, match="each record"):
        await db.bulk_insert("people", ["ab"], columns=["id"])
    assert await db.fetch_val("SELECT count(*) FROM people") == 0


# -- routing --------------------------------------------------------------------------


async def test_every_statement_is_routed_by_intent(db: Database) -> None:
    """The seam for replicas and shards: with a router of several pools, the Database
    asks it for a pool per statement (reads, writes) and per transaction."""
    from covet.db._pool import Pool
    from covet.db._routing import READ, TRANSACTION, WRITE, Intent

    pool = db._router.primary if db._router is not None else None
    assert pool is not None
    asked: list[Intent] = []

    class RecordingRouter:
        single = None
        primary = pool
        pools = (pool,)

        def pool_for(self, intent: Intent) -> Pool:
            asked.append(intent)
            return pool

    db._router, db._pool = RecordingRouter(), None
    await make_people(db)
    await db.fetch_all("SELECT * FROM people")
    async with db.transaction():
        await db.execute("INSERT INTO people (id, name) VALUES (1, 'a')")
    await db.bulk_insert("people", [(2, "b")], columns=["id", "name"])
    assert asked == [WRITE, READ, TRANSACTION, WRITE]
    assert await db.fetch_val("SELECT count(*) FROM people") == 2


# -- pinned connections -----------------------------------------------------------------


async def test_connection_pins_one_connection_for_the_task(db: Database) -> None:
    async with db.connection() as conn:
        assert isinstance(conn, Connection)
        # A TEMP table exists only on the connection that made it.
        await conn.execute("CREATE TEMP TABLE scratch (x INTEGER)")
        await db.execute("INSERT INTO scratch VALUES (1)")  # db.* in the block: same connection
        async with db.connection() as again:  # nested: still the same connection
            assert await again.fetch_val("SELECT count(*) FROM scratch") == 1
            assert again.driver_connection is conn.driver_connection

        async def other_task() -> object:
            return await db.fetch_val("SELECT count(*) FROM scratch")

        # Another task (which copies the context) runs on its own connection.
        with pytest.raises(ProgrammingError):
            await asyncio.create_task(other_task())
        assert await db.fetch_val("SELECT count(*) FROM scratch") == 1


async def test_connection_is_invalid_after_its_block(db: Database) -> None:
    async with db.connection() as conn:
        assert await conn.fetch_val("SELECT 1") == 1
    with pytest.raises(DatabaseError, match="after its block"):
        await conn.fetch_val("SELECT 1")
    assert db.pool_stats().in_use == 0


async def test_connection_backend_pid(db: Database, driver: str) -> None:
    async with db.connection() as conn:
        if driver == "sqlite":
            assert conn.backend_pid is None
        else:
            assert conn.backend_pid == await db.fetch_val("SELECT pg_backend_pid()")


async def test_memory_database_is_shared_by_all_statements() -> None:
    async with Database("sqlite:///:memory:") as db:
        await make_people(db, 3)
        counts = await asyncio.gather(
            *(db.fetch_val("SELECT count(*) FROM people") for _ in range(4))
        )
        assert counts == [3, 3, 3, 3]


async def test_statements_before_connect_connect_lazily(
    driver: str, make_url: Callable[[str], str]
) -> None:
    db = Database(make_url(driver))
    try:
        assert await db.fetch_val("SELECT 40 + 2") == 42
    finally:
        await db.close()


async def test_rows_behave_the_same_on_every_driver(db: Database) -> None:
    row = await db.fetch_one("SELECT 1 AS a, 'x' AS b, 3 AS a")
    assert row is not None
    assert isinstance(row, Row)
    # duplicate names: the last one wins for key and attribute access, as in asyncpg
    assert (row["a"], row.a, row[0], row[2]) == (3, 3, 1, 3)
    assert tuple(row) == (1, "x", 3)
    assert len(row) == 3
    assert row.get("b") == "x"
    assert row.get("missing", "default") == "default"
    with pytest.raises(KeyError):
        row["missing"]
    with pytest.raises(AttributeError):
        _ = row.missing
