"""What the builder remembers: the value-free parts of a query (the columns selected, the
joins of tables on columns, order items of columns) are made once and shared, since
statements are immutable; anything carrying a value is built anew. These tests hold the
promises that makes: sharing never leaks one statement's parts into another, the SQL and
parameters are those of a statement built from scratch, and the memos stay bounded."""

from __future__ import annotations

from typing import Any

from covet.db.query import _elements, _from, _select, _select_key, func, select, table

users = table("users", "id", "name", "age")
posts = table("posts", "id", "user_id", "title", "status")
comments = table("comments", "id", "post_id", "body", "created")


def pg(stmt: Any) -> tuple[str, tuple[Any, ...]]:
    compiled = stmt.compile("postgresql")
    return compiled.sql, compiled.params


def _report(age: int, status: str) -> Any:
    u, p, m = users, posts, comments
    return (
        select(u.c.id, u.c.name, p.c.title, m.c.body)
        .select_from(u.join(p, p.c.user_id == u.c.id).join(m, m.c.post_id == p.c.id))
        .where(u.c.age >= age, p.c.status == status)
        .order_by(m.c.created.desc())
        .limit(10)
    )


REPORT = (
    'SELECT "users"."id", "users"."name", "posts"."title", "comments"."body" FROM "users"'
    ' JOIN "posts" ON "posts"."user_id" = "users"."id"'
    ' JOIN "comments" ON "comments"."post_id" = "posts"."id"'
    ' WHERE "users"."age" >= $1 AND "posts"."status" = $2'
    ' ORDER BY "comments"."created" DESC LIMIT $3'
)


def test_value_free_parts_are_shared_and_values_are_not() -> None:
    assert select(users.c.id, users.c.name) is select(users.c.id, users.c.name)
    assert select(users) is select(users)
    assert (posts.c.user_id == users.c.id) is (posts.c.user_id == users.c.id)
    assert users.join(posts, posts.c.user_id == users.c.id) is users.join(
        posts, posts.c.user_id == users.c.id
    )
    assert users.c.age.desc() is users.c.age.desc()
    assert (users.c.age >= 1) is not (users.c.age >= 1)
    assert select(users).where(users.c.id == 1) is not select(users).where(users.c.id == 1)


def test_a_query_built_again_compiles_to_its_own_values() -> None:
    for age, status in [(18, "draft"), (30, "live"), (18, "draft")]:
        assert pg(_report(age, status)) == (REPORT, (age, status, 10))


def test_shared_selects_are_left_as_they_were() -> None:
    base = select(users.c.id)
    narrowed = base.where(users.c.age > 3).select_from(users)
    assert pg(narrowed) == ('SELECT "users"."id" FROM "users" WHERE "users"."age" > $1', (3,))
    # select_from() after where() keeps the condition, and is not taken for the
    # select_from() of the bare select.
    assert pg(base.select_from(users)) == ('SELECT "users"."id" FROM "users"', ())
    assert pg(select(users.c.id)) == ('SELECT "users"."id" FROM "users"', ())
    joined = base.join(posts, posts.c.user_id == users.c.id)
    limited = base.limit(2).join(posts, posts.c.user_id == users.c.id)
    assert pg(joined)[1] == ()
    assert pg(limited) == (
        'SELECT "users"."id" FROM "users" JOIN "posts" ON "posts"."user_id" = "users"."id"'
        " LIMIT $1",
        (2,),
    )
    assert pg(base.join(posts, posts.c.user_id == users.c.id)) == pg(joined)


def test_joins_carrying_values_are_never_shared() -> None:
    on_live = (posts.c.user_id == users.c.id) & (posts.c.status == "live")
    first = select(users.c.id).select_from(users.join(posts, on_live))
    on_draft = (posts.c.user_id == users.c.id) & (posts.c.status == "draft")
    second = select(users.c.id).select_from(users.join(posts, on_draft))
    assert pg(first)[1] == ("live",)
    assert pg(second)[1] == ("draft",)


def test_heads_that_differ_get_their_own_sql() -> None:
    # Statements alike but for the parts before WHERE (columns, FROM, DISTINCT, GROUP BY,
    # HAVING, OFFSET) must never share compiled SQL.
    cond = users.c.id > 1
    variants = [
        select(users.c.id).where(cond),
        select(users.c.name).where(cond),
        select(users.c.id).distinct().where(cond),
        select(users.c.id).group_by(users.c.id).where(cond),
        select(users.c.id).offset(5).where(cond),
        select(users.c.id).select_from(posts).where(cond),
    ]
    sqls = {pg(stmt)[0] for stmt in variants}
    assert len(sqls) == len(variants)
    assert pg(variants[4]) == (
        'SELECT "users"."id" FROM "users" WHERE "users"."id" > $1 OFFSET $2',
        (1, 5),
    )


def test_parameters_follow_the_sql_order_around_group_by_and_having() -> None:
    stmt = (
        select(users.c.age, func.count().label("n"))
        .where(users.c.id > 1)
        .group_by(users.c.age)
        .having(func.count() > 2)
        .order_by(users.c.age)
        .limit(3)
        .offset(4)
    )
    sql, params = pg(stmt)
    assert params == (1, 2, 3, 4)
    assert sql.index("$1") < sql.index("$2") < sql.index("$3") < sql.index("$4")
    assert " HAVING count(*) > $2 ORDER BY " in sql


def test_token_interning_survives_its_memo_being_emptied() -> None:
    first = pg(select(users.c.name).where(users.c.id == 4))
    _select_key._TOKENS.clear()
    assert pg(select(users.c.name).where(users.c.id == 5)) == (first[0], (5,))


def test_memos_stay_bounded_with_queries_built_on_fresh_aliases() -> None:
    # An alias made per request must not make the memos grow without end.
    for i in range(3000):
        other = users.alias(f"u{i % 1500}")
        stmt = (
            select(users.c.id, other.c.name)
            .select_from(users.join(other, other.c.id == users.c.id))
            .order_by(other.c.name.asc())
        )
        assert pg(stmt)[1] == ()
    assert len(_elements._PAIRS) <= _elements._PAIRS_SIZE
    assert len(_from._ORDERS) <= _from._ORDERS_SIZE
    assert len(_from._JOINS) <= _from._JOINS_SIZE
    assert len(_select._SELECTS) <= _select._SELECTS_SIZE
    assert len(_select_key._TOKENS) <= _select_key._TOKENS_SIZE
    head = select(users.c.id)._head
    assert head.derived is None or len(head.derived) <= _select._DERIVED_SIZE
