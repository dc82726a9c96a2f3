"""Bad input to the query builder gets a clear error that names the part that is wrong."""

from __future__ import annotations

from typing import Any

import pytest

from covet.db.errors import CompileError
from covet.db.query import (
    any_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    select,
    table,
    text,
    update,
)
from covet.db.query._compiler import compile_statement, get_dialect

users = table("users", "id", "name", "score")
orders = table("orders", "id", "user_id")
PG = get_dialect("postgresql", "numeric_dollar")
SQLITE = get_dialect("sqlite", "qmark")


def test_where_refuses_a_python_bool() -> None:
    with pytest.raises(CompileError, match=r"where\(\) got the Python bool True"):
        select(users.c.id).where(1 == 1)
    with pytest.raises(CompileError, match="Python bool"):
        select(users.c.id).having(False)
    with pytest.raises(CompileError, match="None"):
        select(users.c.id).where(None)


def test_where_refuses_strings_and_other_values() -> None:
    with pytest.raises(TypeError, match=r"text\("):
        select(users.c.id).where("id = 1")
    with pytest.raises(TypeError, match="needs a SQL condition"):
        select(users.c.id).where(42)


def test_python_and_or_on_expressions_is_an_error() -> None:
    with pytest.raises(TypeError, match="truth value of a SQL expression"):
        _ = (users.c.id > 1) and (users.c.id < 5)
    with pytest.raises(TypeError, match="truth value"):
        bool(users.c.id == 3)
    # Identity comparisons of columns still work, so columns can live in lists.
    assert users.c.id in [users.c.name, users.c.id]
    assert users.c.id not in [users.c.name]


def test_unknown_columns_of_declared_tables() -> None:
    with pytest.raises(AttributeError, match=r"has no column 'nme'; its columns are: id, name"):
        _ = users.c.nme
    with pytest.raises(KeyError, match="nme"):
        _ = users.c["nme"]
    with pytest.raises(AttributeError, match="nme"):
        _ = users.nme
    with pytest.raises(CompileError, match="has no column 'nme'"):
        insert(users).values(nme="x")
    with pytest.raises(CompileError, match="has no column 'nme'"):
        update(users).values(nme="x")
    with pytest.raises(CompileError, match="has no column 'nme'"):
        insert(users).values(id=1).on_conflict("nme")
    # A table declared without columns takes any name.
    loose = table("loose")
    assert loose.c.anything.name == "anything"


def test_bad_names() -> None:
    with pytest.raises(CompileError, match="empty"):
        table("")
    with pytest.raises(CompileError, match="NUL"):
        table("a\x00b")
    with pytest.raises(TypeError, match="must be a str"):
        table(3)  # type: ignore[arg-type]
    with pytest.raises(CompileError, match="twice"):
        table("t", "a", "a")
    with pytest.raises(CompileError, match="not a plain SQL function name"):
        getattr(func, "drop table x; --")
    with pytest.raises(CompileError, match="not a SQL type name"):
        cast(users.c.id, "int); DROP TABLE users; --")
    with pytest.raises(CompileError, match="operator"):
        users.c.id.op("; DROP")


def test_update_without_values() -> None:
    with pytest.raises(CompileError, match=r"has no values\(\): nothing to SET"):
        update(users).where(users.c.id == 1).compile()


def test_insert_rows_must_match() -> None:
    with pytest.raises(CompileError, match="row 2 has columns"):
        insert(users).values([{"id": 1}, {"id": 2, "name": "x"}])
    with pytest.raises(CompileError, match="no rows"):
        insert(users).values([])
    with pytest.raises(TypeError, match="mappings"):
        insert(users).values([1, 2])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="takes a table"):
        insert("users")  # type: ignore[arg-type]
    with pytest.raises(CompileError, match="cannot be combined"):
        insert(users).values(id=1).from_select(["id"], select(orders.c.id))
    with pytest.raises(CompileError, match="another table"):
        insert(users).values({orders.c.id: 1})


def test_upsert_needs_a_target_to_update() -> None:
    with pytest.raises(CompileError, match="conflict target"):
        insert(users).values(id=1).on_conflict().do_update(set={"name": "x"})
    with pytest.raises(CompileError, match="nothing to set"):
        insert(users).values(id=1).on_conflict("id").do_update()
    with pytest.raises(CompileError, match="PostgreSQL-only"):
        insert(users).values(id=1).on_conflict(constraint="pk").do_nothing().compile("sqlite")


def test_joins_need_a_condition() -> None:
    with pytest.raises(CompileError, match="needs an ON condition"):
        select(users.c.id).join(orders)
    with pytest.raises(CompileError, match="takes no ON"):
        select(users.c.id).join(orders, orders.c.id == 1, kind="cross")
    with pytest.raises(TypeError, match=r"subquery\(name\)"):
        select(users.c.id).join(select(orders.c.id), users.c.id == 1)  # type: ignore[arg-type]
    with pytest.raises(CompileError, match="unknown join kind"):
        users.join(orders, users.c.id == orders.c.id, kind="outer")  # type: ignore[arg-type]
    with pytest.raises(CompileError, match="something to join to"):
        select(func.count()).join(orders, orders.c.id == 1).compile()


def test_limits_and_keyset() -> None:
    for bad in (-1, 1.5, "10", True):
        with pytest.raises(CompileError, match="int >= 0"):
            select(users.c.id).limit(bad)  # type: ignore[arg-type]
        with pytest.raises(CompileError, match="int >= 0"):
            select(users.c.id).offset(bad)  # type: ignore[arg-type]
    with pytest.raises(CompileError, match=r"order_by\(\.\.\.\) first"):
        select(users.c.id).after((1,))
    ordered = select(users.c.id).order_by(users.c.name, users.c.id)
    with pytest.raises(CompileError, match="got 1 value"):
        ordered.after((1,))
    with pytest.raises(CompileError, match="None"):
        ordered.after((None, 1))
    with pytest.raises(TypeError, match="tuple of values"):
        ordered.after("ab")


def test_dialect_specific_features_fail_clearly_elsewhere() -> None:
    with pytest.raises(CompileError, match="DISTINCT ON"):
        select(users.c.id).distinct(users.c.name).compile("sqlite")
    with pytest.raises(CompileError, match="PostgreSQL-only"):
        select(users.c.id).where(users.c.id > any_([1])).compile("sqlite")
    with pytest.raises(CompileError, match="PostgreSQL-only"):
        delete(users).using(orders).compile("sqlite")
    with pytest.raises(CompileError, match="UNION member"):
        select(users.c.id).limit(1).union(select(orders.c.id)).compile("sqlite")


def test_undeclared_cte() -> None:
    cte = select(orders.c.user_id).cte("o")
    with pytest.raises(CompileError, match=r"add \.with_\(o\)"):
        select(cte.c.user_id).compile()


def test_bad_in_and_values() -> None:
    with pytest.raises(TypeError, match="list"):
        users.c.id.in_("abc")
    with pytest.raises(TypeError, match="list"):
        users.c.id.in_(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cannot be used as a value"):
        _ = users.c.id == orders
    with pytest.raises(TypeError, match="literal"):
        select(1)
    with pytest.raises(TypeError, match=r"column\('id'\)"):
        select("id")
    with pytest.raises(CompileError, match="compare with None"):
        _ = users.c.id < None
    with pytest.raises(CompileError, match="pairs"):
        case((users.c.id == 1,))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"exists\(\) takes a select"):
        exists(users)  # type: ignore[arg-type]


def test_bindparams_must_be_filled_exactly() -> None:
    stmt = select(users.c.id).where(users.c.id == bindparam("uid"))
    assert compile_statement(stmt, {"uid": 3}, PG)[1] == (3,)
    with pytest.raises(CompileError, match=r"no value for bindparam.*uid"):
        compile_statement(stmt, None, PG)
    with pytest.raises(CompileError, match=r"unknown parameter.*typo"):
        compile_statement(stmt, {"uid": 3, "typo": 1}, PG)
    with pytest.raises(CompileError, match="unknown parameter"):
        compile_statement(select(users.c.id), {"x": 1}, SQLITE)
    with pytest.raises(CompileError, match="has no such :name"):
        text("select :a", {"b": 1})


def test_unknown_dialect_and_paramstyle() -> None:
    with pytest.raises(CompileError, match="unknown dialect 'mysql'"):
        select(users.c.id).compile("mysql")
    with pytest.raises(CompileError, match="paramstyle 'qmark' does not fit dialect 'postgresql'"):
        get_dialect("postgresql", "qmark")
    with pytest.raises(TypeError, match="str of SQL or a statement"):
        compile_statement(42, None, PG)  # type: ignore[arg-type]


def test_window_frames() -> None:
    fn: Any = func.sum(users.c.score)
    with pytest.raises(CompileError, match="not both"):
        fn.over(rows=(None, 0), range_=(None, 0))
    with pytest.raises(CompileError, match="frame bound"):
        fn.over(rows=("x", 0))
    with pytest.raises(CompileError, match="pair"):
        fn.over(rows=(1,))
