"""What a SQLite connection's worker thread runs: one function per covet call.

Each function does a whole call (execute, fetch, read the description, build the rows)
so that it costs one hop to the aiosqlite thread and back.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import Any

from .._row import Row, TupleRow, column_index

__all__ = [
    "begin",
    "end",
    "execute",
    "execute_many",
    "fetch_all",
    "fetch_first",
    "fetch_more",
    "fetch_val",
    "open_cursor",
    "reset",
    "setup",
]


def _rows(cursor: sqlite3.Cursor, rows: list[Any]) -> list[Row]:
    index = column_index([d[0] for d in cursor.description])
    return [TupleRow(row, index) for row in rows]


def _split_script(sql: str) -> list[str]:
    """Split a script into statements; sqlite3.complete_statement knows quotes and comments."""
    statements, start = [], 0
    for position, char in enumerate(sql):
        if char == ";" and sqlite3.complete_statement(sql[start : position + 1]):
            statements.append(sql[start : position + 1])
            start = position + 1
    if sql[start:].strip():
        statements.append(sql[start:])
    return statements


def execute(raw: sqlite3.Connection, sql: str, params: Sequence[Any]) -> int:
    """Run a statement, or a script when there are no params; rows affected."""
    try:
        cursor = raw.execute(sql, params)
    except sqlite3.ProgrammingError as exc:
        # PostgreSQL runs several statements in one call when there are no parameters.
        if params or "one statement at a time" not in str(exc):
            raise
        for statement in _split_script(sql):
            cursor = raw.execute(statement)
    count = cursor.rowcount
    cursor.close()
    return count


def fetch_all(raw: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[Row]:
    """Every row of the result as TupleRows."""
    cursor = raw.execute(sql, params)
    rows = cursor.fetchall()
    return [] if cursor.description is None else _rows(cursor, rows)


def fetch_first(raw: sqlite3.Connection, sql: str, params: Sequence[Any]) -> Any:
    """The first row, or None; the statement is closed so it holds no read lock."""
    cursor = raw.execute(sql, params)
    try:
        row = cursor.fetchone()
        if row is None or cursor.description is None:
            return None
        return _rows(cursor, [row])[0]
    finally:
        cursor.close()  # an unfinished statement would hold its read lock


def fetch_val(raw: sqlite3.Connection, sql: str, params: Sequence[Any], column: int) -> Any:
    """One value of the first row, or None."""
    cursor = raw.execute(sql, params)
    try:
        row = cursor.fetchone()
        return None if row is None else row[column]
    finally:
        cursor.close()


def open_cursor(
    raw: sqlite3.Connection, sql: str, params: Sequence[Any], size: int
) -> tuple[sqlite3.Cursor, dict[str, int], list[Row]]:
    """Start a result and read its first batch."""
    cursor = raw.execute(sql, params)
    if cursor.description is None:
        cursor.close()
        return cursor, {}, []
    index = column_index([d[0] for d in cursor.description])
    return cursor, index, [TupleRow(row, index) for row in cursor.fetchmany(size)]


def fetch_more(cursor: sqlite3.Cursor, index: dict[str, int], size: int) -> list[Row]:
    """The next batch of an open cursor."""
    return [TupleRow(row, index) for row in cursor.fetchmany(size)]


def execute_many(raw: sqlite3.Connection, sql: str, params_seq: Iterable[Sequence[Any]]) -> int:
    """executemany in one transaction of its own unless one is open; rows affected."""
    # Atomic, as on PostgreSQL, and one transaction instead of one per row.
    own = not raw.in_transaction
    if own:
        raw.execute("BEGIN IMMEDIATE")
    try:
        count = raw.executemany(sql, params_seq).rowcount
        if own:
            raw.execute("COMMIT")
    except BaseException:
        if own and raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return count


def begin(raw: sqlite3.Connection, readonly: bool) -> None:
    """BEGIN IMMEDIATE, or query_only plus BEGIN DEFERRED for a read-only transaction."""
    if readonly:
        raw.execute("PRAGMA query_only=ON")
        try:
            raw.execute("BEGIN DEFERRED")
        except BaseException:
            raw.execute("PRAGMA query_only=OFF")
            raise
    else:
        raw.execute("BEGIN IMMEDIATE")


def end(raw: sqlite3.Connection, sql: str, readonly: bool) -> bool:
    """COMMIT or ROLLBACK; True while query_only must stay on (the transaction is open)."""
    try:
        raw.execute(sql)
    finally:
        if readonly and not raw.in_transaction:
            raw.execute("PRAGMA query_only=OFF")
    return readonly and raw.in_transaction


def reset(raw: sqlite3.Connection) -> None:
    """Roll back whatever is open and lift query_only."""
    if raw.in_transaction:
        raw.execute("ROLLBACK")
    raw.execute("PRAGMA query_only=OFF")


def setup(raw: sqlite3.Connection, wal: bool, busy_timeout: float) -> None:
    """Per-connection settings: foreign keys on, WAL for files.

    WAL is a property of the file, so it is switched on once; later connections only see
    that it is on. Switching needs a moment of exclusive access, and SQLite reports
    "database is locked" at once (without waiting on the busy timeout) when two new
    connections race to switch a fresh file, so the switch is retried here, in the worker
    thread, until the busy timeout runs out.
    """
    raw.execute("PRAGMA foreign_keys=ON")
    if not wal:
        return
    deadline = time.monotonic() + busy_timeout
    delay = 0.001
    while True:
        try:
            mode = raw.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                raw.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
