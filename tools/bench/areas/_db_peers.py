"""The db area's floor and peers: raw asyncpg, psycopg 3 and SQLAlchemy 2 (Core and ORM).

Each is written the way its users write it in a web app, with the library's defaults:
prepared statements where the library prepares them, rows in the library's default shape
(asyncpg Records, psycopg tuples, SQLAlchemy Rows, ORM objects), pools acquired per
operation for the pooled variants.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import psycopg
import sqlalchemy as sa
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.dialects.postgresql import asyncpg as sa_asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from . import _db_data as d

POOL_MAX = 10

# --- clients (opened once per run) -------------------------------------------------------


@asynccontextmanager
async def asyncpg_connection(ctx: Any) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(ctx.url, server_settings={"search_path": d.SCHEMA})
    try:
        yield conn
    finally:
        await conn.close()


@asynccontextmanager
async def asyncpg_pool(ctx: Any) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(
        ctx.url, min_size=1, max_size=POOL_MAX, server_settings={"search_path": d.SCHEMA}
    )
    try:
        yield pool
    finally:
        await pool.close()


def _psycopg_kwargs() -> dict[str, Any]:
    # autocommit: a lone SELECT must not leave the connection idle in a transaction,
    # which is also how asyncpg behaves; transaction() then issues BEGIN/COMMIT.
    return {"autocommit": True, "options": f"-c search_path={d.SCHEMA}"}


@asynccontextmanager
async def psycopg_connection(ctx: Any) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    conn = await psycopg.AsyncConnection.connect(ctx.url, **_psycopg_kwargs())
    try:
        yield conn
    finally:
        await conn.close()


@asynccontextmanager
async def psycopg_pool(ctx: Any) -> AsyncIterator[AsyncConnectionPool]:
    pool: AsyncConnectionPool = AsyncConnectionPool(
        ctx.url, min_size=1, max_size=POOL_MAX, kwargs=_psycopg_kwargs(), open=False
    )
    await pool.open(wait=True)
    try:
        yield pool
    finally:
        await pool.close()


metadata = sa.MetaData()
sa_users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("age", sa.Integer, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
)
sa_users_load = sa.Table(
    "users_load",
    metadata,
    *(sa.Column(c.name, c.type, primary_key=c.primary_key) for c in sa_users.columns),
)


class _Base(DeclarativeBase):
    pass


class User(_Base):
    __table__ = sa_users


@asynccontextmanager
async def sa_engine(ctx: Any) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(
        d.with_scheme(ctx.url, "postgresql+asyncpg"),
        pool_size=POOL_MAX,
        connect_args={"server_settings": {"search_path": d.SCHEMA}},
    )
    try:
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def sa_sessions(ctx: Any) -> AsyncIterator[async_sessionmaker[Any]]:
    async with sa_engine(ctx) as engine:
        yield async_sessionmaker(engine, expire_on_commit=False)


# --- D1: fetch one row by primary key, sequentially --------------------------------------


async def d1_asyncpg(conn: asyncpg.Connection, n: int) -> str:
    row = None
    for k in range(n):
        row = await conn.fetchrow(d.D1_SQL, d.d1_id(k))
    return row["email"]


async def d1_asyncpg_pool(pool: asyncpg.Pool, n: int) -> str:
    row = None
    for k in range(n):
        row = await pool.fetchrow(d.D1_SQL, d.d1_id(k))
    return row["email"]


async def d1_psycopg(conn: psycopg.AsyncConnection[Any], n: int) -> str:
    row = None
    for k in range(n):
        cursor = await conn.execute(d.D1_SQL_PSYCOPG, (d.d1_id(k),))
        row = await cursor.fetchone()
    return row[2]


async def d1_psycopg_pool(pool: AsyncConnectionPool, n: int) -> str:
    row = None
    for k in range(n):
        async with pool.connection() as conn:
            cursor = await conn.execute(d.D1_SQL_PSYCOPG, (d.d1_id(k),))
            row = await cursor.fetchone()
    return row[2]


async def d1_sa_core(engine: AsyncEngine, n: int) -> str:
    row = None
    for k in range(n):
        async with engine.connect() as conn:
            result = await conn.execute(sa.select(sa_users).where(sa_users.c.id == d.d1_id(k)))
            row = result.first()
    return row.email


async def d1_sa_orm(sessions: async_sessionmaker[Any], n: int) -> str:
    user = None
    for k in range(n):
        async with sessions() as session:
            result = await session.execute(sa.select(User).where(User.id == d.d1_id(k)))
            user = result.scalar_one_or_none()
    return user.email


# --- D2: fetch 1,000 rows ---------------------------------------------------------------


async def d2_asyncpg(conn: asyncpg.Connection, n: int) -> tuple[int, str]:
    rows: list[Any] = []
    for _ in range(n):
        rows = await conn.fetch(d.D2_SQL, d.D2_ROWS)
    return len(rows), rows[-1]["email"]


async def d2_asyncpg_pool(pool: asyncpg.Pool, n: int) -> tuple[int, str]:
    rows: list[Any] = []
    for _ in range(n):
        rows = await pool.fetch(d.D2_SQL, d.D2_ROWS)
    return len(rows), rows[-1]["email"]


async def d2_psycopg(conn: psycopg.AsyncConnection[Any], n: int) -> tuple[int, str]:
    rows: list[Any] = []
    for _ in range(n):
        cursor = await conn.execute(d.D2_SQL_PSYCOPG, (d.D2_ROWS,))
        rows = await cursor.fetchall()
    return len(rows), rows[-1][2]


async def d2_psycopg_pool(pool: AsyncConnectionPool, n: int) -> tuple[int, str]:
    rows: list[Any] = []
    for _ in range(n):
        async with pool.connection() as conn:
            cursor = await conn.execute(d.D2_SQL_PSYCOPG, (d.D2_ROWS,))
            rows = await cursor.fetchall()
    return len(rows), rows[-1][2]


async def d2_sa_core(engine: AsyncEngine, n: int) -> tuple[int, str]:
    rows: list[Any] = []
    for _ in range(n):
        async with engine.connect() as conn:
            stmt = sa.select(sa_users).order_by(sa_users.c.id).limit(d.D2_ROWS)
            rows = list((await conn.execute(stmt)).all())
    return len(rows), rows[-1].email


async def d2_sa_orm(sessions: async_sessionmaker[Any], n: int) -> tuple[int, str]:
    users: list[Any] = []
    for _ in range(n):
        async with sessions() as session:
            stmt = sa.select(User).order_by(User.id).limit(d.D2_ROWS)
            users = list((await session.execute(stmt)).scalars().all())
    return len(users), users[-1].email


# --- D3: insert 10,000 rows in bulk ------------------------------------------------------


async def d3_asyncpg(conn: asyncpg.Connection, n: int) -> None:
    for _ in range(n):
        await conn.copy_records_to_table("users_load", records=d.RECORDS, columns=d.COLUMNS)


async def d3_asyncpg_pool(pool: asyncpg.Pool, n: int) -> None:
    for _ in range(n):
        await pool.copy_records_to_table("users_load", records=d.RECORDS, columns=d.COLUMNS)


async def _psycopg_copy(conn: psycopg.AsyncConnection[Any]) -> None:
    async with conn.cursor() as cursor, cursor.copy(d.D3_COPY_PSYCOPG) as copy:
        for record in d.RECORDS:
            await copy.write_row(record)


async def d3_psycopg(conn: psycopg.AsyncConnection[Any], n: int) -> None:
    for _ in range(n):
        await _psycopg_copy(conn)


async def d3_psycopg_pool(pool: AsyncConnectionPool, n: int) -> None:
    for _ in range(n):
        async with pool.connection() as conn:
            await _psycopg_copy(conn)


async def d3_sa_core(engine: AsyncEngine, n: int) -> None:
    for _ in range(n):
        async with engine.begin() as conn:
            await conn.execute(sa.insert(sa_users_load), d.DICT_RECORDS)


# --- D4: build and compile a 2-join query (no I/O) ---------------------------------------

sa_posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
)
sa_comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("post_id", sa.Integer, nullable=False),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
)


def _sa_d4(age: int) -> sa.Select[Any]:
    u, p, c = sa_users, sa_posts, sa_comments
    return (
        sa.select(u.c.id, u.c.name, p.c.title, c.c.body)
        .select_from(u.join(p, p.c.user_id == u.c.id).join(c, c.c.post_id == p.c.id))
        .where(u.c.age >= age, p.c.status == d.D4_STATUS, c.c.created > d.D4_SINCE)
        .order_by(c.c.created.desc())
        .limit(d.D4_LIMIT)
    )


class SADialect:
    """The asyncpg dialect and a compiled cache, as an engine holds them."""

    def __init__(self) -> None:
        self.dialect = sa_asyncpg.dialect()  # type: ignore[no-untyped-call]
        self.cache: dict[Any, Any] = {}


@asynccontextmanager
async def sa_dialect(ctx: Any) -> AsyncIterator[SADialect]:
    yield SADialect()


def d4_sa_compile(state: SADialect, n: int) -> tuple[str, list[Any]]:
    """Build, compile and bind, with no cache: ``stmt.compile(dialect=...)`` each time."""
    dialect = state.dialect
    sql, params = "", []
    for k in range(n):
        compiled = _sa_d4(d.d4_age(k)).compile(dialect=dialect)
        bound = compiled.construct_params()
        sql, params = compiled.string, [bound[key] for key in compiled.positiontup or ()]
    return sql, params


def d4_sa_cached(state: SADialect, n: int) -> tuple[str, list[Any]]:
    """Build, then what ``Connection.execute`` does: cache key, compiled-cache hit, bind."""
    dialect, cache = state.dialect, state.cache
    sql, params = "", []
    for k in range(n):
        stmt = _sa_d4(d.d4_age(k))
        compiled, extracted, *_ = stmt._compile_w_cache(
            dialect, compiled_cache=cache, column_keys=[], for_executemany=False
        )
        bound = compiled.construct_params(extracted_parameters=extracted)
        sql, params = compiled.string, [bound[key] for key in compiled.positiontup or ()]
    return sql, params


# --- D5: a transaction of 5 statements ---------------------------------------------------


async def _asyncpg_tx(conn: asyncpg.Connection, i: int) -> float:
    async with conn.transaction():
        await conn.fetchrow(d.D5_SELECT, i)
        await conn.execute(d.D5_UPDATE, i)
        new_id = await conn.fetchval(d.D5_INSERT, *d.NEW_ROW)
        await conn.execute(d.D5_DELETE, new_id)
        return await conn.fetchval(d.D5_SCORE, i)


async def d5_asyncpg(conn: asyncpg.Connection, n: int) -> float:
    score = 0.0
    for k in range(n):
        score = await _asyncpg_tx(conn, d.d1_id(k))
    return score


async def d5_asyncpg_pool(pool: asyncpg.Pool, n: int) -> float:
    score = 0.0
    for k in range(n):
        async with pool.acquire() as conn:
            score = await _asyncpg_tx(conn, d.d1_id(k))
    return score


async def _psycopg_tx(conn: psycopg.AsyncConnection[Any], i: int) -> float:
    async with conn.transaction():
        await (await conn.execute(d.D5_SELECT_PSYCOPG, (i,))).fetchone()
        await conn.execute(d.D5_UPDATE_PSYCOPG, (i,))
        new_id = (await (await conn.execute(d.D5_INSERT_PSYCOPG, d.NEW_ROW)).fetchone())[0]
        await conn.execute(d.D5_DELETE_PSYCOPG, (new_id,))
        return (await (await conn.execute(d.D5_SCORE_PSYCOPG, (i,))).fetchone())[0]


async def d5_psycopg(conn: psycopg.AsyncConnection[Any], n: int) -> float:
    score = 0.0
    for k in range(n):
        score = await _psycopg_tx(conn, d.d1_id(k))
    return score


async def d5_psycopg_pool(pool: AsyncConnectionPool, n: int) -> float:
    score = 0.0
    for k in range(n):
        async with pool.connection() as conn:
            score = await _psycopg_tx(conn, d.d1_id(k))
    return score


async def d5_sa_core(engine: AsyncEngine, n: int) -> float:
    u = sa_users
    score = 0.0
    for k in range(n):
        i = d.d1_id(k)
        async with engine.begin() as conn:
            (await conn.execute(sa.select(u).where(u.c.id == i))).first()
            await conn.execute(sa.update(u).where(u.c.id == i).values(score=u.c.score + 1))
            new_id = (
                await conn.execute(sa.insert(u).values(d.NEW_ROW_DICT).returning(u.c.id))
            ).scalar_one()
            await conn.execute(sa.delete(u).where(u.c.id == new_id))
            score = (await conn.execute(sa.select(u.c.score).where(u.c.id == i))).scalar_one()
    return score
