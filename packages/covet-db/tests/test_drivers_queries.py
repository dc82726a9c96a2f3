"""The three drivers run statements, stream, bulk-load and hold transactions identically.

Each test runs on SQLite, asyncpg and psycopg through ``get_driver`` (not ``Database``),
on a fresh SQLite file or a fresh PostgreSQL schema.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
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

from ._driver_targets import PG, Target, open_target

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
        assert conn.is_idle()
        await conn.begin()
        assert conn.in_transaction
        assert not conn.is_idle()  # the pool must reset it before handing it out
        await conn.execute(insert, (10, "kept"))
        await conn.commit()
        assert not conn.in_transaction
        assert conn.is_idle()
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
    assert conn.is_idle()
    conn.terminate()
    assert conn.is_closed()
    assert not conn.is_idle()
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


# --- results whose columns change ------------------------------------------------------------


async def test_rows_follow_the_columns_of_each_result(
    target: Target, conn: DriverConnection
) -> None:
    # Drivers remember column shapes per statement; the same SQL text must still give the
    # names the server sends now (SELECT * after a rename), not the ones it sent before.
    await _users(target, conn)
    select = "SELECT * FROM users ORDER BY id"
    for _ in range(3):  # prepared by now where the driver prepares
        first = await conn.fetch_one(select, ())
        assert first is not None and first.name == "ada"
    await conn.execute("ALTER TABLE users RENAME COLUMN name TO title", ())
    first = await conn.fetch_one(select, ())
    assert first is not None and list(first.keys()) == ["id", "title"] and first.title == "ada"
    with pytest.raises(AttributeError, match="name"):
        _ = first.name
    rows = await conn.fetch_all(select, ())
    assert [dict(row.items()) for row in rows[:1]] == [{"id": 1, "title": "ada"}]
    # another shape from another statement on the same connection
    pair = await conn.fetch_one("SELECT 1 AS a, 3 AS b", ())
    assert pair is not None and (pair.a, pair.b, tuple(pair)) == (1, 3, (1, 3))


async def test_large_then_small_results_on_one_connection(pg_target: Target) -> None:
    conn = await pg_target.connect()
    try:
        big = await conn.fetch_all("SELECT n, n * 2 AS twice FROM generate_series(1, 5000) n", ())
        assert len(big) == 5000 and (big[-1].n, big[-1].twice) == (5000, 10000)
        assert await conn.execute("SELECT generate_series(1, 3000)", ()) == 3000
        small = await conn.fetch_one(pg_target.sql("SELECT ?::int AS x, 'y' AS y"), (7,))
        assert small is not None and dict(small.items()) == {"x": 7, "y": "y"}
        assert await conn.fetch_val("SELECT 1 AS one", ()) == 1
        assert big[0].twice == 2  # rows already returned are unaffected
    finally:
        await conn.close()


# --- large bulk loads (psycopg: binary COPY where it stores exactly what text would) ----------

_MANY = 1234  # more than two of the psycopg driver's COPY batches
_WIDE_DDL = (
    "CREATE TABLE wide (id INTEGER PRIMARY KEY, small SMALLINT, big BIGINT, "
    "f DOUBLE PRECISION, s TEXT, v VARCHAR(20), c CHAR(4), flag BOOLEAN, b BYTEA, day DATE, "
    "at TIMESTAMP, atz TIMESTAMPTZ, u UUID)"
)
_WIDE_COLUMNS = [
    "id", "small", "big", "f", "s", "v", "c", "flag", "b", "day", "at", "atz", "u"
]  # fmt: skip


def _wide(i: int) -> tuple[Any, ...]:
    if i % 11 == 0:
        return (i, *[None] * (len(_WIDE_COLUMNS) - 1))
    return (
        i,
        i % 65535 - 32767,
        2**62 - i,
        i / 3 if i % 2 else i,  # an int is a fine float8
        f"s{i} ✓ 'q' \\ \t tab\nline",
        f"v{i}",
        f"{i % 10000:>4}",
        i % 3 == 0,
        bytes([i % 256, 0, 255]),
        date(2000, 1, 1) + timedelta(days=i),
        datetime(2024, 1, 1, 12) + timedelta(seconds=i, microseconds=i),
        datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=i % 5 - 2))) + timedelta(minutes=i),
        uuid.UUID(int=i * 7919),
    )


async def test_large_copy_round_trips_every_type(pg_target: Target) -> None:
    conn = await pg_target.connect()
    try:
        await conn.execute(_WIDE_DDL, ())
        records = [_wide(i) for i in range(1, _MANY + 1)]
        assert await conn.copy_records("wide", iter(records), columns=_WIDE_COLUMNS) == _MANY
        rows = await conn.fetch_all(f"SELECT {', '.join(_WIDE_COLUMNS)} FROM wide ORDER BY id", ())
        assert [tuple(row) for row in rows] == records
        assert not conn.in_transaction
    finally:
        await conn.close()


@pytest.fixture
async def psycopg_conn(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DriverConnection]:
    async for target in open_target("psycopg", request, tmp_path):
        connection = await target.connect()
        try:
            yield connection
        finally:
            await connection.close()


@PG
async def test_large_copy_still_takes_values_only_text_reads(
    psycopg_conn: DriverConnection,
) -> None:
    # psycopg COPYs in text, where the server parses each value: a later batch of values
    # that binary COPY cannot send ('42' for an integer) is loaded exactly as before.
    conn = psycopg_conn
    await conn.execute("CREATE TABLE t (id INTEGER, at TIMESTAMPTZ, label TEXT)", ())
    at = datetime(2024, 3, 1, tzinfo=UTC)
    records: list[tuple[Any, ...]] = [(i, at, f"n{i}") for i in range(1, _MANY + 1)]
    records[900] = ("901", "2024-03-01 00:00:00+00", 901)  # str, str, int: text spellings
    assert await conn.copy_records("t", records, columns=["id", "at", "label"]) == _MANY
    assert await conn.fetch_val("SELECT count(*) FROM t WHERE at = '2024-03-01Z'", ()) == _MANY
    assert await conn.fetch_val("SELECT label FROM t WHERE id = 901", ()) == "901"
    assert await conn.fetch_val("SELECT sum(id) FROM t", ()) == _MANY * (_MANY + 1) // 2
    assert not conn.in_transaction


@PG
async def test_large_copy_fails_as_text_copy_does_and_inserts_nothing(
    psycopg_conn: DriverConnection,
) -> None:
    conn = psycopg_conn
    await conn.execute("CREATE TABLE t (id INTEGER, label TEXT)", ())
    good = [(i, f"n{i}") for i in range(1, _MANY + 1)]
    # a bool is not an integer in text ("t"): never sent as 1 in binary, in any batch
    for where in (3, 900):
        records: list[tuple[Any, ...]] = list(good)
        records[where] = (True, "bool")
        with pytest.raises(DataError, match=r'integer: "t"'):
            await conn.copy_records("t", records, columns=["id", "label"])
        assert await conn.fetch_val("SELECT count(*) FROM t", ()) == 0
        assert not conn.in_transaction
    # inside the caller's transaction: the failure is the transaction's, as for any COPY
    await conn.begin()
    await conn.execute("INSERT INTO t VALUES (0, 'before')", ())
    records = [*good[:700], ("x", "bad"), *good[700:]]
    with pytest.raises(DataError, match="integer"):
        await conn.copy_records("t", records, columns=["id", "label"])
    assert conn.in_transaction
    await conn.rollback()
    assert await conn.fetch_val("SELECT count(*) FROM t", ()) == 0
    # NUL in text: the same clear error, large or small
    with pytest.raises(DataError, match="NUL"):
        await conn.copy_records("t", [*good, (0, "a\x00b")], columns=["id", "label"])
    assert await conn.copy_records("t", good, columns=["id", "label"]) == _MANY


@PG
async def test_large_copy_reads_datetimes_as_text_copy_does(
    psycopg_conn: DriverConnection,
) -> None:
    # A naive datetime into TIMESTAMPTZ means the session's time zone, and an aware one into
    # TIMESTAMP keeps its wall-clock time: large COPYs store what small ones do.
    conn = psycopg_conn
    await conn.execute("SET TIME ZONE 'Asia/Kolkata'", ())
    await conn.execute("CREATE TABLE t (id INTEGER, atz TIMESTAMPTZ, at TIMESTAMP)", ())
    naive = datetime(2024, 6, 1, 8, 30)
    aware = datetime(2024, 6, 1, 8, 30, tzinfo=timezone(timedelta(hours=-7)))
    records = [(i, naive, aware) for i in range(1, _MANY + 1)]
    assert await conn.copy_records("t", records, columns=["id", "atz", "at"]) == _MANY
    assert await conn.copy_records("t", [(0, naive, aware)], columns=["id", "atz", "at"]) == 1
    distinct = await conn.fetch_one(
        "SELECT count(DISTINCT atz) AS a, count(DISTINCT at) AS b FROM t", ()
    )
    assert distinct is not None and (distinct.a, distinct.b) == (1, 1)
    row = await conn.fetch_one("SELECT atz, at FROM t WHERE id = 1", ())
    assert row is not None
    assert row.atz == naive.replace(tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert row.at == naive


@PG
async def test_large_copy_into_other_types_and_missing_targets(
    psycopg_conn: DriverConnection,
) -> None:
    conn = psycopg_conn
    # NUMERIC and JSONB are sent as text: a str is JSON text, not a JSON string
    await conn.execute("CREATE TABLE t (d NUMERIC(8, 2), j JSONB)", ())
    records = [(Decimal("1.50"), '{"k": 1}')] * _MANY
    assert await conn.copy_records("t", records, columns=["d", "j"]) == _MANY
    row = await conn.fetch_one("SELECT d, j::text AS j, jsonb_typeof(j) AS kind FROM t LIMIT 1", ())
    assert row is not None and (row.d, row.j, row.kind) == (Decimal("1.50"), '{"k": 1}', "object")
    with pytest.raises(ProgrammingError, match="missing"):
        await conn.copy_records("missing", [(1,)] * _MANY, columns=["d"])
    with pytest.raises(ProgrammingError, match="nope"):
        await conn.copy_records("t", [(1,)] * _MANY, columns=["nope"])
    assert not conn.in_transaction
