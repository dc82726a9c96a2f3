"""Raw SQL with portable :name placeholders, and the compiler contract used by Database."""

from __future__ import annotations

import pytest

from covet.db.errors import CompileError
from covet.db.query import insert, select, table, text
from covet.db.query._compiler import (
    compile_many,
    compile_statement,
    get_dialect,
    statement_is_read,
)

PG = get_dialect("postgresql", "numeric_dollar")
PSYCOPG = get_dialect("postgresql", "format")
SQLITE = get_dialect("sqlite", "qmark")
users = table("users", "id", "name")


def test_named_placeholders_per_style() -> None:
    sql = "SELECT * FROM t WHERE a = :a AND b = :b AND c = :a"
    values = {"a": 1, "b": 2}
    assert compile_statement(sql, values, PG) == (
        "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $1",
        [1, 2],
    )
    assert compile_statement(sql, values, PSYCOPG) == (
        "SELECT * FROM t WHERE a = %s AND b = %s AND c = %s",
        [1, 2, 1],
    )
    assert compile_statement(sql, values, SQLITE) == (
        "SELECT * FROM t WHERE a = ? AND b = ? AND c = ?",
        [1, 2, 1],
    )


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT ':no' , x FROM t WHERE y = :v",
        "SELECT 'it''s :no' FROM t WHERE y = :v",
        "SELECT E'\\' :no' FROM t WHERE y = :v",
        'SELECT "col:no" FROM t WHERE y = :v',
        'SELECT "a""b:no" FROM t WHERE y = :v',
        "SELECT x -- :no\nFROM t WHERE y = :v",
        "SELECT x /* :no /* nested :no */ :no */ FROM t WHERE y = :v",
        "SELECT $$ :no $$, $tag$ :no $$ :no $tag$ FROM t WHERE y = :v",
        "SELECT x::text, y::int[] FROM t WHERE y = :v::int",
        "SELECT arr[lo:hi], arr[1:2] FROM t WHERE y = :v",
    ],
)
def test_postgresql_lexer_skips_what_is_not_a_placeholder(sql: str) -> None:
    out, params = compile_statement(sql, {"v": 7}, PG)
    assert params == [7]
    assert out == sql.replace(":v", "$1")


def test_sqlite_comments_do_not_nest() -> None:
    sql = "SELECT 1 /* a /* b */ , :v"
    assert compile_statement(sql, {"v": 1}, SQLITE) == ("SELECT 1 /* a /* b */ , ?", [1])


def test_format_style_doubles_percent_only_with_values() -> None:
    sql = "SELECT '100%' WHERE x LIKE :p"
    assert compile_statement(sql, {"p": "a%"}, PSYCOPG) == (
        "SELECT '100%%' WHERE x LIKE %s",
        ["a%"],
    )
    assert compile_statement(sql, None, PSYCOPG) == (sql, ())
    assert compile_statement(sql, {}, PSYCOPG) == (sql, ())


def test_without_values_sql_is_byte_for_byte_unchanged() -> None:
    sql = "SELECT :x, '%', $1 -- :y"
    for dialect in (PG, PSYCOPG, SQLITE):
        out, params = compile_statement(sql, None, dialect)
        assert out is sql
        assert params == ()


def test_missing_and_extra_values_are_errors() -> None:
    with pytest.raises(CompileError, match=r"no value for the placeholder :b"):
        compile_statement("SELECT :a, :b", {"a": 1}, PG)
    with pytest.raises(CompileError, match="values for c but the SQL has no such :name"):
        compile_statement("SELECT :a", {"a": 1, "c": 2}, SQLITE)
    with pytest.raises(TypeError, match="mapping"):
        compile_statement("SELECT :a", [1], PG)  # type: ignore[arg-type]


def test_compile_many_raw_and_statements() -> None:
    sql, rows = compile_many(
        "INSERT INTO t (a, b) VALUES (:a, :b)", [{"a": 1, "b": 2}, {"b": 4, "a": 3}], PG
    )
    assert sql == "INSERT INTO t (a, b) VALUES ($1, $2)"
    assert rows == [[1, 2], [3, 4]]
    sql, rows = compile_many(
        insert(users), [{"id": 1, "name": "a"}, {"name": "b", "id": 2}], SQLITE
    )
    assert sql == 'INSERT INTO "users" ("id", "name") VALUES (?, ?)'
    assert rows == [(1, "a"), (2, "b")]
    with pytest.raises(CompileError, match="no value for bindparam"):
        compile_many(insert(users), [{"id": 1, "name": "a"}, {"id": 2}], SQLITE)
    sql, rows = compile_many("SELECT :a", [], SQLITE)
    assert (sql, rows) == ("SELECT ?", [])


def test_insert_statement_with_values_at_execution() -> None:
    assert compile_statement(insert(users), {"name": "x"}, PG) == (
        'INSERT INTO "users" ("name") VALUES ($1)',
        ("x",),
    )
    with pytest.raises(CompileError, match="has no column"):
        compile_statement(insert(users), {"nope": 1}, PG)


def test_text_statement_with_values_at_execution() -> None:
    stmt = text("SELECT * FROM t WHERE a = :a AND b = :b").bindparams(a=1)
    assert compile_statement(stmt, {"b": 2}, SQLITE) == (
        "SELECT * FROM t WHERE a = ? AND b = ?",
        (1, 2),
    )
    with pytest.raises(CompileError, match=r"no value for bindparam.*b"):
        compile_statement(stmt, None, PG)


@pytest.mark.parametrize(
    ("sql", "is_read"),
    [
        ("SELECT 1", True),
        ("  select * from t", True),
        ("-- hi\n/* x */ SELECT 1", True),
        ("(SELECT 1)", True),
        ("WITH a AS (SELECT 1) SELECT * FROM a", True),
        ("VALUES (1), (2)", True),
        ("SHOW search_path", True),
        ("EXPLAIN SELECT 1", True),
        ("SELECT 'delete from x'", True),
        ('SELECT "update" FROM t', True),
        ("EXPLAIN ANALYZE DELETE FROM t", False),
        ("WITH a AS (DELETE FROM t RETURNING *) SELECT * FROM a", False),
        ("SELECT * FROM t FOR UPDATE", False),
        ("SELECT * FROM t FOR SHARE", False),
        ("SELECT * INTO t2 FROM t", False),
        ("SELECT nextval('s')", False),
        ("INSERT INTO t VALUES (1)", False),
        ("UPDATE t SET a = 1", False),
        ("DELETE FROM t", False),
        ("CREATE TABLE t (a int)", False),
        ("PRAGMA journal_mode", False),
        ("", False),
    ],
)
def test_statement_is_read_for_raw_sql(sql: str, is_read: bool) -> None:
    assert statement_is_read(sql) is is_read


def test_statement_is_read_for_statements() -> None:
    assert statement_is_read(select(users.c.id))
    assert not statement_is_read(select(users.c.id).for_update())
    assert statement_is_read(select(users.c.id).union(select(users.c.name)))
    assert not statement_is_read(insert(users).values(id=1))
    assert statement_is_read(text("SELECT :a"))
    assert not statement_is_read(text("DELETE FROM t"))
    with pytest.raises(TypeError):
        statement_is_read(3)  # type: ignore[arg-type]
