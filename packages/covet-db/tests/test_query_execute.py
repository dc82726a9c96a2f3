"""Compiled queries run for real: SQLite (stdlib sqlite3), PostgreSQL (asyncpg and psycopg).

Each scenario builds a statement, runs it on every backend in temporary tables, and
checks the rows against what Python computes from the same data.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from covet.db.query import (
    Statement,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    table,
    text,
    update,
)

users = table("users", "id", "name", "score", "team")
orders = table("orders", "id", "user_id", "total")
nodes = table("nodes", "id", "parent")

USERS = [
    (1, "ada", 10, "red"),
    (2, "bob", 7, "blue"),
    (3, "cy", 10, "red"),
    (4, "dee", 3, "blue"),
    (5, "Eve", 7, None),
    (6, 'fay\'s "x"', 10, "red"),
    (7, "gus%_", 1, "blue"),
]
ORDERS = [(1, 1, 50), (2, 1, 70), (3, 2, 5), (4, 3, 200), (5, 5, 1)]
NODES = [(1, None), (2, 1), (3, 1), (4, 2), (5, 4), (6, None)]

DDL = [
    "CREATE {temp} TABLE users (id integer PRIMARY KEY, name text, score integer, team text)",
    "CREATE {temp} TABLE orders (id integer PRIMARY KEY, user_id integer, total integer)",
    "CREATE {temp} TABLE nodes (id integer PRIMARY KEY, parent integer)",
]


def _seed_statements() -> list[Statement]:
    return [
        insert(users).values(
            [dict(zip(("id", "name", "score", "team"), r, strict=False)) for r in USERS]
        ),
        insert(orders).values(
            [dict(zip(("id", "user_id", "total"), r, strict=False)) for r in ORDERS]
        ),
        insert(nodes).values([dict(zip(("id", "parent"), r, strict=False)) for r in NODES]),
    ]


Scenario = tuple[Callable[[], Statement], Any]

SCENARIOS: dict[str, Scenario] = {
    "filter_and_order": (
        lambda: (
            select(users.c.id)
            .where(users.c.score >= 7, users.c.team != "blue")
            .order_by(users.c.id)
        ),
        [(1,), (3,), (6,)],
    ),
    "in_list": (
        lambda: select(users.c.id).where(users.c.id.in_([2, 4, 99])).order_by(users.c.id),
        [(2,), (4,)],
    ),
    "empty_in_list": (lambda: select(users.c.id).where(users.c.id.in_([])), []),
    "empty_not_in_list": (
        lambda: select(func.count()).select_from(users).where(users.c.id.not_in([])),
        [(7,)],
    ),
    "not_in_list": (
        lambda: select(users.c.id).where(users.c.id.not_in([1, 2, 3, 4, 5])).order_by(users.c.id),
        [(6,), (7,)],
    ),
    "is_null": (lambda: select(users.c.id).where(users.c.team == None), [(5,)]),  # noqa: E711
    "ilike": (lambda: select(users.c.id).where(users.c.name.ilike("e%")), [(5,)]),
    "contains_escapes_wildcards": (
        lambda: select(users.c.id).where(users.c.name.contains("%_")),
        [(7,)],
    ),
    "between_and_arithmetic": (
        lambda: (
            select((users.c.score * 2 + 1).label("x"))
            .where(users.c.score.between(3, 7))
            .order_by(users.c.id)
        ),
        [(15,), (7,), (15,)],
    ),
    "left_join_group_having": (
        lambda: (
            select(users.c.id, func.count(orders.c.id).label("n"))
            .left_join(orders, orders.c.user_id == users.c.id)
            .group_by(users.c.id)
            .having(func.count(orders.c.id) > 0)
            .order_by(users.c.id)
        ),
        [(1, 2), (2, 1), (3, 1), (5, 1)],
    ),
    "full_join": (
        lambda: (
            select(users.c.id, orders.c.id)
            .full_join(orders, and_(orders.c.user_id == users.c.id, orders.c.total > 60))
            .where(users.c.id.in_([1, 3]) | users.c.id.is_null())
            .order_by(users.c.id.nulls_last(), orders.c.id)
        ),
        [(1, 2), (3, 4), (None, 1), (None, 3), (None, 5)],
    ),
    "subquery_in_from": (
        lambda: (
            lambda t: (
                select(users.c.name, t.c.total)
                .join(t, t.c.user_id == users.c.id)
                .order_by(t.c.total.desc())
            )
        )(
            select(orders.c.user_id, func.sum(orders.c.total).label("total"))
            .group_by(orders.c.user_id)
            .subquery("t")
        ),
        [("cy", 200), ("ada", 120), ("bob", 5), ("Eve", 1)],
    ),
    "scalar_subquery_and_exists": (
        lambda: (
            select(
                users.c.id,
                select(func.count())
                .select_from(orders)
                .where(orders.c.user_id == users.c.id)
                .label("n"),
            )
            .where(~select(orders.c.id).where(orders.c.user_id == users.c.id).exists())
            .order_by(users.c.id)
        ),
        [(4, 0), (6, 0), (7, 0)],
    ),
    "recursive_cte": (
        lambda: (lambda tree: select(tree.c.id).with_(tree).order_by(tree.c.id))(
            (
                lambda anchor: anchor.union_all(
                    select(nodes.alias("n").c.id).join(
                        anchor, nodes.alias("n").c.parent == anchor.c.id
                    )
                )
            )(select(nodes.c.id).where(nodes.c.id == 2).cte("tree", recursive=True))
        ),
        [(2,), (4,), (5,)],
    ),
    "window_function": (
        lambda: (
            select(
                users.c.id,
                func.rank()
                .over(partition_by=users.c.team, order_by=users.c.score.desc())
                .label("r"),
            )
            .where(users.c.team == "blue")
            .order_by(users.c.id)
        ),
        [(2, 1), (4, 2), (7, 3)],
    ),
    "case_and_nulls_last": (
        lambda: (
            select(users.c.id, case((users.c.score >= 10, "hi"), else_="lo"))
            .where(users.c.id.in_([1, 4, 5]))
            .order_by(users.c.team.nulls_last(), users.c.id)
        ),
        [(4, "lo"), (1, "hi"), (5, "lo")],
    ),
    "limit_offset": (
        lambda: select(users.c.id).order_by(users.c.id).limit(2).offset(3),
        [(4,), (5,)],
    ),
    "union_all": (
        lambda: (
            select(users.c.id)
            .where(users.c.id < 3)
            .union_all(select(orders.c.id).where(orders.c.id > 4))
        ),
        [(1,), (2,), (5,)],
    ),
    "text_fragment": (
        lambda: select(users.c.id).where(text("score = :s", {"s": 3})),
        [(4,)],
    ),
    "literal_value": (lambda: select(literal("it's; --", str)), [("it's; --",)]),
    "percent_in_sql": (
        lambda: select(users.c.id).where(text("'100%' LIKE :p", {"p": "100%"}), users.c.id < 3),
        [(1,), (2,)],
    ),
}


# ---------------------------------------------------------------- SQLite (sqlite3)
@pytest.fixture
def lite() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for ddl in DDL:
        conn.execute(ddl.format(temp=""))
    for stmt in _seed_statements():
        sql, params = stmt.compile("sqlite")
        conn.execute(sql, params)
    yield conn
    conn.close()


def run_lite(conn: sqlite3.Connection, stmt: Statement) -> list[tuple[Any, ...]]:
    sql, params = stmt.compile("sqlite")
    return conn.execute(sql, params).fetchall()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenarios_on_sqlite(lite: sqlite3.Connection, name: str) -> None:
    build, expected = SCENARIOS[name]
    rows = run_lite(lite, build())
    if name == "union_all":
        rows = sorted(rows)
    assert rows == expected


def test_sqlite_writes_with_returning_upsert_and_update_from(lite: sqlite3.Connection) -> None:
    ins = insert(users).values(id=1, name="ADA", score=1)
    up = ins.on_conflict("id").do_update(
        set={"name": ins.excluded.name, "score": users.c.score + ins.excluded.score}
    )
    assert run_lite(lite, up.returning(users.c.name, users.c.score)) == [("ADA", 11)]
    assert run_lite(lite, ins.on_conflict("id").do_nothing().returning(users.c.id)) == []
    stmt = (
        update(users)
        .values(score=orders.c.total)
        .from_(orders)
        .where(orders.c.user_id == users.c.id, orders.c.id == 4)
        .returning(users.c.id, users.c.score)
    )
    assert run_lite(lite, stmt) == [(3, 200)]
    assert run_lite(lite, delete(users).where(users.c.id.in_([6, 7])).returning(users.c.id)) == [
        (6,),
        (7,),
    ]
    copied = insert(orders).from_select(
        ["id", "user_id", "total"],
        select(users.c.id + 100, users.c.id, users.c.score).where(users.c.id < 3),
    )
    lite.execute(*copied.on_conflict("id").do_nothing().compile("sqlite"))
    assert run_lite(lite, select(func.count()).select_from(orders)) == [(7,)]


def _keyset_pages(run: Callable[[Statement], list[tuple[Any, ...]]]) -> list[Any]:
    base = select(users.c.id, users.c.score, users.c.name).order_by(
        users.c.score.desc(), users.c.name, users.c.id
    )
    seen: list[Any] = []
    stmt = base.limit(2)
    while True:
        page = run(stmt)
        seen.extend(row[0] for row in page)
        if len(page) < 2:
            return seen
        last = page[-1]
        stmt = base.after((last[1], last[2], last[0])).limit(2)


def _expected_keyset() -> list[int]:
    return [r[0] for r in sorted(USERS, key=lambda r: (-r[2], r[1].encode(), r[0]))]


def test_keyset_pagination_walks_every_row_once_on_sqlite(lite: sqlite3.Connection) -> None:
    assert _keyset_pages(lambda s: run_lite(lite, s)) == _expected_keyset()


# ------------------------------------------------------------ PostgreSQL (asyncpg)
@pytest.fixture
async def apg(postgres_url: str) -> AsyncIterator[Any]:
    asyncpg = pytest.importorskip("asyncpg")
    conn = await asyncpg.connect(postgres_url)
    try:
        for ddl in DDL:
            await conn.execute(ddl.format(temp="TEMP"))
        for stmt in _seed_statements():
            sql, params = stmt.compile("postgresql")
            await conn.execute(sql, *params)
        yield conn
    finally:
        await conn.close()


async def run_apg(conn: Any, stmt: Statement) -> list[tuple[Any, ...]]:
    sql, params = stmt.compile("postgresql")
    return [tuple(r) for r in await conn.fetch(sql, *params)]


@pytest.mark.postgres
@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_scenarios_on_postgresql_asyncpg(apg: Any, name: str) -> None:
    build, expected = SCENARIOS[name]
    rows = await run_apg(apg, build())
    if name == "union_all":
        rows = sorted(rows)
    assert rows == expected


@pytest.mark.postgres
async def test_postgresql_writes_and_locks(apg: Any) -> None:
    ins = insert(users).values(id=1, name="ADA", score=1)
    up = ins.on_conflict("id").do_update(
        set={"name": ins.excluded.name, "score": users.c.score + ins.excluded.score},
        where=users.c.score < 100,
    )
    assert await run_apg(apg, up.returning(users.c.name, users.c.score)) == [("ADA", 11)]
    stmt = (
        update(users)
        .values(score=orders.c.total)
        .from_(orders)
        .where(orders.c.user_id == users.c.id, orders.c.id == 4)
        .returning(users.c.id, users.c.score)
    )
    assert await run_apg(apg, stmt) == [(3, 200)]
    async with apg.transaction():
        locked = select(users.c.id).where(users.c.id.in_([1, 2])).order_by(users.c.id)
        assert await run_apg(apg, locked.for_update(skip_locked=True, of=users)) == [(1,), (2,)]
    gone = delete(users).using(orders).where(orders.c.user_id == users.c.id, orders.c.total < 6)
    assert await run_apg(apg, gone.returning(users.c.id)) == [(2,), (5,)]
    first = (
        select(users.c.team, users.c.id).distinct(users.c.team).order_by(users.c.team, users.c.id)
    )
    assert await run_apg(apg, first) == [("blue", 4), ("red", 1)]


def _two_column_pages(
    run: Callable[[Statement], list[tuple[Any, ...]]], descending: bool
) -> list[Any]:
    score = users.c.score.desc() if descending else users.c.score
    base = select(users.c.id, users.c.score).order_by(score, users.c.id)
    seen: list[Any] = []
    stmt = base.limit(3)
    while True:
        page = run(stmt)
        seen.extend(row[0] for row in page)
        if len(page) < 3:
            return seen
        stmt = base.after((page[-1][1], page[-1][0])).limit(3)


def _expected_two_column(descending: bool) -> list[int]:
    sign = -1 if descending else 1
    return [r[0] for r in sorted(USERS, key=lambda r: (sign * r[2], r[0]))]


def test_two_column_keyset_on_sqlite(lite: sqlite3.Connection) -> None:
    for descending in (False, True):
        pages = _two_column_pages(lambda s: run_lite(lite, s), descending)
        assert pages == _expected_two_column(descending)


@pytest.mark.postgres
async def test_keyset_pagination_walks_every_row_once_on_postgresql(apg: Any) -> None:
    for descending in (False, True):
        seen: list[Any] = []
        score = users.c.score.desc() if descending else users.c.score
        base = select(users.c.id, users.c.score).order_by(score, users.c.id)
        stmt = base.limit(3)
        while True:
            page = await run_apg(apg, stmt)
            seen.extend(row[0] for row in page)
            if len(page) < 3:
                break
            stmt = base.after((page[-1][1], page[-1][0])).limit(3)
        assert seen == _expected_two_column(descending)


# ------------------------------------------------------------ PostgreSQL (psycopg)
PSYCOPG_SCENARIOS = [
    "in_list",
    "empty_in_list",
    "empty_not_in_list",
    "contains_escapes_wildcards",
    "subquery_in_from",
    "recursive_cte",
    "text_fragment",
    "percent_in_sql",
]


@pytest.mark.postgres
async def test_scenarios_on_postgresql_psycopg(postgres_url: str) -> None:
    psycopg = pytest.importorskip("psycopg")
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as conn:
        for ddl in DDL:
            await conn.execute(ddl.format(temp="TEMP"))
        for stmt in _seed_statements():
            sql, params = stmt.compile("postgresql", "format")
            await conn.execute(sql, params)
        for name in PSYCOPG_SCENARIOS:
            build, expected = SCENARIOS[name]
            sql, params = build().compile("postgresql", "format")
            cursor = await conn.execute(sql, params)
            assert [tuple(r) for r in await cursor.fetchall()] == expected, name
