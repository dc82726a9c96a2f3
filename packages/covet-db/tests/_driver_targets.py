"""Driver-level test targets: one driver and an isolated database for it.

The driver tests talk to ``DriverConnection`` objects directly, below ``Database``; the
``target``, ``pg_target`` and ``conn`` fixtures in conftest.py build on this module.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from covet.db import DatabaseURL
from covet.db._drivers import ConnectOptions, Driver, DriverConnection, get_driver

PG = pytest.mark.postgres
DRIVERS = ["sqlite", pytest.param("asyncpg", marks=PG), pytest.param("psycopg", marks=PG)]
PG_DRIVERS = [pytest.param("asyncpg", marks=PG), pytest.param("psycopg", marks=PG)]


@dataclass
class Target:
    """One driver and an isolated database URL for it."""

    name: str
    driver: Driver
    url: DatabaseURL
    schema: str | None

    @property
    def pg(self) -> bool:
        return self.driver.dialect == "postgresql"

    async def connect(self, **options: Any) -> DriverConnection:
        return await self.driver.connect(self.url, ConnectOptions(**options))

    def sql(self, text: str) -> str:
        """Turn the ``?`` placeholders of ``text`` into this driver's paramstyle."""
        if self.driver.paramstyle == "qmark":
            return text
        if self.driver.paramstyle == "format":
            return text.replace("?", "%s")
        parts = text.split("?")
        return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))


async def open_target(
    name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Target]:
    driver = get_driver(name)
    if name == "sqlite":
        yield Target(name, driver, DatabaseURL.parse(f"sqlite:///{tmp_path / 'test.db'}"), None)
        return
    postgres_url: str = request.getfixturevalue("postgres_url")
    schema = f"t_drv_{uuid.uuid4().hex[:12]}"
    admin = await get_driver("asyncpg").connect(DatabaseURL.parse(postgres_url), ConnectOptions())
    await admin.execute(f'CREATE SCHEMA "{schema}"', ())
    scheme = "postgresql+psycopg" if name == "psycopg" else "postgresql"
    url = DatabaseURL.parse(f"{scheme}://{postgres_url.split('://', 1)[1]}?search_path={schema}")
    try:
        yield Target(name, driver, url, schema)
    finally:
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE', ())
        await admin.close()
