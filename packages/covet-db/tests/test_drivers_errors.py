"""Every driver raises the same covet error, with the same fields, for the same failure.

Covers the server refusing a statement (constraints, bad SQL, bad values, timeouts,
conflicts), connections the server kills, and connections that cannot open.
"""

from __future__ import annotations

import asyncio
import re
import socket
import uuid
from pathlib import Path

import pytest

from covet.db import DatabaseURL
from covet.db._drivers import ConnectOptions, DriverConnection, get_driver
from covet.db.errors import (
    CheckViolation,
    ConfigurationError,
    ConnectionFailed,
    ConnectionLost,
    DatabaseError,
    DataError,
    DeadlockDetected,
    ForeignKeyViolation,
    IntegrityError,
    NotNullViolation,
    ProgrammingError,
    QueryCanceled,
    QueryError,
    SerializationFailure,
    TransactionConflict,
    UniqueViolation,
)

from ._driver_targets import Target

# --- constraint violations -----------------------------------------------------------------

_SCHEMA = [
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), "
    "price INTEGER, CONSTRAINT price_positive CHECK (price > 0))",
]


@pytest.fixture
async def shop(target: Target, conn: DriverConnection) -> DriverConnection:
    for statement in _SCHEMA:
        await conn.execute(statement, ())
    await conn.execute("INSERT INTO users (id, email) VALUES (1, 'ada@example.com')", ())
    return conn


def _assert_query_error(error: QueryError, sql: str, sqlstate: str) -> None:
    assert error.sql == sql
    assert error.sqlstate == sqlstate
    assert error.driver_message
    assert error.__cause__ is not None and not isinstance(error.__cause__, DatabaseError)
    assert f"SQL: {sql}" in str(error)


async def test_unique_violation(target: Target, shop: DriverConnection) -> None:
    sql = target.sql("INSERT INTO users (id, email) VALUES (?, ?)")
    with pytest.raises(UniqueViolation) as caught:
        await shop.execute(sql, (2, "ada@example.com"))
    error = caught.value
    _assert_query_error(error, sql, "23505")
    assert isinstance(error, IntegrityError) and error.table == "users"
    if target.pg:
        assert error.constraint == "users_email_key"
        assert error.detail is not None and "ada@example.com" in error.detail
    else:
        assert error.column == "email"


async def test_primary_key_is_a_unique_violation(target: Target, shop: DriverConnection) -> None:
    with pytest.raises(UniqueViolation):
        await shop.execute(target.sql("INSERT INTO users (id, email) VALUES (?, ?)"), (1, "x@y"))


async def test_foreign_key_violation(target: Target, shop: DriverConnection) -> None:
    sql = target.sql("INSERT INTO orders (id, user_id, price) VALUES (?, ?, ?)")
    with pytest.raises(ForeignKeyViolation) as caught:
        await shop.execute(sql, (1, 42, 10))
    _assert_query_error(caught.value, sql, "23503")
    if target.pg:
        assert caught.value.constraint == "orders_user_id_fkey"
        assert caught.value.table == "orders"


async def test_not_null_violation(target: Target, shop: DriverConnection) -> None:
    sql = target.sql("INSERT INTO users (id, email) VALUES (?, ?)")
    with pytest.raises(NotNullViolation) as caught:
        await shop.execute(sql, (3, None))
    _assert_query_error(caught.value, sql, "23502")
    assert (caught.value.table, caught.value.column) == ("users", "email")


async def test_check_violation(target: Target, shop: DriverConnection) -> None:
    sql = target.sql("INSERT INTO orders (id, user_id, price) VALUES (?, ?, ?)")
    with pytest.raises(CheckViolation) as caught:
        await shop.execute(sql, (1, 1, -5))
    _assert_query_error(caught.value, sql, "23514")
    assert caught.value.constraint == "price_positive"


# --- wrong statements and values -----------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "sqlstate"),
    [
        ("SELECT * FROM no_such_table", "42P01"),
        ("SELECT no_such_column FROM users", "42703"),
        ("SELEKT 1", "42601"),
    ],
)
async def test_programming_errors(shop: DriverConnection, sql: str, sqlstate: str) -> None:
    with pytest.raises(ProgrammingError) as caught:
        await shop.fetch_all(sql, ())
    _assert_query_error(caught.value, sql, sqlstate)
    assert await shop.fetch_val("SELECT count(*) FROM users", ()) == 1  # still usable


async def test_unsupported_parameter_type_names_the_position(
    target: Target, shop: DriverConnection
) -> None:
    sql = target.sql("INSERT INTO users (id, email) VALUES (?, ?)")
    with pytest.raises(DataError) as caught:
        await shop.execute(sql, (5, {"not": "storable"}))
    assert re.search(r"(parameter|argument) \$?2", str(caught.value)), str(caught.value)
    assert caught.value.sql == sql and caught.value.__cause__ is not None
    assert caught.value.sqlstate == "22000"
    assert isinstance(caught.value, ValueError)


async def test_integer_out_of_range_is_a_data_error(target: Target, shop: DriverConnection) -> None:
    with pytest.raises(DataError):
        await shop.execute(target.sql("INSERT INTO users (id, email) VALUES (?, ?)"), (2**70, "e"))


async def test_nul_in_sql_text(pg_target: Target) -> None:
    conn = await pg_target.connect()
    try:
        with pytest.raises(DataError, match="NUL"):
            await conn.fetch_val("SELECT 'a\x00b'", ())
    finally:
        await conn.close()


async def test_statement_timeout_is_query_canceled(pg_target: Target) -> None:
    conn = await pg_target.connect(statement_timeout=0.05)
    try:
        with pytest.raises(QueryCanceled) as caught:
            await conn.execute("SELECT pg_sleep(2)", ())
        assert isinstance(caught.value, TimeoutError)
        assert caught.value.sqlstate == "57014"
        assert await conn.fetch_val("SELECT 1", ()) == 1
    finally:
        await conn.close()


# --- conflicts between transactions --------------------------------------------------------


async def test_serialization_failure(pg_target: Target) -> None:
    first, second = await pg_target.connect(), await pg_target.connect()
    try:
        await first.execute("CREATE TABLE ledger (amount INTEGER)", ())
        insert = pg_target.sql(
            "INSERT INTO ledger (amount) SELECT coalesce(sum(amount), 0) + ? FROM ledger"
        )
        for conn in (first, second):
            await conn.begin(isolation="serializable")
            await conn.fetch_val("SELECT count(*) FROM ledger", ())
        await first.execute(insert, (1,))
        await second.execute(insert, (2,))
        await first.commit()
        with pytest.raises(SerializationFailure) as caught:
            await second.commit()
        assert isinstance(caught.value, TransactionConflict)
        assert caught.value.sqlstate == "40001" and caught.value.sql == "COMMIT"
        await second.rollback()
    finally:
        await first.close()
        await second.close()


async def test_deadlock_detected(pg_target: Target) -> None:
    url = pg_target.url.replace(options={**pg_target.url.options, "deadlock_timeout": "50ms"})
    first = await pg_target.driver.connect(url, ConnectOptions())
    second = await pg_target.driver.connect(url, ConnectOptions())
    try:
        await first.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER)", ())
        await first.execute("INSERT INTO accounts VALUES (1, 0), (2, 0)", ())
        update = pg_target.sql("UPDATE accounts SET balance = balance + 1 WHERE id = ?")
        await first.begin()
        await second.begin()
        await first.execute(update, (1,))
        await second.execute(update, (2,))
        results = await asyncio.gather(
            first.execute(update, (2,)), second.execute(update, (1,)), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        assert len(errors) == 1 and isinstance(errors[0], DeadlockDetected), results
        assert errors[0].sqlstate == "40P01"
        await first.rollback()
        await second.rollback()
    finally:
        await first.close()
        await second.close()


# --- lost and failed connections -----------------------------------------------------------


async def _kill(target: Target, pid: int | None) -> None:
    assert pid is not None
    admin = await get_driver("asyncpg").connect(target.url, ConnectOptions())
    try:
        # the timeout makes the call wait until the backend has really gone
        assert await admin.fetch_val("SELECT pg_terminate_backend($1, 5000)", (pid,)) is True
    finally:
        await admin.close()


async def test_connection_killed_by_the_server(pg_target: Target) -> None:
    conn = await pg_target.connect()
    try:
        await _kill(pg_target, conn.backend_pid)
        with pytest.raises(ConnectionLost) as caught:
            await conn.fetch_val("SELECT 1", ())
        error = caught.value
        assert (error.host, error.port, error.driver) == (
            pg_target.url.host,
            pg_target.url.port,
            pg_target.name,
        )
        assert f"{pg_target.url.host}:{pg_target.url.port}" in str(error)
        assert isinstance(error, ConnectionError) and error.__cause__ is not None
        assert conn.is_closed()
    finally:
        await conn.close()


async def test_connection_killed_inside_a_transaction_commits_nothing(pg_target: Target) -> None:
    conn = await pg_target.connect()
    try:
        await conn.execute("CREATE TABLE t (x INTEGER)", ())
        await conn.begin()
        await conn.execute("INSERT INTO t VALUES (1)", ())
        await _kill(pg_target, conn.backend_pid)
        with pytest.raises(ConnectionLost, match="rolled back"):
            await conn.commit()
        assert conn.is_closed()
        await conn.reset()  # nothing to reset on a dead connection: no error, no hang
    finally:
        await conn.close()
    check = await pg_target.connect()
    try:
        assert await check.fetch_val("SELECT count(*) FROM t", ()) == 0
    finally:
        await check.close()


async def test_ping_on_a_killed_connection(pg_target: Target) -> None:
    conn = await pg_target.connect()
    try:
        await conn.ping()
        await _kill(pg_target, conn.backend_pid)
        with pytest.raises(ConnectionLost):
            await conn.ping()
        assert conn.is_closed()
    finally:
        await conn.close()


@pytest.mark.parametrize("how", ["close", "terminate"])
async def test_use_after_close(target: Target, how: str) -> None:
    conn = await target.connect()
    if how == "close":
        await conn.close()
    else:
        conn.terminate()
    assert conn.is_closed()
    for call in (conn.fetch_val("SELECT 1", ()), conn.execute("SELECT 1", ()), conn.begin()):
        with pytest.raises(ConnectionLost):
            await call
    await conn.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("name", ["asyncpg", "psycopg"])
async def test_connect_to_a_closed_port(name: str) -> None:
    port = _closed_port()
    scheme = "postgresql+psycopg" if name == "psycopg" else "postgresql"
    url = DatabaseURL.parse(f"{scheme}://postgres@127.0.0.1:{port}/test")
    with pytest.raises(ConnectionFailed) as caught:
        await get_driver(name).connect(url, ConnectOptions(connect_timeout=2))
    error = caught.value
    assert (error.host, error.port, error.driver) == ("127.0.0.1", port, name)
    assert f"127.0.0.1:{port}" in str(error)
    assert "is the server running" in str(error)
    assert isinstance(error, ConnectionError) and error.__cause__ is not None


async def test_connect_to_a_missing_database(pg_target: Target) -> None:
    url = pg_target.url.replace(database=f"covet_missing_{uuid.uuid4().hex[:8]}")
    with pytest.raises(ConnectionFailed, match=r"does not exist.*createdb"):
        await pg_target.driver.connect(url, ConnectOptions())


async def test_unknown_server_setting_fails_with_a_hint(pg_target: Target) -> None:
    url = pg_target.url.replace(options={"no_such_setting": "1"})
    with pytest.raises(ConnectionFailed, match=r"no_such_setting.*server settings"):
        await pg_target.driver.connect(url, ConnectOptions())


@pytest.mark.parametrize(
    ("query", "message"),
    [("sslmode=sometimes", "sslmode.*verify-full"), ("connect_timeout=soon", "connect_timeout")],
)
async def test_bad_url_options(pg_target: Target, query: str, message: str) -> None:
    key, _, value = query.partition("=")
    url = pg_target.url.replace(options={key: value})
    with pytest.raises(ConfigurationError, match=message):
        await pg_target.driver.connect(url, ConnectOptions())


async def test_sqlite_cannot_open(tmp_path: Path) -> None:
    url = DatabaseURL.parse(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    with pytest.raises(ConnectionFailed, match=r"missing-dir.*directory exists") as caught:
        await get_driver("sqlite").connect(url, ConnectOptions())
    assert caught.value.driver == "sqlite" and caught.value.__cause__ is not None
