"""The three drivers run statements, stream, bulk-load and hold transactions identically.

Each test runs on SQLite, asyncpg and psycopg through ``get_driver`` (not ``Database``),
on a fresh SQLite file or a fresh PostgreSQL schema.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from covet.db import DatabaseURL, Row
from covet.db._drivers import ConnectOptions, DriverConnection, get_driver
from covet.db.errors import (
    ConfigurationError,
    DataError,
    ProgrammingError,
    TransactionConflict,
    TransactionError,
    UniqueViolation,
)

from ._driver_targets import Target

# --- statements ----------------------------------------------------------------------------


async def _users(target: Target, conn: DriverConnection) -> None:
    await conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", ())
    await conn.execute_many(
        target.sql("INSERT INTO users (id, name) VALUES (?, ?)"),
        [(1, "ada"), (2, "grace"), (3, "linus")],
    )


async def test_execute_returns_rows_affected(target: Target, conn: DriverConnection) -> None:
    await _users(target, conn)
    assert (
        await conn.execute(target.sql("UPDATE users SET name = name || ? WHERE id > ?"), ("!", 1))
        == 2
    )
    assert await conn.execute(target.sql("DELETE FROM users WHERE id = ?"), (99,)) == 0
    assert await conn.execute("DELETE FROM users", ()) == 3


async def test_rows_have_key_index_and_attribute_access(
    target: Target, conn: DriverConnection
) -> None:
    await _users(target, conn)
    rows = await conn.fetch_all("SELECT id, name FROM users ORDER BY id", ())
    assert [tuple(row) for row in rows] == [(1, "ada"), (2, "grace"), (3, "linus")]
    row = rows[1]
    assert isinstance(row, Row)
    assert (row["name"], row[0], row.name, row.get("missing", "x")) == ("grace", 2, "grace", "x")
    assert list(row.keys()) == ["id", "name"]
    assert dict(row.items()) == {"id": 2, "name": "grace"}
    ident, name = row
    assert (ident, name) == (2, "grace")
    with pytest.raises(AttributeError, match=r"email.*columns: id, name"):
        _ = row.email
    with pytest.raises(KeyError):
        row["email"]


async def test_fetch_one_and_fetch_val(target: Target, conn: DriverConnection) -> None:
    await _users(target, conn)
    select = target.sql("SELECT id, name FROM users WHERE id >= ? ORDER BY id")
    first = await conn.fetch_one(select, (2,))
    assert first is not None and first.name == "grace"
    assert await conn.fetch_one(select, (10,)) is None
    assert await conn.fetch_val(select, (3,)) == 3
    assert await conn.fetch_val(select, (3,), column=1) == "linus"
    assert await conn.fetch_val(select, (10,)) is None
    assert await conn.fetch_all(select, (10,)) == []


async def test_sql_without_params_is_sent_unchanged(target: Target, conn: DriverConnection) -> None:
    # a literal % must not be taken for a placeholder when there are no parameters
    assert await conn.fetch_val("SELECT '100% sure' AS v", ()) == "100% sure"
    await conn.execute("CREATE TABLE a (x INTEGER); CREATE TABLE b (y INTEGER);", ())
    assert await conn.execute("INSERT INTO a (x) VALUES (1); INSERT INTO b (y) VALUES (2)", ()) == 1
    assert await conn.fetch_val("SELECT x + (SELECT y FROM b) FROM a", ()) == 3


async def test_execute_many_is_atomic(target: Target, conn: DriverConnection) -> None:
    await _users(target, conn)
    insert = target.sql("INSERT INTO users (id, name) VALUES (?, ?)")
    with pytest.raises(UniqueViolation):
        await conn.execute_many(insert, [(4, "new"), (1, "duplicate"), (5, "never")])
    assert await conn.fetch_val("SELECT count(*) FROM users", ()) == 3
    assert not conn.in_transaction
    await conn.execute_many(insert, ((i, f"user {i}") for i in range(10, 20)))
    assert await conn.fetch_val("SELECT count(*) FROM users", ()) == 13


_SERIES = (
    "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ?) SELECT n FROM s"
)


async def test_iterate_streams_every_row_in_batches(target: Target, conn: DriverConnection) -> None:
    await conn.begin()
    numbers = [row.n async for row in conn.iterate(target.sql(_SERIES), (1234,), batch_size=100)]
    assert numbers == list(range(1, 1235))
    await conn.commit()


async def test_iterate_uses_a_server_side_cursor(pg_target: Target) -> None:
    conn = await pg_target.connect()
    try:
        await conn.begin()
        rows = conn.iterate(pg_target.sql(_SERIES), (10_000,), batch_size=50)
        first = await anext(aiter(rows))
        assert first.n == 1
        # the rest of the result waits on the server, in a cursor, not in this process
        assert await conn.fetch_val("SELECT count(*) FROM pg_cursors WHERE name <> ''", ()) == 1
        await rows.aclose()  # type: ignore[attr-defined]
        assert await conn.fetch_val("SELECT 41 + 1", ()) == 42
        await conn.commit()
    finally:
        await conn.close()


async def test_iterate_on_postgresql_needs_a_transaction(pg_target: Target) -> None:
    conn = await pg_target.connect()
    try:
        with pytest.raises(TransactionError, match="transaction"):
            async for _ in conn.iterate("SELECT 1", ()):
                pass
        assert await conn.fetch_val("SELECT 1", ()) == 1
    finally:
        await conn.close()


async def test_copy_records(target: Target, conn: DriverConnection) -> None:
    blob = "BYTEA" if target.pg else "BLOB"
    await conn.execute(f"CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, data {blob})", ())
    records = [
        (i, f"item {i} ✓ 'q' \\", None if i % 7 == 0 else bytes([i % 256, 0]))
        for i in range(1, 1001)
    ]
    assert await conn.copy_records("items", iter(records), columns=["id", "name", "data"]) == 1000
    rows = await conn.fetch_all("SELECT id, name, data FROM items ORDER BY id", ())
    assert [tuple(row) for row in rows] == records
    schema = target.schema if target.pg else "main"
    more = [("x", 2001), ("y", 2002)]
    assert await conn.copy_records("items", more, columns=["name", "id"], schema=schema) == 2
    assert await conn.fetch_val("SELECT count(*) FROM items", ()) == 1002


_TYPES_DDL = (
    "CREATE TABLE vals (id INTEGER PRIMARY KEY, i BIGINT, f DOUBLE PRECISION, s TEXT, b {blob}, "
    "flag BOOLEAN, d NUMERIC(12, 4), day DATE, ts TIMESTAMPTZ, u UUID, j TEXT)"
)
_TYPED_VALUES: dict[str, Any] = {
    "i": 2**40,
    "f": 1.5,
    "s": "héllo wörld ✓ 🐍 'single' \"double\" ; -- not a comment /* nor this */ \\ back",
    "b": b"\x00\x01\xff\x00bytes",
    "flag": True,
    "d": Decimal("12.3400"),
    "day": date(2024, 2, 29),
    "ts": datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone(timedelta(hours=2))),
    "u": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "j": '{"k": [1, 2.5, "ü", null], "nested": {"a": true}}',
}


async def test_types_round_trip(target: Target, conn: DriverConnection) -> None:
    await conn.execute(_TYPES_DDL.format(blob="BYTEA" if target.pg else "BLOB"), ())
    names = list(_TYPED_VALUES)
    insert = target.sql(f"INSERT INTO vals (id, {', '.join(names)}) VALUES (?{', ?' * len(names)})")
    await conn.execute(insert, (1, *_TYPED_VALUES.values()))
    await conn.execute(insert, (2, *[None] * len(names)))
    await conn.execute(target.sql("UPDATE vals SET flag = ? WHERE id = 2"), (False,))
    row = await conn.fetch_one(f"SELECT {', '.join(names)} FROM vals WHERE id = 1", ())
    assert row is not None
    for name, value in _TYPED_VALUES.items():
        assert row[name] == value, name
        assert isinstance(row[name], type(value)), name  # asyncpg: a uuid.UUID subclass
    empty = await conn.fetch_one("SELECT * FROM vals WHERE id = 2", ())
    assert empty is not None and empty.flag is False
    assert [empty[name] for name in names if name != "flag"] == [None] * (len(names) - 1)


async def test_nul_bytes_round_trip_in_bytes_columns(
    target: Target, conn: DriverConnection
) -> None:
    blob = "BYTEA" if target.pg else "BLOB"
    await conn.execute(f"CREATE TABLE blobs (v {blob})", ())
    value = b"\x00head\x00\x00tail\x00"
    await conn.execute(target.sql("INSERT INTO blobs (v) VALUES (?)"), (value,))
    assert await conn.fetch_val("SELECT v FROM blobs", ()) == value


async def test_nul_in_postgresql_text_is_a_clear_data_error(pg_target: Target) -> None:
    conn = await pg_target.connect()
    try:
        await conn.execute("CREATE TABLE notes (body TEXT)", ())
        insert = pg_target.sql("INSERT INTO notes (body) VALUES (?)")
        with pytest.raises(DataError, match=r"NUL.*bytea") as caught:
            await conn.execute(insert, ("before\x00after",))
        assert caught.value.sql == insert and caught.value.__cause__ is not None
        with pytest.raises(DataError, match="NUL"):
            await conn.copy_records("notes", [("a\x00b",)], columns=["body"])
        # the connection survives a refused value
        assert await conn.fetch_val("SELECT count(*) FROM notes", ()) == 0
    finally:
        await conn.close()


async def test_sqlite_text_keeps_nul(tmp_path: Path) -> None:
    conn = await get_driver("sqlite").connect(
        DatabaseURL.parse(f"sqlite:///{tmp_path / 'nul.db'}"), ConnectOptions()
    )
    try:
        assert await conn.fetch_val("SELECT ?", ("a\x00b",)) == "a\x00b"
    finally:
        await conn.close()


# --- transactions --------------------------------------------------------------------------


async def test_commit_and_rollback(target: Target, conn: DriverConnection) -> None:
    await _users(target, conn)
    other = await target.connect()
    try:
        insert = target.sql("INSERT INTO users (id, name) VALUES (?, ?)")
        await conn.begin()
        assert conn.in_transaction
        await conn.execute(insert, (10, "kept"))
        await conn.commit()
        assert not conn.in_transaction
        await conn.begin()
        await conn.execute(insert, (11, "dropped"))
        await conn.rollback()
        assert not conn.in_transaction
        ids = [row.id for row in await other.fetch_all("SELECT id FROM users ORDER BY id", ())]
        assert ids == [1, 2, 3, 10]
    finally:
        await other.close()


async def test_savepoints(target: Target, conn: DriverConnection) -> None:
    await _users(target, conn)
    insert = target.sql("INSERT INTO users (id, name) VALUES (?, ?)")
    await conn.begin()
    await conn.execute(insert, (10, "outer"))
    await conn.savepoint("sp 1")
    await conn.execute(insert, (11, "inner, rolled back"))
    await conn.rollback_to_savepoint("sp 1")
    await conn.release_savepoint("sp 1")
    await conn.savepoint('sp "2"')
    await conn.execute(insert, (12, "inner, released"))
    await conn.release_savepoint('sp "2"')
    await conn.commit()
    assert await conn.fetch_val("SELECT count(*) FROM users WHERE id >= 10", ()) == 2
    assert await conn.fetch_val("SELECT count(*) FROM users WHERE id = 11", ()) == 0


async def test_readonly_transaction_refuses_writes(target: Target, conn: DriverConnection) -> None:
    await _users(target, conn)
    await conn.begin(readonly=True)
    assert await conn.fetch_val("SELECT count(*) FROM users", ()) == 3
    with pytest.raises(ProgrammingError, match="readonly") as caught:
        await conn.execute("DELETE FROM users", ())
    assert caught.value.sqlstate == "25006"
    await conn.rollback()
    # the next transaction, and autocommit statements, may write again
    await conn.begin()
    assert await conn.execute("DELETE FROM users WHERE id = 1", ()) == 1
    await conn.commit()
    assert await conn.execute("DELETE FROM users WHERE id = 2", ()) == 1


@pytest.mark.parametrize(
    ("isolation", "shown"),
    [
        ("read_uncommitted", "read uncommitted"),
        ("read_committed", "read committed"),
        ("repeatable_read", "repeatable read"),
        ("serializable", "serializable"),
    ],
)
async def test_isolation_levels(
    target: Target, conn: DriverConnection, isolation: Any, shown: str
) -> None:
    await conn.begin(isolation=isolation)
    if target.pg:  # SQLite is always serializable and accepts every level
        assert await conn.fetch_val("SHOW transaction_isolation", ()) == shown
    await conn.commit()


async def test_unknown_isolation_level_is_refused(conn: DriverConnection) -> None:
    with pytest.raises(ConfigurationError, match=r"snapshot.*read_committed"):
        await conn.begin(isolation="snapshot")  # type: ignore[arg-type]
    assert not conn.in_transaction


async def test_serializable_readonly_deferrable(pg_target: Target) -> None:
    conn = await pg_target.connect()
    try:
        await conn.begin(isolation="serializable", readonly=True, deferrable=True)
        assert await conn.fetch_val("SHOW transaction_deferrable", ()) == "on"
        assert await conn.fetch_val("SHOW transaction_read_only", ()) == "on"
        await conn.commit()
    finally:
        await conn.close()


async def test_reset_rolls_back_an_open_transaction(target: Target, conn: DriverConnection) -> None:
    await _users(target, conn)
    await conn.reset()  # clean: nothing to do
    await conn.begin(readonly=True)
    await conn.reset()
    assert not conn.in_transaction
    await conn.begin()
    await conn.execute("DELETE FROM users", ())
    await conn.reset()
    assert not conn.in_transaction
    assert await conn.execute("DELETE FROM users WHERE id = 1", ()) == 1  # writable again


async def test_commit_after_a_failed_statement_raises(pg_target: Target) -> None:
    conn = await pg_target.connect()
    try:
        await conn.execute("CREATE TABLE t (x INTEGER)", ())
        await conn.begin()
        await conn.execute("INSERT INTO t VALUES (1)", ())
        with pytest.raises(ProgrammingError):
            await conn.execute("SELECT * FROM missing_table", ())
        with pytest.raises(TransactionError, match="nothing was committed"):
            await conn.commit()
        assert not conn.in_transaction
        assert await conn.fetch_val("SELECT count(*) FROM t", ()) == 0
    finally:
        await conn.close()


async def test_sqlite_has_no_two_phase_commit(tmp_path: Path) -> None:
    conn = await get_driver("sqlite").connect(
        DatabaseURL.parse(f"sqlite:///{tmp_path / 'x.db'}"), ConnectOptions()
    )
    try:
        await conn.begin()
        with pytest.raises(TransactionError, match="two-phase"):
            await conn.prepare_transaction("gid-1")
        await conn.rollback()
    finally:
        await conn.close()


@pytest.mark.parametrize("text", ["plain", "it's", "back\\slash\\'", "ünï 'x' \\\\ ;--"])
async def test_gid_literal_means_the_gid(pg_target: Target, text: str) -> None:
    from covet.db._drivers._postgres import quote_literal

    conn = await pg_target.connect()
    try:
        assert await conn.fetch_val(f"SELECT {quote_literal(text)}", ()) == text
    finally:
        await conn.close()


async def test_sqlite_lock_waits_busy_timeout_then_explains(tmp_path: Path) -> None:
    url = DatabaseURL.parse(f"sqlite:///{tmp_path / 'locked.db'}")
    driver = get_driver("sqlite")
    first = await driver.connect(url, ConnectOptions())
    second = await driver.connect(url, ConnectOptions(busy_timeout=0.05))
    try:
        await first.execute("CREATE TABLE t (x INTEGER)", ())
        await first.begin()
        with pytest.raises(TransactionConflict, match="busy_timeout"):
            await second.begin()
        await first.commit()
        await second.begin()
        await second.execute("INSERT INTO t VALUES (1)", ())
        await second.commit()
    finally:
        await first.close()
        await second.close()


# --- connection options --------------------------------------------------------------------


async def test_postgresql_options_reach_the_server(pg_target: Target) -> None:
    url = pg_target.url.replace(
        options={**pg_target.url.options, "DateStyle": "ISO, DMY", "application_name": "from-url"}
    )
    conn = await pg_target.driver.connect(
        url, ConnectOptions(statement_timeout=1.5, application_name="from-options")
    )
    try:
        assert await conn.fetch_val("SHOW statement_timeout", ()) == "1500ms"
        assert await conn.fetch_val("SHOW DateStyle", ()) == "ISO, DMY"
        assert await conn.fetch_val("SHOW application_name", ()) == "from-url"
        assert await conn.fetch_val("SHOW search_path", ()) == pg_target.schema
        assert isinstance(conn.backend_pid, int)
    finally:
        await conn.close()
    conn = await pg_target.connect(application_name="from-options")
    try:
        assert await conn.fetch_val("SHOW application_name", ()) == "from-options"
    finally:
        await conn.close()


@pytest.mark.parametrize("pgbouncer", [False, True])
async def test_prepared_statements_unless_pgbouncer(pg_target: Target, pgbouncer: bool) -> None:
    conn = await pg_target.connect(pgbouncer=pgbouncer)
    try:
        for _ in range(3):
            assert await conn.fetch_val(pg_target.sql("SELECT ? + 1"), (1,)) == 2
        prepared = await conn.fetch_val(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%+ 1%'", ()
        )
        assert (prepared == 0) is pgbouncer
    finally:
        await conn.close()


async def test_sqlite_connection_settings(tmp_path: Path) -> None:
    driver = get_driver("sqlite")
    conn = await driver.connect(
        DatabaseURL.parse(f"sqlite:///{tmp_path / 's.db'}"), ConnectOptions(busy_timeout=2.5)
    )
    try:
        assert await conn.fetch_val("PRAGMA foreign_keys", ()) == 1
        assert await conn.fetch_val("PRAGMA journal_mode", ()) == "wal"
        assert await conn.fetch_val("PRAGMA busy_timeout", ()) == 2500
        assert conn.backend_pid is None
    finally:
        await conn.close()
    memory = await driver.connect(DatabaseURL.parse("sqlite:///:memory:"), ConnectOptions())
    try:
        await memory.execute("CREATE TABLE t (x INTEGER)", ())
        assert await memory.fetch_val("PRAGMA foreign_keys", ()) == 1
    finally:
        await memory.close()


async def test_terminate_closes_at_once(target: Target) -> None:
    conn = await target.connect()
    assert not conn.is_closed()
    conn.terminate()
    assert conn.is_closed()
    conn.terminate()  # twice is harmless
    await conn.close()  # and so is close afterwards


async def test_json_comes_back_as_the_server_text(pg_target: Target) -> None:
    # the same value whichever PostgreSQL driver fetched it: the text, parsed by the caller
    conn = await pg_target.connect()
    try:
        row = await conn.fetch_one(
            pg_target.sql("SELECT ?::jsonb AS b, ?::json AS j"), ('{"a":  [1, "ü"]}', "[1, 2]")
        )
        assert row is not None
        assert (row.b, row.j) == ('{"a": [1, "ü"]}', "[1, 2]")
    finally:
        await conn.close()
