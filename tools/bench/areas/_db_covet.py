"""The db area's covet-db implementations, written as a user writes them.

covet is imported when a client opens, not when the area loads, so the peers still run
(and covet's columns say "error") while covet-db is broken or half-written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from . import _db_data as d


@dataclass(frozen=True)
class Covet:
    """A connected Database plus the query-builder pieces the scenarios use."""

    db: Any
    q: Any  # the covet.db.query module: select, insert, update, delete, table
    users: Any
    users_load: Any


def _tables(q: Any) -> tuple[Any, Any]:
    users = q.table("users", "id", "name", "email", "age", "score", "created")
    users_load = q.table("users_load", "id", "name", "email", "age", "score", "created")
    return users, users_load


@asynccontextmanager
async def _covet(url: str) -> AsyncIterator[Covet]:
    import covet.db.query as q
    from covet.db import Database

    users, users_load = _tables(q)
    async with Database(url, min_size=1, max_size=10) as db:
        yield Covet(db, q, users, users_load)


def covet_asyncpg(ctx: Any) -> Any:
    return _covet(d.with_option(d.with_scheme(ctx.url, "postgresql"), "search_path", d.SCHEMA))


def covet_psycopg(ctx: Any) -> Any:
    url = d.with_scheme(ctx.url, "postgresql+psycopg")
    return _covet(d.with_option(url, "search_path", d.SCHEMA))


# --- D1 ------------------------------------------------------------------------------------


async def d1_builder(c: Covet, n: int) -> str:
    db, select, users = c.db, c.q.select, c.users
    row = None
    for k in range(n):
        row = await db.fetch_one(select(users).where(users.c.id == d.d1_id(k)))
    return row["email"]


async def d1_raw(c: Covet, n: int) -> str:
    db = c.db
    row = None
    for k in range(n):
        row = await db.fetch_one(d.D1_SQL_COVET, {"id": d.d1_id(k)})
    return row["email"]


# --- D2 ------------------------------------------------------------------------------------


async def d2_builder(c: Covet, n: int) -> tuple[int, str]:
    db, select, users = c.db, c.q.select, c.users
    rows: list[Any] = []
    for _ in range(n):
        rows = await db.fetch_all(select(users).order_by(users.c.id).limit(d.D2_ROWS))
    return len(rows), rows[-1]["email"]


async def d2_raw(c: Covet, n: int) -> tuple[int, str]:
    db = c.db
    rows: list[Any] = []
    for _ in range(n):
        rows = await db.fetch_all(d.D2_SQL_COVET, {"limit": d.D2_ROWS})
    return len(rows), rows[-1]["email"]


# --- D3 ------------------------------------------------------------------------------------


async def d3_bulk_insert(c: Covet, n: int) -> None:
    for _ in range(n):
        await c.db.bulk_insert("users_load", d.RECORDS, columns=d.COLUMNS)


# --- D4 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiler:
    q: Any
    compile: Any
    dialect: Any
    users: Any
    posts: Any
    comments: Any
    prebuilt: Any = None


@asynccontextmanager
async def covet_compiler(ctx: Any) -> AsyncIterator[Compiler]:
    import covet.db.query as q
    from covet.db.query._compiler import compile_statement, get_dialect

    c = Compiler(
        q,
        compile_statement,
        get_dialect("postgresql", "numeric_dollar"),
        q.table("users", "id", "name", "email", "age", "score", "created"),
        q.table("posts", "id", "user_id", "title", "status", "created"),
        q.table("comments", "id", "post_id", "user_id", "body", "created"),
    )
    yield replace(c, prebuilt=_d4(c, q.bindparam("age")))


def _d4(c: Compiler, age: Any) -> Any:
    u, p, m = c.users, c.posts, c.comments
    return (
        c.q.select(u.c.id, u.c.name, p.c.title, m.c.body)
        .select_from(u.join(p, p.c.user_id == u.c.id).join(m, m.c.post_id == p.c.id))
        .where(u.c.age >= age, p.c.status == d.D4_STATUS, m.c.created > d.D4_SINCE)
        .order_by(m.c.created.desc())
        .limit(d.D4_LIMIT)
    )


def d4_builder(c: Compiler, n: int) -> tuple[str, Any]:
    """Build the statement, then compile and bind it as Database does before each call."""
    compile_statement, dialect = c.compile, c.dialect
    sql, params = "", []
    for k in range(n):
        sql, params = compile_statement(_d4(c, d.d4_age(k)), None, dialect)
    return sql, params


def d4_bindparam(c: Compiler, n: int) -> tuple[str, Any]:
    """The cached-shape path: a statement built once with bindparam() slots, and only
    compiled (a cache hit) and bound per call, as ``db.fetch_all(stmt, values)`` does."""
    compile_statement, dialect, stmt = c.compile, c.dialect, c.prebuilt
    sql, params = "", []
    for k in range(n):
        sql, params = compile_statement(stmt, {"age": d.d4_age(k)}, dialect)
    return sql, params


# --- D5 ------------------------------------------------------------------------------------


async def d5_builder(c: Covet, n: int) -> float:
    db, q, u = c.db, c.q, c.users
    select, update, insert, delete = q.select, q.update, q.insert, q.delete
    score = 0.0
    for k in range(n):
        i = d.d1_id(k)
        async with db.transaction():
            await db.fetch_one(select(u).where(u.c.id == i))
            await db.execute(update(u).where(u.c.id == i).values(score=u.c.score + 1))
            new_id = await db.fetch_val(insert(u).values(**d.NEW_ROW_DICT).returning(u.c.id))
            await db.execute(delete(u).where(u.c.id == new_id))
            score = await db.fetch_val(select(u.c.score).where(u.c.id == i))
    return score


async def d5_raw(c: Covet, n: int) -> float:
    db = c.db
    score = 0.0
    for k in range(n):
        values = {"id": d.d1_id(k)}
        async with db.transaction():
            await db.fetch_one(d.D5_SELECT_COVET, values)
            await db.execute(d.D5_UPDATE_COVET, values)
            new_id = await db.fetch_val(d.D5_INSERT_COVET, d.NEW_ROW_DICT)
            await db.execute(d.D5_DELETE_COVET, {"id": new_id})
            score = await db.fetch_val(d.D5_SCORE_COVET, values)
    return score
