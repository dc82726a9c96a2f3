"""Property tests: values always travel as parameters, identifiers are quoted right, and
every generated query shape is SQL that sqlglot parses (and SQLite runs)."""

from __future__ import annotations

import itertools
import sqlite3
from typing import Any

import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from covet.db.query import (
    ColumnElement,
    Statement,
    and_,
    case,
    delete,
    func,
    insert,
    not_,
    or_,
    select,
    table,
    text,
    update,
)
from covet.db.query._cache import render
from covet.db.query._compiler import compile_statement, get_dialect

PG = get_dialect("postgresql", "numeric_dollar")
PSYCOPG = get_dialect("postgresql", "format")
SQLITE = get_dialect("sqlite", "qmark")
DIALECTS = [PG, PSYCOPG, SQLITE]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any text a user could send: quotes, semicolons, comments, backslashes, any unicode.
nasty_text = st.one_of(
    st.text(),
    st.sampled_from(
        ["'; DROP TABLE t; --", "\\'", "/* x */", "$1", "?", "%s", ":name", '"', "''", "%", "\\"]
    ),
    st.text(alphabet=st.sampled_from("'\";-/*\\%?$:\n\x00é漢")),
)
# (None is not here: ``col == None`` is IS NULL, a different shape.)
values = st.one_of(nasty_text, st.integers(), st.floats(allow_nan=False), st.binary())

t = table("t", "a", "b", "c")


def _statements(v: Any) -> list[Statement]:
    return [
        select(t.c.a).where(t.c.b == v),
        select(t.c.a).where(t.c.b.in_([v, v])),
        select(t.c.a).where(t.c.b.like(v)),
        select(t.c.a).where(text("b = :v", {"v": v})),
        select(case((t.c.a == v, v), else_=v)),
        insert(t).values(a=v, b=v),
        insert(t).values(a=1).on_conflict("a").do_update(set={"b": v}),
        update(t).values(b=v).where(t.c.a == v),
        delete(t).where(t.c.a != v),
    ]


@SETTINGS
@given(v=values)
def test_values_never_reach_the_sql_text(v: Any) -> None:
    baseline = _statements("x")
    for stmt, base in zip(_statements(v), baseline, strict=True):
        for dialect in DIALECTS:
            sql, params = compile_statement(stmt, None, dialect)
            # The same shape gives byte-identical SQL whatever the value.
            assert sql == compile_statement(base, None, dialect)[0]
            flat = [p for param in params for p in (param if isinstance(param, list) else [param])]
            assert any(p is v for p in flat)


@SETTINGS
@given(v=nasty_text)
def test_like_helpers_keep_text_in_parameters(v: str) -> None:
    for stmt in (t.c.b.contains(v), t.c.b.startswith(v), t.c.b.endswith(v)):
        sql, params = compile_statement(select(t.c.a).where(stmt), None, SQLITE)
        assert sql == 'SELECT "t"."a" FROM "t" WHERE "t"."b" LIKE ? ESCAPE ?'
        assert params[1] == "\\"


@SETTINGS
@given(v=st.one_of(nasty_text, st.binary(), st.integers(-(2**63), 2**63 - 1)))
def test_values_round_trip_unchanged_through_sqlite(v: Any) -> None:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE TABLE t (a, b, c)")
        conn.execute(*compile_statement(insert(t).values(a=1, b=v), None, SQLITE))
        got = conn.execute(*compile_statement(select(t.c.b).where(t.c.b == v), None, SQLITE))
        assert got.fetchall() == [(v,)]
    finally:
        conn.close()


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=20,
)


def _identifiers(sql: str, read: str) -> list[exp.Column]:
    return list(sqlglot.parse_one(sql, read=read).find_all(exp.Column))


@SETTINGS
@given(schema=names, name=names, col=names)
def test_identifiers_are_quoted_and_round_trip(schema: str, name: str, col: str) -> None:
    odd = table(name, col, schema=schema)
    stmt = select(odd.c[col]).where(odd.c[col] == 1).order_by(odd.c[col].desc())
    for dialect, read in ((PG, "postgres"), (SQLITE, "sqlite")):
        sql, _ = compile_statement(stmt, None, dialect)
        columns = _identifiers(sql, read)
        assert len(columns) == 3
        for column in columns:
            assert column.name == col
            assert column.table == name
            assert column.db == schema
            assert column.parts[-1].quoted


@SETTINGS
@given(name=names, col=names)
def test_identifiers_work_in_a_real_database(name: str, col: str) -> None:
    odd = table(name, col)
    conn = sqlite3.connect(":memory:")
    try:
        q = '"' + name.replace('"', '""') + '"'
        c = '"' + col.replace('"', '""') + '"'
        conn.execute(f"CREATE TABLE {q} ({c})")
        conn.execute(*compile_statement(insert(odd).values({col: 5}), None, SQLITE))
        rows = conn.execute(*compile_statement(select(odd.c[col]), None, SQLITE)).fetchall()
        assert rows == [(5,)]
    finally:
        conn.close()


# ------------------------------------------------------------- random query shapes
t1 = table("t1", "a", "b", "c")
t2 = table("t2", "a", "b", "c")
_counter = itertools.count()


def _value() -> str:
    # Distinct objects, so a parameter out of place cannot go unnoticed.
    return f"v{next(_counter)}"


columns = st.sampled_from([t1.c.a, t1.c.b, t1.c.c, t2.c.a, t2.c.b])
scalar = st.one_of(
    columns,
    st.builds(lambda c: c + _value(), columns),
    st.builds(lambda c: c * 2 - _value(), columns),
    st.builds(lambda c: func.coalesce(c, _value()), columns),
    st.builds(lambda c: func.lower(c), columns),
)


def _leaf(draw: Any) -> ColumnElement:
    col = draw(scalar)
    kind = draw(st.integers(0, 11))
    other = draw(scalar)
    if kind == 0:
        return col == _value()
    if kind == 1:
        return col != other
    if kind == 2:
        return col < _value()
    if kind == 3:
        return col >= other
    if kind == 4:
        return col.in_([_value() for _ in range(draw(st.integers(0, 3)))])
    if kind == 5:
        return col.not_in([_value() for _ in range(draw(st.integers(0, 3)))])
    if kind == 6:
        return col.between(_value(), _value())
    if kind == 7:
        return col.like(_value())
    if kind == 8:
        return col.is_null()
    if kind == 9:
        return col.ilike(_value())
    if kind == 10:
        return col.in_(select(t2.c.a).where(t2.c.b == _value()))
    return select(t2.c.a).where(t2.c.b == col).exists()


@st.composite
def conditions(draw: Any, depth: int = 0) -> ColumnElement:
    if depth >= 2 or draw(st.booleans()):
        return _leaf(draw)
    parts = [draw(conditions(depth + 1)) for _ in range(draw(st.integers(1, 3)))]
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return and_(*parts)
    if kind == 1:
        return or_(*parts)
    if kind == 2:
        return not_(parts[0])
    return parts[0] & parts[-1] | ~parts[0]


@st.composite
def queries(draw: Any) -> Statement:
    cols = draw(st.lists(scalar, min_size=1, max_size=3))
    labeled = [c.label(f"x{i}") for i, c in enumerate(cols)]
    stmt = select(*labeled).select_from(t1)
    if draw(st.booleans()):
        join = draw(st.sampled_from(["inner", "left", "cross"]))
        if join == "cross":
            stmt = stmt.cross_join(t2)
        else:
            stmt = stmt.join(t2, t2.c.a == t1.c.a, kind=join)  # type: ignore[arg-type]
    else:
        stmt = stmt.where(t2.c.a == t1.c.a).select_from(t2)
    for _ in range(draw(st.integers(0, 2))):
        stmt = stmt.where(draw(conditions()))
    if draw(st.booleans()):
        stmt = stmt.with_only_columns(t1.c.a, func.count().label("n")).group_by(t1.c.a)
        if draw(st.booleans()):
            stmt = stmt.having(func.count() > _value())
    order = draw(
        st.lists(st.tuples(st.sampled_from([t1.c.a, t1.c.b]), st.integers(0, 3)), max_size=2)
    )
    for col, how in order:
        item: Any = [col, col.desc(), col.desc().nulls_last(), col.nulls_first()][how]
        stmt = stmt.order_by(item)
    if draw(st.booleans()):
        stmt = stmt.limit(draw(st.integers(0, 100)))
    if draw(st.booleans()):
        stmt = stmt.offset(draw(st.integers(0, 100)))
    if draw(st.booleans()):
        stmt = stmt.distinct()
    return stmt


@pytest.fixture(scope="module")
def shapes_db() -> Any:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t1 (a, b, c)")
    conn.execute("CREATE TABLE t2 (a, b, c)")
    yield conn
    conn.close()


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(stmt=queries())
def test_generated_queries_parse_and_run(stmt: Statement, shapes_db: sqlite3.Connection) -> None:
    for dialect, read in ((PG, "postgres"), (PSYCOPG, "postgres"), (SQLITE, "sqlite")):
        sql, params = compile_statement(stmt, None, dialect)
        # Cached and fresh compilation agree, parameter for parameter.
        fresh_sql, writer = render(stmt, dialect)
        if dialect is not SQLITE:
            assert (sql, list(params)) == (fresh_sql, writer.values)
        parsed = sqlglot.parse_one(sql.replace("%s", "?"), read=read)
        assert isinstance(parsed, exp.Select | exp.Union)
    sql, params = compile_statement(stmt, None, SQLITE)
    assert sql.count("?") == len(params)
    shapes_db.execute(sql, params).fetchall()


# ------------------------------------------------------------------ raw SQL lexer
def _quoted(body: str, quote: str) -> str:
    return quote + body.replace(quote, quote * 2) + quote


inert = st.one_of(
    st.builds(lambda s: _quoted(s, "'"), st.text()),
    st.builds(lambda s: _quoted(s, '"'), st.text(min_size=1)),
    st.builds(lambda s: "-- " + s.replace("\n", " ") + "\n", st.text()),
    st.builds(lambda s: "/* " + s.replace("*/", "").replace("/*", "") + " */", st.text()),
    # PostgreSQL only: SQLite has no dollar quoting (checked below).
    st.builds(lambda s: "$q$" + s.replace("$q$", "") + "$q$", st.text()),
    st.sampled_from(["::int", " x::text ", " arr[a:b] ", " 1 ", " , ", " = ", " ( ", " ) "]),
)


@SETTINGS
@given(pieces=st.lists(st.one_of(inert, st.sampled_from([":a", ":b", ":c"])), max_size=12))
def test_lexer_translates_exactly_the_placeholders(pieces: list[str]) -> None:
    sql = " ".join(pieces)
    used = [p[1:] for p in pieces if p in (":a", ":b", ":c")]
    values = {name: f"<{name}>" for name in set(used)}
    if not values:
        assert compile_statement(sql, None, PG) == (sql, ())
        return
    if not any(p.startswith("$q$") for p in pieces):
        out, params = compile_statement(sql, values, SQLITE)
        assert params == [values[n] for n in used]
        assert out == " ".join("?" if p in (":a", ":b", ":c") else p for p in pieces)
    out_pg, params_pg = compile_statement(sql, values, PG)
    numbers = {name: i + 1 for i, name in enumerate(dict.fromkeys(used))}
    assert params_pg == list(dict.fromkeys(values[n] for n in used))
    assert out_pg == " ".join(
        f"${numbers[p[1:]]}" if p in (":a", ":b", ":c") else p for p in pieces
    )
