"""covet-db test fixtures: a connected Database on each driver, isolated per test.

``db`` is parametrized over SQLite, asyncpg and psycopg. On PostgreSQL each test gets its
own schema (dropped afterwards) through the URL's ``search_path`` option, so tests never
see each other's tables, even when several runs share the server.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from covet.db import Database
from covet.db._drivers import DriverConnection

from ._driver_targets import DRIVERS as DRIVER_PARAMS
from ._driver_targets import PG_DRIVERS, Target, open_target

DRIVERS = ["sqlite", "asyncpg", "psycopg"]


def driver_url(driver: str, postgres_url: str, schema: str) -> str:
    rest = postgres_url.split("://", 1)[1]
    scheme = "postgresql+psycopg" if driver == "psycopg" else "postgresql"
    separator = "&" if "?" in rest else "?"
    return f"{scheme}://{rest}{separator}search_path={schema}"


@pytest.fixture
async def pg_schema(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A fresh PostgreSQL schema, dropped after the test."""
    postgres_url: str = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    async with Database(postgres_url, min_size=0, max_size=1) as admin:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield schema
        finally:
            await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def make_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """A factory: ``make_url(driver)`` gives an isolated URL for that driver.

    Tests call it from async code, where an async fixture cannot be requested, so the
    PostgreSQL schema is made (and dropped afterwards) over a short synchronous psycopg
    connection, only when a PostgreSQL driver asks for a URL.
    """
    schemas: list[str] = []
    postgres_url = ""

    def factory(driver: str) -> str:
        nonlocal postgres_url
        if driver == "sqlite":
            return f"sqlite:///{tmp_path / 'test.db'}"
        if not schemas:
            postgres_url = request.getfixturevalue("postgres_url")
            schema = f"t_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(postgres_url, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
            schemas.append(schema)
        return driver_url(driver, postgres_url, schemas[0])

    yield factory
    for schema in schemas:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest) -> str:
    """The driver name: "sqlite", "asyncpg" or "psycopg"."""
    return str(request.param)


@pytest.fixture
async def db(driver: str, make_url: Callable[[str], str]) -> AsyncIterator[Database]:
    """A connected Database on ``driver``, on a fresh database or schema."""
    async with Database(make_url(driver), min_size=1, max_size=4) as database:
        yield database


# --- driver-level targets (test_drivers_*.py) ----------------------------------------


@pytest.fixture(params=DRIVER_PARAMS)
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Target]:
    async for found in open_target(request.param, request, tmp_path):
        yield found


@pytest.fixture(params=PG_DRIVERS)
async def pg_target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Target]:
    async for found in open_target(request.param, request, tmp_path):
        yield found


@pytest.fixture
async def conn(target: Target) -> AsyncIterator[DriverConnection]:
    connection = await target.connect()
    yield connection
    await connection.close()
