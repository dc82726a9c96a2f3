"""The SQL each query-builder feature compiles to, on PostgreSQL and SQLite."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from covet.db.query import (
    all_,
    and_,
    any_,
    case,
    cast,
    column,
    delete,
    distinct,
    exists,
    false,
    func,
    insert,
    literal,
    not_,
    null,
    or_,
    select,
    table,
    text,
    true,
    tuple_,
    update,
)

users = table("users", "id", "name", "email", "created", "score")
orders = table("orders", "id", "user_id", "total")


def pg(stmt: Any, style: str = "numeric_dollar") -> tuple[str, tuple[Any, ...]]:
    compiled = stmt.compile("postgresql", style)
    return compiled.sql, compiled.params


def lite(stmt: Any) -> tuple[str, tuple[Any, ...]]:
    compiled = stmt.compile("sqlite")
    return compiled.sql, compiled.params


U = '"users"'
UID = '"users"."id"'
UNAME = '"users"."name"'


def test_select_infers_from_and_quotes_everything() -> None:
    stmt = select(users.c.id, users.c.name).where(users.c.name == "ada")
    assert pg(stmt) == (f"SELECT {UID}, {UNAME} FROM {U} WHERE {UNAME} = $1", ("ada",))
    assert lite(stmt) == (f"SELECT {UID}, {UNAME} FROM {U} WHERE {UNAME} = ?", ("ada",))
    assert pg(stmt, "format") == (f"SELECT {UID}, {UNAME} FROM {U} WHERE {UNAME} = %s", ("ada",))


def test_select_needs_no_argument_to_start() -> None:
    assert pg(select().select_from(users)) == (f"SELECT * FROM {U}", ())
    assert pg(select(literal(1, int))) == ("SELECT CAST($1 AS bigint)", (1,))


def test_select_table_expands_declared_columns_or_star() -> None:
    things = table("things")
    assert pg(select(things)) == ('SELECT "things".* FROM "things"', ())
    assert pg(select(orders))[0] == (
        'SELECT "orders"."id", "orders"."user_id", "orders"."total" FROM "orders"'
    )


def test_statement_is_immutable() -> None:
    base = select(users.c.id)
    filtered = base.where(users.c.id > 3)
    assert pg(base) == (f"SELECT {UID} FROM {U}", ())
    assert pg(filtered) == (f"SELECT {UID} FROM {U} WHERE {UID} > $1", (3,))
    assert base.limit(1) is not base


def test_columns_by_attribute_and_schema() -> None:
    accounts = table("accounts", "id", "c", "alias", schema="billing")
    assert accounts.id is accounts.c.id
    assert accounts.c.c.name == "c"  # a column named like the collection
    assert callable(accounts.alias)  # methods win over columns of the same name
    assert pg(select(accounts.id)) == (
        'SELECT "billing"."accounts"."id" FROM "billing"."accounts"',
        (),
    )


@pytest.mark.parametrize(
    ("condition", "sql", "params"),
    [
        (users.c.score == 1, '"users"."score" = $1', (1,)),
        (users.c.score != 1, '"users"."score" <> $1', (1,)),
        (users.c.score < 1, '"users"."score" < $1', (1,)),
        (users.c.score <= 1, '"users"."score" <= $1', (1,)),
        (users.c.score > 1, '"users"."score" > $1', (1,)),
        (users.c.score >= 1, '"users"."score" >= $1', (1,)),
        (users.c.score == None, '"users"."score" IS NULL', ()),  # noqa: E711
        (users.c.score != None, '"users"."score" IS NOT NULL', ()),  # noqa: E711
        (users.c.score.is_null(), '"users"."score" IS NULL', ()),
        (users.c.score.is_not_null(), '"users"."score" IS NOT NULL', ()),
        (users.c.score.between(1, 9), '"users"."score" BETWEEN $1 AND $2', (1, 9)),
        (users.c.score.not_between(1, 9), '"users"."score" NOT BETWEEN $1 AND $2', (1, 9)),
        (users.c.name.like("a%"), f"{UNAME} LIKE $1", ("a%",)),
        (users.c.name.not_like("a%"), f"{UNAME} NOT LIKE $1", ("a%",)),
        (users.c.name.ilike("a%"), f"{UNAME} ILIKE $1", ("a%",)),
        (users.c.name.not_ilike("a%"), f"{UNAME} NOT ILIKE $1", ("a%",)),
        (users.c.id.in_([1, 2]), f"{UID} = ANY($1)", ([1, 2],)),
        (users.c.id.not_in([1, 2]), f"{UID} <> ALL($1)", ([1, 2],)),
        (users.c.id == any_([1, 2]), f"{UID} = ANY($1)", ([1, 2],)),
        (users.c.id.any([1, 2]), f"{UID} = ANY($1)", ([1, 2],)),
        (users.c.id != all_([1, 2]), f"{UID} <> ALL($1)", ([1, 2],)),
        (users.c.id > any_([1, 2]), f"{UID} > ANY($1)", ([1, 2],)),
        (users.c.score.is_distinct_from(1), '"users"."score" IS DISTINCT FROM $1', (1,)),
        (
            users.c.score.is_not_distinct_from(1),
            '"users"."score" IS NOT DISTINCT FROM $1',
            (1,),
        ),
        (users.c.id == orders.c.user_id, f'{UID} = "orders"."user_id"', ()),
    ],
)
def test_comparisons_on_postgresql(condition: Any, sql: str, params: tuple[Any, ...]) -> None:
    assert pg(select(users.c.id).where(condition)) == (
        f"SELECT {UID} FROM {U} WHERE {sql}",
        params,
    )


def test_in_lists_on_sqlite_expand_and_empty_lists_are_constant() -> None:
    def where(cond: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = lite(select(users.c.id).where(cond))
        return sql.split(" WHERE ")[1], params

    assert where(users.c.id.in_([1, 2, 3])) == (f"{UID} IN (?, ?, ?)", (1, 2, 3))
    assert where(users.c.id.not_in((4,))) == (f"{UID} NOT IN (?)", (4,))
    assert where(users.c.id.in_([])) == (f"{UID} IN ()", ())
    assert where(users.c.id.not_in([])) == (f"{UID} NOT IN ()", ())
    assert where(users.c.id == any_([7, 8])) == (f"{UID} IN (?, ?)", (7, 8))
    assert where(users.c.name.ilike("A%")) == (f"{UNAME} LIKE ?", ("A%",))


def test_postgresql_in_list_sql_is_the_same_for_every_length() -> None:
    texts = {pg(select(users.c.id).where(users.c.id.in_(range(n))))[0] for n in (0, 1, 5, 50)}
    assert len(texts) == 1


def test_sqlite_in_list_lengths_share_one_shape_but_get_their_own_sql() -> None:
    stmt = lambda n: select(users.c.id).where(users.c.id.in_(range(n)), users.c.name == "x")  # noqa: E731
    assert lite(stmt(2)) == (
        f"SELECT {UID} FROM {U} WHERE {UID} IN (?, ?) AND {UNAME} = ?",
        (0, 1, "x"),
    )
    assert lite(stmt(3)) == (
        f"SELECT {UID} FROM {U} WHERE {UID} IN (?, ?, ?) AND {UNAME} = ?",
        (0, 1, 2, "x"),
    )
    assert lite(stmt(2))[0].count("?") == 3


def test_boolean_logic_and_parentheses() -> None:
    a, b, c = users.c.id == 1, users.c.id == 2, users.c.name == "x"
    assert pg(select(users.c.id).where((a | b) & c))[0].endswith(
        f"WHERE ({UID} = $1 OR {UID} = $2) AND {UNAME} = $3"
    )
    assert pg(select(users.c.id).where(or_(a, and_(b, c))))[0].endswith(
        f"WHERE {UID} = $1 OR ({UID} = $2 AND {UNAME} = $3)"
    )
    assert pg(select(users.c.id).where(~(a | b)))[0].endswith(
        f"WHERE NOT ({UID} = $1 OR {UID} = $2)"
    )
    assert pg(select(users.c.id).where(not_(users.c.id.in_([1]))))[0].endswith(
        f"WHERE {UID} <> ALL($1)"
    )
    assert pg(select(users.c.id).where(a, b))[0].endswith(f"WHERE {UID} = $1 AND {UID} = $2")
    assert pg(select(users.c.id).where(a).where(b))[0].endswith(f"WHERE {UID} = $1 AND {UID} = $2")
    assert pg(select(users.c.id).where(and_()))[0].endswith("WHERE TRUE")
    assert pg(select(users.c.id).where(or_()))[0].endswith("WHERE FALSE")
    assert pg(select(users.c.id).where(true() | false()))[0].endswith("WHERE TRUE OR FALSE")


def test_arithmetic_precedence() -> None:
    s = users.c.score
    negated = -s
    sql, params = pg(select((s + 1) * 2, s - (s - 3), -negated, 10 / s, s % 7, s.concat("x")))
    assert sql == (
        'SELECT ("users"."score" + $1) * $2, "users"."score" - ("users"."score" - $3), '
        '-(-"users"."score"), $4 / "users"."score", "users"."score" % $5, '
        '"users"."score" || $6 FROM "users"'
    )
    assert params == (1, 2, 3, 10, 7, "x")


def test_format_paramstyle_doubles_literal_percent() -> None:
    sql, params = pg(select(users.c.score % 7, text("'100%'")), "format")
    assert sql == 'SELECT "users"."score" %% %s, \'100%%\' FROM "users"'
    assert params == (7,)


def test_joins_of_every_kind() -> None:
    on = orders.c.user_id == users.c.id
    base = select(users.c.id, orders.c.total)
    tail = f' "orders" ON "orders"."user_id" = {UID}'
    assert pg(base.join(orders, on))[0].endswith(f"FROM {U} JOIN{tail}")
    assert pg(base.left_join(orders, on))[0].endswith(f"FROM {U} LEFT JOIN{tail}")
    assert pg(base.right_join(orders, on))[0].endswith(f"FROM {U} RIGHT JOIN{tail}")
    assert pg(base.full_join(orders, on))[0].endswith(f"FROM {U} FULL JOIN{tail}")
    assert pg(base.join(orders, on, kind="full"))[0].endswith(f"FROM {U} FULL JOIN{tail}")
    assert pg(base.cross_join(orders))[0].endswith(f'FROM {U} CROSS JOIN "orders"')
    joined = users.left_join(orders, on)
    assert pg(select(users.c.id).select_from(joined))[0] == (
        f"SELECT {UID} FROM {U} LEFT JOIN{tail}"
    )


def test_aliases_self_join() -> None:
    boss = users.alias("boss")
    stmt = select(users.c.name, boss.c.name.label("boss")).join(boss, boss.c.id == users.c.score)
    assert pg(stmt) == (
        f'SELECT {UNAME}, "boss"."name" AS "boss" FROM {U} JOIN "users" AS "boss" '
        f'ON "boss"."id" = "users"."score"',
        (),
    )


def test_group_by_having_order_limit_offset() -> None:
    n = func.count().label("n")
    stmt = (
        select(users.c.name, n)
        .group_by(users.c.name)
        .having(func.count() > 1)
        .order_by(n, users.c.name.desc().nulls_last(), users.c.id.nulls_first())
        .limit(10)
        .offset(20)
    )
    expected = (
        f'SELECT {UNAME}, count(*) AS "n" FROM {U} GROUP BY {UNAME} HAVING count(*) > $1 '
        f'ORDER BY "n", {UNAME} DESC NULLS LAST, {UID} NULLS FIRST LIMIT $2 OFFSET $3'
    )
    assert pg(stmt) == (expected, (1, 10, 20))
    assert lite(stmt)[1] == (1, 10, 20)
    assert pg(stmt.order_by(None).limit(None).offset(None))[0].endswith("HAVING count(*) > $1")


def test_offset_without_limit_on_sqlite() -> None:
    assert lite(select(users.c.id).offset(5)) == (f"SELECT {UID} FROM {U} LIMIT -1 OFFSET ?", (5,))
    assert pg(select(users.c.id).offset(5)) == (f"SELECT {UID} FROM {U} OFFSET $1", (5,))


def test_distinct_and_distinct_on() -> None:
    assert pg(select(users.c.name).distinct())[0] == f"SELECT DISTINCT {UNAME} FROM {U}"
    stmt = select(users.c.name, users.c.id).distinct(users.c.name).order_by(users.c.name)
    assert pg(stmt)[0] == (f"SELECT DISTINCT ON ({UNAME}) {UNAME}, {UID} FROM {U} ORDER BY {UNAME}")
    assert pg(select(func.count(distinct(users.c.name))))[0] == (
        f"SELECT count(DISTINCT {UNAME}) FROM {U}"
    )
    assert pg(select(func.count(users.c.name.distinct())))[0] == (
        f"SELECT count(DISTINCT {UNAME}) FROM {U}"
    )


def test_keyset_pagination_uniform_direction_uses_a_row_comparison() -> None:
    stmt = select(users.c.id).order_by(users.c.created, users.c.id).after(("2024-01-01", 17))
    assert pg(stmt) == (
        f'SELECT {UID} FROM {U} WHERE ("users"."created", {UID}) > ($1, $2) '
        f'ORDER BY "users"."created", {UID}',
        ("2024-01-01", 17),
    )
    desc = select(users.c.id).order_by(users.c.created.desc(), users.c.id.desc())
    assert 'WHERE ("users"."created", "users"."id") < ($1, $2)' in pg(desc.after((1, 2)))[0]
    assert 'WHERE ("users"."created", "users"."id") > ($1, $2)' in pg(desc.before((1, 2)))[0]
    single = select(users.c.id).order_by(users.c.id).after((5,)).limit(3)
    assert pg(single) == (f"SELECT {UID} FROM {U} WHERE {UID} > $1 ORDER BY {UID} LIMIT $2", (5, 3))


def test_keyset_pagination_mixed_directions_expands_ties() -> None:
    stmt = (
        select(users.c.id)
        .where(users.c.name == "x")
        .order_by(users.c.score.desc(), users.c.created, users.c.id)
        .after((9, "t", 3))
    )
    sql, params = pg(stmt)
    assert sql == (
        f"SELECT {UID} FROM {U} WHERE {UNAME} = $1 AND "
        f'("users"."score" < $2 OR ("users"."score" = $3 AND "users"."created" > $4) OR '
        f'("users"."score" = $5 AND "users"."created" = $6 AND {UID} > $7)) '
        f'ORDER BY "users"."score" DESC, "users"."created", {UID}'
    )
    assert params == ("x", 9, 9, "t", 9, "t", 3)


def test_subquery_in_from_and_in_where_and_scalar() -> None:
    totals = (
        select(orders.c.user_id, func.sum(orders.c.total).label("total"))
        .where(orders.c.total > 0)
        .group_by(orders.c.user_id)
        .subquery("t")
    )
    stmt = select(users.c.name, totals.c.total).join(totals, totals.c.user_id == users.c.id)
    assert pg(stmt) == (
        f'SELECT {UNAME}, "t"."total" FROM {U} JOIN (SELECT "orders"."user_id", '
        f'sum("orders"."total") AS "total" FROM "orders" WHERE "orders"."total" > $1 '
        f'GROUP BY "orders"."user_id") AS "t" ON "t"."user_id" = {UID}',
        (0,),
    )
    buyers = select(orders.c.user_id).where(orders.c.total > 5)
    assert pg(select(users.c.id).where(users.c.id.in_(buyers), users.c.name == "x")) == (
        f'SELECT {UID} FROM {U} WHERE {UID} IN (SELECT "orders"."user_id" FROM "orders" '
        f'WHERE "orders"."total" > $1) AND {UNAME} = $2',
        (5, "x"),
    )
    count = select(func.count()).select_from(orders).where(orders.c.user_id == users.c.id)
    assert pg(select(users.c.name, count.label("n")).where(users.c.id == 2)) == (
        f'SELECT {UNAME}, (SELECT count(*) FROM "orders" WHERE "orders"."user_id" = {UID}) '
        f'AS "n" FROM {U} WHERE {UID} = $1',
        (2,),
    )
    assert pg(select(users.c.id).where(users.c.score > count))[0].endswith(
        f'WHERE "users"."score" > (SELECT count(*) FROM "orders" WHERE "orders"."user_id" = {UID})'
    )


def test_exists_and_not_exists() -> None:
    has_orders = select(orders.c.id).where(orders.c.user_id == users.c.id)
    inner = f'(SELECT "orders"."id" FROM "orders" WHERE "orders"."user_id" = {UID})'
    assert pg(select(users.c.id).where(exists(has_orders)))[0].endswith(f"WHERE EXISTS {inner}")
    assert pg(select(users.c.id).where(~has_orders.exists()))[0].endswith(
        f"WHERE NOT EXISTS {inner}"
    )


def test_ctes_plain_and_recursive() -> None:
    big = select(orders.c.user_id).where(orders.c.total > 100).cte("big")
    stmt = select(users.c.name).with_(big).join(big, big.c.user_id == users.c.id)
    assert pg(stmt) == (
        'WITH "big" AS (SELECT "orders"."user_id" FROM "orders" WHERE "orders"."total" > $1) '
        f'SELECT {UNAME} FROM {U} JOIN "big" ON "big"."user_id" = {UID}',
        (100,),
    )
    nodes = table("nodes", "id", "parent")
    child = nodes.alias("child")
    tree = select(nodes.c.id).where(nodes.c.id == 1).cte("tree", recursive=True)
    tree = tree.union_all(select(child.c.id).join(tree, child.c.parent == tree.c.id))
    stmt2 = select(tree.c.id).with_(tree).where(tree.c.id != 5)
    expected = (
        'WITH RECURSIVE "tree" AS (SELECT "nodes"."id" FROM "nodes" WHERE "nodes"."id" = ? '
        'UNION ALL SELECT "child"."id" FROM "nodes" AS "child" JOIN "tree" '
        'ON "child"."parent" = "tree"."id") SELECT "tree"."id" FROM "tree" WHERE "tree"."id" <> ?'
    )
    assert lite(stmt2) == (expected, (1, 5))


def test_window_functions() -> None:
    rn = func.row_number().over(partition_by=users.c.name, order_by=users.c.created.desc())
    running = func.sum(users.c.score).over(order_by=[users.c.created], rows=(None, 0))
    moving = func.avg(users.c.score).over(range_=(-3, 3))
    sql, _ = pg(select(rn.label("rn"), running, moving))
    assert sql == (
        f'SELECT row_number() OVER (PARTITION BY {UNAME} ORDER BY "users"."created" DESC) AS "rn", '
        'sum("users"."score") OVER (ORDER BY "users"."created" ROWS BETWEEN UNBOUNDED PRECEDING '
        'AND CURRENT ROW), avg("users"."score") OVER (RANGE BETWEEN 3 PRECEDING AND 3 FOLLOWING) '
        f"FROM {U}"
    )


def test_aggregates_with_filter_and_functions_with_schema() -> None:
    stmt = select(
        func.count().filter(users.c.score > 5),
        func.max(users.c.score),
        func.coalesce(users.c.name, "anon"),
        func.public.my_fn(1),
    )
    assert pg(stmt) == (
        'SELECT count(*) FILTER (WHERE "users"."score" > $1), max("users"."score"), '
        f"coalesce({UNAME}, $2), public.my_fn($3) FROM {U}",
        (5, "anon", 1),
    )


def test_case_cast_literal_null_tuple() -> None:
    stmt = select(
        case((users.c.score > 10, "high"), (users.c.score > 5, "mid"), else_="low").label("band"),
        case({1: "one", 2: "two"}, value=users.c.id),
        cast(users.c.score, "numeric(10, 2)"),
        users.c.score.cast(str),
        null(),
    ).where(tuple_(users.c.id, users.c.score) > tuple_(1, 2))
    assert pg(stmt) == (
        'SELECT CASE WHEN "users"."score" > $1 THEN $2 WHEN "users"."score" > $3 THEN $4 '
        'ELSE $5 END AS "band", CASE "users"."id" WHEN $6 THEN $7 WHEN $8 THEN $9 END, '
        'CAST("users"."score" AS numeric(10, 2)), CAST("users"."score" AS text), NULL '
        f'FROM {U} WHERE ({UID}, "users"."score") > ($10, $11)',
        (10, "high", 5, "mid", "low", 1, "one", 2, "two", 1, 2),
    )


def test_like_helpers_escape_wildcards() -> None:
    assert pg(select(users.c.id).where(users.c.name.startswith("50%_")))[1] == (
        "50\\%\\_%",
        "\\",
    )
    assert pg(select(users.c.id).where(users.c.name.contains("a")))[0].endswith(
        f"WHERE {UNAME} LIKE $1 ESCAPE $2"
    )
    assert pg(select(users.c.id).where(users.c.name.endswith("z")))[1] == ("%z", "\\")


def test_for_update_variants() -> None:
    base = select(users.c.id).where(users.c.id == 1)
    assert pg(base.for_update())[0].endswith("= $1 FOR UPDATE")
    assert pg(base.for_update(skip_locked=True, of=users))[0].endswith(
        'FOR UPDATE OF "users" SKIP LOCKED'
    )
    assert pg(base.for_update(nowait=True, read=True))[0].endswith("FOR SHARE NOWAIT")
    assert pg(base.for_update(key_share=True))[0].endswith("FOR NO KEY UPDATE")
    assert pg(base.for_update(key_share=True, read=True))[0].endswith("FOR KEY SHARE")
    # SQLite locks the whole database on write: no row-lock clause.
    assert lite(base.for_update()) == (f"SELECT {UID} FROM {U} WHERE {UID} = ?", (1,))


def test_union_and_friends() -> None:
    a = select(users.c.id)
    b = select(orders.c.user_id)
    assert (
        pg(a.union(b))[0] == f'SELECT {UID} FROM {U} UNION SELECT "orders"."user_id" FROM "orders"'
    )
    assert pg(a.union_all(b).order_by(column("id")).limit(3)) == (
        f'SELECT {UID} FROM {U} UNION ALL SELECT "orders"."user_id" FROM "orders" '
        'ORDER BY "id" LIMIT $1',
        (3,),
    )
    assert " INTERSECT " in pg(a.intersect(b))[0]
    assert " EXCEPT " in lite(a.except_(b))[0]


def test_insert_single_multi_and_default_values() -> None:
    assert pg(insert(users).values(name="ada", score=3)) == (
        'INSERT INTO "users" ("name", "score") VALUES ($1, $2)',
        ("ada", 3),
    )
    assert lite(insert(users).values({"name": "x"}).values(score=1)) == (
        'INSERT INTO "users" ("name", "score") VALUES (?, ?)',
        ("x", 1),
    )
    rows = [{"id": 1, "name": "a"}, {"name": "b", "id": 2}]
    assert pg(insert(users).values(rows)) == (
        'INSERT INTO "users" ("id", "name") VALUES ($1, $2), ($3, $4)',
        (1, "a", 2, "b"),
    )
    assert pg(insert(users)) == ('INSERT INTO "users" DEFAULT VALUES', ())
    assert pg(insert(users).values(created=func.now(), id=users.c.id)) == (
        'INSERT INTO "users" ("created", "id") VALUES (now(), "users"."id")',
        (),
    )


def test_insert_from_select_and_returning() -> None:
    src = select(orders.c.user_id, literal("copied")).where(orders.c.total > 1)
    stmt = insert(users).from_select(["id", users.c.name], src).returning(users.c.id)
    assert pg(stmt) == (
        'INSERT INTO "users" ("id", "name") SELECT "orders"."user_id", $1 FROM "orders" '
        'WHERE "orders"."total" > $2 RETURNING "users"."id"',
        ("copied", 1),
    )


def test_upsert_do_update_with_excluded_and_do_nothing() -> None:
    ins = insert(users).values(id=1, name="a", score=5)
    stmt = ins.on_conflict("id").do_update(
        set={"name": ins.excluded.name, "score": users.c.score + ins.excluded.score},
        where=users.c.score < 100,
    )
    assert pg(stmt.returning(users)) == (
        'INSERT INTO "users" ("id", "name", "score") VALUES ($1, $2, $3) ON CONFLICT ("id") '
        'DO UPDATE SET "name" = EXCLUDED."name", "score" = "users"."score" + EXCLUDED."score" '
        'WHERE "users"."score" < $4 RETURNING "users"."id", "users"."name", "users"."email", '
        '"users"."created", "users"."score"',
        (1, "a", 5, 100),
    )
    assert lite(ins.on_conflict(users.c.id).do_update())[0].endswith(
        'ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", "score" = EXCLUDED."score"'
    )
    assert pg(ins.on_conflict("id").do_update(["name"]))[0].endswith(
        'DO UPDATE SET "name" = EXCLUDED."name"'
    )
    assert pg(ins.on_conflict().do_nothing())[0].endswith("ON CONFLICT DO NOTHING")
    assert pg(ins.on_conflict(constraint="users_pkey").do_nothing())[0].endswith(
        'ON CONFLICT ON CONSTRAINT "users_pkey" DO NOTHING'
    )


def test_update_with_expressions_from_and_returning() -> None:
    stmt = (
        update(users)
        .values(score=users.c.score + 1, name="z")
        .where(users.c.id == 3)
        .returning(users.c.score)
    )
    assert pg(stmt) == (
        'UPDATE "users" SET "score" = "users"."score" + $1, "name" = $2 '
        'WHERE "users"."id" = $3 RETURNING "users"."score"',
        (1, "z", 3),
    )
    from_ = (
        update(users)
        .values(score=orders.c.total)
        .from_(orders)
        .where(orders.c.user_id == users.c.id)
    )
    assert lite(from_) == (
        'UPDATE "users" SET "score" = "orders"."total" FROM "orders" '
        'WHERE "orders"."user_id" = "users"."id"',
        (),
    )


def test_delete_with_where_using_and_returning() -> None:
    assert pg(delete(users).where(users.c.id.in_([1, 2])).returning(users.c.id)) == (
        'DELETE FROM "users" WHERE "users"."id" = ANY($1) RETURNING "users"."id"',
        ([1, 2],),
    )
    assert pg(delete(users).using(orders).where(orders.c.user_id == users.c.id))[0] == (
        'DELETE FROM "users" USING "orders" WHERE "orders"."user_id" = "users"."id"'
    )
    assert pg(delete(users)) == ('DELETE FROM "users"', ())


def test_text_fragments_bind_their_values() -> None:
    stmt = select(users.c.id).where(
        text("lower(name) = :n OR :n = ''", {"n": "bob"}), users.c.id > 1
    )
    assert pg(stmt) == (
        f"SELECT {UID} FROM {U} WHERE (lower(name) = $1 OR $2 = '') AND {UID} > $3",
        ("bob", "bob", 1),
    )
    frm = select(column("g")).select_from(text("generate_series(1, :n) AS g").bindparams(n=3))
    assert pg(frm) == ('SELECT "g" FROM generate_series(1, $1) AS g', (3,))


def test_str_is_readable_postgresql_sql() -> None:
    stmt = select(users.c.id).where(users.c.id == 5)
    assert str(stmt) == f"SELECT {UID} FROM {U} WHERE {UID} = $1"
    assert "cannot compile" in str(update(users))


def test_identifiers_with_quotes_are_doubled() -> None:
    odd = table('we"ird', 'col"umn', schema='s"c')
    assert pg(select(odd.c['col"umn']))[0] == (
        'SELECT "s""c"."we""ird"."col""umn" FROM "s""c"."we""ird"'
    )


def test_cached_shapes_keep_apart_the_from_items_columns_imply() -> None:
    # A select's cache key leaves inferred FROM items out where the columns name them
    # in full (tables, aliases); statements alike but for what those columns read
    # must still get their own SQL and parameters, whichever compiles first.
    posts = table("posts", "id", "user_id")
    by_users, by_posts = users.alias("x"), posts.alias("x")
    for _ in range(2):
        assert pg(select(by_users.c.id)) == ('SELECT "x"."id" FROM "users" AS "x"', ())
        assert pg(select(by_posts.c.id)) == ('SELECT "x"."id" FROM "posts" AS "x"', ())
    named = select(users.c.id).where(users.c.name == "ada").subquery("s")
    numbered = select(posts.c.id).where(posts.c.user_id == 7).subquery("s")
    for _ in range(2):
        assert pg(select(named.c.id).where(named.c.id > 1)) == (
            'SELECT "s"."id" FROM (SELECT "users"."id" FROM "users" WHERE "users"."name" = $1)'
            ' AS "s" WHERE "s"."id" > $2',
            ("ada", 1),
        )
        assert pg(select(numbered.c.id).where(numbered.c.id > 2)) == (
            'SELECT "s"."id" FROM (SELECT "posts"."id" FROM "posts" WHERE "posts"."user_id" = $1)'
            ' AS "s" WHERE "s"."id" > $2',
            (7, 2),
        )
    joined = select(users.c.id).join(numbered, numbered.c.id == users.c.id)
    assert pg(joined) == (
        f'SELECT {UID} FROM {U} JOIN (SELECT "posts"."id" FROM "posts" WHERE'
        f' "posts"."user_id" = $1) AS "s" ON "s"."id" = {UID}',
        (7,),
    )


def test_derived_statements_do_not_share_compiled_state() -> None:
    base = select(users.c.id).where(users.c.id > 1)
    assert pg(base) == (f"SELECT {UID} FROM {U} WHERE {UID} > $1", (1,))
    narrower = base.where(users.c.name == "ada")
    limited = base.limit(3)
    assert pg(narrower) == (f"SELECT {UID} FROM {U} WHERE {UID} > $1 AND {UNAME} = $2", (1, "ada"))
    assert pg(limited) == (f"SELECT {UID} FROM {U} WHERE {UID} > $1 LIMIT $2", (1, 3))
    assert pg(base) == (f"SELECT {UID} FROM {U} WHERE {UID} > $1", (1,))
    # The same shape with other values: the cached SQL, this statement's parameters.
    assert pg(select(users.c.id).where(users.c.id > 9)) == (
        f"SELECT {UID} FROM {U} WHERE {UID} > $1",
        (9,),
    )


def test_where_conditions_are_anded_flat() -> None:
    one, two, three = users.c.id == 1, users.c.name == "x", users.c.id > 5
    assert pg(select(users.c.id).where(one | two)) == (
        f"SELECT {UID} FROM {U} WHERE {UID} = $1 OR {UNAME} = $2",
        (1, "x"),
    )
    assert pg(select(users.c.id).where(one | two, three)) == (
        f"SELECT {UID} FROM {U} WHERE ({UID} = $1 OR {UNAME} = $2) AND {UID} > $3",
        (1, "x", 5),
    )
    flat = f"SELECT {UID} FROM {U} WHERE {UID} = $1 AND {UNAME} = $2 AND {UID} > $3"
    assert pg(select(users.c.id).where(and_(one, two)).where(three)) == (flat, (1, "x", 5))
    assert pg(select(users.c.id).where(one).where(two & three)) == (flat, (1, "x", 5))
    assert pg(select(users.c.id).where()) == (f"SELECT {UID} FROM {U}", ())


def test_tables_without_declared_columns_take_any_attribute() -> None:
    from covet.db.query import Table

    loose = Table("loose")
    assert isinstance(loose, Table)
    assert loose.anything.name == "anything"
    assert loose.alias("l").other.name == "other"
    assert pg(select(loose.a, loose.alias("l").b))[0] == (
        'SELECT "loose"."a", "l"."b" FROM "loose", "loose" AS "l"'
    )
    assert Table(name="kw").anything.name == "anything"
    with pytest.raises(AttributeError, match="nme"):
        _ = users.alias("u").nme
    with pytest.raises(AttributeError, match="has no column 'nme'"):
        _ = users.alias("u").c.nme
    # Tables and aliases survive copy and pickle, loose or declared.
    for item in (users, loose, users.alias("u"), loose.alias("l")):
        for clone in (copy.copy(item), copy.deepcopy(item), pickle.loads(pickle.dumps(item))):
            assert str(select(clone.c.id)) == str(select(item.c.id))
    assert pickle.loads(pickle.dumps(loose)).anything.name == "anything"
