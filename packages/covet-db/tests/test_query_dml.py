"""INSERT, UPDATE and DELETE: what cheap building must keep. Shapes that differ only in
whether a value is a plain value or an expression, or in how many rows there are, get
their own SQL; statements stay immutable; bad input still fails when it is given."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covet.db.errors import CompileError
from covet.db.query import (
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    table,
    update,
)
from covet.db.query._compiler import compile_statement, get_dialect

PG = get_dialect("postgresql", "numeric_dollar")
SQLITE = get_dialect("sqlite", "qmark")

users = table("users", "id", "name", "email", "age", "score")
orders = table("orders", "id", "user_id", "total")
COLS = ("id", "name", "email", "age", "score")
Q = '"users"'


def pg(stmt: Any) -> tuple[str, tuple[Any, ...]]:
    sql, params = compile_statement(stmt, None, PG)
    return sql, tuple(params)


def test_a_value_and_an_expression_in_the_same_column_compile_apart() -> None:
    plain = update(users).values(name="x").where(users.c.id == 1)
    expr = update(users).values(name=users.c.email).where(users.c.id == 1)
    func_ = update(users).values(name=func.lower("X")).where(users.c.id == 1)
    for _ in range(2):  # the second round comes from the cache
        assert pg(plain) == (f'UPDATE {Q} SET "name" = $1 WHERE {Q}."id" = $2', ("x", 1))
        assert pg(expr) == (f'UPDATE {Q} SET "name" = {Q}."email" WHERE {Q}."id" = $1', (1,))
        assert pg(func_) == (
            f'UPDATE {Q} SET "name" = lower($1) WHERE {Q}."id" = $2',
            ("X", 1),
        )
    assert pg(insert(users).values(name="x")) == (
        f'INSERT INTO {Q} ("name") VALUES ($1)',
        ("x",),
    )
    assert pg(insert(users).values(name=func.now())) == (
        f'INSERT INTO {Q} ("name") VALUES (now())',
        (),
    )
    assert pg(insert(users).values([{"name": "a"}, {"name": "b"}])) == (
        f'INSERT INTO {Q} ("name") VALUES ($1), ($2)',
        ("a", "b"),
    )
    assert pg(insert(users).values([{"name": "a"}, {"name": users.c.email}])) == (
        f'INSERT INTO {Q} ("name") VALUES ($1), ({Q}."email")',
        ("a",),
    )


def test_statements_stay_immutable_and_copy_what_they_are_given() -> None:
    base = update(users).where(users.c.id == 1)
    one = base.values(name="a")
    two = base.values(score=users.c.score + 1).where(users.c.age > 3)
    assert pg(one) == (f'UPDATE {Q} SET "name" = $1 WHERE {Q}."id" = $2', ("a", 1))
    assert pg(two) == (
        f'UPDATE {Q} SET "score" = {Q}."score" + $1 WHERE {Q}."id" = $2 AND {Q}."age" > $3',
        (1, 1, 3),
    )
    assert pg(one.values(age=5)) == (
        f'UPDATE {Q} SET "name" = $1, "age" = $2 WHERE {Q}."id" = $3',
        ("a", 5, 1),
    )
    assert pg(one) == (f'UPDATE {Q} SET "name" = $1 WHERE {Q}."id" = $2', ("a", 1))

    row = {"name": "a", "age": 1}
    ins = insert(users).values(row)
    upd = update(users).values(row)
    row["name"] = "changed"
    row["email"] = "new"
    assert pg(ins) == (f'INSERT INTO {Q} ("name", "age") VALUES ($1, $2)', ("a", 1))
    assert pg(upd) == (f'UPDATE {Q} SET "name" = $1, "age" = $2', ("a", 1))

    first = insert(users).values(name="a")
    assert pg(first.values(age=2)) == (
        f'INSERT INTO {Q} ("name", "age") VALUES ($1, $2)',
        ("a", 2),
    )
    assert pg(first.returning(users.c.id)) == (
        f'INSERT INTO {Q} ("name") VALUES ($1) RETURNING {Q}."id"',
        ("a",),
    )
    assert pg(first) == (f'INSERT INTO {Q} ("name") VALUES ($1)', ("a",))

    gone = delete(users).where(users.c.id == 1)
    assert pg(gone.where(users.c.age < 2).returning(users.c.id))[0] == (
        f'DELETE FROM {Q} WHERE {Q}."id" = $1 AND {Q}."age" < $2 RETURNING {Q}."id"'
    )
    assert pg(gone) == (f'DELETE FROM {Q} WHERE {Q}."id" = $1', (1,))


def test_where_lists_keep_or_groups_parenthesized() -> None:
    a, b, c = users.c.age > 3, users.c.age < 1, users.c.id == 7
    assert pg(delete(users).where(or_(a, b))) == (
        f'DELETE FROM {Q} WHERE {Q}."age" > $1 OR {Q}."age" < $2',
        (3, 1),
    )
    assert pg(update(users).values(name="n").where(or_(a, b), c)) == (
        f'UPDATE {Q} SET "name" = $1 WHERE ({Q}."age" > $2 OR {Q}."age" < $3) AND {Q}."id" = $4',
        ("n", 3, 1, 7),
    )
    assert pg(delete(users).where(a & c).where(b)) == pg(delete(users).where(a, c, b))
    assert delete(users).where() is not None


def test_unknown_columns_and_bad_values_fail_when_given() -> None:
    for build in (
        lambda: insert(users).values(nme="x"),
        lambda: insert(users).values({"nme": "x"}),
        lambda: insert(users).values([{"name": "a"}, {"nme": "b"}]),
        lambda: insert(users).values(name="a").values(nme="b"),
        lambda: update(users).values(nme="x"),
        lambda: update(users).values({"nme": "x"}),
        lambda: update(users).values(name="a").values(nme="x"),
        lambda: update(users).values({"name": "a"}, nme="x"),
        lambda: insert(users.alias("u")).values(nme="x"),
        lambda: update(users.alias("u")).values(nme="x"),
        lambda: insert(users).values(name="a").on_conflict("id").do_update(set={"nme": 1}),
    ):
        with pytest.raises(CompileError, match="has no column 'nme'; its columns are: id, name"):
            build()
    for bad in (users, users.c.id.asc()):
        with pytest.raises(TypeError, match="cannot be used as a value"):
            insert(users).values(name=bad)
        with pytest.raises(TypeError, match="cannot be used as a value"):
            update(users).values(name="a", email=bad)
    with pytest.raises(CompileError, match="another table"):
        update(users).values({orders.c.id: 1})
    with pytest.raises(TypeError, match="column keys must be names or columns"):
        insert(users).values({1: 2})
    with pytest.raises(TypeError, match="takes a table"):
        update("users")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes a table"):
        delete(None)  # type: ignore[arg-type]
    with pytest.raises(CompileError, match="Python bool"):
        delete(users).where(True)
    with pytest.raises(CompileError, match="nothing to SET"):
        compile_statement(update(users).where(users.c.id == 1), None, PG)
    # A table declared without columns takes any name.
    loose = table("loose")
    assert pg(update(loose).values(anything=1).where(loose.c.k == 2)) == (
        'UPDATE "loose" SET "anything" = $1 WHERE "loose"."k" = $2',
        (1, 2),
    )


def test_select_of_a_table_is_its_declared_columns() -> None:
    every = ", ".join(f'{Q}."{c}"' for c in COLS)
    assert pg(select(users)) == (f"SELECT {every} FROM {Q}", ())
    assert pg(select(users)) == pg(select(*(users.c[c] for c in COLS)))
    assert pg(select(users).where(users.c.id == 5)) == (
        f'SELECT {every} FROM {Q} WHERE {Q}."id" = $1',
        (5,),
    )
    assert pg(select(users).add_columns(orders.c.id))[0] == (
        f'SELECT {every}, "orders"."id" FROM {Q}, "orders"'
    )
    alias = users.alias("u")
    assert pg(select(alias))[0] == (
        "SELECT " + ", ".join(f'"u"."{c}"' for c in COLS) + f' FROM {Q} AS "u"'
    )
    assert pg(select(table("loose")))[0] == 'SELECT "loose".* FROM "loose"'
    assert pg(insert(users).values(name="a").returning(users))[0].endswith("RETURNING " + every)


def test_bindparams_fill_dml_values() -> None:
    stmt = update(users).values(name=bindparam("n")).where(users.c.id == bindparam("i"))
    assert compile_statement(stmt, {"n": "x", "i": 3}, PG) == (
        f'UPDATE {Q} SET "name" = $1 WHERE {Q}."id" = $2',
        ("x", 3),
    )
    with pytest.raises(CompileError, match="no value for bindparam"):
        compile_statement(stmt, None, PG)
    assert compile_statement(insert(users), {"name": "a", "age": 3}, SQLITE) == (
        f'INSERT INTO {Q} ("name", "age") VALUES (?, ?)',
        ("a", 3),
    )


# A column's value: a plain value (a parameter) or an expression with or without one.
_value = st.one_of(
    st.integers(),
    st.text(max_size=5),
    st.none(),
    st.sampled_from(["expr", "expr+"]),
)


def _sql_value(v: Any, col: str) -> tuple[Any, str, tuple[Any, ...]]:
    """The value to give, its expected SQL (placeholder ``{}``) and parameters."""
    if v == "expr":
        return users.c[col], f'{Q}."{col}"', ()
    if v == "expr+":
        return users.c[col] + 1, f'{Q}."{col}" + {{}}', (1,)
    return v, "{}", (v,)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.dictionaries(st.sampled_from(COLS), _value, min_size=1, max_size=5),
        min_size=1,
        max_size=3,
    ),
    ret=st.booleans(),
)
def test_insert_and_update_compile_to_what_was_given(rows: list[dict[str, Any]], ret: bool) -> None:
    names = list(rows[0])
    rows = [{n: row.get(n, 0) for n in names} for row in rows]
    given_rows: list[dict[str, Any]] = []
    sql_rows: list[list[str]] = []
    row_params: list[list[Any]] = []
    for row in rows:
        given_row: dict[str, Any] = {}
        parts: list[str] = []
        ps: list[Any] = []
        for name, v in row.items():
            given_row[name], sql, p = _sql_value(v, name)
            parts.append(sql)
            ps.extend(p)
        given_rows.append(given_row)
        sql_rows.append(parts)
        row_params.append(ps)

    stmt = insert(users).values(given_rows if len(rows) > 1 else given_rows[0])
    if ret:
        stmt = stmt.returning(users.c.id)
    cols = ", ".join(f'"{n}"' for n in names)
    expected = f"INSERT INTO {Q} ({cols}) VALUES " + ", ".join(
        "(" + ", ".join(parts) + ")" for parts in sql_rows
    )
    expected += f' RETURNING {Q}."id"' if ret else ""
    params = tuple(p for ps in row_params for p in ps)
    assert pg(stmt) == (_numbered(expected), params)
    assert compile_statement(stmt, None, SQLITE) == (expected.replace("{}", "?"), params)

    upd = update(users).values(**given_rows[0]).where(users.c.id == -1)
    sets = ", ".join(f'"{n}" = {sql}' for n, sql in zip(names, sql_rows[0], strict=True))
    expected = f'UPDATE {Q} SET {sets} WHERE {Q}."id" = {{}}'
    assert pg(upd) == (_numbered(expected), (*row_params[0], -1))


def _numbered(sql: str) -> str:
    """``sql`` with each ``{}`` made ``$1``, ``$2``, ... in order."""
    parts = sql.split("{}")
    out = [parts[0]]
    for number, part in enumerate(parts[1:], start=1):
        out.append(f"${number}{part}")
    return "".join(out)
